// hearth fix in a sparse checkout (git sparse-checkout): files outside the cone are in the
// index and in HEAD but not on disk. The patch must apply with `git apply` to a full clone of
// the same commit, as SWE-bench and a reviewer apply it. Real git.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { leftOutOfPatchMessage, skipWorktreeFiles, uncommittedFiles, withIndexVersions } from "../../../src/agent/fix-files.ts";
import { runFix } from "../../../src/agent/fix.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { MAX_CHECKPOINT_FILE_BYTES } from "../../../src/tools/limits.ts";
import { sparseClone } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

function git(cwd: string, ...args: string[]): string {
  if (!cwd) throw new Error("git needs a folder to run in");
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, encoding: "utf8", stdio: "pipe" });
}

it("a file outside the sparse checkout that the agent writes is a change to HEAD's version in the patch, not a new file, and applies to a full clone", async () => {
  const dir = tempDir("hearth-fix-sparse-");
  const full = join(dir, "full");
  const { origin, repo } = sparseClone(dir, { "app/main.py": "from lib.calc import add\n", "lib/calc.py": "def add(a, b):\n    return a - b\n" }, { cone: "app", partial: false });
  assert.throws(() => readFileSync(join(repo, "lib/calc.py")));
  // The agent cannot read lib/calc.py (not on disk) and writes it whole.
  const turns = [call("write_file", { path: "lib/calc.py", content: "def add(a, b):\n    return a + b\n" }), call("finish", { summary: "fixed" })];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.changedFiles, ["lib/calc.py"]);
  assert.doesNotMatch(result.patch, /^new file mode/m);
  git(dir, "clone", "-q", origin, full);
  execFileSync("git", ["apply", "-"], { cwd: full, input: result.patch });
  assert.equal(readFileSync(join(full, "lib/calc.py"), "utf8"), "def add(a, b):\n    return a + b\n");
});

it("a file the user changed and hid from git status (assume-unchanged, skip-worktree) is named as an uncommitted change the patch builds on", async () => {
  const dir = tempDir("hearth-fix-hidden-change-");
  const repo = join(dir, "repo");
  mkdirSync(repo);
  writeFileSync(join(repo, "settings.py"), "DEBUG = False\nLIMIT = 1\n");
  writeFileSync(join(repo, "local.py"), "HOST = 'prod'\n");
  git(repo, "init", "-q");
  git(repo, "add", ".");
  git(repo, "commit", "-qm", "base");
  // Local settings kept out of commits, as users are told to: git status lists neither.
  writeFileSync(join(repo, "settings.py"), "DEBUG = True\nLIMIT = 1\n");
  git(repo, "update-index", "--assume-unchanged", "settings.py");
  writeFileSync(join(repo, "local.py"), "HOST = 'localhost'\n");
  git(repo, "update-index", "--skip-worktree", "local.py");
  assert.equal(git(repo, "status", "--porcelain"), "");
  const turns = [call("edit_file", { path: "settings.py", old_text: "LIMIT = 1", new_text: "LIMIT = 2" }), call("finish", { summary: "fixed" })];
  const result = await runFix({ repo, issue: "raise the limit", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  // The patch's context holds 'DEBUG = True', which a clean checkout of HEAD does not.
  assert.deepEqual(result.uncommittedAtStart, { files: ["local.py", "settings.py"], inPatch: ["settings.py"] });
});

it("a hidden file whose mode alone differs where the checkout keeps no modes (core.fileMode=false: Windows, a FAT or SMB mount) is no uncommitted change", async () => {
  const dir = tempDir("hearth-fix-hidden-mode-");
  const repo = join(dir, "repo");
  mkdirSync(repo);
  writeFileSync(join(repo, "gradlew"), "#!/bin/sh\nexec java\n");
  writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
  git(repo, "init", "-q");
  git(repo, "config", "core.fileMode", "false");
  git(repo, "add", ".");
  // Executable in the repository, as git on such a checkout keeps it; not on disk, which has no such bit.
  git(repo, "update-index", "--chmod=+x", "gradlew");
  git(repo, "commit", "-qm", "base");
  git(repo, "update-index", "--assume-unchanged", "gradlew");
  assert.equal(git(repo, "status", "--porcelain"), "");
  git(repo, "update-index", "--no-assume-unchanged", "gradlew");
  assert.equal(git(repo, "status", "--porcelain"), "", "git itself sees no change in gradlew");
  git(repo, "update-index", "--assume-unchanged", "gradlew");
  const turns = [call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }), call("finish", { summary: "fixed" })];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.changedFiles, ["calc.py"]);
  assert.equal(result.uncommittedAtStart, undefined);
});

it("files a command of the run brought back from outside the sparse checkout as HEAD has them (git sparse-checkout disable) are no change and no new file", async () => {
  const dir = tempDir("hearth-fix-sparse-back-");
  const files = { "app/main.py": "from lib.calc import add\n", "lib/calc.py": "def add(a, b):\n    return a - b\n", "lib/util.py": "def twice(x):\n    return 2 * x\n" };
  const { repo } = sparseClone(dir, files, { cone: "app", partial: false });
  const turns = [
    call("run_command", { command: "git sparse-checkout disable" }),
    call("edit_file", { path: "lib/calc.py", old_text: "a - b", new_text: "a + b" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.equal(readFileSync(join(repo, "lib/util.py"), "utf8"), "def twice(x):\n    return 2 * x\n");
  assert.deepEqual([...result.patch.matchAll(/^diff --git a\/(\S+)/gm)].map((m) => m[1]), ["lib/calc.py"]);
  // lib/util.py is HEAD's, on disk again: the user was told it was a changed file, made by a command, in the patch.
  assert.deepEqual(result.changedFiles, ["lib/calc.py"]);
  assert.equal(result.madeByCommands, undefined);
});

it("a hidden file over the checkpoints' size limit counts as changed only where it differs from the index (an unchanged dataset marked assume-unchanged is none)", async () => {
  const dir = tempDir("hearth-fix-hidden-large-");
  const repo = join(dir, "repo");
  mkdirSync(repo);
  const data = Buffer.alloc(MAX_CHECKPOINT_FILE_BYTES + 1024, "a");
  writeFileSync(join(repo, "data.csv"), data);
  writeFileSync(join(repo, "grown.csv"), data);
  writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
  git(repo, "init", "-q");
  git(repo, "add", ".");
  git(repo, "commit", "-qm", "base");
  git(repo, "update-index", "--assume-unchanged", "data.csv", "grown.csv");
  // The same size, one byte changed: told by its content.
  const changed = Buffer.from(data);
  changed[0] = 0x62;
  writeFileSync(join(repo, "grown.csv"), changed);
  const turns = [call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }), call("finish", { summary: "fixed" })];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.uncommittedAtStart, { files: ["grown.csv"], inPatch: [] });
});

it("a hidden file over the checkpoints' size limit whose size and times are those the index keeps is not read at the start (a 10 GB dataset marked assume-unchanged)", async (t) => {
  // Bytes this process read (the hashing streams in it; git's own reads are its own): Linux only.
  const bytesRead = () => Number(/^rchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"))?.[1]);
  if (!existsSync("/proc/self/io")) return t.skip("no /proc/self/io to count the bytes read");
  const dir = tempDir("hearth-fix-hidden-stat-");
  const repo = join(dir, "repo");
  mkdirSync(repo);
  const size = MAX_CHECKPOINT_FILE_BYTES + 8 * 1024 * 1024;
  writeFileSync(join(repo, "data.csv"), Buffer.alloc(size, "a"));
  // Written well before the index: not "racily clean", which git itself checks by content.
  utimesSync(join(repo, "data.csv"), new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
  git(repo, "init", "-q");
  git(repo, "add", ".");
  git(repo, "commit", "-qm", "base");
  git(repo, "update-index", "--assume-unchanged", "data.csv");
  const before = bytesRead();
  assert.deepEqual(await uncommittedFiles(repo), { files: [] });
  assert.ok(bytesRead() - before < size / 4, `read ${bytesRead() - before} bytes for a ${size}-byte file git's index says is unchanged`);
});

it("a link outside the sparse checkout that the agent writes as a file is a change of the link into a file in the patch, which applies to a full clone", async () => {
  const dir = tempDir("hearth-fix-sparse-link-");
  const [origin, repo, full] = [join(dir, "origin"), join(dir, "repo"), join(dir, "full")];
  mkdirSync(join(origin, "app"), { recursive: true });
  mkdirSync(join(origin, "lib"));
  writeFileSync(join(origin, "app/main.py"), "from lib.calc import add\n");
  writeFileSync(join(origin, "lib/calc.py"), "def add(a, b):\n    return a - b\n");
  symlinkSync("calc.py", join(origin, "lib/compat.py"));
  git(origin, "init", "-q");
  git(origin, "add", ".");
  git(origin, "commit", "-qm", "base");
  git(dir, "clone", "-q", origin, repo);
  git(repo, "sparse-checkout", "set", "app");
  const turns = [call("write_file", { path: "lib/compat.py", content: "from lib.calc import add as plus\n" }), call("finish", { summary: "fixed" })];
  const result = await runFix({ repo, issue: "compat should name plus", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.changedFiles, ["lib/compat.py"]);
  git(dir, "clone", "-q", origin, full);
  execFileSync("git", ["apply", "-"], { cwd: full, input: result.patch });
  assert.equal(lstatSync(join(full, "lib/compat.py")).isFile(), true);
  assert.equal(readFileSync(join(full, "lib/compat.py"), "utf8"), "from lib.calc import add as plus\n");
});

it("in a partial clone (--filter=blob:none) a file outside the sparse checkout whose committed version was never fetched is left out of the patch and named, so the rest applies to a full clone", async () => {
  const dir = tempDir("hearth-fix-partial-");
  const full = join(dir, "full");
  const { origin, repo } = sparseClone(dir, { "app/main.py": "from lib.calc import add\nprint(add(2, 3))\n", "lib/calc.py": "def add(a, b):\n    return a - b\n" }, { cone: "app", partial: true });
  // lib/calc.py's blob is not in the clone: git would fetch it from the remote to read it, which Hearth's git may not.
  assert.match(git(repo, "rev-list", "--objects", "--missing=print", "HEAD"), /^\?[0-9a-f]{40}$/m);
  const turns = [
    call("write_file", { path: "lib/calc.py", content: "def add(a, b):\n    return a + b\n" }),
    call("edit_file", { path: "app/main.py", old_text: "print(add(2, 3))", new_text: "print(add(2, 3))  # 5" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.changedFiles, ["app/main.py"]);
  assert.deepEqual(result.leftOutOfPatch, [{ path: "lib/calc.py", why: "notFetched" }]);
  assert.doesNotMatch(result.patch, /lib\/calc\.py/);
  assert.deepEqual(leftOutOfPatchMessage(result.leftOutOfPatch), [
    "not in the patch: the agent's write of 1 file(s) outside the sparse checkout whose committed version git could not read here (a partial clone that has not downloaded it: Hearth's git fetches nothing), so the patch could only add them as new files, which git apply refuses where the repository has them (the agent's version is on disk; git sparse-checkout add FOLDER, or any git command that reads the file, downloads it, and hearth fix can run again): lib/calc.py",
  ]);
  // The agent's version is kept on disk.
  assert.equal(readFileSync(join(repo, "lib/calc.py"), "utf8"), "def add(a, b):\n    return a + b\n");
  git(dir, "clone", "-q", origin, full);
  execFileSync("git", ["apply", "-"], { cwd: full, input: result.patch });
  assert.equal(readFileSync(join(full, "app/main.py"), "utf8"), "from lib.calc import add\nprint(add(2, 3))  # 5\n");
});

it("a committed version outside the sparse checkout that git did not give because the fix was cancelled is named as such, not as a partial clone's missing file", async () => {
  const dir = tempDir("hearth-fix-partial-cancel-");
  const { repo } = sparseClone(dir, { "app/main.py": "print(1)\n", "lib/calc.py": "def add(a, b):\n    return a - b\n" }, { cone: "app", partial: true });
  // app/main.py's blob was fetched (it is checked out); lib/calc.py's was not.
  const entries = new Map([...(await skipWorktreeFiles(repo)), ["app/main.py", { mode: "100644" as const, blob: git(repo, "rev-parse", "HEAD:app/main.py").trim() }]]);
  const store = await CheckpointStore.open({ workspaceRoot: repo, storageDir: join(dir, "state") });
  const start = (await store.create("start")).id;
  const missing = await withIndexVersions(store, start, repo, ["lib/calc.py"], entries, {});
  assert.deepEqual(missing.leftOut, [{ path: "lib/calc.py", why: "notFetched" }]);
  const cancelled = new AbortController();
  cancelled.abort();
  const stopped = await withIndexVersions(store, start, repo, ["lib/calc.py", "app/main.py"], entries, { signal: cancelled.signal });
  assert.equal(stopped.base, start);
  assert.deepEqual(stopped.leftOut, [
    { path: "lib/calc.py", why: "unread", detail: "the fix was cancelled" },
    { path: "app/main.py", why: "unread", detail: "the fix was cancelled" },
  ]);
  assert.deepEqual(leftOutOfPatchMessage(stopped.leftOut), [
    "not in the patch: the agent's write of 2 file(s) outside the sparse checkout whose committed version git did not give (the fix was cancelled), so the patch could only add them as new files, which git apply refuses where the repository has them (the agent's version is on disk; hearth fix can run again): lib/calc.py, app/main.py",
  ]);
});
