// What the agent's own steps change stays in the chat run's review (and `hearth fix`'s patch),
// whatever the user does between them: the shapes a run's review must not lose since files only
// the user changed are left out (CheckpointStore.agentBaselines). Real files, real git under the
// checkpoints, real commands, the real run loop and the scripted model.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { runFix } from "../../../src/agent/fix.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

async function chatRun(files: Record<string, string>, turns: ScriptedTurn[], user: (root: string, e: AgentWireEvent, stop: () => void) => void) {
  const dir = tempDir("hearth-agent-steps-");
  const root = committedRepo(join(dir, "work"), files);
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const stop = new AbortController();
  const { result } = await runConversationTurn({
    mode: "chat", text: "do it", messages: [], policy: "auto-all",
    workspace: new DiskWorkspace(root), checkpoints,
    backend: async () => new ScriptedBackend({ turns }),
    approve: async () => true,
    onEvent: (e) => user(root, e, () => stop.abort()),
    signal: stop.signal,
  });
  return { root, result };
}

describe("the agent's steps stay in the run's review while the user works", () => {
  it("a file the agent's command wrote that the user saved after; a file in a new folder; a rename by mv and by git mv; a delete by apply_patch", async () => {
    let commandId: string | undefined;
    const { root, result } = await chatRun({ "a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n", "d.txt": "d\n" }, [
      call("run_command", { command: "echo built > made.txt && mkdir -p new/deep && echo x > new/deep/x.txt && mv a.txt a2.txt && git mv b.txt b2.txt" }),
      call("apply_patch", { patch: "--- a/c.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-c\n" }),
      call("list_files", {}),
      call("finish", { summary: "done" }),
    ], (root, e) => {
      // While the model thinks after the command: the user adds a line to the file it made.
      if (e.type === "toolStart" && e.call.name === "run_command") commandId = e.call.id;
      if (e.type === "toolEnd" && e.callId === commandId) writeFileSync(join(root, "made.txt"), "built\nthe user's\n");
    });
    assert.equal(readFileSync(join(root, "made.txt"), "utf8"), "built\nthe user's\n");
    assert.equal(existsSync(join(root, "c.txt")), false);
    assert.deepEqual([...result.changedFiles].sort(), ["a.txt", "a2.txt", "b.txt", "b2.txt", "c.txt", "made.txt", "new/deep/x.txt"]);
  });

  it("what a command wrote before it failed, and a file the agent changed then changed back is no change", async () => {
    const { result } = await chatRun({ "a.txt": "a\n" }, [
      call("run_command", { command: "echo half > half.txt; exit 3" }),
      call("edit_file", { path: "a.txt", old_text: "a", new_text: "b" }),
      call("edit_file", { path: "a.txt", old_text: "b", new_text: "a" }),
      call("finish", { summary: "done" }),
    ], () => undefined);
    assert.deepEqual(result.changedFiles, ["half.txt"]);
  });

  it("what a command wrote before and as the user stopped the run", async () => {
    // The command writes, says it has started, and on Stop (SIGTERM) writes once more.
    const command = "trap 'echo stopped > late.txt; exit 1' TERM; echo partial > early.txt; touch started; while :; do sleep 1; done";
    const { root, result } = await chatRun({ "a.txt": "a\n" }, [call("run_command", { command }), call("finish", { summary: "done" })], (root, e, stop) => {
      if (e.type !== "toolStart") return;
      void (async () => {
        while (!existsSync(join(root, "started"))) await delay(20);
        stop();
      })();
    });
    assert.equal(result.stopReason, "cancelled");
    assert.equal(readFileSync(join(root, "late.txt"), "utf8"), "stopped\n");
    assert.deepEqual([...result.changedFiles].sort(), ["early.txt", "late.txt", "started"]);
  });

  it("hearth fix: the agent's only change made by a command (sed -i) is the patch, and the user's note is not", async () => {
    const dir = tempDir("hearth-agent-steps-fix-");
    const repo = committedRepo(join(dir, "work"), { "a.txt": "base\n", "notes.md": "# notes\n" });
    const result = await runFix({
      repo, issue: "a.txt says base", storageDir: join(dir, "state"), policy: "auto-all", approve: async () => true,
      backend: new ScriptedBackend({ turns: [call("run_command", { command: "sed -i 's/base/fixed/' a.txt" }), call("list_files", {}), call("finish", { summary: "done" })] }),
      onEvent: (event) => {
        if (event.type === "toolEnd" && event.call.name === "run_command") writeFileSync(join(repo, "notes.md"), "# notes\nthe user's\n");
      },
    });
    assert.deepEqual(result.changedFiles, ["a.txt"]);
    assert.match(result.patch, /-base\n\+fixed/);
    assert.doesNotMatch(result.patch, /notes\.md/);
  });
});
