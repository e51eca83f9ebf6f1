import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { SystemInfo } from "../../../src/protocol/status.ts";
import { computeText } from "../../../src/webview/model-panel.ts";

const GiB = 1024 ** 3;
const machine: SystemInfo = { platform: "linux", arch: "x64", cpus: 32, totalMemoryBytes: 64 * GiB, freeMemoryBytes: 60 * GiB, gpu: false, gpuNames: [], vramTotalBytes: 0, vramFreeBytes: 0, gpuNote: "no GPU found" };

describe("the Hearth view's compute line", () => {
  it("says the CPUs and the RAM a container's limits leave, not only the host's", () => {
    const text = computeText({ ...machine, cpusAllowed: 2, totalMemoryBytes: 4 * GiB, freeMemoryBytes: 3 * GiB, memoryLimited: true });
    assert.equal(text, "Compute: CPU, 2 of 32 cores, 4 GiB RAM (a container's limit) (no GPU found)");
  });
  it("is the machine's where nothing limits it", () => {
    assert.equal(computeText(machine), "Compute: CPU, 32 cores, 64 GiB RAM (no GPU found)");
  });
});
