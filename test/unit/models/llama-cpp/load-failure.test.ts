// What a user sees when node-llama-cpp refuses to load a model: a hearth.gpuLayers count
// the GPU's free memory cannot hold is refused by node-llama-cpp before llama.cpp sees it
// ("Not enough VRAM to fit the model with the specified settings"), which names no setting.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InsufficientMemoryError } from "node-llama-cpp";
import { toBackendError } from "../../../../src/models/llama-cpp/embedded-backend.ts";

const vram = () => new InsufficientMemoryError("Not enough VRAM to fit the model with the specified settings");

describe("toBackendError", () => {
  it("names hearth.gpuLayers and what to set it to when a set layer count does not fit the GPU", () => {
    const error = toBackendError(vram(), 1000);
    assert.equal(error.message, "not enough free GPU memory for hearth.gpuLayers 1000 (Not enough VRAM to fit the model with the specified settings): set hearth.gpuLayers to -1 (auto: as many layers as fit) or to fewer layers");
    assert.equal(error.fix, "openSettings");
  });

  it("keeps the plain load failure for auto (-1) and for other errors", () => {
    assert.equal(toBackendError(vram(), -1).message, "the model failed to load: Not enough VRAM to fit the model with the specified settings");
    assert.equal(toBackendError(new Error("boom"), 12).message, "the model failed to load: boom");
    assert.equal(toBackendError(new Error("boom"), 12).fix, "selectModel");
  });

  it("under a low limit of open files, names it and how to raise it, with no Select Model (another model fails the same way)", () => {
    const noBinary = Object.assign(new Error("NoBinaryFoundError"), { name: "NoBinaryFoundError" });
    const low = toBackendError(noBinary, undefined, 96);
    assert.match(low.message, /^the model failed to load: NoBinaryFoundError: this process may have only 96 files open at once \(ulimit -n\), .*LimitNOFILE=4096 in a systemd unit, --ulimit nofile=4096:4096 for a container — and start it again$/);
    assert.equal(low.fix, undefined);
    const enough = toBackendError(noBinary, undefined, 65536);
    assert.equal(enough.message, "the model failed to load: NoBinaryFoundError");
    assert.equal(enough.fix, "selectModel");
    assert.equal(toBackendError(new Error("boom"), 12, 96).fix, "selectModel", "another failure at a low limit is said as it is");
  });
});
