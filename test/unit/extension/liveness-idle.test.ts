// Liveness asks the runtime hearth/status to notice one that stopped answering. With
// hearth.trace.server "verbose" every question and its answer go to the Hearth log: asked every
// 10 s while nothing waited on the runtime, they filled the log for as long as VS Code was open.
// It asks only while something waits on the runtime (a request, a chat run), which is when a
// runtime that stopped answering keeps the user waiting.
import assert from "node:assert/strict";
import { it } from "node:test";
import { Liveness, PING_EVERY_MS, UNRESPONSIVE_AFTER_MS } from "../../../src/extension/liveness.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

it("asks nothing while nothing waits on the runtime, and asks (and warns) while something does", async () => {
  const clock = new FakeClock();
  let asked = 0;
  let waiting = 0;
  const said: string[] = [];
  const liveness = new Liveness(
    () => (asked++, new Promise(() => undefined)),
    { unresponsive: (ms) => said.push(`silent ${ms}`), responsive: () => said.push("answers"), busy: () => waiting > 0 },
    clock,
  );
  try {
    clock.advance(PING_EVERY_MS * 30); // five idle minutes
    assert.equal(asked, 0);
    waiting = 1; // a chat run under way
    clock.advance(PING_EVERY_MS);
    assert.equal(asked, 1);
    for (let i = 0; i < UNRESPONSIVE_AFTER_MS / PING_EVERY_MS; i++) clock.advance(PING_EVERY_MS); // ticks on time
    assert.deepEqual(said, [`silent ${UNRESPONSIVE_AFTER_MS}`]);
  } finally {
    liveness.dispose();
  }
  assert.equal(clock.pending(), 0);
});
