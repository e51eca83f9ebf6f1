import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type RestartDecision, RestartPolicy } from "../../../src/extension/restart-policy.ts";

const options = { baseDelayMs: 500, maxDelayMs: 4000, healthyAfterMs: 60_000, maxAttempts: 5 };

describe("RestartPolicy", () => {
  it("backs off exponentially up to the cap, then gives up", () => {
    const policy = new RestartPolicy(options);
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      policy.started(now);
      now += 100; // crashes right after each start
      const decision = policy.crashed(now);
      assert.equal(decision.action, "restart");
      if (decision.action === "restart") {
        assert.equal(decision.attempt, i + 1);
        delays.push(decision.delayMs);
      }
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 4000]);
    policy.started(now);
    assert.deepEqual(policy.crashed(now + 1), { action: "give-up", attempts: 5 });
  });

  it("starts over after a healthy run", () => {
    const policy = new RestartPolicy(options);
    policy.started(0);
    policy.crashed(10);
    policy.started(1000);
    policy.crashed(1010);
    policy.started(2000);
    const decision = policy.crashed(2000 + 60_000);
    assert.deepEqual(decision, { action: "restart", attempt: 1, delayMs: 500 });
  });

  it("gives fresh attempts after a manual reset", () => {
    const policy = new RestartPolicy({ ...options, maxAttempts: 1 });
    policy.started(0);
    policy.crashed(1);
    policy.started(2);
    assert.equal(policy.crashed(3).action, "give-up");
    policy.reset();
    policy.started(4);
    assert.equal(policy.crashed(5).action, "restart");
  });

  it("a runtime that dies before it ever started (it never answered initialize) is not a healthy run: it backs off and gives up", () => {
    const policy = new RestartPolicy(options);
    // The extension calls started() only once the runtime answered; a broken install dies before.
    let now = 1_000_000;
    const actions: string[] = [];
    for (let i = 0; i < 7; i++) {
      now += 120_000; // however long the backoff and the failed start took
      actions.push(policy.crashed(now).action);
    }
    assert.deepEqual(actions, ["restart", "restart", "restart", "restart", "restart", "give-up", "give-up"]);
  });

  it("a healthy run long ago does not make every later failed start attempt 1 again", () => {
    const policy = new RestartPolicy(options);
    policy.started(0);
    assert.deepEqual(policy.crashed(2 * 3600_000), { action: "restart", attempt: 1, delayMs: 500 }, "the crash after a healthy run starts over");
    // Every restart from now on dies during start, before started() is called.
    const attempts = [1, 2, 3, 4].map((i) => policy.crashed(2 * 3600_000 + i * 120_000));
    assert.deepEqual(attempts.map((d) => (d.action === "restart" ? d.attempt : d.action)), [2, 3, 4, 5]);
    assert.equal(policy.crashed(2 * 3600_000 + 10 * 120_000).action, "give-up");
  });

  it("counts a run's time on the monotonic clock: a clock set back or forward does not change what was a healthy run", (t) => {
    // As the extension calls it (no time passed in); both of the machine's clocks moved by hand.
    const now = { wall: Date.UTC(2026, 11, 7, 2, 0), monotonic: 5_000 };
    t.mock.method(Date, "now", () => now.wall);
    t.mock.method(performance, "now", () => now.monotonic);
    const run = (ms: number, clockMovedMs: number): RestartDecision => {
      policy.started();
      now.monotonic += ms;
      now.wall += ms + clockMovedMs;
      return policy.crashed();
    };
    const policy = new RestartPolicy(options);
    const attempt = (decision: RestartDecision): number | string => (decision.action === "restart" ? decision.attempt : decision.action);
    assert.equal(attempt(run(100, 0)), 1);
    assert.equal(attempt(run(100, 0)), 2);
    assert.equal(attempt(run(2 * 3600_000, -24 * 3600_000)), 1, "up two hours, the clock set back a day meanwhile: a healthy run");
    assert.equal(attempt(run(100, 0)), 2);
    assert.equal(attempt(run(100, 24 * 3600_000)), 3, "up 100 ms, the clock set a day on meanwhile: still a crash in a row");
  });
});
