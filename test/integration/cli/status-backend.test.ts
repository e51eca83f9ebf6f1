// `hearth status --load` from the built CLI with a tiny Qwen3.5 GGUF: the runtime reports the
// backend node-llama-cpp really loaded (on a machine without a GPU: CPU, no layer on a GPU,
// and why), in the text and in --json.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import type { RuntimeStatus } from "../../../src/protocol/status.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

function status(model: string, ...extra: string[]) {
  const home = tempDir("hearth-status-home-");
  const run = spawnSync(process.execPath, [CLI, "status", "--model", model, "--load", "--threads", "1", ...extra], {
    encoding: "utf8", timeout: 120_000, env: { ...process.env, HEARTH_HOME: home },
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
    const json = JSON.parse(status(model, "--json", "--no-gpu-probe")) as { status: RuntimeStatus };
    assert.equal(json.status.model.kind, "ready");
    if (json.status.model.kind !== "ready") return;
    assert.equal(json.status.model.gpu, false);
    assert.deepEqual({ ...json.status.model.backend, totalLayers: undefined }, { kind: "cpu", gpuLayers: 0, totalLayers: undefined, vramUsedBytes: 0, note: "no GPU found" });
    assert.ok(json.status.model.backend!.totalLayers > 0);
  });
});
