// hearth fix whose agent ran `git stash` (to test on a clean tree) in a checkout holding the
// user's uncommitted work: the work left the checkout for a stash entry, the patch showed it
// removed, and nothing said where it went. In-process, a scripted model, real git.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { calcCheckout, ownStateHome } from "../../fixtures/calc-checkout.ts";
import { captureIo } from "../../fixtures/cli-io.ts";

const git = (repo: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@example.com", ...args], { cwd: repo, encoding: "utf8" });
const call = (name: string, args: Record<string, unknown>) => ({ toolCalls: [{ name, arguments: args }] });

function checkout(prefix: string, command: string, before: (repo: string) => void = (repo) => appendFileSync(join(repo, "calc.py"), "# the user's own work\n")) {
  const made = calcCheckout(prefix);
  git(made.repo, "init", "-q");
  git(made.repo, "add", "-A");
  git(made.repo, "commit", "-qm", "start");
  before(made.repo);
  writeFileSync(made.model, JSON.stringify({ name: "scripted", turns: [
    call("run_command", { command }),
    call("edit_file", { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" }),
    call("finish", { summary: "done" }),
  ] }));
  return made;
}

describe("hearth fix after a git stash during the run", () => {
  ownStateHome("hearth-fix-stash-xdg-");

  it("says a new stash entry holds changes taken out of the checkout, and how to get them back", async () => {
    const { work, repo, model } = checkout("hearth-fix-stash-", "git stash");
    const io = captureIo(repo);
    const code = await main(["fix", "--repo", ".", "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff")], io);
    assert.equal(code, 0, io.stderr);
    assert.match(git(repo, "stash", "list"), /^stash@\{0\}/);
    assert.match(io.stderr, /^hearth fix: git stash ran during the fix \(the agent's commands, or by hand\): a new stash entry holds changes taken out of the checkout, uncommitted changes of yours among them if you had any \(the patch shows them removed\)\. git stash list shows it\. To have the newest back with the agent's change: git add -u, then git stash pop \(a plain pop refuses while a file it changes holds unstaged changes, as the agent's are\)\.$/m, io.stderr);
    // As said: a plain pop refuses (calc.py holds the agent's edit), git add -u then pop brings both.
    assert.notEqual(spawnSync("git", ["stash", "pop"], { cwd: repo }).status, 0);
    git(repo, "add", "-u");
    git(repo, "stash", "pop");
    assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a \+ b[^]*# the user's own work\n$/);
    assert.equal(git(repo, "stash", "list"), "");
  });

  it("says the user's own stash entry the agent popped is gone, its changes in the patch, and how to put it back", async () => {
    const { work, repo, model } = checkout("hearth-fix-stash-popped-", "git stash pop", (repo) => {
      writeFileSync(join(repo, "notes.txt"), "stashed last week\n");
      git(repo, "stash", "-u");
    });
    const io = captureIo(repo);
    const code = await main(["fix", "--repo", ".", "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff")], io);
    assert.equal(code, 0, io.stderr);
    assert.equal(git(repo, "stash", "list"), "");
    assert.match(readFileSync(join(work, "fix.diff"), "utf8"), /\+stashed last week/);
    const commit = /^hearth fix: git stash pop or drop ran during the fix \(the agent's commands, or by hand\): the stash entry ([0-9a-f]{12}) \(stash@\{0\} at the start\) is gone from the stash list; a popped entry's changes are in the checkout, and the patch holds them as the agent's\. To put it back in the list: git stash store \1 \(git keeps that commit only until it prunes unreachable ones, two weeks by default\)\.$/m.exec(io.stderr)?.[1];
    assert.ok(commit, io.stderr);
    git(repo, "stash", "store", commit);
    assert.match(git(repo, "stash", "list"), /^stash@\{0\}/);
  });

  it("says nothing where the stash was popped again before the end (the changes are back)", async () => {
    const { work, repo, model } = checkout("hearth-fix-stash-pop-", "git stash && git stash pop");
    const io = captureIo(repo);
    const code = await main(["fix", "--repo", ".", "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff")], io);
    assert.equal(code, 0, io.stderr);
    assert.equal(git(repo, "stash", "list"), "");
    assert.doesNotMatch(io.stderr, /stash entr/, io.stderr);
  });
});
