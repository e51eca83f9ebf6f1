// hearth in a terminal with job control (an interactive bash in a pseudo-terminal,
// test/fixtures/pty-job.py): Ctrl-Z stops it and `fg` brings it back where it was.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** Runs hearth as a job of bash on a terminal, playing `steps`; the job's exit status and everything the terminal showed. */
function asJob(work: string, steps: Array<[string, string]>, args: string[]): { code: number | null; output: string } {
  const run = spawnSync("python3", [join(ROOT, "test/fixtures/pty-job.py"), JSON.stringify(steps), process.execPath, CLI, ...args], {
    cwd: work, env: { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg") }, encoding: "utf8",
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { code: number | null; output: string };
}

describe("hearth fix stopped with Ctrl-Z and brought back with fg", () => {
  it("at the approval question: the question is asked again with what was typed, and the answer typed after fg is taken", () => {
    const work = tempDir("hearth-job-control-");
    const repo = join(work, "repo");
    cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
    const model = join(work, "model.json");
    const edit = { name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" } };
    writeFileSync(model, JSON.stringify({ name: "scripted", turns: [{ toolCalls: [edit] }, { toolCalls: [{ name: "finish", arguments: { summary: "fixed" } }] }] }));
    const { code, output } = asJob(work, [["wait", "[y/N] "], ["keys", "y\\x1a"], ["wait", "Stopped"], ["wait", "SH$ "], ["keys", "fg\\r"], ["wait", "[y/N] y"], ["keys", "\\r"]],
      ["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff"), "--max-steps", "3"]);
    // Before, fg redrew the question and hearth exited 0 at once: stdin left paused, nothing answered, fixed or said.
    assert.match(output, /edit_file calc\.py/, output);
    assert.equal(code, 0, output);
    assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a \+ b/, "the edit approved after fg is made");
    assert.match(readFileSync(join(work, "fix.diff"), "utf8"), /^\+    return a \+ b$/m);
  });
});
