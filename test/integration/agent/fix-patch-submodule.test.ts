// hearth fix in a repository with a submodule: the superproject tracks only the submodule's
// commit, so a change to a file inside it belongs in a patch of the submodule's own, applied
// in the submodule's folder; the patch at the top holds the superproject's files alone. Real git.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import { leftOutOfPatchMessage } from "../../../src/agent/fix-files.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

it("a file the agent edits inside a submodule gets a patch of its own that applies in the submodule, and the patch at the top applies with git apply --index", async () => {
  const dir = tempDir("hearth-fix-submodule-");
  const lib = committedRepo(join(dir, "lib"), { "x.py": "A = 1\n" });
  const [repo, clone] = [committedRepo(join(dir, "repo"), { "main.py": "M = 1\n" }, { "vendor/lib": lib }), join(dir, "clone")];
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
  const inner = committedRepo(join(dir, "inner"), { "y.py": "B = 1\n" });
  const lib = committedRepo(join(dir, "lib"), { "x.py": "A = 1\n" }, { "deps/inner": inner });
  const [repo, clone] = [committedRepo(join(dir, "repo"), {}, { "vendor/lib": lib }), join(dir, "clone")];
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
  const lib = committedRepo(join(dir, "lib"), { "x.py": "A = 1\n", "old.py": "O = 1\n", "mine.py": "U = 1\n" });
  const repo = committedRepo(join(dir, "my repo"), { "main.py": "M = 1\n" }, { "vendor/the lib": lib });
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
  const lib = committedRepo(join(dir, "lib"), { "x.py": "A = 1\n" });
  const [origin, repo] = [committedRepo(join(dir, "origin"), {}, { "vendor/lib": lib, "vendor/other": lib }), join(dir, "repo")];
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

it("a file a command changes inside a plain git repository in the checkout (a clone, no submodule) is named as left out of the patch, as in a submodule", async () => {
  const dir = tempDir("hearth-fix-nested-clone-");
  const repo = committedRepo(join(dir, "repo"), { "main.py": "M = 1\n" });
  // Cloned into the checkout after its commit: untracked there, and no submodule.
  committedRepo(join(repo, "tools/helper"), { "h.py": "H = 1\n", "mine.py": "U = 1\n" });
  writeFileSync(join(repo, "tools/helper/mine.py"), "U = 2\n"); // the user's own change: not the run's
  const turns = [
    call("run_command", { command: "sed -i s/1/2/ tools/helper/h.py" }),
    call("edit_file", { path: "main.py", old_text: "M = 1", new_text: "M = 2" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "H should be 2", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.equal(readFileSync(join(repo, "tools/helper/h.py"), "utf8"), "H = 2\n");
  assert.deepEqual(result.changedFiles, ["main.py"]);
  assert.deepEqual(result.leftOutOfPatch, [{ path: "tools/helper/h.py", why: "nested" }]);
  assert.deepEqual(leftOutOfPatchMessage(result.leftOutOfPatch!), ["not in any patch: the change a command made to 1 file(s) inside folders that are git repositories of their own (not submodules), which Hearth's checkpoints do not look into (the checkout has the change; git diff in that folder shows it): tools/helper/h.py"]);
});

it("a file the agent edits inside a plain git repository in the checkout is left out of the patch and named, so the patch applies in a fresh clone", async () => {
  const dir = tempDir("hearth-fix-nested-edit-");
  const [repo, clone] = [committedRepo(join(dir, "repo"), { "main.py": "M = 1\n" }), join(dir, "clone")];
  // Cloned into the checkout after its commit: the checkout's repository tracks none of its files.
  committedRepo(join(repo, "tools/helper"), { "h.py": "H = 1\n" });
  const turns = [
    call("edit_file", { path: "tools/helper/h.py", old_text: "H = 1", new_text: "H = 2" }),
    call("write_file", { path: "tools/helper/new.py", content: "N = 1\n" }),
    call("edit_file", { path: "main.py", old_text: "M = 1", new_text: "M = 2" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "H should be 2", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  git(dir, "clone", "-q", repo, clone);
  execFileSync("git", ["apply", "--index", "-"], { cwd: clone, input: result.patch, stdio: ["pipe", "pipe", "pipe"] });
  assert.equal(readFileSync(join(clone, "main.py"), "utf8"), "M = 2\n");
  assert.equal(readFileSync(join(repo, "tools/helper/h.py"), "utf8"), "H = 2\n");
  assert.deepEqual(result.changedFiles, ["main.py"]);
  assert.deepEqual(result.leftOutOfPatch, [{ path: "tools/helper/h.py", why: "nestedEdit" }, { path: "tools/helper/new.py", why: "nestedEdit" }]);
  assert.deepEqual(leftOutOfPatchMessage(result.leftOutOfPatch!), ["not in the patch: the agent's edit of 2 file(s) inside folders that are git repositories of their own (not submodules), which the checkout's repository does not track, so git apply there could not take it (the edit is in that folder on disk; git diff in that folder shows it): tools/helper/h.py, tools/helper/new.py"]);
});
