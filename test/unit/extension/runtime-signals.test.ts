// A runtime ended by a signal that leaves no words on stderr: SIGBUS (the memory-mapped model
// file cut short or replaced under it — seen with a tiny GGUF truncated after its load), SIGILL
// (a CPU without an instruction llama.cpp's binary uses) and SIGKILL from outside (the system's
// out-of-memory killer). The user was told only "Hearth's runtime stopped (killed by SIGBUS)",
// restarted into the same death. Each now names the likely cause and the way out; a SIGKILL
// the extension sent itself (a stop, a start that hung or failed) gets no such words. Real
// processes, really killed by each signal.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { it } from "node:test";
import { RuntimeStart } from "../../../src/extension/runtime-start.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

/** A live node process watched as an answered runtime, and the reason its end is given. */
function answeredRuntime(): { start: RuntimeStart; pid: number; ended: Promise<string> } {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "ignore", "pipe"] });
  let start!: RuntimeStart;
  const ended = new Promise<string>((done) => (start = new RuntimeStart(child, { hung: () => assert.fail("not a hang"), ended: done }, { timers: new FakeClock() })));
  start.answered();
  return { start, pid: child.pid!, ended };
}

it("a runtime ended by SIGBUS is said to have had its model file changed under it, and what to do", async () => {
  const { pid, ended } = answeredRuntime();
  process.kill(pid, "SIGBUS");
  assert.match(await ended, /^killed by SIGBUS: the model file changed while the runtime used it .*download it again if it was cut short$/);
});

it("a runtime ended by SIGILL is said to have met a CPU without an instruction it uses, and what to do", async () => {
  const { pid, ended } = answeredRuntime();
  process.kill(pid, "SIGILL");
  assert.match(await ended, /^killed by SIGILL: this CPU lacks an instruction .*\(AVX\).*hearth\.serverUrl/);
});

it("a runtime SIGKILLed from outside is said to be most likely out of memory; one the extension stops is not", async () => {
  const outside = answeredRuntime();
  process.kill(outside.pid, "SIGKILL");
  assert.match(await outside.ended, /^killed by SIGKILL: killed from outside, most often by the system's out-of-memory killer .*smaller model or context size$/);

  const stopped = answeredRuntime();
  await stopped.start.stop(async () => undefined);
  assert.equal(await stopped.ended, "killed by SIGKILL");
});
