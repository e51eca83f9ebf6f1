/**
 * git_diff without checkpoints in a repository that came with a config naming programs (an
 * fsmonitor, a filter and a diff driver for every .txt, an external diff): `git diff HEAD`
 * and the untracked files' diffs run none of them, nor a GIT_EXTERNAL_DIFF the user's shell
 * exported, and show the files' bytes as they are.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { gitDiffTool } from "../../../src/tools/git-diff.ts";
import { type ToolContext, runTool } from "../../../src/tools/tool.ts";
import { archiveNaming, hostileRepo, testGit } from "../indexer/helpers/hostile-git.ts";

it("git diff HEAD and an untracked file's diff run nothing the repository's config or the shell's GIT_EXTERNAL_DIFF names", async (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  writeFileSync(join(repo.root, "new.txt"), "fresh\n");
  const external = join(repo.root, "..", "programs", "external.sh");
  writeFileSync(external, `#!/bin/sh\ntouch '${join(repo.root, "..", "ran", "GIT_EXTERNAL_DIFF")}'\n`);
  chmodSync(external, 0o755);
  process.env.GIT_EXTERNAL_DIFF = external;
  t.after(() => delete process.env.GIT_EXTERNAL_DIFF);
  const ctx: ToolContext = { workspace: new DiskWorkspace(repo.root), signal: new AbortController().signal, reads: new Map() };
  const result = await runTool(gitDiffTool, {}, ctx);
  assert.equal(result.ok, true, result.text);
  const diff = (result.data as { diff: string }).diff;
  assert.match(diff, /^\+LINE 0$/m);
  assert.match(diff, /^\+fresh$/m);
  assert.deepEqual(repo.ran(), []);
});

it("does not look into a nested repository (a submodule, even one .gitmodules marks ignore = none), whose own config may name a clean filter", async (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  const [lib, marker] = [join(repo.root, "vendor", "lib"), join(repo.root, "..", "ran", "nested clean filter")];
  mkdirSync(lib, { recursive: true });
  writeFileSync(join(lib, "lib.py"), "l = 1\n");
  writeFileSync(join(lib, ".gitattributes"), "* filter=nested\n");
  testGit(lib, "init", "-q");
  testGit(lib, "add", "-A");
  testGit(lib, "commit", "-qm", "vendored");
  writeFileSync(join(repo.root, ".gitmodules"), '[submodule "lib"]\n\tpath = vendor/lib\n\turl = ./lib\n\tignore = none\n');
  testGit(repo.root, "-c", "advice.addEmbeddedRepo=false", "add", ".gitmodules", "vendor/lib");
  testGit(repo.root, "commit", "-qm", "lib", "--no-verify");
  // Changed since its commit, with an old time: git would have to read it through the filter.
  testGit(lib, "commit", "-qm", "moved", "--allow-empty");
  testGit(lib, "config", "filter.nested.clean", `touch '${marker}'; cat`);
  writeFileSync(join(lib, "lib.py"), "l = 2\n");
  utimesSync(join(lib, "lib.py"), new Date(2001, 0, 1), new Date(2001, 0, 1));
  const ctx: ToolContext = { workspace: new DiskWorkspace(repo.root), signal: new AbortController().signal, reads: new Map() };
  const result = await runTool(gitDiffTool, {}, ctx);
  assert.equal(result.ok, true, result.text);
  assert.match((result.data as { diff: string }).diff, /^\+Subproject commit [0-9a-f]{40}(-dirty)?$/m, "a submodule's new commit still shows");
  assert.equal(existsSync(marker), false, "the nested repository's clean filter ran");
});

it("refuses a repository whose config names another folder as its files (core.worktree): that folder's changes are not the workspace's to show", async (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  // The user's home, say, holding a file by a name the archive's commit has.
  const elsewhere = join(repo.root, "..", "elsewhere");
  mkdirSync(elsewhere);
  writeFileSync(join(elsewhere, "b.txt"), "the user's own private notes\n");
  testGit(repo.root, "config", "core.worktree", elsewhere);
  const ctx: ToolContext = { workspace: new DiskWorkspace(repo.root), signal: new AbortController().signal, reads: new Map() };
  const result = await runTool(gitDiffTool, {}, ctx);
  assert.equal(result.ok, false);
  assert.doesNotMatch(result.text, /private notes/);
  assert.match(result.text, /names another folder as its files \(core\.worktree: .*elsewhere\)/);
  assert.deepEqual(repo.ran(), []);
});

it("refuses a folder whose .git file names another checkout's repository (an archive's gitdir: /home/user/secret/.git): its files would show as deleted, with their text", async (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  const archive = archiveNaming(repo.root);
  const ctx: ToolContext = { workspace: new DiskWorkspace(archive), signal: new AbortController().signal, reads: new Map() };
  const result = await runTool(gitDiffTool, {}, ctx);
  assert.equal(result.ok, false, result.text);
  assert.doesNotMatch(result.text, /line 0/);
  assert.match(result.text, /names the repository of another folder \(.*repo\/\.git\)/);
  assert.deepEqual(repo.ran(), []);
});

it("diffs a linked worktree (git worktree add), whose git folder lies in the main checkout's .git/worktrees", async (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  const linked = join(repo.root, "..", "linked");
  testGit(repo.root, "-c", "filter.evil.smudge=cat", "worktree", "add", "-q", "--detach", linked);
  writeFileSync(join(linked, "new.txt"), "fresh\n");
  const ctx: ToolContext = { workspace: new DiskWorkspace(linked), signal: new AbortController().signal, reads: new Map() };
  const result = await runTool(gitDiffTool, {}, ctx);
  assert.equal(result.ok, true, result.text);
  assert.match((result.data as { diff: string }).diff, /^\+fresh$/m);
});
