// Two conversations run at once in one workspace (the runtime runs several: one run at a time
// per conversation), sharing its checkpoints. The user saves a file while conversation A's
// model thinks, then starts conversation B; A's agent then edits that file. Real files, real
// git under the checkpoints, the real run loop and the scripted model: A's review holds A's
// edit, though B's run started (and ended) between the user's save and the edit.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

describe("a run during which another conversation's run starts", () => {
  it("keeps in its review the agent's edit of a file the user saved before the other run started", async () => {
    const dir = tempDir("hearth-concurrent-runs-");
    const root = committedRepo(join(dir, "work"), { "f.txt": "base\n" });
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const workspace = new DiskWorkspace(root);
    const turns = [
      call("run_command", { command: "true" }),
      call("run_command", { command: "true" }),
      call("edit_file", { path: "f.txt", old_text: "base", new_text: "the agent's" }),
      call("finish", { summary: "done" }),
    ];
    let asked = 0;
    let other: Awaited<ReturnType<typeof runConversationTurn>> | undefined;
    const { result } = await runConversationTurn({
      mode: "chat", text: "fix f", messages: [], policy: "ask", workspace, checkpoints,
      backend: async () => new ScriptedBackend({ turns }),
      approve: async () => {
        asked++;
        // While the second command waits for a yes: the user saves a line of their own in f.txt.
        if (asked === 2) writeFileSync(join(root, "f.txt"), "base\nthe user's line\n");
        // While the edit waits: the user sends a message in another conversation, which runs and ends.
        if (asked === 3) {
          other = await runConversationTurn({
            mode: "chat", text: "a question", messages: [], policy: "ask", workspace, checkpoints,
            backend: async () => new ScriptedBackend({ turns: [{ text: "an answer" }] }),
            approve: async () => true, onEvent: () => undefined, signal: new AbortController().signal,
          });
        }
        return true;
      },
      onEvent: () => undefined,
      signal: new AbortController().signal,
    });
    assert.equal(asked, 3);
    assert.deepEqual(other?.result.changedFiles, []);
    // The agent's edit of f.txt is A's: in its review (with the user's line, which cannot be told apart after it).
    assert.deepEqual(result.changedFiles, ["f.txt"]);
  });
});
