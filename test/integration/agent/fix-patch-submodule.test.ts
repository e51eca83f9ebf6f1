// hearth fix in a repository with a submodule: the superproject tracks only the submodule's
// commit, so a change to a file inside it belongs in a patch of the submodule's own, applied
// in the submodule's folder; the patch at the top holds the superproject's files alone. Real git.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

function git(cwd: string, ...args: string[]): string {
  if (!cwd) throw new Error("git needs a folder to run in");
  // A submodule from a local path: git allows the file transport there only when asked.
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "protocol.file.allow=always", ...args], { cwd, encoding: "utf8", stdio: "pipe" });
}

it("a file the agent edits inside a submodule gets a patch of its own that applies in the submodule, and the patch at the top applies with git apply --index", async () => {
  const dir = tempDir("hearth-fix-submodule-");
  const [lib, repo, clone] = [join(dir, "lib"), join(dir, "repo"), join(dir, "clone")];
  mkdirSync(lib);
  mkdirSync(repo);
  writeFileSync(join(lib, "x.py"), "A = 1\n");
  git(lib, "init", "-q");
  git(lib, "add", ".");
  git(lib, "commit", "-qm", "lib");
  writeFileSync(join(repo, "main.py"), "M = 1\n");
  git(repo, "init", "-q");
  git(repo, "add", ".");
  git(repo, "submodule", "add", "-q", lib, "vendor/lib");
  git(repo, "commit", "-qm", "base");
  const turns = [
    call("edit_file", { path: "vendor/lib/x.py", old_text: "A = 1", new_text: "A = 2" }),
    call("edit_file", { path: "main.py", old_text: "M = 1", new_text: "M = 2" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "A should be 2", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.changedFiles, ["main.py"]);
  assert.doesNotMatch(result.patch, /vendor\/lib/);
  assert.deepEqual(result.submodulePatches?.map(({ submodule, files }) => ({ submodule, files })), [{ submodule: "vendor/lib", files: ["x.py"] }]);
  git(dir, "clone", "-q", "--recurse-submodules", repo, clone);
  execFileSync("git", ["apply", "--index", "-"], { cwd: clone, input: result.patch });
  execFileSync("git", ["apply", "--index", "-"], { cwd: join(clone, "vendor/lib"), input: result.submodulePatches![0]!.patch });
  assert.equal(readFileSync(join(clone, "main.py"), "utf8"), "M = 2\n");
  assert.equal(readFileSync(join(clone, "vendor/lib/x.py"), "utf8"), "A = 2\n");
});

it("a file inside a submodule of a submodule gets the inner submodule's patch, which applies in its folder", async () => {
  const dir = tempDir("hearth-fix-submodule-nested-");
  const [inner, lib, repo, clone] = [join(dir, "inner"), join(dir, "lib"), join(dir, "repo"), join(dir, "clone")];
  for (const folder of [inner, lib, repo]) mkdirSync(folder);
  writeFileSync(join(inner, "y.py"), "B = 1\n");
  git(inner, "init", "-q");
  git(inner, "add", ".");
  git(inner, "commit", "-qm", "inner");
  writeFileSync(join(lib, "x.py"), "A = 1\n");
  git(lib, "init", "-q");
  git(lib, "add", ".");
  git(lib, "submodule", "add", "-q", inner, "deps/inner");
  git(lib, "commit", "-qm", "lib");
  git(repo, "init", "-q");
  git(repo, "submodule", "add", "-q", lib, "vendor/lib");
  git(repo, "submodule", "update", "-q", "--init", "--recursive");
  git(repo, "commit", "-qm", "base");
  const turns = [
    call("edit_file", { path: "vendor/lib/deps/inner/y.py", old_text: "B = 1", new_text: "B = 2" }),
    call("edit_file", { path: "vendor/lib/x.py", old_text: "A = 1", new_text: "A = 2" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "B should be 2", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.submodulePatches?.map(({ submodule, files }) => ({ submodule, files })), [{ submodule: "vendor/lib", files: ["x.py"] }, { submodule: "vendor/lib/deps/inner", files: ["y.py"] }]);
  git(dir, "clone", "-q", "--recurse-submodules", repo, clone);
  for (const own of result.submodulePatches!) execFileSync("git", ["apply", "--index", "-"], { cwd: join(clone, own.submodule), input: own.patch });
  assert.equal(readFileSync(join(clone, "vendor/lib/x.py"), "utf8"), "A = 2\n");
  assert.equal(readFileSync(join(clone, "vendor/lib/deps/inner/y.py"), "utf8"), "B = 2\n");
});

it("a file a command changes or deletes inside a submodule, which the checkpoints do not see, is named as left out of every patch", async () => {
  const dir = tempDir("hearth-fix-submodule-command-");
  const [lib, repo] = [join(dir, "lib"), join(dir, "my repo")];
  mkdirSync(lib);
  mkdirSync(repo);
  writeFileSync(join(lib, "x.py"), "A = 1\n");
  writeFileSync(join(lib, "old.py"), "O = 1\n");
  writeFileSync(join(lib, "mine.py"), "U = 1\n");
  git(lib, "init", "-q");
  git(lib, "add", ".");
  git(lib, "commit", "-qm", "lib");
  writeFileSync(join(repo, "main.py"), "M = 1\n");
  git(repo, "init", "-q");
  git(repo, "add", ".");
  git(repo, "submodule", "add", "-q", lib, "vendor/the lib");
  git(repo, "commit", "-qm", "base");
  // The user's own change in the submodule before the run: not the run's.
  writeFileSync(join(repo, "vendor/the lib/mine.py"), "U = 2\n");
  const turns = [
    call("run_command", { command: "sed -i s/1/2/ 'vendor/the lib/x.py' && rm 'vendor/the lib/old.py'" }),
    call("edit_file", { path: "main.py", old_text: "M = 1", new_text: "M = 2" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "A should be 2", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.equal(readFileSync(join(repo, "vendor/the lib/x.py"), "utf8"), "A = 2\n");
  assert.deepEqual(result.changedFiles, ["main.py"]);
  assert.deepEqual(result.leftOutOfPatch, [{ path: "vendor/the lib/old.py", why: "submodule" }, { path: "vendor/the lib/x.py", why: "submodule" }]);
});

it("a submodule that was not checked out (an empty folder) the agent wrote into has its patch marked so, and only the checked-out one's is not", async () => {
  const dir = tempDir("hearth-fix-submodule-uninit-");
  const [lib, origin, repo] = [join(dir, "lib"), join(dir, "origin"), join(dir, "repo")];
  mkdirSync(lib);
  mkdirSync(origin);
  writeFileSync(join(lib, "x.py"), "A = 1\n");
  git(lib, "init", "-q");
  git(lib, "add", ".");
  git(lib, "commit", "-qm", "lib");
  git(origin, "init", "-q");
  git(origin, "submodule", "add", "-q", lib, "vendor/lib");
  git(origin, "submodule", "add", "-q", lib, "vendor/other");
  git(origin, "commit", "-qm", "base");
  git(dir, "clone", "-q", origin, repo);
  git(repo, "submodule", "update", "-q", "--init", "vendor/other");
  const turns = [
    call("write_file", { path: "vendor/lib/y.py", content: "B = 2\n" }),
    call("edit_file", { path: "vendor/other/x.py", old_text: "A = 1", new_text: "A = 2" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "B should be 2", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.submodulePatches?.map(({ submodule, files, notCheckedOut }) => ({ submodule, files, notCheckedOut })), [{ submodule: "vendor/lib", files: ["y.py"], notCheckedOut: true }, { submodule: "vendor/other", files: ["x.py"], notCheckedOut: undefined }]);
});
