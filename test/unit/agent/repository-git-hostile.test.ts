// hearth fix's questions to the user's repository (src/agent/repository-git.ts) in a
// repository that came with a config naming programs: none of them runs, but the clean
// filter that hash-object --path is asked about (what the repository would store).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { repositoryGit } from "../../../src/agent/repository-git.ts";
import { uncommittedFiles } from "../../../src/agent/fix-files.ts";
import { hostileRepo, testGit } from "../indexer/helpers/hostile-git.ts";

it("status, ls-files, rev-parse and check-attr run nothing the repository's config names", async (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  assert.deepEqual(await uncommittedFiles(repo.root), { files: ["b.txt"] });
  for (const args of [["ls-files", "-z"], ["check-attr", "-a", "b.txt"], ["ls-files", "-z", "--others", "--exclude-standard"]]) {
    assert.equal((await repositoryGit(repo.root, args)).ok, true, args.join(" "));
  }
  assert.deepEqual(repo.ran(), []);
});

it("hash-object --path runs the repository's clean filter: what it would store is the question", async (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  const run = await repositoryGit(repo.root, ["hash-object", "--stdin", "--path=b.txt"], { input: "x\r\n", filters: "repository" });
  assert.equal(run.ok, true);
  assert.deepEqual(repo.ran(), ["filter.evil.clean"]);
});

it("reads the folder's repository whatever GIT_DIR and GIT_WORK_TREE the user's shell exported", async (t) => {
  const [repo, other] = [hostileRepo(), hostileRepo()];
  t.after(() => (repo.remove(), other.remove()));
  process.env.GIT_DIR = `${other.root}/.git`;
  process.env.GIT_WORK_TREE = other.root;
  t.after(() => (delete process.env.GIT_DIR, delete process.env.GIT_WORK_TREE));
  const top = await repositoryGit(repo.root, ["rev-parse", "--show-toplevel"]);
  assert.equal(top.ok && top.stdout.toString("utf8").trim(), repo.root);
});

it("the user's own filter (git-lfs) still runs, but not once the repository's config names a git-lfs extension, which git-lfs would run", async (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  // The user's ~/.gitconfig (git lfs install): its filter stands for git-lfs, which runs the
  // clean command of every lfs.extension.<name> in the repository's config (checked with git-lfs 3.3).
  const [programs, ran] = [join(repo.root, "..", "programs"), join(repo.root, "..", "ran")];
  writeFileSync(join(programs, "lfs.sh"), `#!/bin/sh\ntouch '${join(ran, "user-lfs")}'\ncat\n`);
  chmodSync(join(programs, "lfs.sh"), 0o755);
  writeFileSync(join(programs, "global.cfg"), `[filter "lfs"]\n\tclean = ${join(programs, "lfs.sh")}\n\trequired = true\n`);
  const global = process.env.GIT_CONFIG_GLOBAL;
  process.env.GIT_CONFIG_GLOBAL = join(programs, "global.cfg");
  t.after(() => (global === undefined ? delete process.env.GIT_CONFIG_GLOBAL : (process.env.GIT_CONFIG_GLOBAL = global)));
  writeFileSync(join(repo.root, ".git", "info", "attributes"), "b.txt filter=lfs\n");
  assert.deepEqual(await uncommittedFiles(repo.root), { files: ["b.txt"] });
  assert.deepEqual(repo.ran(), ["user-lfs"], "the user's own filter runs where the repository names no lfs.extension");
  rmSync(join(ran, "user-lfs"));
  testGit(repo.root, "config", "lfs.extension.evil.clean", `${join(programs, "core.fsmonitor.sh")} %f`);
  assert.deepEqual(await uncommittedFiles(repo.root), { files: ["b.txt"] });
  assert.deepEqual(repo.ran(), []);
});

for (const [version, showScope] of [["2.25", false], ["2.30", true]] as const) {
  it(`on git ${version} (${showScope ? "" : "no config --show-scope, "}no GIT_CONFIG_COUNT before 2.31), the repository's clean filter still does not run`, async (t) => {
    const repo = hostileRepo();
    t.after(() => repo.remove());
    // The old git, simulated (Ubuntu 20.04 has 2.25, Debian 11 2.30): git before 2.26 refuses
    // --show-scope as an unknown option, and before 2.31 reads no GIT_CONFIG_COUNT; the rest goes to the real git.
    const real = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    const old = join(repo.root, "..", "old-git");
    mkdirSync(old);
    const refuse = showScope ? "" : `for a in "$@"; do [ "$a" = --show-scope ] && { echo "error: unknown option \\\`show-scope'" >&2; exit 129; }; done\n`;
    writeFileSync(join(old, "git"), `#!/bin/sh\n${refuse}unset GIT_CONFIG_COUNT\nexec '${real}' "$@"\n`);
    chmodSync(join(old, "git"), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${old}:${path ?? ""}`;
    t.after(() => (process.env.PATH = path));
    assert.equal(spawnSync("git", ["config", "--show-scope", "-l"], { cwd: repo.root }).status, showScope ? 0 : 129, "the old git is the one on PATH");
    assert.deepEqual(await uncommittedFiles(repo.root), { files: ["b.txt"] });
    assert.deepEqual(repo.ran(), []);
  });
}
