// `hearth fix` from the built CLI (out/cli.mjs), a real git checkout and the scripted model: the
// agent writes a script to reproduce the bug, runs it, fixes the bug and finishes, leaving the
// script (and a json.py at the top) behind. They stay in the patch and are named to the user; a new
// module the fix imports is not named.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import { calcCheckout } from "../../fixtures/calc-checkout.ts";
import { PromptKeeper } from "../../fixtures/prompt-keeper.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const call = (name: string, args: Record<string, unknown>) => ({ toolCalls: [{ name, arguments: args }] });

it("reproduce.py and a top-level json.py the agent left are in the patch and named, json.py as hiding Python's module; a new module the fix imports is not named", () => {
  const { work, repo, model } = calcCheckout("hearth-fix-scratch-", [
    call("write_file", { path: "reproduce.py", content: "from calc import add\nprint(add(2, 3))\n" }),
    call("run_command", { command: "python3 reproduce.py" }),
    call("write_file", { path: "json.py", content: "print('scratch')\n" }),
    call("write_file", { path: "mathutil.py", content: "def total(a, b):\n    return a + b\n" }),
    call("edit_file", { path: "calc.py", old_text: "def add(a, b):\n    return a - b", new_text: "from mathutil import total\n\n\ndef add(a, b):\n    return total(a, b)" }),
    call("finish", { summary: "fixed add" }),
  ]);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "base");
  const env = { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") };
  const run = spawnSync(process.execPath, [CLI, "fix", "--state-dir", join(work, "state"), "--repo", repo, "--issue", "add subtracts", "--model", model, "--yes", "--no-index", "--out", join(work, "fix.diff")], { cwd: work, encoding: "utf8", timeout: 120_000, env });
  assert.equal(run.status, 0, run.stderr);
  const patch = readFileSync(join(work, "fix.diff"), "utf8");
  // Kept: whether a new file is the fix's cannot be told for sure, and a lost one is a wrong patch.
  assert.deepEqual([...patch.matchAll(/^diff --git a\/(\S+)/gm)].map((m) => m[1]), ["calc.py", "json.py", "mathutil.py", "reproduce.py"]);
  assert.match(run.stderr, /^hearth fix: in the patch: 2 new file\(s\) the agent wrote that no other file in the patch names — a script to reproduce the issue or scratch notes, or a part of the fix: look at them before applying the patch \(git apply --exclude=PATH leaves one out\): json\.py \(at the checkout's top, where it hides Python's own json module from every import run there\), reproduce\.py$/m);
  assert.doesNotMatch(run.stderr, /names — .*mathutil/);
  const end = readFileSync(join(work, "fix.diff.trajectory.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).at(-1);
  assert.deepEqual(end.namedNowhere, [{ path: "json.py", shadows: "json" }, { path: "reproduce.py" }]);
  // The way out the line gives works: the patch without them applies to a clean clone.
  const clone = join(work, "clone");
  execFileSync("git", ["clone", "-q", repo, clone]);
  execFileSync("git", ["apply", "--exclude=json.py", "--exclude=reproduce.py", join(work, "fix.diff")], { cwd: clone });
  assert.ok(!existsSync(join(clone, "reproduce.py")) && existsSync(join(clone, "mathutil.py")));
});

it("hearth fix's model is asked, in its system prompt, to delete the scripts it makes to reproduce the issue before it finishes", async () => {
  const { work, repo } = calcCheckout("hearth-fix-scratch-prompt-");
  const backend = new PromptKeeper();
  const result = await runFix({ repo, issue: "add is wrong", backend, storageDir: join(work, "state"), policy: "auto-all" });
  assert.equal(result.agent.stopReason, "finished", result.agent.message);
  assert.match(backend.systemPrompts[0] ?? "", /^- Every file you write or leave in the repository goes into the patch\. A script or notes you make only to reproduce the problem .*delete it with run_command \(rm\) before you call finish/m);
});
