// Liveness measures how long a question to the runtime went unanswered. A laptop whose lid
// closed while a question waited (or a VM resumed from a snapshot, or NTP moving the clock)
// wakes to a clock an hour on: the runtime, asleep too, answers within milliseconds of waking,
// but the first tick after waking saw "unanswered for an hour" and offered Restart Runtime,
// which would end the user's run. A clock set back a day hid a runtime that really stopped for
// that day. Time across a late tick (the process itself did not run) no longer counts as silence.
import assert from "node:assert/strict";
import { it } from "node:test";
import { Liveness, type LivenessClock, PING_EVERY_MS, UNRESPONSIVE_AFTER_MS } from "../../../src/extension/liveness.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

const HOUR = 3_600_000;

/** Lets `n` ticks run on time, as in a process that keeps running (one long `advance` is one late tick). */
function ticks(clock: FakeClock, n: number): void {
  for (let i = 0; i < n; i++) clock.advance(PING_EVERY_MS);
}

/** A runtime that answers nothing until `wake`, then everything at once. */
function watched(clock: LivenessClock): { said: string[]; wake: () => void; liveness: Liveness } {
  const said: string[] = [];
  const waiting: (() => void)[] = [];
  let awake = false;
  const liveness = new Liveness(
    () => (awake ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve))),
    { unresponsive: (ms) => said.push(`silent ${ms}`), responsive: () => said.push("answers"), busy: () => true },
    clock,
  );
  const wake = (): void => {
    awake = true;
    for (const answer of waiting.splice(0)) answer();
  };
  return { said, wake, liveness };
}

it("says nothing when a question asked before a sleep is answered just after it", async () => {
  const clock = new FakeClock();
  const { said, wake, liveness } = watched(clock);
  try {
    clock.advance(PING_EVERY_MS); // asked
    clock.set(clock.now() + HOUR); // the lid closed: no timer ran, the clock moved on
    clock.advance(PING_EVERY_MS); // the first tick after waking
    wake(); // the runtime, awake too, answers
    await liveness.answered();
    for (let i = 0; i < 5; i++) {
      clock.advance(PING_EVERY_MS); // asked again, answered at once
      await liveness.answered();
    }
    assert.deepEqual(said, []);
  } finally {
    liveness.dispose();
  }
});

it("still says so when a runtime stays silent after the wake", async () => {
  const clock = new FakeClock();
  const { said, liveness } = watched(clock);
  try {
    clock.advance(PING_EVERY_MS); // asked, never answered
    clock.set(clock.now() + HOUR);
    clock.advance(PING_EVERY_MS); // the first tick after waking
    ticks(clock, UNRESPONSIVE_AFTER_MS / PING_EVERY_MS - 1); // the silence after waking counts from the wake
    assert.deepEqual(said, []);
    clock.advance(PING_EVERY_MS);
    assert.deepEqual(said, [`silent ${UNRESPONSIVE_AFTER_MS}`]);
  } finally {
    liveness.dispose();
  }
});

it("says so 30 s into a silence even when the clock was set back a day during it", () => {
  // Timers run on a monotonic clock; the time read (Date.now() before) is the one set back.
  const timers = new FakeClock();
  let offset = 10 * 24 * HOUR;
  const clock: LivenessClock = { now: () => timers.now() + offset, setTimeout: (run, ms) => timers.setTimeout(run, ms), clearTimeout: (handle) => timers.clearTimeout(handle) };
  const { said, liveness } = watched(clock);
  try {
    timers.advance(PING_EVERY_MS); // asked, never answered
    offset -= 24 * HOUR;
    ticks(timers, UNRESPONSIVE_AFTER_MS / PING_EVERY_MS + 1);
    assert.equal(said.length, 1, "no warning for a day");
  } finally {
    liveness.dispose();
  }
});
