// The review a finished run leaves in the chat: only for runs that changed files from a
// checkpoint, with a summary that says how the run ended.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AgentRunResult } from "../../../../src/protocol/agent.ts";
import { interruptedReview, reviewEvent } from "../../../../src/extension/chat/run-review.ts";
import type { TranscriptItem } from "../../../../src/protocol/transcript.ts";

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

  it("carries where each diff starts for a file the user saved before the agent's first write", () => {
    const event = reviewEvent(result({ startCheckpoint: "cp1", endCheckpoint: "cp9", changedFiles: ["a.ts", "b.ts"], diffBases: { "a.ts": "cp3" } }));
    assert.equal(event?.type, "review");
    assert.deepEqual(event?.type === "review" && event.diffBases, { "a.ts": "cp3" });
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

describe("interruptedReview", () => {
  type Item = TranscriptItem;
  const user = (over: Partial<Extract<Item, { kind: "user" }>> = {}): Item => ({ kind: "user", id: "u2", text: "fix it", messageIndex: 3, checkpoint: "start", ...over });
  const write = (id: string, files: string[], after: string): Item => ({ kind: "tool", id, name: "edit_file", arguments: {}, status: "done", changedFiles: files, checkpoint: `before-${id}`, after });
  const earlier: Item[] = [{ kind: "user", id: "u1", text: "hi", messageIndex: 1, checkpoint: "old" }, write("t0", ["old.ts"], "old-after")];

  it("reviews the files the cut-off run's steps changed, from its message's checkpoint to its last write", () => {
    const items: Item[] = [
      ...earlier,
      user(),
      write("t1", ["a.ts"], "cp1"),
      { kind: "tool", id: "t2", name: "run_command", arguments: {}, status: "done", checkpoint: "cp1" },
      write("t3", ["b.ts", "a.ts"], "cp3"),
      { kind: "tool", id: "t4", name: "edit_file", arguments: {}, status: "cancelled" },
    ];
    assert.deepEqual(interruptedReview(items), {
      type: "review",
      checkpoint: "start",
      after: "cp3",
      summary: "Hearth changed 2 files before the run was cut off.",
      files: ["a.ts", "b.ts"],
    });
  });

  it("leaves nothing to review when the run changed nothing, had no checkpoint, or was reviewed already", () => {
    assert.equal(interruptedReview([...earlier, user(), { kind: "tool", id: "t1", name: "read_file", arguments: {}, status: "done" }]), undefined);
    assert.equal(interruptedReview([...earlier, user({ checkpoint: undefined }), write("t1", ["a.ts"], "cp1")]), undefined);
    const reviewed: Item = { kind: "review", id: "r", checkpoint: "start", summary: "Hearth changed 1 file.", files: [{ path: "a.ts", state: "pending" }] };
    assert.equal(interruptedReview([...earlier, user(), write("t1", ["a.ts"], "cp1"), reviewed]), undefined);
    assert.equal(interruptedReview([]), undefined);
  });
});
