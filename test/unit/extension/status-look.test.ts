import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lookFor } from "../../../src/extension/status-look.ts";
import { COMMANDS } from "../../../src/protocol/contributions.ts";
import type { ModelState, RuntimeStatus } from "../../../src/protocol/status.ts";

const running = (model: ModelState): RuntimeStatus => ({
  version: "1.2.3", pid: 42, uptimeSeconds: 1, model, index: { kind: "idle", detail: "" }, settingsProblems: [],
});

describe("status bar look", () => {
  it("spins while starting and opens the log", () => {
    const look = lookFor({ kind: "starting" });
    assert.match(look.text, /sync~spin/);
    assert.equal(look.command, COMMANDS.showLog.id);
  });

  it("shows load progress in percent", () => {
    const look = lookFor({ kind: "running", status: running({ kind: "loading", source: { kind: "file", path: "/m/a.gguf" }, progress: 0.426 }) });
    assert.match(look.text, /43%/);
  });

  it("shows a model error in red and a click runs the fix", () => {
    const look = lookFor({ kind: "running", status: running({ kind: "error", source: { kind: "file", path: "/x.gguf" }, message: "file not found: /x.gguf", fix: "selectModel" }) });
    assert.equal(look.background, "error");
    assert.equal(look.command, COMMANDS.selectModel.id);
    assert.match(look.tooltip, /file not found/);
  });

  it("offers model selection when no model is configured", () => {
    const look = lookFor({ kind: "running", status: running({ kind: "none", detail: "download" }) });
    assert.equal(look.command, COMMANDS.selectModel.id);
    assert.match(look.text, /no model/);
  });

  it("warns while restarting and offers a restart after giving up", () => {
    assert.equal(lookFor({ kind: "restarting", attempt: 2, inSeconds: 1, reason: "killed by SIGKILL" }).background, "warning");
    const failed = lookFor({ kind: "failed", message: "stopped 6 times" });
    assert.equal(failed.background, "error");
    assert.equal(failed.command, COMMANDS.restartRuntime.id);
  });

  it("names the model, context size and GPU when ready", () => {
    const look = lookFor({ kind: "running", status: running({ kind: "ready", source: { kind: "file", path: "/m/q.gguf" }, name: "Qwen3.5-27B", contextSize: 262144, gpu: "cuda" }) });
    assert.match(look.tooltip, /Qwen3\.5-27B, 262,144 tokens of context, CUDA/);
    assert.equal(look.background, undefined);
  });

  it("a model on Vulkan without CUDA: the tooltip says so and a click downloads CUDA", () => {
    const look = lookFor({ kind: "running", status: running({
      kind: "ready", source: { kind: "file", path: "/m/q.gguf" }, name: "Qwen3.5-27B", contextSize: 8192, gpu: "vulkan",
      backend: { kind: "vulkan", gpuLayers: 65, totalLayers: 65, vramUsedBytes: 18 * 1024 ** 3, note: "CUDA not installed", fix: "downloadCuda" },
    }) });
    assert.match(look.tooltip, /\nBackend: Vulkan — CUDA not installed: Download · 65\/65 layers on GPU · 18\.0 GiB VRAM\nClick to download CUDA acceleration\./);
    assert.equal(look.command, COMMANDS.downloadCuda.id);
  });

  it("a model on CUDA: the backend line and a click opens the log", () => {
    const look = lookFor({ kind: "running", status: running({
      kind: "ready", source: { kind: "file", path: "/m/q.gguf" }, name: "Qwen3.5-27B", contextSize: 8192, gpu: "cuda",
      backend: { kind: "cuda", gpuLayers: 41, totalLayers: 41, vramUsedBytes: 21.3 * 1024 ** 3 },
    }) });
    assert.match(look.tooltip, /Backend: CUDA · 41\/41 layers on GPU · 21\.3 GiB VRAM$/);
    assert.equal(look.command, COMMANDS.showLog.id);
  });
});
