// What Hearth's run changes outside a tool step's own time must stay in the run's review
// (8c2507c6 leaves out files no step of the agent's changed, taking them for the user's):
// the final tests of Fix This Issue, and a process an agent's command left running in the
// background, write while no step runs. Real files, real git under the checkpoints, the
// real run loop and commands, the scripted model.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { describe, it } from "node:test";
import { changedSinceExpected, restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo, repoWithBranch } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

/** Waits until `path` exists (a background process writes it once told to), at most about 30 s. */
async function appears(path: string): Promise<void> {
  for (let i = 0; i < 1500 && !existsSync(path); i++) await delay(20);
  assert.ok(existsSync(path), `${path} never appeared`);
}

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

  it("leaves git's files out, as the user's, where HEAD moved while the final tests ran", async () => {
    const dir = tempDir("hearth-agent-time-");
    const root = repoWithBranch(join(dir, "work"), { "a.txt": "base\n", "notes.txt": "main's\n" }, { written: { "notes.txt": "other's\n" } });
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const turns = [call("edit_file", { path: "a.txt", old_text: "base", new_text: "fixed" }), call("finish", { summary: "done" })];
    const notices: string[] = [];
    const { result } = await runConversationTurn({
      mode: "fix", text: "a.txt says base", messages: [], policy: "auto-all",
      workspace: new DiskWorkspace(root),
      checkpoints,
      // Standing for the user's git checkout while the tests ran (as test/integration/cli/fix-head-moved does).
      testCommand: "git checkout -q other",
      backend: async () => new ScriptedBackend({ turns }),
      approve: async () => true,
      onEvent: (e) => e.type === "notice" && notices.push(e.text),
      signal: new AbortController().signal,
    });
    assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "other's\n");
    assert.deepEqual(result.changedFiles, ["a.txt"]);
    assert.ok(notices.some((text) => text.startsWith("Git's HEAD moved during this run")), notices.join("\n"));
  });

  it("what a process the agent's command left running writes while the model thinks", async () => {
    const dir = tempDir("hearth-agent-time-");
    const root = committedRepo(join(dir, "work"), { "a.txt": "base\n" });
    const go = join(dir, "go");
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    // A watcher started in the background (`npm run build -- --watch &`): it writes once told to.
    const watcher = `(for i in $(seq 1 600); do [ -e '${go}' ] && break; sleep 0.05; done; echo built > out.js) > /dev/null 2>&1 &`;
    const turns = [
      call("run_command", { command: watcher }),
      call("run_command", { command: "true" }),
      call("finish", { summary: "done" }),
    ];
    const controller = new AbortController();
    const notices: string[] = [];
    const { result } = await runConversationTurn({
      mode: "chat", text: "start the watcher", messages: [], policy: "auto-edit",
      workspace: new DiskWorkspace(root),
      checkpoints,
      backend: async () => new ScriptedBackend({ turns }),
      // Asked about the second command (after the first one's step ended): the watcher writes meanwhile.
      approve: async (request) => {
        if (request.call.arguments["command"] === "true") {
          writeFileSync(go, "");
          await appears(join(root, "out.js"));
        }
        return true;
      },
      onEvent: (e) => e.type === "notice" && notices.push(e.text),
      signal: controller.signal,
    });
    controller.abort();
    assert.deepEqual(result.changedFiles, ["out.js"]);
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /^A file changed while the model thought, not during a step of Hearth's: "out\.js"\. A process one of Hearth's commands left running in the background may have written it, so it is in this run's review; if it is your own work, keep it \(Reject asks/);
    // Its Reject asks first (no step's time holds the write: it may be the user's), then takes it out.
    assert.deepEqual(await changedSinceExpected(checkpoints, result.startCheckpoint!, result.endCheckpoint!, result.changedFiles), ["out.js"]);
    const disk = new DiskWorkspace(root);
    const restored = await restoreCheckpoint({ checkpoints, checkpoint: result.startCheckpoint!, paths: result.changedFiles, disk, target: disk });
    assert.deepEqual(restored.restored, ["out.js"]);
    assert.equal(existsSync(join(root, "out.js")), false);
  });
  it("what a process an earlier message's command left running writes during the next message's run", async () => {
    const dir = tempDir("hearth-agent-time-");
    const root = committedRepo(join(dir, "work"), { "a.txt": "base\n" });
    const go = join(dir, "go");
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const watcher = `(for i in $(seq 1 600); do [ -e '${go}' ] && break; sleep 0.05; done; echo built > out.js) > /dev/null 2>&1 &`;
    const controller = new AbortController();
    const turn = (turns: ScriptedTurn[], approve: () => Promise<boolean>) => runConversationTurn({
      mode: "chat", text: "go on", messages: [], policy: "auto-edit",
      workspace: new DiskWorkspace(root),
      checkpoints,
      backend: async () => new ScriptedBackend({ turns }),
      approve,
      onEvent: () => undefined,
      // The chat's runs share the runtime; what one left running outlives it until Stop.
      signal: controller.signal,
    });
    await turn([call("run_command", { command: watcher }), call("finish", { summary: "started" })], async () => true);
    // The next message: the model edits a.txt and asks to run a command; the watcher writes while the user is asked.
    const { result } = await turn([
      call("edit_file", { path: "a.txt", old_text: "base", new_text: "edited" }),
      call("run_command", { command: "true" }),
      call("finish", { summary: "done" }),
    ], async () => {
      writeFileSync(go, "");
      await appears(join(root, "out.js"));
      return true;
    });
    controller.abort();
    assert.deepEqual([...result.changedFiles].sort(), ["a.txt", "out.js"]);
  });
});
