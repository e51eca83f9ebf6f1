// Two conversations run at once in one workspace (the runtime runs several: one run at a time
// per conversation), sharing its checkpoints. The user saves a file while conversation A's
// model thinks, then starts conversation B; A's agent then edits that file. Real files, real
// git under the checkpoints, the real run loop and the scripted model: A's review holds A's
// edit, though B's run started (and ended) between the user's save and the edit; and its
// Reject of that file (as the runtime's restore does it: changedSinceExpected, then
// restoreCheckpoint, up to the run's end) takes back the edit and keeps the user's save.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { changedSinceExpected, restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

/**
 * Conversation A runs two commands and an edit of f.txt; the user saves a line of their own in
 * f.txt while the second command waits for a yes, and sends a message in conversation B (which
 * runs and ends) while the edit waits. Real checkpoints in a temp folder, removed by tempDir.
 */
async function twoConversations() {
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
  let step: { checkpoint: string; after: string } | undefined;
  const { result } = await runConversationTurn({
    mode: "chat", text: "fix f", messages: [], policy: "ask", workspace, checkpoints,
    backend: async () => new ScriptedBackend({ turns }),
    approve: async () => {
      asked++;
      // While the second command waits for a yes: the user saves a line of their own in f.txt.
      if (asked === 2) writeFileSync(join(root, "f.txt"), USER_SAVE);
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
    // The edit's tool card: its Undo this step restores its checkpoint, expecting its after.
    onEvent: (event) => {
      if (event.type === "toolEnd" && event.changedFiles && event.checkpoint && event.after) step = { checkpoint: event.checkpoint, after: event.after };
    },
    signal: new AbortController().signal,
  });
  assert.equal(asked, 3);
  assert.deepEqual(other?.result.changedFiles, []);
  assert.ok(step);
  return { root, checkpoints, workspace, result, step };
}

const USER_SAVE = "base\nthe user's line\n";

describe("a run during which another conversation's run starts", () => {
  it("keeps in its review the agent's edit of a file the user saved before the other run started", async () => {
    const { result } = await twoConversations();
    // The agent's edit of f.txt is A's: in its review (with the user's line, which cannot be told apart after it).
    assert.deepEqual(result.changedFiles, ["f.txt"]);
  });

  it("rejects that edit asking nothing, keeping the user's save", async () => {
    const { root, checkpoints, workspace, result } = await twoConversations();
    assert.equal(readFileSync(join(root, "f.txt"), "utf8"), "the agent's\nthe user's line\n");
    const start = result.startCheckpoint;
    const end = result.endCheckpoint;
    assert.ok(start && end);
    // The review's Reject of f.txt: the runtime's restore with expect (the run's end checkpoint), as agent-service does it.
    assert.deepEqual(await changedSinceExpected(checkpoints, start, end, ["f.txt"]), []);
    const { restored, notRestored } = await restoreCheckpoint({ checkpoints, checkpoint: start, paths: ["f.txt"], until: end, disk: workspace, target: workspace });
    assert.deepEqual({ restored, notRestored }, { restored: ["f.txt"], notRestored: [] });
    // Back to just before the agent's edit: the user's save stays (not the run's start, "base").
    assert.equal(readFileSync(join(root, "f.txt"), "utf8"), USER_SAVE);
  });

  it("undoes that edit's step asking nothing, keeping the user's save", async () => {
    const { root, checkpoints, workspace, step } = await twoConversations();
    assert.deepEqual(await changedSinceExpected(checkpoints, step.checkpoint, step.after, ["f.txt"]), []);
    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint: step.checkpoint, paths: ["f.txt"], until: step.after, disk: workspace, target: workspace });
    assert.deepEqual(restored, ["f.txt"]);
    assert.equal(readFileSync(join(root, "f.txt"), "utf8"), USER_SAVE);
  });
});
