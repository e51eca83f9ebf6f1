// Restart Runtime, another folder chosen, the window closing: the extension asks the runtime to
// shut down (LSP shutdown and exit) and kills it if it is still there after a wait. The
// runtime's shutdown stops the agent's commands first — a command that ignores SIGTERM (a dev
// server shutting down, a test run's trap) gets SIGKILL only after its grace — then saves the
// runs. The 3 s the extension waited was less than that, so on Restart Runtime the runtime was
// killed mid-stop and the command kept running with no parent. The wait is counted here, not
// timed: the timeout the stop is given.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { it } from "node:test";
import { RuntimeStart } from "../../../src/extension/runtime-start.ts";
import { EXIT_CLEANUP_MS } from "../../../src/runtime/process-guard.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

it("gives the runtime's shutdown longer than the runtime's own cleanup (its commands stopped, its runs saved) before it kills the runtime", async () => {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "ignore", "pipe"] });
  const start = new RuntimeStart(child, { hung: () => assert.fail("not a hang") }, { timers: new FakeClock() });
  start.answered();
  const exited = once(child, "exit");
  const given: number[] = [];
  await start.stop(async (timeoutMs) => void given.push(timeoutMs));
  assert.equal(given.length, 1);
  assert.ok(given[0]! > EXIT_CLEANUP_MS, `the stop waited ${given[0]} ms; the runtime's own cleanup may take ${EXIT_CLEANUP_MS} ms`);
  const [, signal] = await exited;
  assert.equal(signal, "SIGKILL", "a runtime still there after the wait is killed");
});
