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

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

it("says a runtime stopped by SIGSTOP is not answering once a question waited 30 s, and again once it answers", { timeout: 30_000 }, async () => {
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} } });
  const clock = new FakeClock();
  const said: string[] = [];
  const liveness = new Liveness(() => runtime.connection.sendRequest(StatusRequest), { unresponsive: (ms) => said.push(`silent ${ms}`), responsive: () => said.push("answers"), busy: () => true }, clock);
  try {
    clock.advance(PING_EVERY_MS);
    await liveness.answered();
    clock.advance(PING_EVERY_MS * 5); // a runtime that answers: nothing said
    await liveness.answered();
    assert.deepEqual(said, []);

    process.kill(runtime.child.pid!, "SIGSTOP");
    clock.advance(PING_EVERY_MS); // asked, never answered
    clock.advance(UNRESPONSIVE_AFTER_MS - PING_EVERY_MS);
    assert.deepEqual(said, []);
    clock.advance(PING_EVERY_MS);
    clock.advance(PING_EVERY_MS * 3); // said once, not at every tick
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
