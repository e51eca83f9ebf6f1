// The test run at the end of a fix is a command like any other: it follows the approval
// policy exactly as a `run_tests` call from the model does. The scripted backend drives
// runFix on a real checkout (real git checkpoints, real npm / node processes); the test
// script leaves a marker file outside the checkout when it really ran.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { runFinalTests, runFix } from "../../../src/agent/fix.ts";
import { testsLine } from "../../../src/cli/commands/fix.ts";
import type { ApprovalRequest } from "../../../src/agent/loop.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import type { ApprovalPolicy } from "../../../src/protocol/settings.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

/** `npm test` that writes `text` into `marker`. */
function packageJson(marker: string, text: string): string {
  const script = `node -e "require('fs').writeFileSync(process.argv[1], '${text}')" ${JSON.stringify(marker)}`;
  return JSON.stringify({ name: "demo", private: true, scripts: { test: script } }, null, 2) + "\n";
}

/** A checkout whose `npm test` writes a marker file outside it; all removed after the test. */
function project(t: TestContext): { repo: string; marker: string; storageDir: string } {
  const root = mkdtempSync(join(tmpdir(), "hearth-fix-tests-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const repo = join(root, "repo");
  const marker = join(root, "tests-ran");
  mkdirSync(repo);
  writeFileSync(join(repo, "package.json"), packageJson(marker, "original"));
  return { repo, marker, storageDir: join(root, "state") };
}

async function fix(t: TestContext, policy: ApprovalPolicy, answer: boolean, turns: readonly ScriptedTurn[] = [call("finish", { summary: "done" })]) {
  const { repo, marker, storageDir } = project(t);
  const requests: ApprovalRequest[] = [];
  const result = await runFix({
    repo, issue: "the tests fail", backend: new ScriptedBackend({ turns }), storageDir, policy, testCommand: "npm test",
    approve: async (request) => (requests.push(request), answer),
  });
  return { result, requests, marker, repo };
}

describe("runFix: the final test run follows the approval policy", () => {
  it("under ask, denied: the tests are not run and the result says the user declined", async (t) => {
    const { result, requests, marker } = await fix(t, "ask", false);
    assert.deepEqual(requests.map((r) => [r.call.name, r.effect, r.call.arguments.command]), [["run_tests", "command", "npm test"]]);
    assert.equal(existsSync(marker), false, "the test command ran without approval");
    assert.equal(result.tests, undefined);
    assert.match(result.testsNotRun ?? "", /declined/);
  });

  it("under ask, approved: the tests run once and their outcome is reported", async (t) => {
    const { result, requests, marker } = await fix(t, "ask", true);
    assert.equal(requests.length, 1);
    assert.equal(readFileSync(marker, "utf8"), "original");
    assert.deepEqual([result.tests?.command, result.tests?.passed], ["npm test", true]);
    assert.equal(result.testsNotRun, undefined);
  });

  it("under auto-edit, a model that rewrote package.json's test script does not get it run without approval", async (t) => {
    const { repo, marker } = project(t);
    const rewritten = packageJson(marker, "rewritten by the model");
    const requests: ApprovalRequest[] = [];
    const result = await runFix({
      repo, issue: "the tests fail", storageDir: join(repo, "..", "state"), policy: "auto-edit", testCommand: "npm test",
      backend: new ScriptedBackend({ turns: [call("read_file", { path: "package.json" }), call("write_file", { path: "package.json", content: rewritten }), call("finish", { summary: "fixed the tests" })] }),
      approve: async (request) => (requests.push(request), false),
    });
    assert.equal(readFileSync(join(repo, "package.json"), "utf8"), rewritten, "auto-edit lets the write through without asking");
    assert.deepEqual(requests.map((r) => r.call.name), ["run_tests"]);
    // The question shows what will run: the script as the model left it, not only "npm test".
    assert.equal(requests[0]!.runs, `\`npm test\` (the configured test command; package.json's test script: ${JSON.parse(rewritten).scripts.test})`);
    assert.equal(existsSync(marker), false, "the model's test script ran without approval");
    assert.equal(result.tests, undefined);
    assert.match(result.testsNotRun ?? "", /declined/);
  });

  it("under auto-all the tests run without asking", async (t) => {
    const { result, requests, marker } = await fix(t, "auto-all", false);
    assert.deepEqual(requests, []);
    assert.equal(readFileSync(marker, "utf8"), "original");
    assert.equal(result.tests?.passed, true);
  });
});

describe("Fix This Issue in the editor (runConversationTurn): the final test run follows the approval policy", () => {
  async function fixInEditor(t: TestContext, policy: ApprovalPolicy, answer: boolean) {
    const { repo, marker, storageDir } = project(t);
    const events: AgentWireEvent[] = [];
    const requests: ApprovalRequest[] = [];
    const outcome = await runConversationTurn({
      mode: "fix", text: "the tests fail", messages: [], testCommand: "npm test", policy,
      workspace: new DiskWorkspace(repo),
      checkpoints: await CheckpointStore.open({ workspaceRoot: repo, storageDir }),
      backend: async () => new ScriptedBackend({ turns: [call("finish", { summary: "done" })] }),
      approve: async (request) => (requests.push(request), answer),
      onEvent: (event) => events.push(event),
      signal: new AbortController().signal,
    });
    return { result: outcome.result, events, requests, marker };
  }

  it("under auto-edit, denied: not run; the approval card is asked and then marked denied", async (t) => {
    const { result, events, requests, marker } = await fixInEditor(t, "auto-edit", false);
    assert.deepEqual(requests.map((r) => [r.call.name, r.effect]), [["run_tests", "command"]]);
    assert.equal(existsSync(marker), false, "the test command ran without approval");
    assert.equal(result.tests, undefined);
    const asked = events.find((e) => e.type === "approvalRequest");
    assert.ok(asked?.type === "approvalRequest" && asked.call.name === "run_tests");
    assert.ok(events.some((e) => e.type === "approval" && e.callId === asked.call.id && !e.approved));
  });

  it("under ask, approved: the tests run and the result carries them", async (t) => {
    const { result, marker } = await fixInEditor(t, "ask", true);
    assert.equal(readFileSync(marker, "utf8"), "original");
    assert.deepEqual([result.tests?.command, result.tests?.passed], ["npm test", true]);
  });
});

describe("Stop pressed while the final test run's question is open", () => {
  // The question is withdrawn by Stop (Ctrl-C in hearth fix): the client's answer is no answer, which reads false.
  it("hearth fix says the tests were not run because the fix was cancelled, not that the user declined them", async (t) => {
    const { repo, marker, storageDir } = project(t);
    const stop = new AbortController();
    const result = await runFix({
      repo, issue: "the tests fail", backend: new ScriptedBackend({ turns: [call("finish", { summary: "done" })] }), storageDir, policy: "ask", testCommand: "npm test",
      approve: async () => (stop.abort(), false),
      signal: stop.signal,
    });
    assert.equal(existsSync(marker), false);
    assert.equal(result.tests, undefined);
    assert.equal(result.testsNotRun, "the tests were not run: the fix was cancelled");
  });

  it("the chat's card ends cancelled, not denied", async (t) => {
    const { repo, marker, storageDir } = project(t);
    const stop = new AbortController();
    const events: AgentWireEvent[] = [];
    await runConversationTurn({
      mode: "fix", text: "the tests fail", messages: [], testCommand: "npm test", policy: "ask",
      workspace: new DiskWorkspace(repo),
      checkpoints: await CheckpointStore.open({ workspaceRoot: repo, storageDir }),
      backend: async () => new ScriptedBackend({ turns: [call("finish", { summary: "done" })] }),
      approve: async () => (stop.abort(), false),
      onEvent: (event) => events.push(event),
      signal: stop.signal,
    });
    assert.equal(existsSync(marker), false);
    assert.ok(events.some((e) => e.type === "approvalRequest" && e.call.name === "run_tests"), "the question was asked");
    assert.ok(!events.some((e) => e.type === "approval"), "the withdrawn question was recorded as the user's answer");
  });
});

describe("the final test run of a test script in watch mode", () => {
  it("is not run (it would wait for file changes until the 10-minute limit), and says why and what to run instead", async (t) => {
    const { repo, marker, storageDir } = project(t);
    writeFileSync(join(repo, "package.json"), JSON.stringify({ name: "demo", private: true, scripts: { test: "jest --watch" } }));
    // A stand-in jest on npm's PATH: it marks that it ran, and ends (a real one would wait for changes).
    mkdirSync(join(repo, "node_modules", ".bin"), { recursive: true });
    writeFileSync(join(repo, "node_modules", ".bin", "jest"), `#!/bin/sh\necho ran > ${JSON.stringify(marker)}\nexit 1\n`, { mode: 0o755 });
    const result = await runFix({ repo, issue: "the tests fail", backend: new ScriptedBackend({ turns: [call("finish", { summary: "done" })] }), storageDir, policy: "auto-all", testCommand: "npm test" });
    assert.equal(existsSync(marker), false, "the watch-mode script was run");
    assert.equal(result.tests, undefined);
    assert.match(result.testsNotRun ?? "", /^the tests were not run: `npm test` \(the configured test command; package\.json's test script: jest --watch\) runs in watch mode[^]*never ends[^]*npx jest/);
  });
});

describe("a final test run that does not finish", () => {
  // A limit of 1 s stands in for the 10 minutes; the verdict is asserted, not the time it took.
  // `limitAt` names a file the command writes: the limit is reached once it is there (after the
  // output asserted), not after a loaded machine's second (`FinalTestsOptions.timeLimit`).
  async function finalRun(t: TestContext, command: string, limitAt?: string) {
    const { repo } = project(t);
    const timeLimit = limitAt === undefined ? undefined : async () => {
      while (!existsSync(join(repo, limitAt))) await new Promise((r) => setTimeout(r, 20));
    };
    const final = await runFinalTests({ command, cwd: repo, policy: "auto-all", signal: new AbortController().signal, timeoutMs: 1000, ...(timeLimit ? { timeLimit } : {}) });
    assert.ok("ran" in final, "the tests were run");
    return final.ran;
  }

  it("past its time limit: said to have not finished, not to have failed, with what to do (hearth fix read 'tests fail (exit null)')", async (t) => {
    const ran = await finalRun(t, "echo started; touch printed; sleep 30", "printed");
    assert.equal(ran.passed, false);
    assert.equal(ran.stopped, "they ran past the 1 s limit and were stopped");
    assert.match(ran.output, /started/);
    assert.equal(testsLine(ran), "the tests did not finish (they ran past the 1 s limit and were stopped), so they neither passed nor failed: run them yourself, or give a test command that runs only the tests of the fix (a filter: one test file or test name)");
  });

  it("killed by a signal from outside: said so, not 'fail (exit null)'", async (t) => {
    const ran = await finalRun(t, "kill -KILL $$");
    assert.deepEqual([ran.passed, ran.exitCode, ran.stopped], [false, null, "they were killed by SIGKILL"]);
    assert.match(testsLine(ran), /^the tests did not finish \(they were killed by SIGKILL\), so they neither passed nor failed/);
  });

  it("that ends with a failing exit code still reads 'tests fail'", async (t) => {
    const ran = await finalRun(t, "exit 3");
    assert.deepEqual([ran.passed, ran.exitCode, ran.stopped], [false, 3, undefined]);
    assert.equal(testsLine(ran), "tests fail (exit 3)");
  });
});
