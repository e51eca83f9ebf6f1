// `hearth fix` from the built CLI (out/cli.mjs) on fixture checkouts, driven by a scripted
// model file: the whole headless flow — index, agent, tests, patch, prediction line,
// trajectory, exit codes.
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_PRESET, findPreset, findQuantization } from "../../../src/models/presets.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { startFakeOllama } from "../../fixtures/models/ollama-server.ts";
import { alive, runUntilStderr, untilOrExit } from "../../fixtures/processes.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

function checkout(name: string): string {
  const dir = tempDir(`hearth-fix-${name}-`);
  cpSync(join(ROOT, "test/fixtures/agent", name), dir, { recursive: true });
  return dir;
}

function script(turns: unknown[]): string {
  const file = join(tempDir("hearth-script-"), "model.json");
  writeFileSync(file, JSON.stringify({ name: "scripted-fixer", turns }));
  return file;
}

const call = (name: string, args: Record<string, unknown>) => ({ toolCalls: [{ name, arguments: args }] });

function hearthFix(args: string[], env: NodeJS.ProcessEnv = {}) {
  const work = tempDir("hearth-fix-out-");
  // Its own storage: no model a developer downloaded is used by default; its own state folder, where the checkout's lock goes.
  const home = { HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state"), ...env };
  const result = spawnSync(process.execPath, [CLI, "fix", "--state-dir", join(work, "state"), ...args], { cwd: work, encoding: "utf8", timeout: 120_000, env: { ...process.env, ...home } });
  return { ...result, work };
}

/**
 * `hearth fix` stopped (SIGTERM) once its first step starts: a tiny model's step generates past
 * 120 s, which a spawnSync limit used to end, each run taking all of it.
 */
function hearthFixUntilFirstStep(args: string[], env: NodeJS.ProcessEnv = {}) {
  const work = tempDir("hearth-fix-out-");
  const home = { HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state"), ...env };
  return runUntilStderr(process.execPath, [CLI, "fix", "--state-dir", join(work, "state"), ...args], { cwd: work, env: { ...process.env, ...home } }, (stderr) => stderr.includes("[step 1]\n"));
}

describe("hearth fix", () => {
  it("fixes a Python bug: patch from git, prediction line, trajectory, exit 0", () => {
    const repo = checkout("python-calc");
    const pristine = checkout("python-calc");
    const model = script([
      call("read_file", { path: "calc.py" }),
      call("edit_file", { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" }),
      call("run_command", { command: "python3 -m unittest -q" }),
      call("finish", { summary: "add() now adds" }),
    ]);
    const { status, stderr, work } = hearthFix([
      "--repo", repo, "--issue", "add(2, 3) returns -1 instead of 5", "--model", model, "--yes",
      "--test-cmd", "python3 -m unittest -q", "--out", "fix.diff", "--predictions", "preds.jsonl", "--instance-id", "demo__calc-1",
    ]);
    assert.equal(status, 0, stderr);
    const patch = readFileSync(join(work, "fix.diff"), "utf8");
    assert.match(patch, /^diff --git a\/calc.py b\/calc.py/m);
    assert.match(patch, /^-    return a - b$/m);
    assert.match(patch, /^\+    return a \+ b$/m);
    execFileSync("git", ["apply", "--check", join(work, "fix.diff")], { cwd: pristine }); // a real, applicable diff
    const prediction = JSON.parse(readFileSync(join(work, "preds.jsonl"), "utf8").trim());
    assert.deepEqual(Object.keys(prediction), ["instance_id", "model_name_or_path", "model_patch"]);
    assert.equal(prediction.instance_id, "demo__calc-1");
    assert.equal(prediction.model_name_or_path, "scripted-fixer");
    assert.equal(prediction.model_patch, patch);
    const records = readFileSync(join(work, "fix.diff.trajectory.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(records[0].type, "start");
    assert.deepEqual(records.filter((r) => r.type === "tool").map((r) => r.name), ["read_file", "edit_file", "run_command", "finish"]);
    assert.ok(records.every((r) => typeof r.t === "number"));
    const end = records.at(-1);
    assert.deepEqual([end.type, end.stopReason, end.tests.passed], ["end", "finished", true]);
    assert.match(stderr, /tests pass/);
  });

  it("fixes a TypeScript bug with apply_patch and run_tests (npm test → tsx), and writes the patch and prediction", () => {
    const repo = checkout("ts-slug");
    // The fix as a model would write it (shared with the other fix-flow test).
    const patch = readFileSync(join(ROOT, "test/fixtures/agent", "ts-slug-fix.diff"), "utf8");
    const model = script([call("run_tests", {}), call("apply_patch", { patch }), call("run_tests", {}), call("finish", { summary: "every run of whitespace becomes one dash" })]);
    // The fixture's npm test runs tsx from Hearth's own devDependencies.
    process.env.PATH = `${join(ROOT, "node_modules/.bin")}:${process.env.PATH}`;
    const { status, stderr, work } = hearthFix([
      "--repo", repo, "--issue", "slugify only replaces the first space", "--model", model, "--yes",
      "--test-cmd", "npm test", "--out", "fix.diff", "--predictions", "preds.jsonl", "--instance-id", "demo__slug-1",
    ]);
    assert.equal(status, 0, stderr);
    const diff = readFileSync(join(work, "fix.diff"), "utf8");
    assert.match(diff, /^\+  return text.toLowerCase\(\).trim\(\)/m);
    assert.equal(JSON.parse(readFileSync(join(work, "preds.jsonl"), "utf8")).model_patch, diff);
    const tools = readFileSync(join(work, "fix.diff.trajectory.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((r) => r.type === "tool");
    assert.match(tools[0].result, /tests FAILED: 1 passed, 1 failed/);
    assert.match(tools[2].result, /tests PASSED: 2 passed, 0 failed/);
  });

  it("exits 4 when the tests still fail, and 1 when the model stops without finishing; names a file its checkpoints leave out", () => {
    const repo = checkout("python-calc");
    writeFileSync(join(repo, "dump.sqlite"), "SQLite");
    truncateSync(join(repo, "dump.sqlite"), 40 * 1024 * 1024); // a large file: not copied into every checkpoint
    const lazy = script([call("read_file", { path: "calc.py" }), call("finish", { summary: "looks fine to me" })]);
    const failing = hearthFix(["--repo", repo, "--issue", "add is wrong", "--model", lazy, "--yes", "--test-cmd", "python3 -m unittest -q", "--no-index"]);
    assert.equal(failing.status, 4, failing.stderr);
    assert.equal(failing.stdout, ""); // nothing changed: an empty patch
    assert.match(failing.stderr, /^hearth fix: Checkpoints leave out 1 file over 32 MiB, so Undo and Restore cannot bring back a change a command makes to it: dump\.sqlite\.$/m);
    const chatty = script([{ text: "I think the bug is in calc.py." }]);
    const unfinished = hearthFix(["--repo", checkout("python-calc"), "--issue", "add is wrong", "--model", chatty, "--yes", "--no-index"]);
    assert.equal(unfinished.status, 1, unfinished.stderr);
  });

  it("at a model's small context it says that less of the project is shown up front, and nothing at a large one", () => {
    const model = join(tempDir("hearth-script-"), "model.json");
    const turns = [call("finish", { summary: "nothing to do" })];
    writeFileSync(model, JSON.stringify({ name: "small-context", contextSize: 8192, turns }));
    const small = hearthFix(["--repo", checkout("python-calc"), "--issue", "add is wrong", "--model", model, "--yes"]);
    assert.match(small.stderr, /^The model's context \(8,192 tokens\) is small: Hearth shows the model less of the project up front \(repository map, project rules, related code\) to leave room for the work\. A model whose context is larger \(and the memory for it\) shows more\.$/m);
    const large = hearthFix(["--repo", checkout("python-calc"), "--issue", "add is wrong", "--model", script(turns), "--yes"]);
    assert.doesNotMatch(large.stderr, /is small/);
  });

  it("with a server whose context is too small (Ollama's default), prints the server's warning with how to raise it", async () => {
    const ollama = await startFakeOllama();
    try {
      ollama.scenario.loadsWith = 4096;
      const work = tempDir("hearth-fix-out-");
      const args = [CLI, "fix", "--state-dir", join(work, "state"), "--repo", checkout("python-calc"), "--issue", "add is wrong", "--server", `${ollama.base}/v1`, "--yes", "--no-index"];
      const { stderr } = await new Promise<{ stderr: string }>((done) => {
        execFile(process.execPath, args, { cwd: work, env: { ...process.env, HEARTH_HOME: join(work, "home") }, timeout: 120_000 }, (_error, _stdout, err) => done({ stderr: err }));
      });
      assert.match(stderr, /OLLAMA_CONTEXT_LENGTH/);
      assert.doesNotMatch(stderr, /is small: Hearth shows the model less/);
    } finally {
      ollama.close();
    }
  });

  it("refuses to run unattended without --yes, a --model naming no file with exit 2 (bad usage), and reports a broken model with exit 3", () => {
    const repo = checkout("python-calc");
    const noYes = hearthFix(["--repo", repo, "--issue", "x", "--model", script([])]);
    assert.equal(noYes.status, 2);
    assert.match(noYes.stderr, /pass --yes/);
    const missing = hearthFix(["--repo", repo, "--issue", "x", "--model", join(repo, "nope.gguf"), "--yes", "--no-index"]);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /^hearth fix: --model .+nope\.gguf: there is no such file$/m);
    const broken = join(tempDir("hearth-fix-broken-"), "broken.gguf");
    writeFileSync(broken, "GGUF and then not a model at all"); // a GGUF header on a damaged file: a file that is no GGUF at all is a bad --model (exit 2)
    const failed = hearthFix(["--repo", repo, "--issue", "x", "--model", broken, "--yes", "--no-index"]);
    assert.equal(failed.status, 3, failed.stderr);
    assert.match(failed.stderr, /the model failed/);
  });

  it("takes the issue as text; without --model it uses the downloaded model, and without one says how to get one", async () => {
    const repo = checkout("python-calc");
    const none = hearthFix(["--repo", repo, "add(2, 3) returns -1", "--yes", "--no-index"]);
    assert.equal(none.status, 2, none.stderr);
    assert.match(none.stderr, /^No model to fix the issue with\. Give hearth one of:$/m);
    assert.match(none.stderr, /^ {2}(hearth models --download \S+ --quant \S+\n +the model recommended here \(.*\); chat and fix then use it by default|No model Hearth offers fits this machine .*)$/m);
    const twice = hearthFix(["--repo", repo, "add is wrong", "--issue", "add is wrong", "--model", script([]), "--yes"]);
    assert.equal(twice.status, 2);
    assert.match(twice.stderr, /give the issue once: as text, with --issue TEXT or with --issue-file FILE/);
    // A model `hearth models --download` put in the CLI's storage (a tiny one under the default preset's file name).
    const home = tempDir("hearth-fix-home-");
    mkdirSync(join(home, "models"));
    symlinkSync(await ensureTinyModel({ arch: "qwen35", vocab: "small" }), join(home, "models", findQuantization(findPreset(DEFAULT_PRESET)!)!.file));
    const run = await hearthFixUntilFirstStep(["--repo", repo, "add(2, 3) returns -1", "--yes", "--no-index", "--max-steps", "1", "--threads", "1", "--trajectory", join(home, "t.jsonl")], { HEARTH_HOME: home });
    assert.notEqual(run.status, 2, run.stderr);
    const start = readFileSync(join(home, "t.jsonl"), "utf8").split("\n").map((l) => (l ? (JSON.parse(l) as { type: string; issue?: string; model?: string }) : undefined)).find((r) => r?.type === "start");
    assert.equal(start?.issue, "add(2, 3) returns -1");
    assert.ok(start?.model, JSON.stringify(start));
  });

  it("an output it cannot write is refused before the run, naming it; an output folder that does not exist yet is made", () => {
    const work = tempDir("hearth-fix-outputs-");
    writeFileSync(join(work, "notes.txt"), "a file, not a folder\n");
    const edit = script([call("edit_file", { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" }), call("finish", { summary: "fixed" })]);
    const blocked = join(work, "notes.txt", "x");
    for (const [flag, what] of [["--out", "the patch"], ["--predictions", "the predictions"], ["--trajectory", "the trajectory"], ["--state-dir", "the state folder"]] as const) {
      const repo = checkout("python-calc");
      const extra = flag === "--predictions" ? ["--instance-id", "demo__calc-1"] : [];
      const run = hearthFix(["--repo", repo, "--issue", "add is wrong", "--model", edit, "--yes", "--no-index", flag, blocked, ...extra]);
      assert.equal(run.status, 2, `${flag}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`^hearth fix: cannot write ${what} to ${blocked.replace(/[/.]/g, "\\$&")}: ${join(work, "notes.txt").replace(/[/.]/g, "\\$&")} is a file, not a folder$`, "m"), flag);
      assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a - b/, `${flag}: the run did not start`);
    }
    const repo = checkout("python-calc");
    const made = hearthFix(["--repo", repo, "--issue", "add is wrong", "--model", edit, "--yes", "--no-index", "--out", join(work, "new", "fix.diff"), "--trajectory", join(work, "logs", "t.jsonl"), "--predictions", join(work, "preds", "p.jsonl"), "--instance-id", "demo__calc-1"]);
    assert.equal(made.status, 0, made.stderr);
    assert.match(readFileSync(join(work, "new", "fix.diff"), "utf8"), /^\+    return a \+ b$/m);
    assert.ok(existsSync(join(work, "preds", "p.jsonl")) && existsSync(join(work, "logs", "t.jsonl")));
  });

  it("a patch it cannot write at the end is printed on stdout instead, with the reason, not reported as a model failure", () => {
    const work = tempDir("hearth-fix-lost-");
    const outDir = join(work, "out");
    mkdirSync(outDir);
    // The run itself puts a file where the output folder was.
    const model = script([
      call("edit_file", { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" }),
      call("run_command", { command: `rm -r ${outDir} && echo taken > ${outDir}` }),
      call("finish", { summary: "fixed" }),
    ]);
    const run = hearthFix(["--repo", checkout("python-calc"), "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--out", join(outDir, "fix.diff"), "--trajectory", join(work, "t.jsonl")]);
    assert.equal(run.status, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /the model failed/);
    assert.match(run.stderr, new RegExp(`^hearth fix: could not write the patch to ${join(outDir, "fix.diff").replace(/[/.]/g, "\\$&")} \\(.+\\): it is on stdout instead$`, "m"));
    assert.match(run.stdout, /^\+    return a \+ b$/m);
  });
});

describe("hearth fix twice in one checkout", () => {
  it("a second run while one works is refused (exit 5), naming the first; a run that was killed leaves no lock the next one trips on", async (t) => {
    const repo = checkout("python-calc");
    const state = join(tempDir("hearth-fix-state-"), "state");
    // Where both runs look for the checkout's lock (Hearth's state folder, whatever --state-dir says).
    const xdg = tempDir("hearth-fix-xdg-");
    const marks = tempDir("hearth-fix-marks-");
    const first = script([
      call("edit_file", { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" }),
      call("run_command", { command: `echo $$ > ${marks}/pid.tmp && mv ${marks}/pid.tmp ${marks}/pid && exec sleep 600` }),
    ]);
    const child = spawn(process.execPath, [CLI, "fix", "--repo", repo, "--issue", "add is wrong", "--model", first, "--yes", "--no-index", "--state-dir", state, "--out", join(marks, "first.diff")], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, HEARTH_HOME: join(marks, "home"), XDG_STATE_HOME: xdg } });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    const exited = new Promise((done) => child.on("exit", done));
    // Ends with the first run too: one that died at its start (a build under way in out/) was waited on until the test's limit.
    await untilOrExit(child, "its command started", () => existsSync(join(marks, "pid")), () => stderr);
    const commandPid = Number(readFileSync(join(marks, "pid"), "utf8"));
    t.after(() => void (alive(commandPid) && process.kill(commandPid, "SIGKILL")));
    const second = script([call("write_file", { path: "second.py", content: "x = 1\n" }), call("finish", { summary: "done" })]);
    const refused = hearthFix(["--repo", repo, "--issue", "add is wrong", "--model", second, "--yes", "--no-index", "--state-dir", state], { XDG_STATE_HOME: xdg });
    // Its own exit code: a script may wait and try again, where 1 (no fix) reads as the model's failure.
    assert.equal(refused.status, 5, refused.stderr);
    assert.match(refused.stderr, new RegExp(`^hearth fix: another hearth fix \\(pid ${child.pid}, started .+\\) is working in ${repo.replace(/[/.]/g, "\\$&")}: wait for it to end, or fix in another checkout \\(git worktree add\\); if no hearth fix runs there, delete ${join(xdg, "hearth", "locks").replace(/[/.]/g, "\\$&")}/[0-9a-f]{16}\\.lock$`, "m"));
    assert.equal(existsSync(join(repo, "second.py")), false, "the second run changed nothing");
    // The first run dies without cleaning up (kill -9, out of memory).
    child.kill("SIGKILL");
    await exited;
    process.kill(commandPid, "SIGKILL");
    const next = hearthFix(["--repo", repo, "--issue", "add is wrong", "--model", second, "--yes", "--no-index", "--state-dir", state], { XDG_STATE_HOME: xdg });
    assert.equal(next.status, 0, next.stderr);
    assert.equal(readFileSync(join(repo, "second.py"), "utf8"), "x = 1\n");
    assert.deepEqual(readdirSync(join(xdg, "hearth", "locks")), [], "a run that ends removes its lock");
  });
});

