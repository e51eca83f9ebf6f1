// Checkpoints snapshot the workspace into a shadow repository (its own GIT_DIR), so git read
// the shadow's info/exclude, never the workspace repository's own: what a user excluded there
// (a scratch folder, a local dataset) was copied into every checkpoint, listed as changed by
// the review and written into hearth fix's patch — in a plain clone and in a worktree, whose
// exclude file is its main repository's (.git file → gitdir → commondir), as the scan reads it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { tempDir } from "./helpers/setup.ts";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", ...args], { cwd, encoding: "utf8" });
}

/** A repository whose .git/info/exclude leaves out scratch/ and *.local.ts; `worktree`: the workspace is a worktree of it. */
function workspace(worktree: boolean): string {
  const dir = tempDir();
  const main = join(dir, "main");
  mkdirSync(main);
  git(main, "init", "-q");
  writeFileSync(join(main, "a.ts"), "export const A = 1;\n");
  git(main, "add", "a.ts");
  git(main, "commit", "-qm", "a");
  writeFileSync(join(main, ".git/info/exclude"), "scratch/\n*.local.ts\n");
  if (!worktree) return main;
  git(main, "worktree", "add", "-q", join(dir, "feature"));
  return join(dir, "feature");
}

describe("checkpoints honour the workspace repository's info/exclude", () => {
  for (const worktree of [false, true]) {
    it(`leaves out what it excludes, as git status does (${worktree ? "a worktree: its main repository's" : "a clone"})`, async () => {
      const root = workspace(worktree);
      mkdirSync(join(root, "scratch"));
      writeFileSync(join(root, "scratch/data.json"), "{}\n");
      writeFileSync(join(root, "b.local.ts"), "export const B = 1;\n");
      assert.equal(git(root, "status", "--porcelain", "--untracked-files=all"), "", "git itself sees nothing new");

      const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
      const start = await store.create("start");
      assert.equal(await store.fileAt(start.id, "scratch/data.json"), undefined);
      assert.equal(await store.fileAt(start.id, "b.local.ts"), undefined);
      assert.ok(await store.fileAt(start.id, "a.ts"));

      // A command rewrites the excluded files and the project's own.
      writeFileSync(join(root, "scratch/data.json"), '{"run": 2}\n');
      writeFileSync(join(root, "scratch/new.json"), "{}\n");
      writeFileSync(join(root, "a.ts"), "export const A = 2;\n");
      assert.deepEqual(await store.changedFiles(start.id), ["a.ts"]);
      assert.doesNotMatch(await store.diff(start.id, undefined, [], { patch: true }), /scratch|local/);
    });
  }
});

describe("checkpoints of a workspace that is a folder of a repository (a monorepo's package)", () => {
  /** A repository whose top ignores build output, logs and .env, with its package packages/app committed. */
  function monorepo(): { top: string; app: string } {
    const top = tempDir();
    const app = join(top, "packages", "app");
    mkdirSync(join(app, "src"), { recursive: true });
    writeFileSync(join(top, ".gitignore"), "# build output\ndist/\n*.log\n.env\n/packages/app/tmp/\n/packages/other/x.ts\npackages/*/cache/\n");
    writeFileSync(join(top, "packages", ".gitignore"), "app/generated/\n!keep.log\n");
    writeFileSync(join(app, "src", "a.ts"), "export const A = 1;\n");
    git(top, "init", "-q");
    git(top, "add", "-A");
    git(top, "commit", "-qm", "a");
    writeFileSync(join(top, ".git/info/exclude"), "scratch/\n");
    return { top, app };
  }

  it("leaves out what the folders above it ignore, as git status there does", async () => {
    const { app } = monorepo();
    const store = await CheckpointStore.open({ workspaceRoot: app, storageDir: tempDir("hearth-storage-") });
    const start = await store.create("start");
    for (const [path, text] of Object.entries({ "dist/bundle.js": "built\n", "debug.log": "log\n", "keep.log": "kept\n", ".env": "KEY=1\n", "tmp/t.json": "{}\n", "generated/g.ts": "g\n", "scratch/s.txt": "s\n", "x.ts": "x\n", "src/a.ts": "export const A = 2;\n" })) {
      mkdirSync(join(app, path, ".."), { recursive: true });
      writeFileSync(join(app, path), text);
    }
    assert.equal(git(app, "status", "--porcelain", "--untracked-files=all", "--", "."), " M packages/app/src/a.ts\n?? packages/app/keep.log\n?? packages/app/x.ts\n", "what git itself sees");
    assert.deepEqual(await store.changedFiles(start.id), ["keep.log", "src/a.ts", "x.ts"]);
  });

  it("keeps every file of a project inside a home folder kept in git that ignores everything ('*'), which holds none of it", async () => {
    const home = tempDir();
    writeFileSync(join(home, ".gitignore"), "*\n!.bashrc\n");
    writeFileSync(join(home, ".bashrc"), "alias ll='ls -l'\n");
    git(home, "init", "-q");
    git(home, "add", "-f", ".gitignore", ".bashrc");
    git(home, "commit", "-qm", "dotfiles");
    const project = join(home, "projects", "new");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "app.py"), "print(1)\n");
    const store = await CheckpointStore.open({ workspaceRoot: project, storageDir: tempDir("hearth-storage-") });
    const start = await store.create("start");
    assert.ok(await store.fileAt(start.id, "app.py"));
    writeFileSync(join(project, "app.py"), "print(2)\n");
    assert.deepEqual(await store.changedFiles(start.id), ["app.py"]);
  });
});

describe("checkpoints hold every file the user's repository tracks, whatever ignores it", () => {
  /** Commits `files` in a new repository at `top` (`forced`: added past its .gitignore, as `git add -f`). */
  function repository(top: string, gitignore: string, files: Record<string, string>, forced: readonly string[]): void {
    writeFileSync(join(top, ".gitignore"), gitignore);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(top, path, ".."), { recursive: true });
      writeFileSync(join(top, path), text);
    }
    git(top, "init", "-q");
    git(top, "add", "-A");
    if (forced.length) git(top, "add", "-f", ...forced);
    git(top, "commit", "-qm", "a");
  }

  /** A command changes `path` after a checkpoint: the review lists it, the diff shows it, and restoring the checkpoint puts it back. */
  async function agentEdits(workspace: string, path: string, untracked: string): Promise<void> {
    const store = await CheckpointStore.open({ workspaceRoot: workspace, storageDir: tempDir("hearth-storage-") });
    const start = await store.create("start");
    const before = (await store.fileAt(start.id, path))?.toString();
    writeFileSync(join(workspace, path), "changed by the agent\n");
    writeFileSync(join(workspace, untracked), "ignored, untracked\n");
    assert.deepEqual(await store.changedFiles(start.id), [path]);
    assert.match(await store.diff(start.id), /\+changed by the agent/);
    assert.deepEqual(await store.excludedAmong([path, untracked]), [untracked]);
    await store.restore(start.id);
    assert.equal(readFileSync(join(workspace, path), "utf8"), before);
  }

  it("holds a tracked file the .gitignore above a workspace folder ignores (lib/** with lib/a.py added by force)", async () => {
    const top = tempDir();
    repository(top, "lib/**\n", { "lib/a.py": "a = 1\n", "README.md": "r\n" }, ["lib/a.py"]);
    await agentEdits(join(top, "lib"), "a.py", "b.py");
  });

  it("holds a file a negation with a wildcard in its folders keeps (*.log, then !packages/*/keep.log)", async () => {
    const top = tempDir();
    repository(top, "*.log\n!packages/*/keep.log\n", { "packages/app/keep.log": "kept\n", "packages/app/src/a.ts": "a\n" }, []);
    await agentEdits(join(top, "packages", "app"), "keep.log", "debug.log");
  });

  it("holds a tracked file the workspace's own .gitignore ignores (*.min.js with vendor/x.min.js added by force)", async () => {
    const top = tempDir();
    repository(top, "*.min.js\n", { "vendor/x.min.js": "x\n", "a.js": "a\n" }, ["vendor/x.min.js"]);
    await agentEdits(top, "vendor/x.min.js", "y.min.js");
  });
});
