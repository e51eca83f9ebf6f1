// hearth fix refuses a checkout with unresolved conflicts (7a04fae5), and says how to abort what
// stopped. It said "(git merge --abort, git rebase --abort)" whatever stopped: mid-cherry-pick
// or mid-revert both fail ("fatal: There is no merge to abort (MERGE_HEAD missing)", "No
// rebase in progress?"), and after a stash pop neither has anything to abort. Now the command
// is the one for the operation under way (its state in the git folder, a worktree's own).
// Real git; checkoutRoot as hearth fix calls it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { checkoutRoot } from "../../../src/cli/checkout-root.ts";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A repository whose branch `other` and its first branch change calc.py's one line each their own way. */
function divergent(): string {
  const top = committedRepo(join(tempDir("hearth-conflicts-"), "repo"), { "calc.py": "return a - b\n" });
  git(top, "checkout", "-qb", "other");
  writeFileSync(join(top, "calc.py"), "return b - a\n");
  git(top, "commit", "-qam", "other");
  git(top, "checkout", "-q", "-");
  writeFileSync(join(top, "calc.py"), "return a * b\n");
  git(top, "commit", "-qam", "main");
  return top;
}

/** Runs git where it is to stop with a conflict (exit 1). */
function stops(top: string, ...args: string[]): void {
  const run = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: top, encoding: "utf8" });
  assert.notEqual(run.status, 0, `${args.join(" ")} did not stop: ${run.stdout}${run.stderr}`);
}

function refusal(top: string): string {
  try {
    checkoutRoot(top);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail("the checkout with conflicts was not refused");
}

const CASES: readonly { readonly what: string; readonly run: (top: string) => void; readonly says: string; readonly abort: string }[] = [
  { what: "a merge", run: (top) => stops(top, "merge", "-q", "other"), says: "a merge that stopped", abort: "git merge --abort" },
  { what: "a cherry-pick", run: (top) => stops(top, "cherry-pick", "other"), says: "a cherry-pick that stopped", abort: "git cherry-pick --abort" },
  { what: "a rebase", run: (top) => stops(top, "rebase", "other"), says: "a rebase that stopped", abort: "git rebase --abort" },
  { what: "git am", run: (top) => stops(top, "am", "-3", join(top, "..", "other.patch")), says: "git am that stopped", abort: "git am --abort" },
];

for (const { what, run, says, abort } of CASES) {
  it(`names how to abort ${what} that stopped with conflicts`, () => {
    const top = divergent();
    if (what === "git am") writeFileSync(join(top, "..", "other.patch"), git(top, "format-patch", "--stdout", "-1", "other"));
    run(top);
    const message = refusal(top);
    assert.match(message, new RegExp(`^the checkout has unresolved conflicts \\(${says}\\): calc\\.py \\(conflict markers\\); resolve them and git add them \\(git rm a file to delete\\), or abort it \\(${abort}\\), then run hearth fix again$`), message);
  });
}

it("names how to abort a revert that stopped with conflicts", () => {
  const top = divergent();
  writeFileSync(join(top, "calc.py"), "return a // b\n");
  git(top, "commit", "-qam", "later");
  stops(top, "revert", "--no-edit", "HEAD~1");
  assert.match(refusal(top), /^the checkout has unresolved conflicts \(a revert that stopped\): calc\.py \(conflict markers\); resolve them and git add them \(git rm a file to delete\), or abort it \(git revert --abort\), then run hearth fix again$/);
});

it("names no abort command where nothing is under way to abort (a stash pop's conflict)", () => {
  const top = divergent();
  writeFileSync(join(top, "calc.py"), "return b - a\n");
  git(top, "stash", "-q");
  writeFileSync(join(top, "calc.py"), "return a + b\n");
  git(top, "commit", "-qam", "later");
  stops(top, "stash", "pop", "-q");
  const message = refusal(top);
  assert.doesNotMatch(message, /--abort/, message);
  assert.match(message, /^the checkout has unresolved conflicts \(a stash pop, checkout -m or apply -3 that stopped, which left nothing to abort; a stash pop keeps its stash entry\): calc\.py \(conflict markers\); resolve them and git add them \(git rm a file to delete\), then run hearth fix again$/);
});

it("reads a linked worktree's own state, not the main checkout's (git worktree add)", () => {
  const top = divergent();
  const linked = join(top, "..", "linked");
  git(top, "worktree", "add", "-q", "--detach", linked);
  stops(top, "merge", "-q", "other"); // the main checkout mid-merge
  stops(linked, "cherry-pick", "other");
  assert.match(refusal(linked), /\(a cherry-pick that stopped\): calc\.py .*\(git cherry-pick --abort\)/);
});

it("refuses a git too old for the options Hearth runs it with (before 2.15: --no-optional-locks), naming its version, instead of fixing a subfolder as if there were no repository", (t) => {
  const top = committedRepo(join(tempDir("hearth-old-git-"), "repo"), { "lib/calc.py": "return a - b\n" });
  // git 2.14, simulated: it refuses --no-optional-locks as git before 2.15 does; the rest goes to the real git.
  const real = spawnSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).stdout.trim();
  const old = join(top, "..", "old-git");
  mkdirSync(old);
  writeFileSync(join(old, "git"), `#!/bin/sh\nfor a in "$@"; do case "$a" in --no-optional-locks) echo "Unknown option: --no-optional-locks" >&2; exit 129;; --version|version) echo "git version 2.14.1"; exit 0;; esac; done\nexec '${real}' "$@"\n`);
  chmodSync(join(old, "git"), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${old}:${path ?? ""}`;
  t.after(() => (process.env.PATH = path));
  assert.throws(() => checkoutRoot(join(top, "lib")), (error: Error) => {
    assert.equal(error.message, "git version 2.14.1 is too old for hearth fix: Hearth runs git with --no-optional-locks (git 2.15 and later), so that reading the repository never rewrites its index, and this git refuses it (Unknown option: --no-optional-locks); install a newer git, or put its folder first on PATH, and run hearth fix again");
    return true;
  });
});
