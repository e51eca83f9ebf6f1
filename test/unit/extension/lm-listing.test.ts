// VS Code's model list across the runtime's restarts and model loads (lm-listing.ts): the last
// model stays listed, and a request made while the runtime restarts waits for it.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { lmModels } from "../../../src/extension/lm-messages.ts";
import { type LmListing, nextLmListing, runtimeRunning } from "../../../src/extension/lm-listing.ts";
import type { ModelSource, RuntimeStatus } from "../../../src/protocol/status.ts";
import type { RuntimeConnection } from "../../../src/protocol/webview.ts";

const source: ModelSource = { kind: "preset", preset: "qwen3.5-27b" };
const other: ModelSource = { kind: "file", modelPath: "/m/other.gguf" };
const running = (model: RuntimeStatus["model"]): RuntimeConnection => ({
  kind: "running",
  status: { version: "1", pid: 1, uptimeSeconds: 1, model, index: { kind: "idle", detail: "" }, folder: "/p", settingsProblems: [] },
});
const ready = (from: ModelSource = source) => running({ kind: "ready", source: from, name: "Qwen3.5 27B", contextSize: 32768, gpu: "cuda" });
const listed = (states: RuntimeConnection[]): string[][] => {
  let listing: LmListing = { models: [] };
  return states.map((state) => {
    listing = nextLmListing(listing, state, "1");
    return listing.models.map((model) => model.id);
  });
};

describe("nextLmListing", () => {
  it("keeps the last model listed while the runtime restarts (a setting change, a crash) and while it loads the same model again", () => {
    assert.deepEqual(
      listed([
        ready(),
        { kind: "restarting", attempt: 1, inSeconds: 1, reason: "crashed" },
        { kind: "starting" },
        running({ kind: "configured", source, detail: "" }),
        running({ kind: "loading", source, progress: 0.5 }),
        ready(),
      ]),
      [["qwen3.5-27b"], ["qwen3.5-27b"], ["qwen3.5-27b"], ["qwen3.5-27b"], ["qwen3.5-27b"], ["qwen3.5-27b"]],
    );
    assert.deepEqual(nextLmListing({ models: [] }, ready(), "1").models, lmModels(ready(), "1"));
  });

  it("lists nothing once the runtime failed, the model failed or is gone, or another model loads; nothing before the first load", () => {
    const after = (state: RuntimeConnection) => listed([ready(), state]).at(-1);
    assert.deepEqual(after({ kind: "failed", message: "dead" }), []);
    assert.deepEqual(after(running({ kind: "error", source, message: "bad" })), []);
    assert.deepEqual(after(running({ kind: "none", detail: "no model" })), []);
    assert.deepEqual(after(running({ kind: "loading", source: other, progress: 0.1 })), []);
    assert.deepEqual(listed([{ kind: "starting" }, running({ kind: "loading", source, progress: 0.1 })]), [[], []]);
  });
});

/** A runtime whose state the test sets, and a cancellation token, as the provider sees them. */
function fakes(initial: RuntimeConnection) {
  const events = new EventEmitter();
  const runtime = {
    state: initial,
    onDidChangeState(listener: (state: RuntimeConnection) => void) {
      events.on("state", listener);
      return { dispose: () => events.off("state", listener) };
    },
    set(state: RuntimeConnection) {
      this.state = state;
      events.emit("state", state);
    },
  };
  const token = {
    isCancellationRequested: false,
    onCancellationRequested(listener: (value: unknown) => void) {
      events.on("cancel", listener);
      return { dispose: () => events.off("cancel", listener) };
    },
    cancel() {
      this.isCancellationRequested = true;
      events.emit("cancel");
    },
  };
  return { runtime, token, listeners: () => events.listenerCount("state") + events.listenerCount("cancel") };
}

describe("runtimeRunning", () => {
  it("a request made while the runtime restarts waits for it to run again", async () => {
    const { runtime, token, listeners } = fakes({ kind: "restarting", attempt: 1, inSeconds: 1, reason: "http.proxy changed" });
    const waited = runtimeRunning(runtime, token);
    runtime.set({ kind: "starting" });
    runtime.set(ready());
    assert.deepEqual(await waited, { kind: "running" });
    assert.equal(listeners(), 0);
  });

  it("answers at once while running; stops waiting when the request is cancelled; says why when the runtime fails", async () => {
    assert.deepEqual(await runtimeRunning(fakes(ready()).runtime, fakes(ready()).token), { kind: "running" });
    const cancelled = fakes({ kind: "starting" });
    const waiting = runtimeRunning(cancelled.runtime, cancelled.token);
    cancelled.token.cancel();
    assert.deepEqual(await waiting, { kind: "cancelled" });
    assert.equal(cancelled.listeners(), 0);
    const failed = fakes({ kind: "restarting", attempt: 3, inSeconds: 4, reason: "crashed" });
    const failing = runtimeRunning(failed.runtime, failed.token);
    failed.runtime.set({ kind: "failed", message: "The runtime exited 3 times in a minute" });
    const result = await failing;
    assert.equal(result.kind, "failed");
    assert.match(result.kind === "failed" ? result.message : "", /^This request waited for Hearth's runtime to restart, and it did not\. The runtime exited 3 times in a minute\. Run /);
    assert.equal(failed.listeners(), 0);
  });

  it("says the runtime's own failure as one sentence: its message ends with a period, as runtime-client's do", async () => {
    const failed = fakes({ kind: "restarting", attempt: 3, inSeconds: 4, reason: "crashed" });
    const failing = runtimeRunning(failed.runtime, failed.token);
    const why = "Hearth's runtime stopped 4 times in a row (exit code 134) and was not restarted. The model may need more memory than this machine has: choose another with \"Hearth: Select Model…\", then Restart.";
    failed.runtime.set({ kind: "failed", message: why });
    const result = await failing;
    assert.equal(
      result.kind === "failed" ? result.message : result.kind,
      `This request waited for Hearth's runtime to restart, and it did not. ${why} Run "Hearth: Restart Runtime" or see "Hearth: Show Log".`,
    );
  });
});
