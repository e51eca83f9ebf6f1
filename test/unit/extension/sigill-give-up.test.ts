// A runtime killed by SIGILL (an instruction this CPU lacks in llama.cpp's native code, loaded
// with the model) dies the same way at every start: the extension restarted it six times, each
// loading the model again, before it gave up with the words that say what to do. It now gives up
// at the first, with one message, and the user's Restart (or a model switch's restart) tries
// again. Other ends (an outside SIGKILL, SIGBUS: a file that changed may be whole again) are
// still restarted. Real processes, really killed, read by RuntimeStart and the restart policy
// as runtime-client.ts onExit reads them.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { it } from "node:test";
import { RestartPolicy, gaveUpMessage, type RestartDecision } from "../../../src/extension/restart-policy.ts";
import { RuntimeStart } from "../../../src/extension/runtime-start.ts";
import type { ModelState } from "../../../src/protocol/status.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

/** A runtime started at `now`, seen loading its model, killed by `signal`: the policy's decision and how its end reads. */
async function killedWhileLoading(policy: RestartPolicy, now: number, signal: NodeJS.Signals): Promise<{ decision: RestartDecision; reason: string }> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "ignore", "pipe"] });
  let start!: RuntimeStart;
  const ended = new Promise<{ reason: string; signal: NodeJS.Signals | null }>(
    (done) => (start = new RuntimeStart(child, { hung: () => assert.fail("not a hang"), ended: (reason, how) => done({ reason, signal: how }) }, { timers: new FakeClock() })),
  );
  start.answered();
  policy.started(now);
  policy.modelState({ kind: "loading", source: { kind: "file", modelPath: "/models/tiny.gguf" }, progress: 0.5 });
  process.kill(child.pid!, signal);
  const end = await ended;
  assert.equal(end.signal, signal);
  return { decision: policy.crashed(now + 1000, end.signal), reason: end.reason };
}

it("a runtime killed by SIGILL is given up on at the first death, with one message; the user's Restart tries again", async () => {
  const policy = new RestartPolicy({ baseDelayMs: 500, maxDelayMs: 30_000, healthyAfterMs: 60_000, maxAttempts: 6 });
  const first = await killedWhileLoading(policy, 0, "SIGILL");
  assert.deepEqual(first.decision, { action: "give-up", attempts: 0, whileLoadingModel: true, atOnce: true, modelPath: "/models/tiny.gguf" });
  const message = gaveUpMessage(first.decision as Extract<RestartDecision, { action: "give-up" }>, first.reason);
  assert.match(
    message,
    /^Hearth's runtime stopped \(killed by SIGILL: this CPU lacks an instruction .*hearth\.serverUrl.*\), while loading the model, and was not restarted: on this CPU it stops the same way at every start\. Restart tries again\.$/,
  );
  assert.doesNotMatch(message, /times in a row|more memory/);

  // Restart Runtime (RuntimeClient.restart: policy.reset): a fresh start, given up on at once again.
  policy.reset();
  const again = await killedWhileLoading(policy, 10_000, "SIGILL");
  assert.equal(again.decision.action, "give-up");

  // A SIGILL after other crashes in a row says how many.
  policy.reset();
  assert.equal((await killedWhileLoading(policy, 20_000, "SIGKILL")).decision.action, "restart");
  const after = await killedWhileLoading(policy, 30_000, "SIGILL");
  assert.match(gaveUpMessage(after.decision as Extract<RestartDecision, { action: "give-up" }>, after.reason), /^Hearth's runtime stopped 2 times in a row \(killed by SIGILL: .*\), the last time while loading the model, and was not restarted: on this CPU/);
});

it("a runtime killed from outside or by SIGBUS is still restarted", async () => {
  for (const signal of ["SIGKILL", "SIGBUS"] as const) {
    const policy = new RestartPolicy({ baseDelayMs: 500, maxDelayMs: 30_000, healthyAfterMs: 60_000, maxAttempts: 6 });
    assert.deepEqual((await killedWhileLoading(policy, 0, signal)).decision, { action: "restart", attempt: 1, delayMs: 500 });
  }
});

/** A runtime that answered initialize and reported `states`, then was killed by SIGILL: the policy's decision and its message. */
async function sigillAfter(states: readonly ModelState[]): Promise<{ decision: RestartDecision; message: string }> {
  const policy = new RestartPolicy({ baseDelayMs: 500, maxDelayMs: 30_000, healthyAfterMs: 60_000, maxAttempts: 6 });
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "ignore", "pipe"] });
  let start!: RuntimeStart;
  const ended = new Promise<{ reason: string; signal: NodeJS.Signals | null }>(
    (done) => (start = new RuntimeStart(child, { hung: () => assert.fail("not a hang"), ended: (reason, how) => done({ reason, signal: how }) }, { timers: new FakeClock() })),
  );
  start.answered();
  policy.started(0);
  for (const state of states) policy.modelState(state);
  process.kill(child.pid!, "SIGILL");
  const end = await ended;
  const decision = policy.crashed(120_000, end.signal);
  return { decision, message: gaveUpMessage(decision as Extract<RestartDecision, { action: "give-up" }>, end.reason) };
}

it("a runtime killed by SIGILL after its model loaded (mid-answer) is given up on too, without 'at every start'", async () => {
  const source = { kind: "file", modelPath: "/models/tiny.gguf" } as const;
  const ready = await sigillAfter([{ kind: "loading", source, progress: 0.5 }, { kind: "ready", source, name: "tiny", contextSize: 4096, gpu: false }]);
  assert.deepEqual(ready.decision, { action: "give-up", attempts: 0, atOnce: true, whileRunning: true });
  assert.match(ready.message, /^Hearth's runtime stopped \(killed by SIGILL: this CPU lacks an instruction .*\) and was not restarted: it had started, but on this CPU it stops the same way whenever it runs that code again\. Restart tries again\.$/);
  assert.doesNotMatch(ready.message, /at every start|while loading|more memory/);
  // Before its first status (still starting, as e2e/runtime-sigill's stand-in): at every start.
  const starting = await sigillAfter([]);
  assert.deepEqual(starting.decision, { action: "give-up", attempts: 0, atOnce: true });
  assert.match(starting.message, /and was not restarted: on this CPU it stops the same way at every start\. Restart tries again\.$/);
});
