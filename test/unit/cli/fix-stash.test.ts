// hearth fix whose agent ran `git stash` (to test on a clean tree) in a checkout holding the
// user's uncommitted work: the work left the checkout for a stash entry, the patch showed it
// removed, and nothing said where it went. In-process, a scripted model, real git.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { calcCheckout, ownStateHome } from "../../fixtures/calc-checkout.ts";
import { captureIo } from "../../fixtures/cli-io.ts";

const git = (repo: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@example.com", ...args], { cwd: repo, encoding: "utf8" });
const call = (name: string, args: Record<string, unknown>) => ({ toolCalls: [{ name, arguments: args }] });

function checkout(prefix: string, command: string) {
  const made = calcCheckout(prefix);
  git(made.repo, "init", "-q");
  git(made.repo, "add", "-A");
  git(made.repo, "commit", "-qm", "start");
  appendFileSync(join(made.repo, "calc.py"), "# the user's own work\n");
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
    assert.match(io.stderr, /^hearth fix: git stash ran during the fix \(the agent's commands, or by hand\): a new stash entry holds changes taken out of the checkout, uncommitted changes of yours among them if you had any \(the patch shows them removed\)\. git stash list shows it; git stash pop brings the newest back\.$/m, io.stderr);
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
