import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { CUDA_BUILDS, cudaBuildBlocker, hasMachineCode, parseNvidiaSmi, queryNvidiaSmi, type NvidiaFacts } from "../../../src/models/cuda-compat.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
// nvidia-smi's real header on an H200 with driver 580 (the GPU check of issue 16).
const H200_HEADER = readFileSync(join(ROOT, "test/fixtures/nvidia-smi/h200-driver-580.txt"), "utf8");
const BUILD = { toolkit: "13.1", sass: ["8.6", "8.9", "12.0a", "12.1a"] };

function facts(cc: string, driverCuda: string, name = "NVIDIA H200"): NvidiaFacts {
  return { driverVersion: "580.159.04", driverCuda, gpus: [{ name, computeCapability: cc }] };
}

describe("parseNvidiaSmi", () => {
  it("reads the driver's CUDA version from the header and each GPU's compute capability", () => {
    assert.deepEqual(parseNvidiaSmi("NVIDIA H200, 9.0, 580.159.04\nNVIDIA GeForce RTX 4090, 8.9, 580.159.04\n", H200_HEADER), {
      driverVersion: "580.159.04",
      driverCuda: "13.0",
      gpus: [{ name: "NVIDIA H200", computeCapability: "9.0" }, { name: "NVIDIA GeForce RTX 4090", computeCapability: "8.9" }],
    });
  });

  it("reads versions written with a decimal comma (a locale's numbers) as with a point, and asks nvidia-smi in the C locale", async () => {
    const comma = H200_HEADER.replace(/CUDA Version:(\s*)(\d+)\.(\d+)/, "CUDA Version:$1$2,$3");
    assert.notEqual(comma, H200_HEADER);
    const expected = { driverVersion: "580.159.04", driverCuda: "13.0", gpus: [{ name: "NVIDIA H200", computeCapability: "9.0" }, { name: "NVIDIA GeForce RTX 4090", computeCapability: "8.9" }] };
    assert.deepEqual(parseNvidiaSmi("NVIDIA H200, 9,0, 580.159.04\nNVIDIA GeForce RTX 4090, 8,9, 580.159.04\n", comma), expected);
    // So a driver too old for the build is said whatever the locale.
    assert.match(cudaBuildBlocker(BUILD, parseNvidiaSmi("NVIDIA H200, 9,0, 580.159.04\n", comma)) ?? "", /^CUDA cannot run on the NVIDIA H200 \(compute 9\.0\)/);
    // A stand-in nvidia-smi (none here) that answers only in the C locale, as the real one is asked to.
    const smi = join(tempDir("hearth-nvidia-smi-"), "nvidia-smi");
    writeFileSync(smi, `#!/bin/sh\n[ "$LC_ALL" = C ] || exit 9\nif [ "$#" -eq 0 ]; then cat '${join(ROOT, "test/fixtures/nvidia-smi/h200-driver-580.txt")}'; else echo 'NVIDIA H200, 9.0, 580.159.04'; fi\n`);
    chmodSync(smi, 0o755);
    const saved = process.env.LC_ALL;
    process.env.LC_ALL = "de_DE.UTF-8";
    try {
      assert.deepEqual(await queryNvidiaSmi(smi), { ...expected, gpus: [expected.gpus[0]] });
    } finally {
      if (saved === undefined) delete process.env.LC_ALL;
      else process.env.LC_ALL = saved;
    }
  });

  it("knows nothing from an error text or a header without a CUDA version", () => {
    assert.equal(parseNvidiaSmi("Field \"compute_cap\" is not a valid field to query.\n", H200_HEADER), undefined);
    assert.equal(parseNvidiaSmi("NVIDIA H200, 9.0, 580.159.04\n", "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."), undefined);
  });
});

describe("hasMachineCode", () => {
  it("runs SASS on its own and later minor versions of the same major, an 'a' build only on its own", () => {
    assert.equal(hasMachineCode(BUILD, "8.6"), true);
    assert.equal(hasMachineCode(BUILD, "8.7"), true);
    assert.equal(hasMachineCode(BUILD, "8.0"), false, "A100: below 8.6");
    assert.equal(hasMachineCode(BUILD, "9.0"), false, "H100/H200: another major");
    assert.equal(hasMachineCode(BUILD, "12.0"), true);
    assert.equal(hasMachineCode(BUILD, "12.1"), true);
    assert.equal(hasMachineCode({ toolkit: "13.1", sass: ["12.0a"] }, "12.1"), false);
    assert.equal(hasMachineCode(BUILD, "7.5"), false);
  });
});

describe("cudaBuildBlocker", () => {
  it("blocks a GPU that needs PTX compiled by a newer CUDA than the driver supports, saying what to do", () => {
    assert.equal(cudaBuildBlocker(BUILD, parseNvidiaSmi("NVIDIA H200, 9.0, 580.159.04", H200_HEADER)),
      "CUDA cannot run on the NVIDIA H200 (compute 9.0) with NVIDIA driver 580.159.04: Hearth's CUDA build needs a driver for CUDA 13.1 or newer (this one supports CUDA 13.0). Update the NVIDIA driver; until then the model runs without CUDA.");
    assert.match(cudaBuildBlocker(BUILD, facts("8.0", "12.8", "NVIDIA A100"))!, /^CUDA cannot run on the NVIDIA A100 \(compute 8\.0\)/);
  });

  it("lets CUDA run with a new enough driver, on a GPU with machine code, or when nothing is known", () => {
    assert.equal(cudaBuildBlocker(BUILD, facts("9.0", "13.1")), undefined);
    assert.equal(cudaBuildBlocker(BUILD, facts("9.0", "13.2")), undefined);
    assert.equal(cudaBuildBlocker(BUILD, facts("8.9", "13.0", "NVIDIA GeForce RTX 4090")), undefined);
    assert.equal(cudaBuildBlocker(BUILD, undefined), undefined);
    assert.equal(cudaBuildBlocker(undefined, facts("9.0", "13.0")), undefined);
  });

  it("blocks when any one of several GPUs cannot run the build", () => {
    const mixed: NvidiaFacts = { driverVersion: "580.1", driverCuda: "13.0", gpus: [{ name: "RTX 4090", computeCapability: "8.9" }, { name: "A100", computeCapability: "8.0" }] };
    assert.match(cudaBuildBlocker(BUILD, mixed)!, /the A100 \(compute 8\.0\)/);
  });
});

describe("CUDA_BUILDS", () => {
  // The table is read from the binary: when node-llama-cpp is upgraded this fails until the
  // new build's toolkit and machine-code targets are written down.
  it("matches the installed @node-llama-cpp/linux-x64-cuda binary", (t) => {
    const pkg = join(ROOT, "node_modules/@node-llama-cpp/linux-x64-cuda");
    const lib = join(pkg, "bins/linux-x64-cuda/libggml-cuda.so");
    if (!existsSync(lib)) return t.skip("the CUDA package is installed by npm on linux-x64 only");
    const version = (JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as { version: string }).version;
    const facts = CUDA_BUILDS[version];
    assert.ok(facts, `CUDA_BUILDS has no entry for @node-llama-cpp/linux-x64-cuda ${version}`);
    const text = readFileSync(lib).toString("latin1");
    assert.deepEqual([...new Set([...text.matchAll(/Cuda compilation tools, release (\d+\.\d+)/g)].map((m) => m[1]))], [facts.toolkit]);
    const targets = new Set([...text.matchAll(/\bsm_(\d+)(\d)(a?)\b/g)].map((m) => `${m[1]}.${m[2]}${m[3]}`));
    assert.deepEqual([...targets].sort(), [...facts.sass].sort());
  });
});
