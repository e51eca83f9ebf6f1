// checkoutRoot (hearth fix --repo) in a repository that came with its .git: asking git which
// folder is the checkout's top runs nothing the repository's config names. git ls-files runs
// core.fsmonitor, which the helper's repository sets (through include.path) to a program that
// leaves a marker file.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { checkoutRoot } from "../../../src/cli/checkout-root.ts";
import { archiveNaming, hostileRepo, testGit } from "../indexer/helpers/hostile-git.ts";

it("asks rev-parse and ls-files about a folder HEAD does not hold without running the repository's fsmonitor", (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  const scratch = join(repo.root, "scratch");
  mkdirSync(scratch);
  writeFileSync(join(scratch, "notes.txt"), "n\n");
  assert.deepEqual(checkoutRoot(scratch), { root: scratch });
  assert.deepEqual(repo.ran(), []);
});

it("refuses a repository whose config names another folder as its work tree (core.worktree), instead of fixing that folder", (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  // The user's home, say: an unpacked archive's .git/config points git at it.
  const elsewhere = join(repo.root, "..", "elsewhere");
  mkdirSync(elsewhere);
  writeFileSync(join(elsewhere, "b.txt"), "the user's own file\n");
  testGit(repo.root, "config", "core.worktree", elsewhere);
  assert.throws(() => checkoutRoot(repo.root), (error: Error) => {
    assert.match(error.message, /names another folder as its files \(core\.worktree: .*elsewhere\)/);
    assert.match(error.message, /nothing was changed/);
    assert.match(error.message, /git -C .* config --unset core\.worktree/);
    return true;
  });
  assert.deepEqual(repo.ran(), []);
});

it("keeps a submodule whose git folder (.git/modules/NAME) names the submodule's own folder as its work tree", (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  const lib = join(repo.root, "..", "lib");
  mkdirSync(lib);
  writeFileSync(join(lib, "lib.py"), "l = 1\n");
  testGit(lib, "init", "-q");
  testGit(lib, "add", "-A");
  testGit(lib, "commit", "-qm", "lib");
  testGit(repo.root, "-c", "protocol.file.allow=always", "submodule", "--quiet", "add", lib, "vendor/lib");
  assert.match(testGit(join(repo.root, "vendor", "lib"), "config", "core.worktree"), /vendor\/lib/);
  assert.deepEqual(checkoutRoot(join(repo.root, "vendor", "lib")), { root: join(repo.root, "vendor", "lib") });
});

it("refuses a repository whose config names a folder around it as its work tree: the folder's own .git is not a subfolder's checkout", (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  const unpacked = join(repo.root, "downloads", "archive");
  mkdirSync(unpacked, { recursive: true });
  writeFileSync(join(unpacked, "app.py"), "print(1)\n");
  testGit(unpacked, "init", "-q");
  testGit(unpacked, "config", "core.worktree", repo.root);
  assert.throws(() => checkoutRoot(unpacked), /names another folder as its files \(core\.worktree: .*repo\)/);
  assert.deepEqual(repo.ran(), []);
});

it("refuses a folder whose .git file names another checkout's repository (an archive's gitdir: /home/user/secret/.git), or a worktree's git folder of another worktree", (t) => {
  // The user's own repository elsewhere on the machine: git in the archive compares its commits with the archive's files.
  const repo = hostileRepo();
  t.after(() => repo.remove());
  const archive = archiveNaming(repo.root);
  assert.throws(() => checkoutRoot(archive), (error: Error) => {
    assert.match(error.message, /names the repository of another folder \(.*repo\/\.git\)/);
    assert.match(error.message, /nothing was changed/);
    return true;
  });
  const other = join(repo.root, "..", "other-worktree");
  testGit(repo.root, "-c", "filter.evil.smudge=cat", "worktree", "add", "-q", "--detach", other);
  archiveNaming(repo.root, join(repo.root, ".git", "worktrees", "other-worktree"));
  assert.throws(() => checkoutRoot(archive), /names the repository of another folder/);
  assert.deepEqual(repo.ran(), []);
});

it("keeps a linked worktree's top and a checkout whose git folder was put elsewhere (git init --separate-git-dir)", (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  const linked = join(repo.root, "..", "linked");
  testGit(repo.root, "-c", "filter.evil.smudge=cat", "worktree", "add", "-q", "--detach", linked);
  assert.deepEqual(checkoutRoot(linked), { root: linked });
  const separate = join(repo.root, "..", "separate");
  mkdirSync(separate);
  testGit(separate, "init", "-q", "--separate-git-dir", join(repo.root, "..", "separate.git"));
  writeFileSync(join(separate, "s.py"), "s = 1\n");
  assert.deepEqual(checkoutRoot(separate), { root: separate });
});
