// `hearth status --load` from the built CLI with a tiny Qwen3.5 GGUF: the runtime reports the
// backend node-llama-cpp really loaded (on a machine without a GPU: CPU, no layer on a GPU,
// and why), in the text and in --json.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import type { RuntimeStatus } from "../../../src/protocol/status.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

function status(model: string, ...extra: Array<string | NodeJS.ProcessEnv>) {
  const home = tempDir("hearth-status-home-");
  const args = extra.filter((a): a is string => typeof a === "string");
  const env = extra.find((a): a is NodeJS.ProcessEnv => typeof a !== "string");
  const run = spawnSync(process.execPath, [CLI, "status", "--model", model, "--load", "--threads", "1", ...args], {
    encoding: "utf8", timeout: 120_000, env: { ...process.env, HEARTH_HOME: home, ...env },
  });
  assert.equal(run.status, 0, run.stderr + run.stdout);
  return run.stdout;
}

describe("hearth status reports the compute backend", () => {
  it("names the backend node-llama-cpp loaded, its layers on the GPU and why", async (t) => {
    const llama = await getLlama({ gpu: "auto", build: "never", logLevel: LlamaLogLevel.error, progressLogs: false });
    if (llama.gpu !== false) return t.skip(`this machine has a GPU (${llama.gpu}); the CPU case needs one without`);
    const model = await ensureTinyModel({ arch: "qwen35", vocab: "small" });
    const text = status(model);
    assert.match(text, /^Model: {2}.*, CPU — no GPU found · 0\/\d+ layers on GPU$/m);
    assert.match(text, /^Backend: CPU — no GPU found · 0\/([1-9]\d*) layers on GPU$/m);
    // How its prompts are written, and why.
    assert.match(text, /^Prompt: the model's chat template is Qwen3\.5's: Hearth's Qwen prompt format renders it exactly$/m);
    const json = JSON.parse(status(model, "--json", "--no-gpu-probe")) as { status: RuntimeStatus };
    assert.equal(json.status.model.kind, "ready");
    if (json.status.model.kind !== "ready") return;
    assert.equal(json.status.model.gpu, false);
    assert.deepEqual({ ...json.status.model.backend, totalLayers: undefined }, { kind: "cpu", gpuLayers: 0, totalLayers: undefined, vramUsedBytes: 0, note: "no GPU found" });
    assert.ok(json.status.model.backend!.totalLayers > 0);
    assert.match(json.status.model.promptFormat ?? "", /Hearth's Qwen prompt format/);
  });
});

describe("hearth status when the CUDA build cannot run on the GPU", () => {
  // nvidia-smi's real output on an H200 with driver 580 (CUDA 13.0), where node-llama-cpp
  // 3.22.1's CUDA 13.1 build loads and then aborts the process at the first decode.
  const header = readFileSync(join(ROOT, "test/fixtures/nvidia-smi/h200-driver-580.txt"), "utf8");

  it("leaves CUDA out and says why and what to do", async () => {
    const bin = tempDir("hearth-fake-nvidia-smi-");
    writeFileSync(join(bin, "nvidia-smi-header.txt"), header);
    writeFileSync(join(bin, "nvidia-smi"), [
      "#!/bin/sh",
      'if [ "$1" = "--query-gpu=name,compute_cap,driver_version" ]; then echo "NVIDIA H200, 9.0, 580.159.04"; exit 0; fi',
      `cat "${join(bin, "nvidia-smi-header.txt")}"`,
      "",
    ].join("\n"), { mode: 0o755 });
    const model = await ensureTinyModel({ arch: "qwen35", vocab: "small" });
    const json = JSON.parse(status(model, "--json", "--no-gpu-probe", { PATH: `${bin}:${process.env.PATH}` })) as { status: RuntimeStatus };
    assert.equal(json.status.model.kind, "ready");
    if (json.status.model.kind !== "ready") return;
    assert.equal(json.status.model.backend!.kind === "cuda", false);
    assert.equal(json.status.model.backend!.note,
      "CUDA cannot run on the NVIDIA H200 (compute 9.0) with NVIDIA driver 580.159.04: Hearth's CUDA build needs a driver for CUDA 13.1 or newer (this one supports CUDA 13.0). Update the NVIDIA driver; until then the model runs without CUDA.");
    assert.equal(json.status.model.backend!.fix, undefined, "a CUDA download does not help here");
  });
});
