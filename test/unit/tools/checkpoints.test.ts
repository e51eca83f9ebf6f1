import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { AGENT_TOOLS, CheckpointStore, DiskWorkspace, checkpointBeforeEffect, runTool, toolByName } from "../../../src/tools/index.ts";
import { tempDir, workspaceWith, writeFiles } from "./helpers/setup.ts";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", ...args], { cwd, encoding: "utf8" });
}

/** Everything about the user's git state a checkpoint must never change. */
function userGitState(root: string): string {
  return [
    git(root, "status", "--porcelain=v1", "--untracked-files=all"),
    git(root, "branch", "-a"),
    git(root, "stash", "list"),
    git(root, "rev-parse", "HEAD"),
    git(root, "ls-files", "--stage"),
    git(root, "diff", "--cached"),
  ].join("\n--\n");
}

describe("checkpoints (shadow git)", () => {
  it("restores any step on a repo with the user's own uncommitted changes, staged changes and stash untouched", async () => {
    const { root, ctx } = workspaceWith({ "app.py": "v = 1\n", "lib.py": "x = 1\n", ".gitignore": "*.log\n" });
    git(root, "init", "-q");
    git(root, "add", "-A");
    git(root, "commit", "-qm", "init");
    writeFileSync(join(root, "lib.py"), "x = 2\n");
    git(root, "stash", "-q");
    writeFileSync(join(root, "lib.py"), "x = 3  # user's unstaged work\n");
    writeFiles(root, { "staged.py": "s = 1\n", "notes.txt": "user's untracked file\n", "debug.log": "ignored\n" });
    git(root, "add", "staged.py");
    const stateBefore = userGitState(root);

    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
    const start = await store.create("run start");
    const agentCtx = { ...ctx, checkpoints: store, runStart: start.id, beforeEffect: checkpointBeforeEffect(store) };
    const edit = await runTool(toolByName("edit_file")!, { path: "app.py", old_text: "v = 1", new_text: "v = 2" }, agentCtx);
    assert.equal(edit.ok, true, edit.text);
    const create = await runTool(toolByName("write_file")!, { path: "new_mod.py", content: "n = 1\n" }, agentCtx);
    assert.equal(create.ok, true, create.text);
    const patch = await runTool(toolByName("apply_patch")!, { patch: "--- a/lib.py\n+++ b/lib.py\n@@\n-x = 3  # user's unstaged work\n+x = 4\n" }, agentCtx);
    assert.equal(patch.ok, true, patch.text);

    const list = await store.list();
    assert.deepEqual(list.map((c) => c.label), ["before apply_patch", "before write_file new_mod.py", "before edit_file app.py", "run start"]);
    const diff = await runTool(toolByName("git_diff")!, {}, agentCtx);
    assert.match(diff.text, /-v = 1\n\+v = 2/);
    assert.match(diff.text, /new file mode[\s\S]*\+n = 1/);

    // Undo the last step only: lib.py back to the user's work, the rest stays.
    await store.restore(list[0]!.id);
    assert.equal(readFileSync(join(root, "lib.py"), "utf8"), "x = 3  # user's unstaged work\n");
    assert.equal(readFileSync(join(root, "app.py"), "utf8"), "v = 2\n");
    // Back to the start: the agent's new file is gone, the user's files are as they were.
    await store.restore(list.at(-1)!.id);
    assert.equal(readFileSync(join(root, "app.py"), "utf8"), "v = 1\n");
    assert.equal(existsSync(join(root, "new_mod.py")), false);
    assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "user's untracked file\n");
    assert.equal(readFileSync(join(root, "debug.log"), "utf8"), "ignored\n");
    assert.equal(userGitState(root), stateBefore);
    // A restore is itself undoable.
    const latest = (await store.list())[0]!;
    assert.match(latest.label, /^before restoring/);
    await store.restore(latest.id);
    assert.equal(readFileSync(join(root, "app.py"), "utf8"), "v = 2\n");
  });

  it("snapshots byte for byte despite .gitattributes that ask for conversion, and keeps its repo outside the workspace", async () => {
    const root = tempDir();
    writeFiles(root, { ".gitattributes": "* text=auto eol=lf\n", "w.txt": "a\r\nb\r\n" });
    const storage = tempDir("hearth-storage-");
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: storage });
    const first = await store.create("start");
    writeFileSync(join(root, "w.txt"), "changed\n");
    await store.restore(first.id);
    assert.equal(readFileSync(join(root, "w.txt"), "utf8"), "a\r\nb\r\n");
    assert.equal(existsSync(join(root, ".git")), false);
    assert.ok(store.gitDir.startsWith(storage));
  });

  it("snapshots files under a working-tree-encoding attribute as their bytes: a file not in that encoding does not stop checkpoints, a restore does not turn UTF-16 into UTF-8", async () => {
    const root = tempDir();
    const utf16 = Buffer.from("\ufeffname=1\r\n", "utf16le");
    writeFiles(root, { ".gitattributes": "*.reg working-tree-encoding=UTF-16LE-BOM\n*.txt working-tree-encoding=UTF-16\n", "keys.reg": utf16, "notes.txt": "plain UTF-8, odd length\n" });
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
    const first = await store.create("start");
    assert.deepEqual(Buffer.from((await store.fileAt(first.id, "keys.reg"))!), utf16, "the review's left side and a per-file restore read the file's bytes");
    writeFileSync(join(root, "keys.reg"), Buffer.from("\ufeffname=2\r\n", "utf16le"));
    await store.create("after: the run"); // the run's end: what it left is in a checkpoint
    const { restored } = await restoreCheckpoint({ checkpoints: store, checkpoint: first.id, disk: new DiskWorkspace(root), target: new DiskWorkspace(root) });
    assert.deepEqual(restored, ["keys.reg"]);
    assert.deepEqual(readFileSync(join(root, "keys.reg")), utf16);
  });

  it("leaves files over 32 MiB out of checkpoints (a model file in the folder) unless the agent writes them, says so, and a restore leaves them alone", async () => {
    const root = tempDir();
    writeFiles(root, { "app.py": "v = 1\n" });
    mkdirSync(join(root, "models"));
    const weights = join(root, "models", "weights.gguf");
    writeFileSync(weights, "GGUF");
    truncateSync(weights, 40 * 1024 * 1024); // sparse: quick to make
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
    const first = await store.create("start", ["app.py"]);
    assert.deepEqual(first.leftOut, ["models/weights.gguf"]);
    const shadow = (id: string) => execFileSync("git", ["--git-dir", store.gitDir, "ls-tree", "-r", "--name-only", id], { encoding: "utf8" }).split("\n").filter(Boolean);
    assert.deepEqual(shadow(first.id), ["app.py"]);
    writeFileSync(join(root, "app.py"), "v = 2\n");
    appendFileSync(weights, "changed by a command");
    await store.restore(first.id);
    assert.equal(readFileSync(join(root, "app.py"), "utf8"), "v = 1\n");
    assert.equal(statSync(weights).size, 40 * 1024 * 1024 + "changed by a command".length, "the restore left the large file as it was");
    // A file the agent is about to write is snapshotted whatever its size.
    const before = await store.create("before write_file", ["models/weights.gguf"]);
    assert.equal(before.leftOut, undefined);
    assert.ok(shadow(before.id).includes("models/weights.gguf"));
  });

  it("takes a folder a command replaced by a large file of its name, instead of failing every later checkpoint", async () => {
    const root = tempDir();
    writeFiles(root, { "app.py": "v = 1\n", "gen/0.json": "{}\n" });
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
    const first = await store.create("start", ["app.py"]);
    rmSync(join(root, "gen"), { recursive: true });
    writeFileSync(join(root, "gen"), "");
    truncateSync(join(root, "gen"), 40 * 1024 * 1024); // sparse: quick to make; over the size limit
    writeFileSync(join(root, "app.py"), "v = 2\n");
    assert.ok((await store.changedFiles(first.id)).includes("app.py"));
    assert.deepEqual((await store.create("after")).leftOut, ["gen"]);
  });

  it("compares with a checkpoint whose folder of more files than a call takes arguments is now one large file", async () => {
    // gen/ held ~150,000 files at the checkpoint (made here with git's plumbing: writing them takes minutes); now gen is a file over the size limit.
    const root = tempDir();
    writeFiles(root, { "app.py": "v = 1\n", "gen/0.json": "{}\n" });
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
    const first = await store.create("start", ["app.py"]);
    const shadow = (args: string[], input?: string) => execFileSync("git", ["--git-dir", store.gitDir, "-c", "user.name=u", "-c", "user.email=u@u", ...args], { encoding: "utf8", maxBuffer: 1 << 30, ...(input === undefined ? {} : { input }) }).trim();
    const blob = shadow(["rev-parse", `${first.id}:gen/0.json`]);
    const gen = shadow(["mktree"], Array.from({ length: 150_000 }, (_, i) => `100644 blob ${blob}\t${i}.json\n`).join(""));
    const top = shadow(["ls-tree", first.id]).split("\n").map((line) => (line.endsWith("\tgen") ? `040000 tree ${gen}\tgen` : line));
    const tree = shadow(["mktree"], `${top.join("\n")}\n`);
    const big = shadow(["commit-tree", tree, ...shadow(["rev-list", "--parents", "-n1", first.id]).split(" ").slice(1).flatMap((p) => ["-p", p]), "-m", shadow(["log", "-1", "--format=%B", first.id])]);
    rmSync(join(root, "gen"), { recursive: true });
    writeFileSync(join(root, "gen"), "");
    truncateSync(join(root, "gen"), 40 * 1024 * 1024); // sparse: quick to make; over the size limit, so taken as the checkpoint held it
    writeFileSync(join(root, "app.py"), "v = 2\n");
    assert.ok((await store.changedFiles(big)).includes("app.py"));
  });

  it("every tool definition is distinct and described", () => {
    const names = AGENT_TOOLS.map((t) => t.definition.name);
    assert.deepEqual(names, ["read_file", "list_files", "search", "find_symbol", "edit_file", "apply_patch", "write_file", "run_command", "run_tests", "git_diff", "remember", "finish"]);
    for (const t of AGENT_TOOLS) assert.equal(t.definition.parameters.type, "object");
  });
});
