// A runtime stopped (SIGSTOP, a debugger, a frozen cgroup) or stuck in native code on its main
// thread answers nothing and does not end: every request and chat turn waited on it for good,
// Stop included. Liveness asks it hearth/status every 10 s and says so once a question has
// waited 30 s, and again when it answers. A real runtime, stopped with SIGSTOP; a hand-moved clock.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { it } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { Liveness, PING_EVERY_MS, UNRESPONSIVE_AFTER_MS } from "../../../src/extension/liveness.ts";
import { StatusRequest } from "../../../src/protocol/lsp-ext.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

/** Lets `n` ticks run on time, as in a process that keeps running (one long `advance` is one late tick). */
function ticks(clock: FakeClock, n: number): void {
  for (let i = 0; i < n; i++) clock.advance(PING_EVERY_MS);
}

/** Lets `n` ticks run on time, each question answered before the next tick. */
async function answeredTicks(clock: FakeClock, liveness: Liveness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    clock.advance(PING_EVERY_MS);
    await liveness.answered();
  }
}

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

it("says a runtime stopped by SIGSTOP is not answering once a question waited 30 s, and again once it answers", async () => {
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} } });
  const clock = new FakeClock();
  const said: string[] = [];
  const liveness = new Liveness(() => runtime.connection.sendRequest(StatusRequest), { unresponsive: (ms) => said.push(`silent ${ms}`), responsive: () => said.push("answers"), busy: () => true }, clock);
  try {
    clock.advance(PING_EVERY_MS);
    await liveness.answered();
    await answeredTicks(clock, liveness, 5); // a runtime that answers: nothing said
    assert.deepEqual(said, []);

    process.kill(runtime.child.pid!, "SIGSTOP");
    clock.advance(PING_EVERY_MS); // asked, never answered
    ticks(clock, UNRESPONSIVE_AFTER_MS / PING_EVERY_MS - 1);
    assert.deepEqual(said, []);
    clock.advance(PING_EVERY_MS);
    ticks(clock, 3); // said once, not at every tick
    assert.deepEqual(said, [`silent ${UNRESPONSIVE_AFTER_MS}`]);

    process.kill(runtime.child.pid!, "SIGCONT");
    await liveness.answered();
    assert.deepEqual(said, [`silent ${UNRESPONSIVE_AFTER_MS}`, "answers"]);
  } finally {
    liveness.dispose();
    process.kill(runtime.child.pid!, "SIGCONT");
    await runtime.close(1000);
  }
});

it("says nothing about a runtime that slept with the machine and answers on waking", async () => {
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} } });
  const clock = new FakeClock();
  const said: string[] = [];
  const liveness = new Liveness(() => runtime.connection.sendRequest(StatusRequest), { unresponsive: (ms) => said.push(`silent ${ms}`), responsive: () => said.push("answers"), busy: () => true }, clock);
  try {
    process.kill(runtime.child.pid!, "SIGSTOP"); // the lid closes with a question on its way
    clock.advance(PING_EVERY_MS);
    clock.set(clock.now() + 3_600_000); // an hour asleep: no timer ran
    clock.advance(PING_EVERY_MS); // the first tick after waking
    process.kill(runtime.child.pid!, "SIGCONT");
    await liveness.answered();
    await answeredTicks(clock, liveness, 5);
    assert.deepEqual(said, []);
  } finally {
    liveness.dispose();
    process.kill(runtime.child.pid!, "SIGCONT");
    await runtime.close(1000);
  }
});
