// A model that kills its runtime at every load (out of memory reading a model too large for the
// machine, a driver that aborts on it) must not be restarted for ever. The restart policy starts
// over after a runtime that stayed up a while, but a load can take longer than that while: a
// runtime killed while it still loads its model had no healthy run, however long it was up.
// Stand-in runtimes (real processes) report their model loading, as a real one does, and are
// killed by SIGKILL, as by the OOM killer; the policy reads their reports as the extension's
// client does, on a fake clock (each load 90 s, past the policy's healthy minute).
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { it } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { RestartPolicy, type RestartDecision } from "../../../src/extension/restart-policy.ts";
import { StatusChangedNotification } from "../../../src/protocol/lsp-ext.ts";

const LOADING = resolve(import.meta.dirname, "../../fixtures/runtime/loading-runtime.mjs");

/** One runtime started at `now`, killed by SIGKILL once it reports its model loading, at `now + 90 s`. */
async function killedWhileLoading(policy: RestartPolicy, now: number): Promise<RestartDecision> {
  const runtime = await spawnRuntime({ runtimePath: LOADING, initializationOptions: { settings: {} } });
  policy.started(now);
  await new Promise<void>((loading) =>
    runtime.connection.onNotification(StatusChangedNotification, (status) => {
      if (status.model.kind === "loading") loading();
      policy.modelState(status.model);
    }),
  );
  runtime.child.kill("SIGKILL");
  assert.equal((await runtime.exited).signal, "SIGKILL");
  runtime.connection.dispose();
  return policy.crashed(now + 90_000);
}

it("a runtime killed while loading its model at every start, each load past the healthy minute, is given up on", { timeout: 60_000 }, async () => {
  const policy = new RestartPolicy({ baseDelayMs: 500, maxDelayMs: 30_000, healthyAfterMs: 60_000, maxAttempts: 6 });
  const decisions: RestartDecision[] = [];
  let now = 0;
  for (let i = 0; i < 7; i++) {
    const decision = await killedWhileLoading(policy, now);
    decisions.push(decision);
    now += 90_000 + (decision.action === "restart" ? decision.delayMs : 0);
  }
  assert.deepEqual(
    decisions.map((d) => (d.action === "restart" ? d.attempt : d.action)),
    [1, 2, 3, 4, 5, 6, "give-up"],
  );
  assert.deepEqual(decisions[6], { action: "give-up", attempts: 6, whileLoadingModel: true, modelPath: "/models/too-large-Q8_0.gguf" });
});
