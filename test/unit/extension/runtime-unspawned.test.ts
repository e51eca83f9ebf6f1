// A runtime Node cannot spawn at all. Node's spawn throws at once, rather than emitting
// "error", for E2BIG (an environment variable over Linux's 128 KiB for one, which the runtime
// inherits from VS Code: a huge PATH, a CI variable holding a file) and ENOMEM: no process, so no
// exit and no "error" ever told of it, and the start stayed "starting" for good — Send said
// "Hearth is starting" and a Fix in web waited, with nothing to click. RuntimeStart.fork tells
// `unspawned` at once (the extension shows it, failed, with Show Log / Restart Runtime), then
// throws as before (the language client's start fails with it).
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { it } from "node:test";
import { RuntimeStart } from "../../../src/extension/runtime-start.ts";
import { runtimeEnvironment } from "../../../src/extension/runtime-env.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

const REFUSING = resolve(import.meta.dirname, "../../fixtures/runtime/refusing-runtime.mjs");

it("a runtime that cannot be spawned (spawn E2BIG) is told at once, naming the variable too large to pass on, and throws as before", () => {
  const clock = new FakeClock();
  const env = runtimeEnvironment({ ...process.env, XDG_HUGE_TEST: "x".repeat(200 * 1024) });
  const told: string[] = [];
  const events = {
    hung: () => assert.fail("not a hang"),
    ended: () => assert.fail("no process, so no end"),
    unspawned: (message: string) => void told.push(message),
  };
  assert.throws(() => RuntimeStart.fork(REFUSING, env, events, { timers: clock }), { code: "E2BIG" });
  assert.equal(told.length, 1);
  assert.match(told[0]!, /^Hearth's runtime could not be started \(spawn E2BIG\): the environment variable XDG_HUGE_TEST, which the runtime inherits from VS Code, is 204,815 bytes, over the system's 128 KiB for one variable/);
  assert.match(told[0]!, /Restart Runtime/);
  assert.equal(clock.pending(), 0, "no start deadline left running for a process that never was");
});

it("a runtime that spawns is watched as before, and `unspawned` is not told", async () => {
  const told: string[] = [];
  let end: (reason: string) => void = () => undefined;
  const ended = new Promise<string>((done) => (end = done));
  const start = RuntimeStart.fork(REFUSING, runtimeEnvironment(process.env), { hung: () => assert.fail("not a hang"), ended: end, unspawned: (m) => void told.push(m) }, { timers: new FakeClock() });
  assert.ok(start.child.pid);
  start.failed();
  assert.match(await ended, /killed by SIGKILL/);
  assert.deepEqual(told, []);
});
