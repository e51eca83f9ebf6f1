// Fix This Issue in the editor: the agent writes reproduce.py to reproduce the bug, a new module
// the fix imports, and the fix, and finishes, leaving the script. The chat names the new file
// nothing else names (as hearth fix does on stderr), not the module; a Reject of the script in the
// review takes it away and leaves the fix. A chat run says nothing of the kind. Real git, real
// files, the real run loop, the scripted model, Reject as the runtime does it.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

async function run(mode: "fix" | "chat") {
  const dir = tempDir("hearth-scratch-notice-");
  const root = committedRepo(join(dir, "work"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const turns = [
    call("write_file", { path: "reproduce.py", content: "from calc import add\nprint(add(2, 3))\n" }),
    call("write_file", { path: "mathutil.py", content: "def total(a, b):\n    return a + b\n" }),
    call("edit_file", { path: "calc.py", old_text: "def add(a, b):\n    return a - b", new_text: "from mathutil import total\n\n\ndef add(a, b):\n    return total(a, b)" }),
    call("finish", { summary: "done" }),
  ];
  const notices: string[] = [];
  const { result } = await runConversationTurn({
    mode, text: "add is wrong", messages: [], policy: "auto-all",
    workspace: new DiskWorkspace(root), checkpoints,
    backend: async () => new ScriptedBackend({ turns }),
    approve: async () => true,
    onEvent: (e) => {
      if (e.type === "notice" && /no other changed file names/.test(e.text)) notices.push(e.text);
    },
    signal: new AbortController().signal,
  });
  return { root, checkpoints, result, notices };
}

describe("Fix This Issue and the scratch files the agent leaves", () => {
  it("names reproduce.py, not the module the fix imports; a Reject of it leaves the fix", { timeout: 120_000 }, async () => {
    const { root, checkpoints, result, notices } = await run("fix");
    assert.deepEqual([...result.changedFiles].sort(), ["calc.py", "mathutil.py", "reproduce.py"]);
    assert.deepEqual(notices, ["New files the agent wrote that no other changed file names: reproduce.py. They may be a script to reproduce the issue or scratch notes rather than part of the fix: look at them in the review, and Reject those the fix does not need."]);
    const disk = new DiskWorkspace(root);
    assert.deepEqual((await restoreCheckpoint({ checkpoints, checkpoint: result.startCheckpoint!, paths: ["reproduce.py"], until: result.endCheckpoint, disk, target: disk })).notRestored, []);
    assert.ok(!existsSync(join(root, "reproduce.py")));
    assert.ok(existsSync(join(root, "mathutil.py")));
  });

  it("a chat run is not told", { timeout: 120_000 }, async () => {
    const { result, notices } = await run("chat");
    assert.equal(result.changedFiles.length, 3);
    assert.deepEqual(notices, []);
  });
});
