// `--repo DIR` where this user may not enter a folder above DIR (another user's home, a 0700
// build folder): stat fails with EACCES, not ENOENT, and the folder is there. The built CLI,
// run as nobody (permissions do not bind root).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

describe("a --repo this user may not reach", () => {
  it("says it cannot be reached, not that there is no such folder (exit 2)", (t) => {
    if (process.getuid?.() !== 0) return void t.skip("needs root to run hearth as another user");
    if (spawnSync("runuser", ["-u", "nobody", "--", "test", "-r", CLI]).status !== 0) return void t.skip("user nobody cannot read the built CLI");
    // Under /tmp itself: the test runner's temp folder is root's alone, which nobody cannot enter.
    const work = mkdtempSync("/tmp/hearth-repo-unreachable-");
    t.after(() => rmSync(work, { recursive: true, force: true }));
    chmodSync(work, 0o755);
    const repo = join(work, "locked", "repo");
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
    chmodSync(join(work, "locked"), 0o700);
    const { status, stderr } = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, CLI, "map", "--no-cache", "--repo", repo], { cwd: work, encoding: "utf8", timeout: 60_000, env: { ...process.env, HOME: work } });
    assert.equal(status, 2, stderr);
    assert.match(stderr, new RegExp(`^hearth map: ${repo} cannot be reached by this user \\(EACCES: a folder in its path may not be entered\\): run hearth as a user who may read it, or give a copy of it$`, "m"));
    assert.doesNotMatch(stderr, /No such folder/);
  });

  it("says the --repo folder itself cannot be read by this user, not that there is nothing to map (exit 2)", (t) => {
    if (process.getuid?.() !== 0) return void t.skip("needs root to run hearth as another user");
    if (spawnSync("runuser", ["-u", "nobody", "--", "test", "-r", CLI]).status !== 0) return void t.skip("user nobody cannot read the built CLI");
    const work = mkdtempSync("/tmp/hearth-repo-unreachable-");
    t.after(() => rmSync(work, { recursive: true, force: true }));
    chmodSync(work, 0o755);
    // Another user's home: its folder is there to stat, but not to list.
    const repo = join(work, "home");
    mkdirSync(repo);
    writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
    chmodSync(repo, 0o700);
    const { status, stdout, stderr } = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, CLI, "map", "--no-cache", "--repo", repo], { cwd: work, encoding: "utf8", timeout: 60_000, env: { ...process.env, HOME: work } });
    assert.equal(status, 2, stderr);
    assert.match(stderr, new RegExp(`^hearth map: ${repo} cannot be read by this user \\(EACCES\\): run hearth as a user who may read it, or give a copy of it$`, "m"));
    assert.doesNotMatch(stdout + stderr, /Nothing to map/);
  });

  it("says a --repo that is a link leading back to itself is one, not that there is no such folder (exit 2)", (t) => {
    const work = mkdtempSync("/tmp/hearth-repo-unreachable-");
    t.after(() => rmSync(work, { recursive: true, force: true }));
    symlinkSync("repo", join(work, "repo"));
    const { status, stderr } = spawnSync(process.execPath, [CLI, "map", "--no-cache", "--repo", "repo"], { cwd: work, encoding: "utf8", timeout: 60_000, env: { ...process.env, HOME: work } });
    assert.equal(status, 2, stderr);
    assert.match(stderr, new RegExp(`^hearth map: ${join(work, "repo")} is a link that leads back to itself \\(ELOOP\\): give the repository's folder$`, "m"));
    assert.doesNotMatch(stderr, /No such folder/);
  });
});
