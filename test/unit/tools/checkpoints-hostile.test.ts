// Checkpoints in a folder someone else made: nothing a repository in it configures may run.
// git runs programs named in a repository's config (core.fsmonitor, filter.*.clean) when it
// looks into that repository; a nested repository (a vendored checkout, an unpacked archive)
// is one the shadow repository would look into.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { hostileRepo as hostileWorkspace, testGit } from "../indexer/helpers/hostile-git.ts";
import { tempDir, writeFiles } from "./helpers/setup.ts";

const git = testGit;

/** A repository at `dir` whose config runs a command that leaves `marker` when git looks into it. */
function hostileRepo(dir: string, marker: string): void {
  git(dir, "init", "-q");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "vendored", "--no-verify");
  git(dir, "config", "core.fsmonitor", `touch '${marker}'; echo`);
  git(dir, "config", "filter.evil.clean", `touch '${marker}'; cat`);
  git(dir, "config", "filter.evil.smudge", `touch '${marker}'; cat`);
}

describe("checkpoints in a folder with hostile nested repositories", () => {
  it("never runs a nested repository's fsmonitor or filters, even when .gitmodules asks for its status", async () => {
    const root = tempDir("hearth-hostile-");
    const marker = join(tempDir("hearth-marker-"), "ran");
    writeFiles(root, {
      "main.py": "m = 1\n",
      "vendor/lib/lib.py": "l = 1\n",
      "vendor/lib/.gitattributes": "* filter=evil\n",
      ".gitmodules": '[submodule "lib"]\n\tpath = vendor/lib\n\turl = ./lib\n\tignore = none\n',
    });
    hostileRepo(join(root, "vendor/lib"), marker);
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
    const start = await store.create("start");
    // The nested repository changes (a build, the agent's command), then every operation runs.
    writeFileSync(join(root, "vendor/lib/lib.py"), "l = 2\n");
    writeFileSync(join(root, "main.py"), "m = 2\n");
    const step = await store.create("before edit_file vendor/lib/lib.py", ["vendor/lib/lib.py"]);
    writeFileSync(join(root, "vendor/lib/lib.py"), "l = 3\n");
    assert.deepEqual((await store.changedFiles(start.id)).sort(), ["main.py", "vendor/lib/lib.py"]);
    assert.match(await store.diff(step.id), /^-l = 2$\n^\+l = 3$/m);
    await store.fileAt(step.id, "vendor/lib/lib.py");
    await store.restore(step.id);
    assert.equal(readFileSync(join(root, "vendor/lib/lib.py"), "utf8"), "l = 2\n", "the agent's write inside it is still undone");
    await store.restore(start.id);
    assert.equal(readFileSync(join(root, "main.py"), "utf8"), "m = 1\n");
    assert.equal(existsSync(marker), false, "the nested repository's configured command ran");
  });

  it("stops looking into the nested repositories an older version staged in its shadow index", async () => {
    const root = tempDir("hearth-hostile-");
    const marker = join(tempDir("hearth-marker-"), "ran");
    const storageDir = tempDir("hearth-storage-");
    writeFiles(root, { "vendor/lib/lib.py": "l = 1\n", "vendor/lib/.gitattributes": "* filter=evil\n" });
    hostileRepo(join(root, "vendor/lib"), marker);
    const old = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    // What Hearth staged before: the nested repository as a gitlink at its commit.
    const head = git(join(root, "vendor/lib"), "rev-parse", "HEAD").trim();
    // In the workspace, never the process's folder (the checkout) should a variable come out empty.
    execFileSync("git", ["update-index", "--add", "--cacheinfo", `160000,${head},vendor/lib`], { cwd: root, env: { ...process.env, GIT_DIR: old.gitDir, GIT_WORK_TREE: root } });
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    writeFileSync(join(root, "vendor/lib/lib.py"), "l = 2\n");
    await store.create("after an update");
    assert.equal(existsSync(marker), false, "the nested repository's configured command ran");
  });

  it("never runs what the workspace's own repository config names: the shadow repository reads its own config, not the workspace's .git", async () => {
    const repo = hostileWorkspace();
    try {
      const store = await CheckpointStore.open({ workspaceRoot: repo.root, storageDir: tempDir("hearth-storage-") });
      const start = await store.create("start");
      writeFileSync(join(repo.root, "b.txt"), "again\n");
      writeFileSync(join(repo.root, "c.txt"), "c\n");
      const step = await store.create("before edit_file b.txt", ["b.txt"]);
      assert.deepEqual((await store.changedFiles(start.id)).sort(), ["b.txt", "c.txt"]);
      assert.match(await store.diff(start.id), /^\+again$/m);
      await store.fileAt(step.id, "b.txt");
      await store.restore(start.id);
      assert.deepEqual(repo.ran(), []);
    } finally {
      repo.remove();
    }
  });
});
