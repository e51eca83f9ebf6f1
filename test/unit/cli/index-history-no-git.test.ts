// hearth index in a git checkout where no usable git runs — none on the PATH (a slim container),
// or one before 2.15 that refuses the --no-optional-locks every read-only git carries (CentOS
// 7's 1.8.3) — read no history and said "History: none (not a git repository, no commits yet,
// or --no-history)": none of which was so. Now it names the git. Real git for the checkout.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { spawnSync } from "node:child_process";

async function index(top: string): Promise<string> {
  const out: string[] = [];
  const code = await main(["index", "--repo", top, "--no-cache"], { out: (t) => void out.push(t), err: () => undefined, readStdin: async () => "", cwd: top, signal: new AbortController().signal });
  assert.equal(code, 0);
  return out.join("");
}

function withPath(t: TestContext, path: string): void {
  const saved = process.env.PATH;
  process.env.PATH = path;
  t.after(() => (process.env.PATH = saved));
}

it("says git is not on the PATH where the history could not be read for that", async (t) => {
  const top = committedRepo(join(tempDir("hearth-index-no-git-"), "repo"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  assert.match(await index(top), /^History: +1 commit /m);
  const empty = join(top, "..", "bin");
  mkdirSync(empty);
  withPath(t, empty);
  assert.match(await index(top), /^History: +none: git is not on the PATH \(spawnSync git ENOENT\), so the commits' history \(which helps ranking\) was not read; install git, or add its folder to PATH$/m);
});

it("names a git too old for Hearth's read-only options (before 2.15)", async (t) => {
  const top = committedRepo(join(tempDir("hearth-index-old-git-"), "repo"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  const real = spawnSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).stdout.trim();
  const old = join(top, "..", "old-git");
  mkdirSync(old);
  writeFileSync(join(old, "git"), `#!/bin/sh\nfor a in "$@"; do case "$a" in --no-optional-locks) echo "Unknown option: --no-optional-locks" >&2; exit 129;; --version|version) echo "git version 2.14.1"; exit 0;; esac; done\nexec '${real}' "$@"\n`);
  chmodSync(join(old, "git"), 0o755);
  withPath(t, `${old}:${process.env.PATH ?? ""}`);
  assert.match(await index(top), /^History: +none: git version 2\.14\.1 is too old \(it refuses --no-optional-locks, which Hearth's read-only git runs with: git 2\.15 and later\), so the commits' history \(which helps ranking\) was not read$/m);
});

it("still says 'not a git repository …' where it is none", async (t) => {
  const dir = tempDir("hearth-index-no-repo-");
  writeFileSync(join(dir, "calc.py"), "def add(a, b):\n    return a - b\n");
  void t;
  assert.match(await index(dir), /^History: +none \(not a git repository, no commits yet, or --no-history\)$/m);
});

it("names git's refusal of a checkout another user owns (dubious ownership), with how to go on", async (t) => {
  if (process.getuid?.() !== 0) return void t.skip("needs root to give the checkout to another user");
  const top = committedRepo(join(tempDir("hearth-index-owned-"), "repo"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  spawnSync("chown", ["-R", "nobody", top]);
  if (!/dubious ownership/.test(spawnSync("git", ["status"], { cwd: top, encoding: "utf8", env: { ...process.env, LANGUAGE: "en" } }).stderr)) return void t.skip("this git, or the user's git config (safe.directory), reads another user's repository");
  // In German too: git's refusal is read in English whatever the user's language.
  const saved = { LANGUAGE: process.env.LANGUAGE, LC_ALL: process.env.LC_ALL };
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) value === undefined ? delete process.env[name] : (process.env[name] = value);
  });
  Object.assign(process.env, { LANGUAGE: "de", LC_ALL: "C.UTF-8" });
  const escaped = top.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  assert.match(await index(top), new RegExp(`^History: +none: git will not read the repository at ${escaped}: another user owns it \\(git's "dubious ownership" check\\), so the commits' history \\(which helps ranking\\) was not read; run hearth as its owner, or, if you trust it, mark it safe \\(git config --global --add safe\\.directory ${escaped}\\)$`, "m"));
});

it("names a partial clone without its commits' trees (--filter=tree:0), whose history Hearth's git does not download, with how to go on", async () => {
  const dir = tempDir("hearth-index-treeless-");
  const origin = committedRepo(join(dir, "origin"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  writeFileSync(join(origin, "calc.py"), "def add(a, b):\n    return a + b\n");
  git(origin, "commit", "-qam", "fix add: it subtracted");
  git(origin, "config", "uploadpack.allowFilter", "true");
  const clone = join(dir, "clone");
  git(dir, "clone", "-q", "--filter=tree:0", `file://${origin}`, clone);
  // Offline: the promisor remote refuses (nothing listens on port 9), as a clone on a plane does.
  git(clone, "config", "remote.origin.url", "http://127.0.0.1:9/repo.git");
  assert.match(await index(clone), /^History: +none: this partial clone has not downloaded the trees of its commits \(a clone with --filter=tree:0\), and Hearth's git downloads nothing, so the commits' history \(which helps ranking\) was not read; have git download them, now and with every later fetch \(git config remote\.origin\.partialclonefilter blob:none, then git fetch --refetch origin: the trees, not every file's old versions\), and index again$/m);
  // The clone is as it was: nothing was downloaded.
  assert.notEqual(spawnSync("git", ["cat-file", "-e", "HEAD~1^{tree}"], { cwd: clone, env: { ...process.env, GIT_NO_LAZY_FETCH: "1" } }).status, 0);
  // A blobless clone (--filter=blob:none) reads its history (without renames): no such words.
  const blobless = join(dir, "blobless");
  git(dir, "clone", "-q", "--filter=blob:none", `file://${origin}`, blobless);
  git(blobless, "config", "remote.origin.url", "http://127.0.0.1:9/repo.git");
  assert.match(await index(blobless), /^History: +2 commits /m);
});

it("gives a way out of a treeless clone's missing history that still holds after the next pull", async (t) => {
  // git fetch --refetch: git 2.36 and later.
  if (!/--refetch/.test(spawnSync("git", ["fetch", "-h"], { encoding: "utf8" }).stdout)) return void t.skip("this git has no fetch --refetch");
  const dir = tempDir("hearth-index-treeless-fix-");
  const origin = committedRepo(join(dir, "origin"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  writeFileSync(join(origin, "calc.py"), "def add(a, b):\n    return a + b\n");
  git(origin, "commit", "-qam", "fix add: it subtracted");
  git(origin, "config", "uploadpack.allowFilter", "true");
  const clone = join(dir, "clone");
  git(dir, "clone", "-q", "--filter=tree:0", `file://${origin}`, clone);
  // The commands the History line gives, run as the user would (the remote reachable now).
  const said = /^History: +none: .*\((git .+?): the trees/m.exec(await index(clone))?.[1];
  assert.ok(said, "the History line names the commands");
  for (const command of said.split(", then ")) {
    const ran = spawnSync("sh", ["-c", command], { cwd: clone, encoding: "utf8" });
    assert.equal(ran.status, 0, `${command}: ${ran.stderr}`);
  }
  assert.match(await index(clone), /^History: +2 commits /m);
  // Two later commits upstream, pulled: their trees come with them (the checkout alone would
  // fetch only the newest one's), and the history still reads.
  writeFileSync(join(origin, "calc.py"), "def add(a, b):\n    return b + a\n");
  git(origin, "commit", "-qam", "add: b first");
  writeFileSync(join(origin, "calc.py"), "def add(a, b):\n    return a + b\n");
  git(origin, "commit", "-qam", "add: a first again");
  git(clone, "pull", "-q");
  assert.match(await index(clone), /^History: +4 commits /m);
});
