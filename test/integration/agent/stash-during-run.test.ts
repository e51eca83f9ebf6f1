// A chat or Fix This Issue run whose agent ran `git stash` (to test on a clean tree) in a
// checkout holding the user's uncommitted work: the review showed the user's lines as removed
// by the run and nothing said a stash entry held them; Reject put them back from the checkpoint,
// and the `git stash pop` the user then ran refused (the entry a copy of what the files held).
// Or it ran `git stash pop` of the user's own entry: the review showed its changes as the run's,
// Reject took them out, and the entry was gone from the list, unsaid. The run now says each, with
// the ways out, and the test follows them. Real git, real files, the real run loop, the scripted
// model, and the review's Reject as the runtime does it (restoreCheckpoint to the run's start).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { runFix } from "../../../src/agent/fix.ts";
import { stashedMessage } from "../../../src/cli/commands/fix.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });
const BUGGY = "def add(a, b):\n    return a - b\n";
const read = (root: string, path: string) => readFileSync(join(root, path), "utf8");

/** A checkout with the bug committed, its run (`command`, then the agent's fix), and a Reject as the review does it. */
async function run(dir: string, before: (root: string) => void, command: string, afterFirstStep?: (root: string) => void) {
  const root = committedRepo(join(dir, "work"), { "calc.py": BUGGY, "notes.txt": "notes\n" });
  before(root);
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const turns = [call("run_command", { command }), call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }), call("finish", { summary: "done" })];
  const notices: string[] = [];
  const { result } = await runConversationTurn({
    mode: "fix", text: "add is wrong", messages: [], policy: "auto-all", testCommand: "true",
    workspace: new DiskWorkspace(root), checkpoints,
    backend: async () => new ScriptedBackend({ turns }),
    approve: async () => true,
    onEvent: (e) => {
      if (e.type === "notice" && /stash/.test(e.text)) notices.push(e.text);
      if (e.type === "toolEnd" && e.callId === "call_1") afterFirstStep?.(root);
    },
    signal: new AbortController().signal,
  });
  const reject = async () => {
    const disk = new DiskWorkspace(root);
    return restoreCheckpoint({ checkpoints, checkpoint: result.startCheckpoint!, paths: result.changedFiles, until: result.endCheckpoint, disk, target: disk });
  };
  return { root, result, notices, reject };
}

const usersWork = (root: string) => {
  writeFileSync(join(root, "notes.txt"), "notes\nmy own work\n");
  writeFileSync(join(root, "calc.py"), `# the user's line\n${BUGGY}`);
};
const gitSays = (root: string, ...args: string[]) => spawnSync("git", args, { cwd: root, encoding: "utf8" });

describe("a git stash during a chat or Fix This Issue run", () => {
  it("says the stash entry holds the user's work; Accept then add and pop brings it back, Reject then drop leaves one copy", { timeout: 120_000 }, async () => {
    const dir = tempDir("hearth-stash-run-");
    const kept = await run(join(dir, "keep"), usersWork, "git stash");
    assert.deepEqual(kept.result.changedFiles, ["calc.py", "notes.txt"]);
    assert.equal(kept.notices.length, 1, JSON.stringify(kept.notices));
    const commit = git(kept.root, "rev-parse", "stash@{0}").trim().slice(0, 12);
    assert.equal(kept.notices[0], `git stash ran during this run (the agent's command, or yours in a terminal): the stash entry stash@{0}, commit ${commit} holds changes taken out of the files, your uncommitted work among them if you had any, and the review shows them as removed by this run. To keep the agent's changes and have yours back: Accept, then git add -u and git stash pop (pop refuses while a file it changes holds unstaged changes; staged ones it merges with). A Reject puts them back in the files itself (from Hearth's checkpoint), so the stash entry is then a copy: look it over (git stash show -p stash@{0}) and drop it (git stash drop stash@{0}); git stash pop would refuse, the files holding those changes already.`);
    // Accept, then as said (a plain pop refuses: calc.py holds the agent's unstaged edit): the user's work and the agent's fix, the stash list empty.
    assert.notEqual(gitSays(kept.root, "stash", "pop").status, 0);
    assert.equal(gitSays(kept.root, "add", "-u").status, 0);
    assert.equal(gitSays(kept.root, "stash", "pop").status, 0);
    assert.equal(read(kept.root, "calc.py"), "# the user's line\ndef add(a, b):\n    return a + b\n");
    assert.equal(read(kept.root, "notes.txt"), "notes\nmy own work\n");
    assert.equal(git(kept.root, "stash", "list"), "");

    const rejected = await run(join(dir, "reject"), usersWork, "git stash");
    assert.equal(rejected.notices.length, 1);
    assert.deepEqual((await rejected.reject()).notRestored, []);
    assert.equal(read(rejected.root, "calc.py"), `# the user's line\n${BUGGY}`);
    assert.equal(read(rejected.root, "notes.txt"), "notes\nmy own work\n");
    // As said: pop refuses (nothing written), the entry is a copy of the files, and dropping it leaves one.
    const pop = gitSays(rejected.root, "stash", "pop");
    assert.notEqual(pop.status, 0);
    assert.match(pop.stderr, /would be overwritten/);
    assert.equal(gitSays(rejected.root, "diff", "--quiet", "stash@{0}").status, 0, "the files hold what the stash entry holds");
    assert.equal(gitSays(rejected.root, "stash", "drop", "stash@{0}").status, 0);
    assert.equal(git(rejected.root, "stash", "list"), "");
    assert.equal(read(rejected.root, "calc.py"), `# the user's line\n${BUGGY}`);
    assert.equal(read(rejected.root, "notes.txt"), "notes\nmy own work\n");
  });

  it("says the user's own stash entry the run popped is gone, and the commit that brings it back after a Reject", { timeout: 120_000 }, async () => {
    const dir = tempDir("hearth-stash-pop-run-");
    const popped = await run(dir, (root) => {
      writeFileSync(join(root, "notes.txt"), "notes\nstashed last week\n");
      git(root, "stash");
    }, "git stash pop");
    assert.deepEqual(popped.result.changedFiles, ["calc.py", "notes.txt"]);
    assert.equal(git(popped.root, "stash", "list"), "");
    assert.equal(popped.notices.length, 1, JSON.stringify(popped.notices));
    const commit = /^git stash pop or drop ran during this run: the stash entry ([0-9a-f]{12}) \(stash@\{0\} at the start\) is gone from the stash list\. A popped entry's changes are in the files now, and where the review shows them as this run's a Reject takes them out: to have them again, git stash apply \1, or put it back in the list with git stash store \1 — git keeps that commit only until it prunes unreachable ones \(two weeks by default\)\.$/.exec(popped.notices[0]!)?.[1];
    assert.ok(commit, popped.notices[0]);
    await popped.reject();
    assert.equal(read(popped.root, "notes.txt"), "notes\n");
    // The way back said works.
    assert.equal(gitSays(popped.root, "stash", "store", commit).status, 0);
    assert.equal(gitSays(popped.root, "stash", "pop").status, 0);
    assert.equal(read(popped.root, "notes.txt"), "notes\nstashed last week\n");
    assert.equal(read(popped.root, "calc.py"), BUGGY);
  });

  it("says the user's own git stash in a terminal while the model thought is not in the review, and that its entry is the only copy", { timeout: 120_000 }, async () => {
    const dir = tempDir("hearth-stash-by-hand-");
    // The model's first step reads; the user stashes in a terminal before its edit.
    const byHand = await run(dir, usersWork, "git status --short", (root) => git(root, "stash"));
    assert.deepEqual(byHand.result.changedFiles, ["calc.py"]);
    assert.equal(byHand.notices.length, 1, JSON.stringify(byHand.notices));
    const commit = git(byHand.root, "rev-parse", "stash@{0}").trim().slice(0, 12);
    assert.equal(byHand.notices[0], `git stash ran during this run (the agent's command, or yours in a terminal): the stash entry stash@{0}, commit ${commit} holds changes taken out of the files, your uncommitted work among them if you had any, and the review does not hold all of them (no step of the agent's changed them), so neither Accept nor Reject puts them back: the stash entry is their only copy. Keep it, and once the run's changes are settled, git add -u and git stash pop stash@{0} brings them back (pop refuses while a file it changes holds unstaged changes; staged ones it merges with).`);
    // A Reject takes back the agent's edit alone; the work comes back from the entry, as said.
    await byHand.reject();
    assert.equal(read(byHand.root, "calc.py"), BUGGY);
    assert.equal(read(byHand.root, "notes.txt"), "notes\n");
    assert.equal(gitSays(byHand.root, "add", "-u").status, 0);
    assert.equal(gitSays(byHand.root, "stash", "pop").status, 0);
    assert.equal(read(byHand.root, "calc.py"), `# the user's line\n${BUGGY}`);
    assert.equal(read(byHand.root, "notes.txt"), "notes\nmy own work\n");
  });

  it("says nothing where the run stashed and popped again", { timeout: 120_000 }, async () => {
    const dir = tempDir("hearth-stash-both-run-");
    const both = await run(dir, usersWork, "git stash && git stash pop");
    assert.deepEqual(both.notices, []);
    assert.equal(read(both.root, "notes.txt"), "notes\nmy own work\n");
  });
});

describe("hearth fix after the user's git stash in a terminal while the model thought", () => {
  it("says the patch does not hold all of what the entry took (it said the patch shows them removed)", { timeout: 120_000 }, async () => {
    const dir = tempDir("hearth-fix-stash-by-hand-");
    const root = committedRepo(join(dir, "work"), { "calc.py": BUGGY, "notes.txt": "notes\n" });
    usersWork(root);
    const turns = [call("run_command", { command: "git status --short" }), call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }), call("finish", { summary: "done" })];
    const result = await runFix({
      repo: root, issue: "add is wrong", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all", approve: async () => true,
      onEvent: (event) => { if (event.type === "toolEnd" && event.call.name === "run_command") git(root, "stash"); },
    });
    assert.equal(result.stashedDuringRun, 1);
    assert.doesNotMatch(result.patch, /my own work/);
    assert.equal(result.stashOutOfPatch, true);
    assert.match(stashedMessage(result.stashedDuringRun!, result.stashOutOfPatch), /uncommitted changes of yours among them if you had any \(not all in the patch: what no step of the agent's changed is left out\)\./);
  });
});
