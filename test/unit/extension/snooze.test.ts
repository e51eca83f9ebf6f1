// "Snooze for 5 minutes" (the completions status item's menu) kept `Date.now() + 5 min`: a clock
// set back a day during the snooze (NTP fixing a fast clock, a user fixing the date, a VM
// resumed from an older snapshot) kept completions off for that day, the item saying "snoozed"
// with 1,445 minutes left. A snooze now ends when either clock says its time is up: the
// monotonic one (which a clock set back does not move) or the system's (which a laptop's sleep
// moves on, where the monotonic clock stops in sleep: Linux, macOS). Both clocks hand-moved.
import assert from "node:assert/strict";
import { it } from "node:test";
import { Snooze } from "../../../src/extension/snooze.ts";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function clocks(): { wall: number; monotonic: number; snooze: Snooze } {
  const c = { wall: 20 * DAY, monotonic: 5_000, snooze: undefined as unknown as Snooze };
  c.snooze = new Snooze({ wall: () => c.wall, monotonic: () => c.monotonic });
  return c;
}

it("ends a 5-minute snooze 5 minutes on, though the clock was set back a day in between", () => {
  const c = clocks();
  c.snooze.start(5 * MINUTE);
  c.wall -= DAY;
  c.wall += 4 * MINUTE;
  c.monotonic += 4 * MINUTE;
  assert.equal(c.snooze.remainingMs(), MINUTE);
  c.wall += MINUTE;
  c.monotonic += MINUTE;
  assert.equal(c.snooze.active(), false);
  assert.equal(c.snooze.remainingMs(), 0);
});

it("ends a snooze that a sleep outlasted, though the monotonic clock stood still in it", () => {
  const c = clocks();
  c.snooze.start(30 * MINUTE);
  c.wall += 60 * MINUTE; // an hour asleep
  assert.equal(c.snooze.active(), false);
});

it("is active until its time, and ends at once when ended", () => {
  const c = clocks();
  assert.equal(c.snooze.active(), false);
  c.snooze.start(5 * MINUTE);
  c.wall += 2 * MINUTE;
  c.monotonic += 2 * MINUTE;
  assert.equal(c.snooze.active(), true);
  assert.equal(c.snooze.remainingMs(), 3 * MINUTE);
  c.snooze.end();
  assert.equal(c.snooze.active(), false);
});
