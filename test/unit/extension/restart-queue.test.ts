// RestartQueue's order when a step fails: a start or stop that throws must not leave the
// queue rejected for good (every later restart, and the window's final stop, chained after it).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RestartQueue, type RuntimeSteps } from "../../../src/extension/restart-queue.ts";

/** Steps that record what ran; the first start throws. */
function failingOnce(): RuntimeSteps & { readonly ran: string[] } {
  const ran: string[] = [];
  let starts = 0;
  return {
    ran,
    async start() {
      starts++;
      ran.push(`start ${starts}`);
      if (starts === 1) throw new Error("spawn EACCES");
    },
    async stop() {
      ran.push("stop");
    },
  };
}

describe("RestartQueue after a step that threw", () => {
  it("the failed restart rejects for its caller, and the next restart still stops and starts", async () => {
    const steps = failingOnce();
    const queue = new RestartQueue(steps);
    await assert.rejects(queue.restart(), /spawn EACCES/);
    await queue.restart();
    assert.deepEqual(steps.ran, ["stop", "start 1", "stop", "start 2"]);
  });

  it("dispose still stops the runtime", async () => {
    const steps = failingOnce();
    const queue = new RestartQueue(steps);
    await assert.rejects(queue.restart(), /spawn EACCES/);
    await queue.dispose();
    assert.deepEqual(steps.ran, ["stop", "start 1", "stop"]);
  });
});
