// `hearth fix` on a real terminal (a pseudo-terminal, test/fixtures/pty-run.py) against a
// model that copies hostile characters into its change: the approval question says in words
// what a call holds past what it shows, and the patch printed for a person has its control
// characters escaped — while the same patch into a pipe keeps its exact bytes for git apply.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** A checkout and a scripted model whose one edit writes `newText` (or makes `call`), then finishes. */
function setUp(newText: string, call: { name: string; arguments: Record<string, unknown> } = { name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: newText } }): { work: string; repo: string; model: string } {
  const work = tempDir("hearth-fix-terminal-");
  const repo = join(work, "repo");
  cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
  const model = join(work, "model.json");
  const turns = [
    { toolCalls: [call] },
    { toolCalls: [{ name: "finish", arguments: { summary: "fixed" } }] },
  ];
  writeFileSync(model, JSON.stringify({ name: "scripted", turns }));
  return { work, repo, model };
}

/** Runs hearth in a pseudo-terminal, typing `keys` once `wait` is printed; its exit code and everything it printed. */
function inTerminal(work: string, wait: string, keys: string, args: string[]): { code: number; output: string } {
  const run = spawnSync("python3", [join(ROOT, "test/fixtures/pty-run.py"), wait, keys, process.execPath, CLI, ...args], {
    cwd: work, env: { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg") }, encoding: "utf8",
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { code: number; output: string };
}

describe("hearth fix on a terminal, with a model that writes hostile characters", () => {
  it("the approval question warns in words of a bidi override past the part of the call it shows, and says how much is not shown", () => {
    const { work, repo, model } = setUp(`    return a + b  # ${"x".repeat(400)} \u202e check later`);
    const { code, output } = inTerminal(work, "[y/N]", "n\r", ["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff"), "--max-steps", "2"]);
    const question = output.slice(0, output.indexOf("[y/N]"));
    assert.match(question, /! This call holds 1 bidirectional control character/, output);
    assert.match(question, /… \(\d+ more characters not shown\)\? $/m, output);
    assert.notEqual(code, 0);
    assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a - b/, "declined: the file is as it was");
  });

  it("the approval question warns only of what the call writes: not of a zero-width character an edit or a patch removes or an edit only repeats, nor of a mark in a right-to-left comment", () => {
    const args = (work: string, repo: string, model: string) => ["fix", "--repo", repo, "--issue", "a name holds a zero-width space", "--model", model, "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff"), "--max-steps", "2"];
    const question = (output: string) => output.slice(0, output.indexOf("[y/N]"));
    const calls = [
      { name: "edit_file", arguments: { path: "calc.py", edits: [{ old_text: "def m\u200bul(a, b):", new_text: "def mul(a, b):" }] } },
      { name: "apply_patch", arguments: { patch: "--- a/calc.py\n+++ b/calc.py\n@@ -8,2 +8,2 @@\n-def m\u200bul(a, b):\n+def mul(a, b):\n     return a * b\n" } },
      { name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b  # x\u200f جمع دو عدد\n" } },
      // The line with the zero-width space is only repeated, to find the place: the chat's card does not warn either.
      { name: "edit_file", arguments: { path: "calc.py", old_text: "def m\u200bul(a, b):\n    return a - b", new_text: "def m\u200bul(a, b):\n    return a * b" } },
    ];
    for (const call of calls) {
      const { work, repo, model } = setUp("", call);
      const { output } = inTerminal(work, "[y/N]", "n\r", args(work, repo, model));
      assert.match(question(output), /Allow /, output);
      assert.doesNotMatch(question(output), /This call holds/, `${call.name}: ${output}`);
    }
    // A mark on a line of its own, after a right-to-left comment on another: still in a name.
    const { work, repo, model } = setUp("    # جمع دو عدد\n    return is\u200fadd(a, b)\n");
    assert.match(question(inTerminal(work, "[y/N]", "n\r", args(work, repo, model)).output), /! This call holds 1 zero-width character or direction mark inside a name or word/);
  });

  it("the patch on the terminal shows ESC ] 52 (set the clipboard) escaped and says so; into a pipe it keeps the exact bytes", () => {
    const osc = "\x1b]52;c;ZWNobyBwd25lZA==\x07";
    const { work, repo, model } = setUp(`    return a + b  # ${osc}`);
    const { code, output } = inTerminal(work, "never printed", "", ["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--no-index", "--yes", "--state-dir", join(work, "state")]);
    assert.equal(code, 0, output);
    assert.ok(!output.includes("\x1b]52"), "the terminal is not told to set its clipboard");
    assert.match(output, /^\+    return a \+ b  # \\x1b\]52;c;ZWNobyBwd25lZA==\\x07\r?$/m);
    assert.match(output, /the patch holds control characters, shown escaped .* on this terminal; redirect it \(> fix\.diff\) or give --out FILE for its exact bytes/);

    const again = setUp(`    return a + b  # ${osc}`);
    const piped = spawnSync(process.execPath, [CLI, "fix", "--repo", again.repo, "--issue", "add is wrong", "--model", again.model, "--no-index", "--yes", "--state-dir", join(again.work, "state")], {
      cwd: again.work, env: { ...process.env, HEARTH_HOME: join(again.work, "home"), XDG_STATE_HOME: join(again.work, "xdg") }, encoding: "utf8",
    });
    assert.equal(piped.status, 0, piped.stderr);
    assert.ok(piped.stdout.includes(`+    return a + b  # ${osc}\n`), piped.stdout);
    assert.doesNotMatch(piped.stderr, /shown escaped/);
  });
});
