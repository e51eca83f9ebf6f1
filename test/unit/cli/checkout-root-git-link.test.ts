// hearth fix and hearth index in a linked worktree whose repository was moved or deleted (its .git
// file names <old place>/.git/worktrees/NAME), or under a .git file not in git's form: git stops at
// that file and reads no repository. hearth fix took the folder for no repository (from a
// subfolder the patch named src/calc.py as calc.py, the checkout's uncommitted changes unknown),
// and hearth index said "none (not a git repository, no commits yet, or --no-history)". Now fix
// refuses, naming the file and the way out, and the History line says the same. Real git.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { checkoutRoot } from "../../../src/cli/checkout-root.ts";
import { UsageError } from "../../../src/cli/command.ts";
import { main } from "../../../src/cli/main.ts";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

async function history(top: string): Promise<string> {
  const out: string[] = [];
  const code = await main(["index", "--repo", top, "--no-cache"], { out: (t) => void out.push(t), err: () => undefined, readStdin: async () => "", cwd: top, signal: new AbortController().signal });
  assert.equal(code, 0);
  return /^History: +(.*)$/m.exec(out.join(""))?.[1] ?? "";
}

function refusal(folder: string): string {
  try {
    checkoutRoot(folder);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  return assert.fail(`${folder} was not refused`);
}

it("hearth fix refuses, from the top and from a subfolder, a worktree whose repository was moved, and hearth index names it; after git worktree repair both read it", async () => {
  const work = tempDir("hearth-git-link-moved-");
  const repo = committedRepo(join(work, "repo"), { "src/calc.py": "def add(a, b):\n    return a - b\n" });
  const tree = join(work, "tree");
  git(repo, "worktree", "add", "-q", tree);
  renameSync(repo, join(work, "moved"));
  const link = readFileSync(join(tree, ".git"), "utf8");
  const problem = `the .git file ${join(tree, ".git")} names ${join(repo, ".git", "worktrees", "tree")} as its git folder, which is not there or holds no repository (a worktree or submodule whose repository was moved or deleted), so git finds no repository here`;
  const wayOut = `end it from its repository's new place (for a worktree: git worktree repair ${tree}, run in that repository), or remove ${join(tree, ".git")} if this folder is no checkout any more`;
  for (const folder of [tree, join(tree, "src")]) assert.equal(refusal(folder), `${problem}: hearth fix cannot tell the checkout's top or what it holds uncommitted; nothing was changed. M${wayOut}, and run hearth fix again`);
  assert.equal(await history(tree), `none: ${problem}, so the commits' history (which helps ranking) was not read; m${wayOut}`);
  // Nothing of the user's was touched: the .git file is as it was.
  assert.equal(readFileSync(join(tree, ".git"), "utf8"), link);
  // git before 2.29 has no worktree repair: the rest is shown where it has.
  if (spawnSync("git", ["worktree", "repair", tree], { cwd: join(work, "moved") }).status !== 0) return;
  assert.deepEqual(checkoutRoot(join(tree, "src")).root, tree);
  assert.match(await history(tree), /^1 commit /);
});

it("hearth fix refuses a folder under a .git file not in git's form, and hearth index names it", async () => {
  const top = join(tempDir("hearth-git-link-garbage-"), "project");
  mkdirSync(top);
  writeFileSync(join(top, ".git"), "not a link\n");
  writeFileSync(join(top, "calc.py"), "def add(a, b):\n    return a - b\n");
  const problem = `the .git file ${join(top, ".git")} is not in the form git reads ("gitdir: PATH"), so git finds no repository here`;
  assert.equal(refusal(top), `${problem}: hearth fix cannot tell the checkout's top or what it holds uncommitted; nothing was changed. Write it as git does, or remove ${join(top, ".git")} if this folder is no checkout any more, and run hearth fix again`);
  assert.equal(await history(top), `none: ${problem}, so the commits' history (which helps ranking) was not read; write it as git does, or remove ${join(top, ".git")} if this folder is no checkout any more`);
});

it("a folder in no repository is still no refusal", () => {
  const top = tempDir("hearth-git-link-none-");
  writeFileSync(join(top, "calc.py"), "x = 1\n");
  assert.equal(checkoutRoot(top).root, top);
});
