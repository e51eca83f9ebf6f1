// A runtime the extension killed itself is no out-of-memory kill. RuntimeStart.failed() kills
// its process with SIGKILL, and it is called after the runtime answered `initialize` too: when
// the first status request of a start fails (runtime-client.ts startRuntime's catch), or a
// Restart cuts that start short. Its end was told as "killed by SIGKILL: killed from outside,
// most often by the system's out-of-memory killer … close other programs, or use a smaller
// model" — and, the start not being a stop, the extension's toast said so and restarted it.
// Real processes, really killed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { it } from "node:test";
import { RuntimeStart } from "../../../src/extension/runtime-start.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

function answeredRuntime(): { start: RuntimeStart; pid: number; ended: Promise<string> } {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "ignore", "pipe"] });
  let start!: RuntimeStart;
  const ended = new Promise<string>((done) => (start = new RuntimeStart(child, { hung: () => assert.fail("not a hang"), ended: done }, { timers: new FakeClock() })));
  start.answered();
  return { start, pid: child.pid!, ended };
}

it("a runtime whose start failed after it answered, killed by the extension, is not said to be out of memory", async () => {
  const failed = answeredRuntime();
  failed.start.failed(new Error("the first status request failed"));
  assert.equal(await failed.ended, "killed by SIGKILL");

  const cutShort = answeredRuntime();
  cutShort.start.failed();
  assert.equal(await cutShort.ended, "killed by SIGKILL");

  // One killed from outside still is.
  const outside = answeredRuntime();
  process.kill(outside.pid, "SIGKILL");
  assert.match(await outside.ended, /^killed by SIGKILL: killed from outside, most often by the system's out-of-memory killer/);
});
