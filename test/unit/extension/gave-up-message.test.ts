// The extension gives up on a runtime that died at every start; when the last one died loading
// its model, it advised a model that needs less memory. A runtime killed by SIGILL (a CPU without
// an instruction llama.cpp uses: the binary is loaded with the model) or SIGBUS (the model file
// changed under it) got that advice too, after the words naming the real cause: 'this CPU lacks
// an instruction … The model may need more memory than this machine has: choose another'. Real
// processes, really killed by each signal, read as the extension reads them.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { it } from "node:test";
import { RestartPolicy, gaveUpMessage } from "../../../src/extension/restart-policy.ts";
import { RuntimeStart } from "../../../src/extension/runtime-start.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

/** How a runtime killed by `signal` while it loaded its model, the last of too many, is told. */
async function gaveUpAfter(signal: NodeJS.Signals): Promise<string> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "ignore", "pipe"] });
  let start!: RuntimeStart;
  const ended = new Promise<string>((done) => (start = new RuntimeStart(child, { hung: () => assert.fail("not a hang"), ended: done }, { timers: new FakeClock() })));
  start.answered();
  const policy = new RestartPolicy({ baseDelayMs: 500, maxDelayMs: 4000, healthyAfterMs: 60_000, maxAttempts: 0 });
  policy.started(0);
  policy.modelState({ kind: "loading", source: { kind: "file", modelPath: "/models/tiny.gguf" }, progress: 0.5 });
  process.kill(child.pid!, signal);
  const decision = policy.crashed(1000);
  assert.equal(decision.action, "give-up");
  return gaveUpMessage(decision as Extract<typeof decision, { action: "give-up" }>, await ended);
}

it("a runtime that died loading its model by SIGILL or SIGBUS is not said to need more memory", async () => {
  for (const signal of ["SIGILL", "SIGBUS"] as const) {
    const message = await gaveUpAfter(signal);
    assert.match(message, new RegExp(`^Hearth's runtime stopped \\(killed by ${signal}: .+\\), while loading the model, and was not restarted(: on this CPU .*)?\\.$`));
    assert.doesNotMatch(message, /more memory/);
  }
});

it("one killed from outside while loading its model (the out-of-memory killer) is", async () => {
  assert.match(await gaveUpAfter("SIGKILL"), /\(killed by SIGKILL: killed from outside, most often by the system's out-of-memory killer .*\), while loading the model, and was not restarted\. The model may need more memory than this machine has: choose another with "Hearth: Select Model…", then Restart\.$/);
});
