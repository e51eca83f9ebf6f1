// Manage Downloaded Models: every failed step ends in a message saying which step, which
// model, why, and a button that leads on (the runtime's own request prefix is not shown).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { manageFailure, mayBeLoaded } from "../../../src/extension/manage-models.ts";
import type { ModelSource, RuntimeStatus } from "../../../src/protocol/status.ts";
import type { RuntimeConnection } from "../../../src/protocol/webview.ts";

describe("Manage Downloaded Models failures", () => {
  it("a listing that fails says so with the reason, and offers the log", () => {
    const failure = manageFailure({ kind: "list" }, new Error("Hearth's runtime is starting or restarting; try again in a moment."));
    assert.equal(failure.message, "Hearth could not list the downloaded models: Hearth's runtime is starting or restarting; try again in a moment.");
    assert.deepEqual(failure.actions, ["Show Log"]);
  });

  it("a delete that fails names the model and the reason (without the request's prefix), and offers its folder", () => {
    const failure = manageFailure(
      { kind: "delete", label: "Qwen3.6-35B-A3B Q4_K_M", folder: "/models" },
      new Error("hearth/model/delete: Cannot delete m.gguf (EBUSY): it is in use"),
    );
    assert.equal(failure.message, "Hearth did not delete Qwen3.6-35B-A3B Q4_K_M: Cannot delete m.gguf (EBUSY): it is in use.");
    assert.deepEqual(failure.actions, ["Reveal in Folder", "Show Log"]);
  });

  it("a model that cannot be selected (settings not writable) says what to check", () => {
    const failure = manageFailure({ kind: "use", label: "m.gguf" }, new Error("Unable to write into user settings. Please open the user settings to correct errors/warnings in it and try again."));
    assert.match(failure.message, /^Hearth could not select m\.gguf: Unable to write into user settings\..* Check your user settings \(settings\.json\)/);
    assert.deepEqual(failure.actions, ["Open User Settings"]);
  });

  it("a value thrown that is no Error still makes a sentence", () => {
    assert.equal(manageFailure({ kind: "list" }, "").message, "Hearth could not list the downloaded models: an unknown error.");
  });
});

describe("deleting the model the runtime has loaded", () => {
  const running = (source: ModelSource, kind: "ready" | "error" = "ready"): RuntimeConnection =>
    ({ kind: "running", status: { model: kind === "ready" ? { kind, source, name: "m", contextSize: 8192, gpu: false } : { kind, source, message: "x" } } as unknown as RuntimeStatus });
  const file = { path: "/models/q.gguf", sizeBytes: 1, preset: "qwen3.6-35b-a3b", quantization: "Q4_K_M", complete: true };

  it("is known by its file or its preset, so the delete can warn and restart the runtime without it", () => {
    assert.equal(mayBeLoaded(file, running({ kind: "file", modelPath: "/models/q.gguf" })), true);
    assert.equal(mayBeLoaded(file, running({ kind: "preset", preset: "qwen3.6-35b-a3b" })), true);
  });

  it("another model, a part, a model in error or a runtime not running is not the loaded one", () => {
    assert.equal(mayBeLoaded(file, running({ kind: "preset", preset: "qwen3.6-27b" })), false);
    assert.equal(mayBeLoaded(file, running({ kind: "server", url: "http://127.0.0.1:8080/v1" })), false);
    assert.equal(mayBeLoaded({ ...file, complete: false }, running({ kind: "preset", preset: "qwen3.6-35b-a3b" })), false);
    assert.equal(mayBeLoaded(file, running({ kind: "preset", preset: "qwen3.6-35b-a3b" }, "error")), false);
    assert.equal(mayBeLoaded(file, { kind: "starting" }), false);
  });
});
