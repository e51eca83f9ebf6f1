// What Hearth's run changes outside a tool step's own time must stay in the run's review
// (8c2507c6 leaves out files no step of the agent's changed, taking them for the user's):
// the final tests of Fix This Issue write while no step runs. Real files, real git under the checkpoints, the
// real run loop and commands, the scripted model.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

describe("changes of Hearth's made outside a tool step stay in the run's review", () => {
  it("what Fix This Issue's final test run writes", async () => {
    const dir = tempDir("hearth-agent-time-");
    const root = committedRepo(join(dir, "work"), { "a.txt": "base\n" });
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const turns = [call("edit_file", { path: "a.txt", old_text: "base", new_text: "fixed" }), call("finish", { summary: "done" })];
    const { result } = await runConversationTurn({
      mode: "fix", text: "a.txt says base", messages: [], policy: "auto-edit",
      workspace: new DiskWorkspace(root),
      checkpoints,
      // A test run that writes a snapshot it did not find (jest, a golden file).
      testCommand: "echo snapshot > snap.txt",
      backend: async () => new ScriptedBackend({ turns }),
      // While the final tests wait for the user's yes, they save a note of their own: theirs, not in the review.
      approve: async (request) => {
        if (request.call.name === "run_tests") writeFileSync(join(root, "notes.md"), "the user's note\n");
        return true;
      },
      onEvent: () => undefined,
      signal: new AbortController().signal,
    });
    assert.equal(result.tests?.passed, true);
    assert.equal(readFileSync(join(root, "snap.txt"), "utf8"), "snapshot\n");
    assert.deepEqual([...result.changedFiles].sort(), ["a.txt", "snap.txt"]);
  });
});
