// Issue 15: Select Model marks only the model that is loaded as such; a selected model that
// is not loaded (not downloaded, loading, failed) says so.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { modelPickState } from "../../../src/extension/model-picks.ts";
import type { ModelState, RuntimeStatus } from "../../../src/protocol/status.ts";
import type { RuntimeConnection } from "../../../src/protocol/webview.ts";

const running = (model: ModelState): RuntimeConnection => ({
  kind: "running",
  status: { version: "1", pid: 1, uptimeSeconds: 1, model, index: { kind: "idle", detail: "" }, folder: "/home/user/project", settingsProblems: [] } satisfies RuntimeStatus,
});
const defaults = { modelPreset: "qwen3.6-35b-a3b", modelPath: "", serverUrl: "" };

describe("Select Model: which entry is current", () => {
  it("nothing loaded: the default preset is 'selected, not loaded', never 'current' or 'loaded'", () => {
    const state = running({ kind: "none", detail: "qwen3.6-35b-a3b is not downloaded" });
    assert.equal(modelPickState({ kind: "preset", preset: "qwen3.6-35b-a3b" }, defaults, state), "selected, not loaded");
    assert.equal(modelPickState({ kind: "preset", preset: "qwen3.6-27b" }, defaults, state), undefined);
  });

  it("a loaded preset says loaded; a loading or failed one says selected, not loaded", () => {
    const source = { kind: "preset" as const, preset: "qwen3.6-35b-a3b" };
    assert.equal(modelPickState(source, defaults, running({ kind: "ready", source, name: "Q", contextSize: 4096, gpu: false })), "loaded");
    assert.equal(modelPickState(source, defaults, running({ kind: "loading", source, progress: 0.5 })), "selected, not loaded");
    assert.equal(modelPickState(source, defaults, running({ kind: "error", source, message: "x" })), "selected, not loaded");
    assert.equal(modelPickState(source, defaults, { kind: "starting" }), "selected, not loaded");
  });

  it("a GGUF file or a server outranks the preset: then the preset is not selected at all", () => {
    const file = { ...defaults, modelPath: "/m/a.gguf" };
    const ready = running({ kind: "ready", source: { kind: "file", modelPath: "/m/a.gguf" }, name: "A", contextSize: 4096, gpu: false });
    assert.equal(modelPickState({ kind: "preset", preset: "qwen3.6-35b-a3b" }, file, ready), undefined);
    assert.equal(modelPickState({ kind: "file" }, file, ready), "loaded");
    assert.equal(modelPickState({ kind: "server" }, file, ready), undefined);
    const server = { ...defaults, serverUrl: "http://127.0.0.1:8080/v1" };
    assert.equal(modelPickState({ kind: "server" }, server, running({ kind: "configured", source: { kind: "server", url: server.serverUrl }, detail: "" })), "selected, not loaded");
  });
});
