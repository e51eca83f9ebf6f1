import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { computeAdvice, cudaPackagesFor, hasNvidiaGpu } from "../../../src/models/cuda.ts";
import { tempDir } from "../../fixtures/temp.ts";

const linux = cudaPackagesFor("linux", "x64")!;

describe("CUDA advice", () => {
  it("knows node-llama-cpp's CUDA packages per platform", () => {
    assert.deepEqual(linux, { main: "@node-llama-cpp/linux-x64-cuda", ext: "@node-llama-cpp/linux-x64-cuda-ext" });
    assert.equal(cudaPackagesFor("win32", "x64")?.main, "@node-llama-cpp/win-x64-cuda");
    assert.equal(cudaPackagesFor("darwin", "arm64"), undefined);
    assert.equal(cudaPackagesFor("linux", "arm64"), undefined);
  });

  it("an NVIDIA GPU on Vulkan without CUDA: download it", () => {
    assert.deepEqual(computeAdvice({ gpu: "vulkan", nvidia: true, packages: linux, mainInstalled: false, extInstalled: false }), { note: "CUDA not installed", fix: "downloadCuda" });
  });

  it("CUDA installed but not loaded: the -ext fallback build; with both, the driver", () => {
    assert.deepEqual(computeAdvice({ gpu: "vulkan", nvidia: true, packages: linux, mainInstalled: true, extInstalled: false }), { note: "CUDA did not load with this driver", fix: "downloadCuda", withExt: true });
    assert.deepEqual(computeAdvice({ gpu: false, nvidia: true, packages: linux, mainInstalled: true, extInstalled: true }), { note: "CUDA did not load; update the NVIDIA driver" });
  });

  it("CUDA running, an AMD GPU, no GPU, the GPU turned off", () => {
    assert.deepEqual(computeAdvice({ gpu: "cuda", nvidia: true, packages: linux, mainInstalled: true, extInstalled: false }), {});
    assert.deepEqual(computeAdvice({ gpu: "vulkan", nvidia: false, packages: linux, mainInstalled: false, extInstalled: false }), {});
    assert.deepEqual(computeAdvice({ gpu: false, nvidia: false, packages: linux, mainInstalled: false, extInstalled: false }), { note: "no GPU found" });
    assert.deepEqual(computeAdvice({ gpu: false, nvidia: true, packages: linux, mainInstalled: false, extInstalled: false, gpuDisabled: true }), { note: "GPU turned off" });
    // CUDA left out because the driver is too old for this GPU: a download would not help.
    assert.deepEqual(computeAdvice({ gpu: "vulkan", nvidia: true, packages: linux, mainInstalled: true, extInstalled: false, cudaBlocked: "Update the driver." }), { note: "Update the driver." });
  });

  it("finds an NVIDIA GPU by device name or by the Linux kernel driver", () => {
    const dir = tempDir("hearth-nv-");
    assert.ok(hasNvidiaGpu(["NVIDIA GeForce RTX 4090"], "linux", join(dir, "none")));
    assert.ok(!hasNvidiaGpu(["AMD Radeon RX 7900 XTX"], "linux", join(dir, "none")));
    writeFileSync(join(dir, "version"), "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14\n");
    assert.ok(hasNvidiaGpu([], "linux", join(dir, "version")));
    assert.ok(!hasNvidiaGpu([], "win32", join(dir, "version")));
  });
});
