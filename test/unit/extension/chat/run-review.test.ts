// The review a finished run leaves in the chat: only for runs that changed files from a
// checkpoint, with a summary that says how the run ended.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AgentRunResult } from "../../../../src/protocol/agent.ts";
import { reviewEvent } from "../../../../src/extension/chat/run-review.ts";

const result = (over: Partial<AgentRunResult>): AgentRunResult => ({ stopReason: "finished", message: "done", steps: 3, changedFiles: [], ...over });

describe("reviewEvent", () => {
  it("reviews the changed files from the run's first checkpoint, with the fix's tests", () => {
    const tests = { command: "npm test", passed: true, exitCode: 0, output: "ok" };
    assert.deepEqual(reviewEvent(result({ startCheckpoint: "cp1", endCheckpoint: "cp9", changedFiles: ["a.ts", "b.ts"], tests })), {
      type: "review",
      checkpoint: "cp1",
      after: "cp9",
      summary: "Hearth changed 2 files.",
      files: ["a.ts", "b.ts"],
      tests,
    });
  });

  it("says why a run that stopped early stopped, and counts one file as a file", () => {
    const event = reviewEvent(result({ stopReason: "max-steps", startCheckpoint: "cp1", changedFiles: ["a.ts"] }));
    assert.equal(event?.type === "review" && event.summary, "Hearth changed 1 file before it stopped (max steps).");
    assert.equal(event?.type === "review" && "tests" in event, false);
  });

  it("leaves nothing to review when no file changed or no checkpoint was taken", () => {
    assert.equal(reviewEvent(result({ startCheckpoint: "cp1" })), undefined);
    assert.equal(reviewEvent(result({ changedFiles: ["a.ts"] })), undefined);
  });
});
