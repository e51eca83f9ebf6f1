// hearth fix whose agent ran `git clean -fdx` (or `rm -rf node_modules`): the files git ignores
// that it deleted — the user's .env among them — are in no patch and no checkpoint, and nothing
// said they were gone. In-process, a scripted model, real git.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { calcCheckout, ownStateHome } from "../../fixtures/calc-checkout.ts";
import { captureIo } from "../../fixtures/cli-io.ts";

const git = (repo: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@example.com", ...args], { cwd: repo, encoding: "utf8" });
const call = (name: string, args: Record<string, unknown>) => ({ toolCalls: [{ name, arguments: args }] });

async function fix(prefix: string, command: string) {
  const { work, repo, model } = calcCheckout(prefix);
  writeFileSync(join(repo, ".gitignore"), ".env\nnode_modules/\n");
  git(repo, "init", "-q");
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "start");
  writeFileSync(join(repo, ".env"), "SECRET=only-here\n");
  mkdirSync(join(repo, "node_modules", "left-pad"), { recursive: true });
  writeFileSync(join(repo, "node_modules", "left-pad", "index.js"), "module.exports = 1;\n");
  writeFileSync(model, JSON.stringify({ name: "scripted", turns: [
    call("run_command", { command }),
    call("edit_file", { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" }),
    call("finish", { summary: "done" }),
  ] }));
  const io = captureIo(repo);
  const code = await main(["fix", "--repo", ".", "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff")], io);
  assert.equal(code, 0, io.stderr);
  return { repo, stderr: io.stderr };
}

describe("hearth fix after a command deleted ignored files", () => {
  ownStateHome("hearth-fix-ignored-xdg-");

  it("names them, and says no patch or checkpoint holds them", async () => {
    const { repo, stderr } = await fix("hearth-fix-ignored-", "git clean -fdx");
    assert.equal(existsSync(join(repo, ".env")), false);
    assert.match(stderr, /^hearth fix: files git ignores are gone since the fix started \(deleted by the agent's commands — git clean -x, rm -rf, a build that empties its folder — or by hand\): \.env, node_modules\/\. No patch holds ignored files and Hearth's checkpoints do not either, so nothing here brings them back: make them again \(reinstall, rebuild\) or restore them from a backup$/m, stderr);
  });

  it("says nothing where they are still there", async () => {
    const { stderr } = await fix("hearth-fix-ignored-kept-", "git status --short");
    assert.doesNotMatch(stderr, /git ignores/, stderr);
  });
});
