// A request's idle limit ("sent no data for 60 s") after a laptop's sleep or a clock set back.
// While the lid is closed (Linux, macOS) the timers and the monotonic clock stop, the system
// clock goes on; NTP or a user may set the system clock back. Both clocks are moved by hand here
// (Date.now and performance.now); the limits are built with their default clock, as in use.
import assert from "node:assert/strict";
import { it, type TestContext } from "node:test";
import { BackendError } from "../../../src/models/backend.ts";
import { RequestLimits } from "../../../src/models/http-limits.ts";

const HOUR = 3_600_000;
const IDLE_MS = 60_000;

/** The machine's two clocks, moved by hand: the system's (`wall`) and the monotonic one. */
function clocks(t: TestContext): { wall: number; monotonic: number } {
  const now = { wall: Date.UTC(2026, 11, 7, 2, 0), monotonic: 5_000 };
  t.mock.method(Date, "now", () => now.wall);
  t.mock.method(performance, "now", () => now.monotonic);
  return now;
}

function streaming(): RequestLimits {
  const limits = new RequestLimits(undefined, { origin: "http://127.0.0.1:8080", responseMs: IDLE_MS, idleMs: IDLE_MS });
  limits.responseStarted();
  return limits;
}

it("a keep-alive read just after a sleep does not fail a live stream as silent", (t) => {
  const now = clocks(t);
  const limits = streaming();
  try {
    now.wall += 10_000;
    now.monotonic += 10_000;
    limits.data(); // a token
    now.wall += HOUR; // the lid closed for an hour: only the system clock moved
    now.monotonic += 5;
    assert.doesNotThrow(() => limits.check()); // the keep-alive the server sent as it woke
    limits.data(); // and its next token
    assert.equal(limits.failure, undefined);
  } finally {
    limits.close();
  }
});

it("a server that stalls after the clock was set back a day is still noticed after 60 s", (t) => {
  const now = clocks(t);
  const limits = streaming();
  try {
    limits.data();
    now.wall -= 24 * HOUR; // NTP fixed a fast clock
    now.wall += IDLE_MS;
    now.monotonic += IDLE_MS; // 60 s with nothing but keep-alives
    assert.throws(() => limits.check(), (error: unknown) => error instanceof BackendError && /^The server at http:\/\/127\.0\.0\.1:8080 sent no data for 60 s; /.test(error.message));
  } finally {
    limits.close();
  }
});
