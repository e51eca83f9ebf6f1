// The user runs `git checkout other` while a chat run goes on (between two of the agent's
// steps). Real git in the user's repository, the real run loop and checkpoints, the scripted
// model: the run's changes, which the review lists and a Reject restores, are the agent's
// edit alone, and the chat says HEAD moved.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import type { AgentRunResult, AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { git, repoWithBranch } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

/** A repository on its first branch with a branch `other` that deletes, adds and changes a file. */
const twoBranches = (dir: string) =>
  repoWithBranch(join(dir, "work"), { "a.txt": "base\n", "only-main.txt": "main's\n", "shared.txt": "main's version\n" }, { deleted: ["only-main.txt"], written: { "only-other.txt": "other's\n", "shared.txt": "other's version\n" } });

/**
 * A chat run of the message `text` in `root` (its checkpoints under `dir`) replaying `turns` with every tool approved;
 * `user` sees each event as it comes (with those before it), to act in the user's repository.
 */
async function runWhileUserActs(dir: string, root: string, text: string, turns: ScriptedTurn[], user: (event: AgentWireEvent, events: readonly AgentWireEvent[]) => void) {
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const events: AgentWireEvent[] = [];
  const outcome = await runConversationTurn({
    mode: "chat", text, messages: [], policy: "auto-all",
    workspace: new DiskWorkspace(root),
    checkpoints,
    backend: async () => new ScriptedBackend({ turns }),
    approve: async () => true,
    onEvent: (e) => {
      events.push(e);
      user(e, events);
    },
    signal: new AbortController().signal,
  });
  return { result: outcome.result, events, checkpoints };
}

/** The review's Reject: the run's changed files back to its start. */
async function reject(root: string, checkpoints: CheckpointStore, result: AgentRunResult): Promise<void> {
  const disk = new DiskWorkspace(root);
  await restoreCheckpoint({ checkpoints, checkpoint: result.startCheckpoint!, paths: result.changedFiles, disk, target: disk });
}

describe("a run during which the user switched branches", () => {
  it("reviews only the agent's edit, says HEAD moved, and its Reject leaves the new branch's files alone", async () => {
    const dir = tempDir("hearth-head-moved-");
    const root = twoBranches(dir);
    const first = git(root, "branch", "--show-current").trim();
    const turns = [call("edit_file", { path: "a.txt", old_text: "base", new_text: "the agent's" }), call("list_files", {}), call("finish", { summary: "done" })];
    // The user, once the agent's edit is made: a.txt's change goes along to the branch.
    const { result, events, checkpoints } = await runWhileUserActs(dir, root, "fix a", turns, (e) => {
      if (e.type === "toolEnd" && e.changedFiles?.includes("a.txt")) git(root, "checkout", "-q", "other");
    });
    assert.deepEqual(result.changedFiles, ["a.txt"]);
    const notice = events.find((e) => e.type === "notice" && /HEAD moved/.test(e.text));
    assert.ok(notice?.type === "notice");
    assert.match(notice.text, /HEAD moved during this run \(from (main|master) to other: a git checkout, pull or reset\)/);
    assert.match(notice.text, /3 files it changed are git's, not Hearth's/);
    // For Fix This Issue's closing message: the agent worked, and the tests ran, on the other branch.
    assert.deepEqual(result.headMoved, { from: first, to: "other" });

    await reject(root, checkpoints, result);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "base\n");
    assert.equal(existsSync(join(root, "only-main.txt")), false);
    assert.equal(readFileSync(join(root, "shared.txt"), "utf8"), "other's version\n");
    assert.equal(git(root, "status", "--porcelain"), "");
  });
  it("takes a branch switch made after the agent's command, while the model thinks, for the user's", async () => {
    const dir = tempDir("hearth-head-moved-");
    const root = twoBranches(dir);
    const turns = [
      call("edit_file", { path: "a.txt", old_text: "base", new_text: "the agent's" }),
      call("run_command", { command: "true" }),
      call("list_files", {}),
      call("finish", { summary: "done" }),
    ];
    const { result, events, checkpoints } = await runWhileUserActs(dir, root, "fix a", turns, (e, events) => {
      // The user, once the agent's command has ended: the model is still at work, no write of its under way.
      const command = events.find((s) => s.type === "toolStart" && s.call.name === "run_command");
      if (e.type === "toolEnd" && command?.type === "toolStart" && e.callId === command.call.id) git(root, "checkout", "-q", "other");
    });
    assert.deepEqual(result.changedFiles, ["a.txt"]);
    assert.ok(events.some((e) => e.type === "notice" && /HEAD moved during this run/.test(e.text)));

    await reject(root, checkpoints, result);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "base\n");
    assert.equal(existsSync(join(root, "only-main.txt")), false);
    assert.equal(readFileSync(join(root, "only-other.txt"), "utf8"), "other's\n");
    assert.equal(readFileSync(join(root, "shared.txt"), "utf8"), "other's version\n");
    assert.equal(git(root, "status", "--porcelain"), "");
  });
  it("takes a branch switch made after the agent's command timed out, while the model thinks, for the user's", async () => {
    const dir = tempDir("hearth-head-moved-");
    const root = twoBranches(dir);
    const turns = [
      call("edit_file", { path: "a.txt", old_text: "base", new_text: "the agent's" }),
      // A command that never ends by itself: stopped at its time limit, an error the model reads and goes on from.
      { toolCalls: [{ name: "run_command", arguments: { command: "sleep 60", timeout_seconds: 1 } }] },
      call("list_files", {}),
      call("finish", { summary: "done" }),
    ];
    const { result, events, checkpoints } = await runWhileUserActs(dir, root, "fix a", turns, (e, events) => {
      const command = events.find((s) => s.type === "toolStart" && s.call.name === "run_command");
      if (e.type === "toolEnd" && command?.type === "toolStart" && e.callId === command.call.id) {
        assert.equal(e.ok, false);
        git(root, "checkout", "-q", "other");
      }
    });
    assert.deepEqual(result.changedFiles, ["a.txt"]);
    assert.ok(events.some((e) => e.type === "notice" && /HEAD moved during this run/.test(e.text)));
    await reject(root, checkpoints, result);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "base\n");
    assert.equal(readFileSync(join(root, "only-other.txt"), "utf8"), "other's\n");
    assert.equal(readFileSync(join(root, "shared.txt"), "utf8"), "other's version\n");
    assert.equal(git(root, "status", "--porcelain"), "");
  });
  it("names the agent's edit that git merged into the branch's version of a file (git checkout -m), which a Reject leaves", async () => {
    const dir = tempDir("hearth-head-moved-");
    const root = repoWithBranch(join(dir, "work"), { "shared.txt": "one\ntwo\nthree\nfour\nfive\nsix\n" }, { written: { "shared.txt": "ONE\ntwo\nthree\nfour\nfive\nsix\n" } });
    const turns = [call("edit_file", { path: "shared.txt", old_text: "six", new_text: "the agent's six" }), call("list_files", {}), call("finish", { summary: "done" })];
    // The user switches branch carrying their changes along: git merges the agent's edit into other's shared.txt.
    const { result, events } = await runWhileUserActs(dir, root, "fix six", turns, (e) => {
      if (e.type === "toolEnd" && e.changedFiles?.includes("shared.txt")) git(root, "checkout", "-q", "-m", "other");
    });
    assert.equal(readFileSync(join(root, "shared.txt"), "utf8"), "ONE\ntwo\nthree\nfour\nfive\nthe agent's six\n");
    assert.deepEqual(result.changedFiles, []);
    const notice = events.find((e) => e.type === "notice" && /HEAD moved/.test(e.text));
    assert.ok(notice?.type === "notice");
    assert.match(notice.text, /This run edited shared\.txt before git changed it: where git merged that edit in \(git checkout -m, a pull's autostash\) it is still there/);
  });
});

describe("a run during which the user concluded a merge the agent resolved a conflict of", () => {
  it("keeps the agent's resolution in the run's changes, and its Reject puts the conflict back", async () => {
    const dir = tempDir("hearth-head-moved-");
    const root = repoWithBranch(join(dir, "work"), { "calc.py": "def add(a, b):\n    return a\n", "notes.txt": "one\n" }, {
      written: { "calc.py": "def add(a, b):\n    return b + a\n", "notes.txt": "one\ntwo\n" },
    });
    writeFileSync(join(root, "calc.py"), "def add(a, b):\n    return a + b\n");
    git(root, "commit", "-qam", "main");
    // The merge stops on calc.py; notes.txt merges cleanly (in the work tree before the run).
    assert.equal(spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "merge", "-q", "other"], { cwd: root }).status, 1);
    const conflicted = readFileSync(join(root, "calc.py"), "utf8");
    // Unlike either side: the merge commit differs from HEAD before it in calc.py too.
    const resolved = "def add(a, b):\n    return b + a  # commutative\n";
    const turns = [call("read_file", { path: "calc.py" }), call("write_file", { path: "calc.py", content: resolved }), call("list_files", {}), call("finish", { summary: "resolved" })];
    // The user, once the agent's resolution is written: git add and git commit conclude the merge.
    const { result, events, checkpoints } = await runWhileUserActs(dir, root, "resolve the conflict in calc.py", turns, (e) => {
      if (e.type === "toolEnd" && e.changedFiles?.includes("calc.py")) {
        git(root, "add", "calc.py");
        git(root, "commit", "-q", "--no-edit");
      }
    });
    assert.equal(git(root, "rev-list", "--count", "--merges", "HEAD").trim(), "1");
    assert.deepEqual(result.changedFiles, ["calc.py"]);
    assert.equal(events.some((e) => e.type === "notice" && /HEAD moved/.test(e.text)), false);
    assert.equal(result.headMoved, undefined);

    await reject(root, checkpoints, result);
    assert.equal(readFileSync(join(root, "calc.py"), "utf8"), conflicted);
    assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "one\ntwo\n");
  });
});
