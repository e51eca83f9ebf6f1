import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeBackend, describeModel } from "../../../src/protocol/status.ts";

const GiB = 1024 ** 3;

describe("backend text (status bar tooltip, Hearth view, hearth status)", () => {
  it("CUDA with every layer on the GPU and the VRAM in use", () => {
    assert.equal(describeBackend({ kind: "cuda", gpuLayers: 41, totalLayers: 41, vramUsedBytes: 21.3 * GiB }), "CUDA · 41/41 layers on GPU · 21.3 GiB VRAM");
  });

  it("CPU says why and that no layer is on a GPU", () => {
    assert.equal(describeBackend({ kind: "cpu", gpuLayers: 0, totalLayers: 41, vramUsedBytes: 0, note: "no GPU found" }), "CPU — no GPU found · 0/41 layers on GPU");
  });

  it("Vulkan on an NVIDIA GPU without CUDA offers the download", () => {
    const text = describeBackend({ kind: "vulkan", gpuLayers: 30, totalLayers: 41, vramUsedBytes: 3.14 * GiB, note: "CUDA not installed", fix: "downloadCuda" });
    assert.equal(text, "Vulkan — CUDA not installed: Download · 30/41 layers on GPU · 3.1 GiB VRAM");
  });

  it("a ready model's line carries the backend", () => {
    const line = describeModel({
      kind: "ready", source: { kind: "file", modelPath: "/m/q.gguf" }, name: "Qwen3.5-27B", contextSize: 8192, gpu: false,
      backend: { kind: "cpu", gpuLayers: 0, totalLayers: 65, vramUsedBytes: 0, note: "no GPU found" },
    });
    assert.equal(line, "Qwen3.5-27B, 8,192 tokens of context, CPU — no GPU found · 0/65 layers on GPU");
  });
});
