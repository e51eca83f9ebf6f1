/**
 * git_diff without checkpoints runs `git diff HEAD` in the user's repository, which reads the
 * user's own ~/.gitconfig: settings made for their terminal must not change what the model is
 * shown (the diff with checkpoints pins them in the shadow repository's config).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { gitDiffTool } from "../../../src/tools/git-diff.ts";
import { type ToolContext, runTool } from "../../../src/tools/tool.ts";
import { userGitHome } from "../../fixtures/user-git-home.ts";

it("shows 3 lines of context around a change where the user's git config asks for none (diff.context=0, diff.interHunkContext)", async (t) => {
  const { dir, home, configure } = userGitHome(t, "hearth-git-diff-config-");
  const root = join(dir, "repo");
  mkdirSync(root);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", ...args], { cwd: root, env: { ...process.env, HOME: home } });
  const lines = Array.from({ length: 30 }, (_, i) => `value_${i} = ${i}\n`);
  writeFileSync(join(root, "table.py"), lines.join(""));
  git("init", "-q");
  git("add", "table.py");
  git("commit", "-qm", "table");
  writeFileSync(join(root, "table.py"), lines.map((line, i) => (i === 10 || i === 20 ? line.replace(" = ", " = -") : line)).join(""));
  configure("[diff]\n\tcontext = 0\n\tinterHunkContext = 20\n");
  const ctx: ToolContext = { workspace: new DiskWorkspace(root), signal: new AbortController().signal, reads: new Map() };
  const result = await runTool(gitDiffTool, {}, ctx);
  assert.equal(result.ok, true, result.text);
  const diff = (result.data as { diff: string }).diff;
  assert.deepEqual(diff.split("\n").filter((line) => line.startsWith("@@")).map((line) => line.replace(/ @@.*/, " @@")), ["@@ -8,7 +8,7 @@", "@@ -18,7 +18,7 @@"]);
  assert.match(diff, /^ value_9 = 9\n-value_10 = 10\n\+value_10 = -10\n value_11 = 11$/m);
});

it("shows the change where the user's git config names a filter program that is not there (git lfs install, then git-lfs off the PATH)", async (t) => {
  const { dir, home, configure } = userGitHome(t, "hearth-git-diff-lfs-");
  const root = join(dir, "repo");
  mkdirSync(root);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", ...args], { cwd: root, env: { ...process.env, HOME: home } });
  writeFileSync(join(root, ".gitattributes"), "*.bin filter=lfs diff=lfs merge=lfs -text\n");
  writeFileSync(join(root, "model.bin"), "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 3\n");
  writeFileSync(join(root, "a.py"), "x = 1\n");
  git("init", "-q");
  git("add", ".");
  git("commit", "-qm", "base");
  writeFileSync(join(root, "a.py"), "x = 2\n");
  // Its times changed (a copy, a checkout): git must read it through the filter to tell.
  utimesSync(join(root, "model.bin"), new Date(2001, 0, 1), new Date(2001, 0, 1));
  // What `git lfs install` writes, with a program name no machine has (as git-lfs where VS Code's PATH lacks it).
  const lfs = "hearth-test-no-such-git-lfs";
  configure(`[filter "lfs"]\n\tclean = ${lfs} clean -- %f\n\tsmudge = ${lfs} smudge -- %f\n\tprocess = ${lfs} filter-process\n\trequired = true\n`);
  const ctx: ToolContext = { workspace: new DiskWorkspace(root), signal: new AbortController().signal, reads: new Map() };
  const result = await runTool(gitDiffTool, {}, ctx);
  assert.equal(result.ok, true, result.text);
  assert.deepEqual((result.data as { diff: string }).diff.split("\n").filter((line) => line.startsWith("diff --git")), ["diff --git a/a.py b/a.py"]);
});

it("shows a submodule's new commit, and runs nothing its own config names, where the user's git config asks for its log or diff (diff.submodule)", async (t) => {
  const { dir, home, configure } = userGitHome(t, "hearth-git-diff-submodule-");
  const [library, root] = [join(dir, "library"), join(dir, "repo")];
  for (const folder of [library, root]) mkdirSync(folder);
  const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", "-c", "protocol.file.allow=always", ...args], { cwd, env: { ...process.env, HOME: home }, stdio: "pipe" });
  git(library, "init", "-q");
  git(library, "commit", "-q", "--allow-empty", "-m", "one");
  writeFileSync(join(root, "a.py"), "x = 1\n");
  git(root, "init", "-q");
  git(root, "submodule", "add", "-q", "../library", "library");
  git(root, "add", "a.py");
  git(root, "commit", "-qm", "base");
  const submodule = join(root, "library");
  writeFileSync(join(submodule, "api.py"), "def call(): pass\n");
  git(submodule, "add", "api.py");
  git(submodule, "commit", "-qm", "two: new api");
  // The submodule's own repository config names a program (as an unpacked archive's may).
  const ran = join(dir, "submodule-config-ran");
  git(submodule, "config", "diff.external", `touch '${ran}' #`);
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: submodule, encoding: "utf8" }).trim();
  configure();
  const ctx: ToolContext = { workspace: new DiskWorkspace(root), signal: new AbortController().signal, reads: new Map() };
  for (const setting of ["diff", "log"]) {
    configure(`[diff]\n\tsubmodule = ${setting}\n`);
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match((result.data as { diff: string }).diff, new RegExp(`^diff --git a/library b/library\\n[^]*^\\+Subproject commit ${head}$`, "m"), setting);
    assert.equal(existsSync(ran), false, `diff.submodule=${setting}: the submodule's diff.external ran`);
  }
});

it("writes a blank context line as \" \" where the user's git config writes it empty (diff.suppressBlankEmpty), as the diff with checkpoints does", async (t) => {
  const { dir, home, configure } = userGitHome(t, "hearth-git-diff-blank-");
  const root = join(dir, "repo");
  mkdirSync(root);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", ...args], { cwd: root, env: { ...process.env, HOME: home } });
  writeFileSync(join(root, "a.py"), "import os\n\nvalue = 1\n");
  writeFileSync(join(root, "b.py"), "import sys\n\nother = 1\n");
  git("init", "-q");
  git("add", "a.py");
  git("commit", "-qm", "a");
  writeFileSync(join(root, "a.py"), "import os\n\nvalue = 2\n");
  configure("[diff]\n\tsuppressBlankEmpty = true\n");
  const ctx: ToolContext = { workspace: new DiskWorkspace(root), signal: new AbortController().signal, reads: new Map() };
  const result = await runTool(gitDiffTool, {}, ctx);
  assert.equal(result.ok, true, result.text);
  const diff = (result.data as { diff: string }).diff;
  assert.match(diff, /^@@ -1,3 \+1,3 @@\n import os\n \n-value = 1\n\+value = 2\n/m);
  // A new file's blank line is an added one ("+"), whatever the setting.
  assert.match(diff, /^\+import sys\n\+\n\+other = 1$/m);
});
