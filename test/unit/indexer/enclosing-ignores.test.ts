// The ignore rules a workspace that is a folder of a repository takes from the folders above
// it (enclosing-ignores.ts): rewritten for the workspace's top, and read by a git that runs
// nothing the repository's config names. Real git, real files.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { rewrite } from "../../../src/indexer/enclosing-ignores.ts";
import { repositoryExcludes } from "../../../src/indexer/scan.ts";
import { hostileRepo, testGit } from "./helpers/hostile-git.ts";

it("rewrites a folder's rules for a workspace below it: names at any depth as they are, anchored ones from the workspace, the rest left out", () => {
  const text = "# comment\n\n*.log\ndist/\n!keep.log\nbuild \n/packages/app/tmp/\npackages/app/src/gen.ts\n/packages/other/x\npackages/*/cache/\npackages/[!a]*/out/\n/packages/app\n**/coverage/\npackages/**/docs/\n\\#notes\r\n";
  assert.deepEqual(rewrite(text, ["packages", "app"]), ["*.log", "dist/", "!keep.log", "build", "/tmp/", "/src/gen.ts", "/cache/", "**/coverage/", "\\#notes"]);
});

it("drops the rules a negation it cannot rewrite could override, so that no file git keeps is left out", () => {
  // `**` in the leading folders: which of the workspace's files it keeps is not known.
  const text = "*.log\ndist/\nlogs/\n*\n!packages/**/keep.log\n!packages/**/logs/\ntmp/\n";
  assert.deepEqual(rewrite(text, ["packages", "app"]), ["dist/", "tmp/"]);
  assert.deepEqual(rewrite("*.log\n!packages/**/*.log\n*.tmp\n", ["packages", "app"]), ["*.tmp"]);
  // One that matches none of the workspace's paths overrides nothing.
  assert.deepEqual(rewrite("*.log\n!/packages/other/keep.log\n", ["packages", "app"]), ["*.log"]);
});

it("reads the rules of the repository around a folder without running what its config names", (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  writeFileSync(join(repo.root, ".gitignore"), "*.tmp\n/pkg/out/\n");
  mkdirSync(join(repo.root, "pkg"));
  writeFileSync(join(repo.root, "pkg", "m.py"), "m = 1\n");
  // Added, not committed: ls-files answers (and would run core.fsmonitor).
  testGit(repo.root, "add", "pkg/m.py");
  return repositoryExcludes(join(repo.root, "pkg")).then((rules) => {
    assert.equal(rules, "*.tmp\n/out/\n");
    assert.deepEqual(repo.ran(), []);
  });
});
