// The built CLI (out/cli.mjs) stopped from outside: SIGTERM (a CI job's timeout, `kill`,
// systemd), SIGHUP (the terminal closed) and a reader that goes away (`| head -1`). Each
// ends the run as Ctrl-C does — the agent's commands stopped, the patch and the
// trajectory's end written, exit 128 + the signal's number — or, for a closed stdout, quietly.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type TestContext, describe, it } from "node:test";
import { alive } from "../../fixtures/processes.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** Resolves when `name` appears in `dir` (written whole: the writer renames it into place). */
function appears(dir: string, name: string): Promise<void> {
  return new Promise((done) => {
    const watcher = watch(dir, () => {
      if (existsSync(join(dir, name))) (watcher.close(), done());
    });
    if (existsSync(join(dir, name))) (watcher.close(), done());
  });
}

function ended(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }> {
  let stderr = "";
  let stdout = "";
  child.stderr?.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  child.stdout?.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  return new Promise((done) => child.on("close", (code, signal) => done({ code, signal, stderr, stdout })));
}

/** A shell command that writes its pid to `marks`/pid once it runs, then waits far longer than any test. */
const saysPidThenWaits = (marks: string) => `echo $$ > ${marks}/pid.tmp && mv ${marks}/pid.tmp ${marks}/pid && exec sleep 600`;

/**
 * Starts hearth fix on a copy of python-calc in a new folder (its patch to fix.diff, a prediction
 * for demo__calc-1 to preds.jsonl), scripted by `turns` and given `extra` options, both made with
 * a waiting command (saysPidThenWaits); resolves once that command runs, which is killed after
 * the test whatever the outcome.
 */
async function fixUntilWaiting(t: TestContext, prefix: string, turns: (waits: string) => unknown[], extra: (waits: string) => string[] = () => []) {
  const work = tempDir(prefix);
  const repo = join(work, "repo");
  cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
  const marks = join(work, "marks");
  mkdirSync(marks);
  const waits = saysPidThenWaits(marks);
  writeFileSync(join(work, "model.json"), JSON.stringify({ name: "scripted", turns: turns(waits) }));
  const child = spawn(process.execPath, [CLI, "fix", "--repo", repo, "--issue", "add is wrong", "--model", join(work, "model.json"), "--yes", "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff"), "--predictions", join(work, "preds.jsonl"), "--instance-id", "demo__calc-1", ...extra(waits)], {
    cwd: work, env: { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg") }, stdio: ["ignore", "pipe", "pipe"],
  });
  const result = ended(child);
  await appears(marks, "pid");
  const pid = Number(readFileSync(join(marks, "pid"), "utf8"));
  t.after(() => void (alive(pid) && process.kill(pid, "SIGKILL")));
  return { work, child, result, pid };
}

describe("hearth fix stopped by a signal", () => {
  // 128 + the signal's number, as a shell reports a process the signal killed: a CI job's timeout (SIGTERM) is told from a user's Ctrl-C.
  for (const [signal, exit] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    it(`${signal} while the agent's command runs: the command is stopped, the patch and the trajectory's end are written, no SWE-bench prediction, exit ${exit}`, async (t) => {
      const edit = { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" } }] };
      const finish = { toolCalls: [{ name: "finish", arguments: { summary: "done" } }] };
      const { work, child, result, pid: commandPid } = await fixUntilWaiting(t, "hearth-signal-", (waits) => [edit, { toolCalls: [{ name: "run_command", arguments: { command: waits } }] }, finish]);
      child.kill(signal);
      const { code, stderr } = await result;
      assert.equal(code, exit, stderr);
      assert.match(stderr, /^hearth fix: cancelled: /m);
      assert.equal(alive(commandPid), false, "the agent's command was stopped");
      assert.match(readFileSync(join(work, "fix.diff"), "utf8"), /^\+    return a \+ b$/m);
      const records = readFileSync(join(work, "fix.diff.trajectory.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; stopReason?: string });
      assert.deepEqual([records.at(-1)?.type, records.at(-1)?.stopReason], ["end", "cancelled"]);
      // A cut-short run is no answer to the instance: a rerun would add a second line for it.
      assert.equal(existsSync(join(work, "preds.jsonl")), false);
      assert.match(stderr, /^hearth fix: no prediction added to .*preds\.jsonl: the run was cancelled$/m);
    });
  }
});

describe("hearth fix stopped by a signal during its final test run (--test-cmd)", () => {
  it("SIGTERM: the tests are stopped and said to be, not 'tests fail (exit null)' as exit 4; the patch is written, no prediction, exit 143", async (t) => {
    const turns = [
      { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" } }] },
      { toolCalls: [{ name: "finish", arguments: { summary: "done" } }] },
    ];
    // The model never runs the tests: the only run is Hearth's own, at the end.
    const { work, child, result, pid: testsPid } = await fixUntilWaiting(t, "hearth-signal-tests-", () => turns, (waits) => ["--test-cmd", waits]);
    child.kill("SIGTERM");
    const { code, stderr } = await result;
    assert.equal(code, 143, stderr);
    assert.equal(alive(testsPid), false, "the test run was stopped");
    assert.doesNotMatch(stderr, /tests fail/);
    assert.match(stderr, /^hearth fix: the tests were stopped before they ended: the fix was cancelled$/m);
    assert.match(readFileSync(join(work, "fix.diff"), "utf8"), /^\+    return a \+ b$/m);
    assert.equal(existsSync(join(work, "preds.jsonl")), false);
    assert.match(stderr, /^hearth fix: no prediction added to .*preds\.jsonl: the run was cancelled$/m);
  });
});

describe("Ctrl-C at hearth fix's approval prompt", () => {
  it("stops the run, as Ctrl-C anywhere else does: 'cancelled', exit 130, the lock released — not a 'no' the agent carries on after", () => {
    const work = tempDir("hearth-prompt-ctrl-c-");
    const repo = join(work, "repo");
    cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
    const turns = [
      { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" } }] },
      { toolCalls: [{ name: "finish", arguments: { summary: "done" } }] },
    ];
    writeFileSync(join(work, "model.json"), JSON.stringify({ name: "scripted", turns }));
    const state = join(work, "state");
    // A real terminal: the prompt's readline reads Ctrl-C as a key, not as the signal.
    const run = spawnSync("python3", [join(ROOT, "test/fixtures/pty-run.py"), "[y/N]", "\\x03", process.execPath, CLI, "fix", "--repo", repo, "--issue", "add is wrong", "--model", join(work, "model.json"), "--no-index", "--state-dir", state, "--out", join(work, "fix.diff")], {
      cwd: work, env: { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg") }, encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    const { code, output } = JSON.parse(run.stdout) as { code: number; output: string };
    assert.equal(code, 130, output);
    assert.match(output, /hearth fix: cancelled/);
    assert.doesNotMatch(output, /\[step 2\]/, "the agent did not go on");
    assert.deepEqual(readdirSync(join(work, "xdg", "hearth", "locks")), [], "the checkout's lock is released");
  });
});

describe("hearth chat stopped by a signal while it starts", () => {
  it("SIGTERM before the model has loaded: no answer, 'cancelled', exit 143 (the load is not waited out)", async () => {
    const work = tempDir("hearth-chat-signal-");
    mkdirSync(join(work, ".hearth"));
    writeFileSync(join(work, ".hearth", "rules.md"), "Be brief.\n");
    // Slow enough that a signal the CLI ignores is seen: the answer would come word by word.
    writeFileSync(join(work, "model.json"), JSON.stringify({ name: "scripted", chunkDelayMs: 200, turns: [{ text: "one two three four five six seven eight nine ten" }] }));
    const child = spawn(process.execPath, [CLI, "chat", "--model", "model.json", "--no-think", "--save", "chat.md", "hi"], {
      cwd: work, env: { ...process.env, HEARTH_HOME: join(work, "home") }, stdio: ["ignore", "pipe", "pipe"],
    });
    const result = ended(child);
    // The rules line comes before the runtime is started: the signal lands while it starts and loads the model.
    await new Promise<void>((started) => {
      let seen = "";
      child.stderr!.on("data", (t: Buffer | string) => void ((seen += String(t)), /project rules and memory/.test(seen) && started()));
    });
    child.kill("SIGTERM");
    const { code, stderr, stdout } = await result;
    assert.equal(code, 143, stderr);
    assert.match(stderr, /^hearth chat: cancelled$/m);
    assert.doesNotMatch(stdout, /one two/);
    assert.equal(existsSync(join(work, "chat.md")), false, "nothing saved of a turn that was cancelled");
  });
});

describe("a signal while hearth waits for its stdin", () => {
  // A pipe that never ends (tail -f LOG | hearth locate, a CI step whose stdin stays open) or a
  // terminal where the user has typed nothing yet: the wait ignored Ctrl-C and SIGTERM, since
  // only the work after it heeded the cancel, and the run went on until a second signal.
  for (const [signal, exit] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it(`${signal}: 'cancelled' at once, exit ${exit}`, async () => {
      const repo = tempDir("hearth-stdin-signal-");
      writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
      // A HEARTH_LOG_LEVEL that is no level is warned of once the signal handlers are set, before the command reads stdin.
      const child = spawn(process.execPath, [CLI, "locate", "--repo", repo, "--no-cache"], { env: { ...process.env, HEARTH_LOG_LEVEL: "bogus" }, stdio: ["pipe", "pipe", "pipe"] });
      const result = ended(child);
      await new Promise<void>((ready) => {
        let seen = "";
        child.stderr!.on("data", (t: Buffer | string) => void ((seen += String(t)), /HEARTH_LOG_LEVEL=bogus/.test(seen) && ready()));
      });
      child.kill(signal);
      // Left waiting, the test ends it after a while: stdin's end is then the only way out.
      const stuck = setTimeout(() => child.stdin!.end(), 10_000);
      const { code, stderr } = await result;
      clearTimeout(stuck);
      assert.equal(code, exit, stderr);
      assert.match(stderr, /^hearth locate: cancelled$/m);
    });
  }
});

describe("a reader that goes away (hearth map | head -1)", () => {
  it("the rest of the output is dropped quietly: no EPIPE stack trace, the command's own exit code", async () => {
    const repo = tempDir("hearth-epipe-");
    // A map well over a pipe's 64 KiB buffer: the write is still going when the reader leaves.
    for (let i = 0; i < 1000; i++) writeFileSync(join(repo, `module_${i}.py`), `def handle_request_${i}(request, response, session):\n    return response\n\n\nclass Handler${i}:\n    def dispatch_${i}(self, event):\n        pass\n`);
    // A real pipe (node's own stdio pipes are socket pairs, whose buffers take the whole map).
    const child = spawn("bash", ["-c", `"${process.execPath}" "${CLI}" map --repo "${repo}" --tokens 200000 --no-cache --quiet | head -c 1 >/dev/null; echo "exit $\{PIPESTATUS[0]}" >&2`], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    await new Promise((done) => child.on("close", done));
    assert.doesNotMatch(stderr, /EPIPE|Unhandled|node:events/);
    assert.match(stderr, /^exit 0$/m);
  });
});
