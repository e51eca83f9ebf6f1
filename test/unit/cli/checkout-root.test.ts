// checkoutRoot answers for the folder given, whatever git variables the shell holds: with
// GIT_DIR and GIT_WORK_TREE exported (a dotfiles setup: GIT_DIR=~/.dotfiles GIT_WORK_TREE=~,
// or hearth run from a git hook) git rev-parse named their work tree as the top, so hearth fix
// --repo PROJECT worked on another folder and said PROJECT was "inside" it. Real git.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { checkoutRoot } from "../../../src/cli/checkout-root.ts";
import { tempDir } from "../../fixtures/temp.ts";

const saved = { GIT_DIR: process.env.GIT_DIR, GIT_WORK_TREE: process.env.GIT_WORK_TREE };

const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd, env: { ...process.env, GIT_DIR: undefined, GIT_WORK_TREE: undefined } as NodeJS.ProcessEnv });

function repo(folder: string): void {
  mkdirSync(join(folder, "lib"), { recursive: true });
  execFileSync("git", ["init", "-q"], { cwd: folder, env: { ...process.env, GIT_DIR: undefined, GIT_WORK_TREE: undefined } as NodeJS.ProcessEnv });
}

describe("checkoutRoot with git's variables in the environment", () => {
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("names the given folder's checkout, not the one GIT_DIR and GIT_WORK_TREE point at", () => {
    const work = tempDir("hearth-checkout-root-");
    const project = join(work, "project");
    const dotfiles = join(work, "home");
    repo(project);
    writeFileSync(join(project, "lib", "calc.py"), "x = 1\n");
    git(project, "add", ".");
    git(project, "commit", "-qm", "init");
    repo(dotfiles);
    process.env.GIT_DIR = join(dotfiles, ".git");
    process.env.GIT_WORK_TREE = dotfiles;
    assert.deepEqual(checkoutRoot(project), { root: project });
    const sub = checkoutRoot(join(project, "lib"));
    assert.equal(sub.root, project);
    assert.match(sub.note ?? "", /lib is inside the checkout .*project:/);
  });

  it("keeps a folder that holds nothing the checkout around it has committed: a project under a home folder kept in git is not the home folder", () => {
    const work = tempDir("hearth-checkout-root-");
    const home = join(work, "home");
    repo(home);
    writeFileSync(join(home, ".bashrc"), "alias ll='ls -l'\n");
    writeFileSync(join(home, "lib", "tool.py"), "x = 1\n");
    git(home, "add", ".bashrc", "lib");
    git(home, "commit", "-qm", "dotfiles");
    const project = join(home, "projects", "new");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "app.py"), "print(1)\n");
    assert.deepEqual(checkoutRoot(project), { root: project });
    assert.equal(checkoutRoot(join(home, "lib")).root, home, "a committed subfolder is still the checkout's");
  });

  it("takes a folder whose files are added but not yet committed as the checkout's: a new repository's first files, a new package", () => {
    const work = tempDir("hearth-checkout-root-");
    const fresh = join(work, "fresh");
    repo(fresh);
    writeFileSync(join(fresh, "lib", "calc.py"), "x = 1\n");
    git(fresh, "add", ".");
    assert.equal(checkoutRoot(join(fresh, "lib")).root, fresh, "git init, git add, no commit yet");
    const grown = join(work, "grown");
    repo(grown);
    writeFileSync(join(grown, "README"), "r\n");
    git(grown, "add", ".");
    git(grown, "commit", "-qm", "init");
    writeFileSync(join(grown, "lib", "calc.py"), "x = 1\n");
    git(grown, "add", "lib");
    assert.equal(checkoutRoot(join(grown, "lib")).root, grown, "a package added since the last commit");
    mkdirSync(join(grown, "scratch"));
    writeFileSync(join(grown, "scratch", "try.py"), "x = 2\n");
    writeFileSync(join(grown, ".gitignore"), "scratch/\n");
    assert.deepEqual(checkoutRoot(join(grown, "scratch")), { root: join(grown, "scratch") }, "an ignored folder stays a project of its own");
  });

  it("names a linked worktree's own folder when given its folder in git's (git worktree add)", () => {
    const work = tempDir("hearth-checkout-root-");
    const main = join(work, "main");
    repo(main);
    writeFileSync(join(main, "lib", "calc.py"), "x = 1\n");
    git(main, "add", ".");
    git(main, "commit", "-qm", "init");
    const linked = join(work, "linked tree");
    git(main, "worktree", "add", "-q", "-b", "linked", linked);
    assert.deepEqual(checkoutRoot(join(linked, "lib")), { root: linked, note: `${join(linked, "lib")} is inside the checkout ${linked}: the agent works on the whole checkout, and the patch names files from its top (as git apply and SWE-bench read it)` });
    assert.throws(() => checkoutRoot(join(main, ".git", "worktrees", "linked-tree")), { message: `${join(main, ".git", "worktrees", "linked-tree")} is git's own folder, not the checkout's files: give --repo ${linked}` });
    assert.throws(() => checkoutRoot(join(main, ".git", "objects")), { message: `${join(main, ".git", "objects")} is git's own folder, not the checkout's files: give --repo ${main}` });
  });
});

describe("checkoutRoot on a read-only mount", () => {
  it("advises a writable copy only: its owner may not write there either", (t) => {
    const work = tempDir("hearth-ro-mount-");
    const top = join(work, "repo");
    mkdirSync(top);
    repo(top);
    const mounted = join(work, "ro");
    mkdirSync(mounted);
    // Needs root (and a mount namespace that allows it): skipped elsewhere.
    if (spawnSync("mount", ["--bind", "-o", "ro", top, mounted]).status !== 0) return void t.skip("cannot bind-mount read-only here");
    try {
      assert.throws(() => checkoutRoot(mounted), (error: Error) => {
        assert.equal(error.message, `the checkout ${mounted} cannot be written (EROFS: a read-only file system): the agent could not edit a file there; run hearth fix in a writable copy (git clone ${mounted} DIR)`);
        return true;
      });
    } finally {
      spawnSync("umount", [mounted]);
    }
  });
});
