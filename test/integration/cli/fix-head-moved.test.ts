// `hearth fix` from the built CLI (out/cli.mjs) when the checkout's branch is switched outside
// the agent's steps (here by the final test command, which the user gave): the patch would
// carry git's changes, so nothing is saved, and the exit code and words say so.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { git, repoWithBranch } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

it("a branch switch during the run exits 1 and saves no patch and no prediction (an earlier run's --out emptied), naming the branches and git's files", () => {
  const work = tempDir("hearth-fix-head-moved-");
  const repo = repoWithBranch(join(work, "repo"), { "calc.py": "def add(a, b):\n    return a - b\n", "notes.txt": "main's\n" }, { written: { "notes.txt": "other's\n" } });
  const first = git(repo, "branch", "--show-current").trim();
  const model = join(work, "model.json");
  writeFileSync(model, JSON.stringify({ name: "scripted-fixer", turns: [
    { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "a - b", new_text: "a + b" } }] },
    { toolCalls: [{ name: "finish", arguments: { summary: "Fixed add()." } }] },
  ] }));
  // An earlier run's patch at --out: a script that applies --out must not take it for this run's.
  writeFileSync(join(work, "fix.diff"), "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-def add(a, b):\n+def add(a, b):  # an earlier run's\n");
  const run = spawnSync(process.execPath, [CLI, "fix", "--state-dir", join(work, "state"), "--repo", repo, "--issue", "add subtracts", "--model", model, "--yes", "--no-index",
    "--test-cmd", "git checkout -q other", "--out", join(work, "fix.diff"), "--predictions", join(work, "preds.jsonl"), "--instance-id", "x"], {
    cwd: work, encoding: "utf8", timeout: 120_000, env: { ...process.env, HEARTH_HOME: join(work, "home") },
  });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, new RegExp(`^hearth fix: git's HEAD moved during the run \\(from ${first} to other: .*git changed 1 file\\(s\\) the patch would hold \\(notes\\.txt\\).*Nothing saved: no patch \\(.*fix\\.diff is left empty\\), no prediction\\.`, "m"));
  assert.equal(run.stdout, "");
  assert.equal(readFileSync(join(work, "fix.diff"), "utf8"), "");
  assert.equal(existsSync(join(work, "preds.jsonl")), false);
  // The agent's edit stays on disk.
  assert.match(git(repo, "diff"), /^\+    return a \+ b$/m);
});
