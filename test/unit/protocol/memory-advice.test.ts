// The memory advice after a runtime killed loading its model (protocol/memory-advice.ts) says how
// much memory is free now, from Node's os.freemem. That figure is the memory the system can hand
// out on Linux (MemAvailable) and Windows (available physical memory, standby pages included),
// but on macOS (and the BSDs) only the pages free this moment: a 16 GB Mac with plenty to give
// (inactive, purgeable pages) reads "0.4 GiB free", and the advice named a wrong limit ("a file
// under 0.4 GiB"). There the free figure is left out and the file is weighed against all of the
// memory. The platform is passed in, as machineMemory is given Node's calls.
import assert from "node:assert/strict";
import { it } from "node:test";
import { machineMemory, memoryAdvice, type MemoryCalls } from "../../../src/protocol/memory-advice.ts";

const GiB = 1024 ** 3;
const WORDS = { choose: 'choose a smaller model or quantization with "Hearth: Select Model…"', context: "hearth.contextSize", then: "then Restart" };

/** What machineMemory reads on `platform` with `free` bytes free (as os.freemem says) of 16 GiB, a model file of `modelBytes`. */
function calls(platform: string, free: number, modelBytes: number): MemoryCalls {
  return { platform, fileSize: () => modelBytes, freemem: () => free, totalmem: () => 16 * GiB };
}

it("on macOS the free figure (free pages only) is left out: the file is weighed against all of the memory", () => {
  const fits = memoryAdvice(machineMemory("/models/Qwen3.5-9B-Q4_K_M.gguf", 32_768, calls("darwin", 0.4 * GiB, 5.5 * GiB)), WORDS);
  assert.doesNotMatch(fits, /free now|0\.4 GiB/);
  assert.equal(
    fits,
    "The model file Qwen3.5-9B-Q4_K_M.gguf is 5.5 GiB of this machine's 16.0 GiB of memory: with its context and what other programs use it did not fit — set hearth.contextSize below its 32,768 tokens (or to 0: auto, sized to the free memory), close other programs, or choose a smaller model or quantization with \"Hearth: Select Model…\", then Restart.",
  );
  const auto = memoryAdvice(machineMemory("/models/Qwen3.5-9B-Q4_K_M.gguf", 0, calls("darwin", 0.4 * GiB, 5.5 * GiB)), WORDS);
  assert.match(auto, /it did not fit — close other programs, or choose a smaller model or quantization with "Hearth: Select Model…", then Restart\.$/);
  const huge = memoryAdvice(machineMemory("/models/Qwen3.6-35B-A3B-Q8_0.gguf", 0, calls("darwin", 0.4 * GiB, 34.4 * GiB)), WORDS);
  assert.equal(huge, "The model file Qwen3.6-35B-A3B-Q8_0.gguf is 34.4 GiB, more than all of this machine's 16.0 GiB of memory: choose a smaller model or quantization with \"Hearth: Select Model…\" (a file well under 16.0 GiB: its context and other programs need memory too), then Restart.");
  const preset = memoryAdvice(machineMemory(undefined, 0, calls("darwin", 0.4 * GiB, 0)), WORDS);
  assert.equal(preset, "This machine has 16.0 GiB of memory; the model and its context may need more: close other programs, or choose a smaller model or quantization with \"Hearth: Select Model…\", then Restart.");
});

it("on Linux and Windows the free figure stays, in the unit its size reads best in (MiB under 0.1 GiB)", () => {
  for (const platform of ["linux", "win32"]) {
    const large = memoryAdvice(machineMemory("/models/big-Q8_0.gguf", 0, calls(platform, 6.2 * GiB, 9.5 * GiB)), WORDS);
    assert.equal(large, "The model file big-Q8_0.gguf is 9.5 GiB and 6.2 GiB of this machine's 16.0 GiB of memory is free now (the runtime stopped): close other programs, or choose a smaller model or quantization with \"Hearth: Select Model…\" (a file under 6.2 GiB, less its context's memory), then Restart.");
    const busy = memoryAdvice(machineMemory("/models/big-Q8_0.gguf", 0, calls(platform, 50 * 1024 ** 2, 9.5 * GiB)), WORDS);
    assert.match(busy, /and 50\.0 MiB of this machine's 16\.0 GiB of memory is free now .*\(a file under 50\.0 MiB, less its context's memory\)/);
  }
});

// In a container with a memory limit (docker run --memory=2g on a 64 GiB host) os.totalmem and
// os.freemem say the host's: the advice said "60.0 GiB of this machine's 64.0 GiB is free now"
// after the limit's out-of-memory kill, and named a file under 60 GiB. machineMemory is given
// the cgroup's limits (protocol/cgroup-limits.ts) and weighs the file against what they leave.
it("in a container with a memory limit under the machine's, the advice weighs the file against the limit and says so", () => {
  const host = { platform: "linux", freemem: () => 60 * GiB, totalmem: () => 64 * GiB };
  const limited: MemoryCalls = { ...host, fileSize: () => 5.5 * GiB, cgroupLimits: () => ({ memoryBytes: 2 * GiB, memoryAvailableBytes: 1.5 * GiB }) };
  const advice = memoryAdvice(machineMemory("/models/Qwen3.5-9B-Q4_K_M.gguf", 0, limited), WORDS);
  assert.equal(
    advice,
    "The model file Qwen3.5-9B-Q4_K_M.gguf is 5.5 GiB and 1.5 GiB of the 2.0 GiB of memory this process is limited to (a container's memory limit, not the machine's) is free now (the runtime stopped): raise the container's memory limit (docker run --memory, runArgs in devcontainer.json, a Kubernetes pod's resources.limits.memory), or choose a smaller model or quantization with \"Hearth: Select Model…\" (a file under 1.5 GiB, less its context's memory), then Restart.",
  );
  const unknownModel = memoryAdvice(machineMemory(undefined, 0, { ...limited, fileSize: () => 0 }), WORDS);
  assert.match(unknownModel, /^1\.5 GiB of the 2\.0 GiB of memory this process is limited to .*: close other programs, raise the container's memory limit \(docker run --memory, runArgs in devcontainer\.json, a Kubernetes pod's resources\.limits\.memory\), or choose/);
  // The file fits the limit: its context took the rest, and raising the limit is a way too.
  const fits = memoryAdvice(machineMemory("/models/Qwen3.5-0.8B-Q4_K_M.gguf", 32768, { ...limited, fileSize: () => 0.5 * GiB }), WORDS);
  assert.equal(fits, "The model file Qwen3.5-0.8B-Q4_K_M.gguf is 0.5 GiB and 1.5 GiB of the 2.0 GiB of memory this process is limited to (a container's memory limit, not the machine's) is free now (the runtime stopped): the file fits, so its context (or other programs meanwhile) took the rest — set hearth.contextSize below its 32,768 tokens, or to 0 (auto: sized to what the limit leaves), or raise the container's memory limit (docker run --memory, runArgs in devcontainer.json, a Kubernetes pod's resources.limits.memory), then Restart.");
  const fitsAuto = memoryAdvice(machineMemory("/models/Qwen3.5-0.8B-Q4_K_M.gguf", 0, { ...limited, fileSize: () => 0.5 * GiB }), WORDS);
  assert.match(fitsAuto, /took the rest — close other programs, raise the container's memory limit \(docker run --memory, [^)]*\), or choose a smaller model/);
  // A limit above the machine's memory (or none) leaves the machine's figures.
  const loose = memoryAdvice(machineMemory("/models/big.gguf", 0, { ...host, fileSize: () => 9.5 * GiB, cgroupLimits: () => ({ memoryBytes: 128 * GiB, memoryAvailableBytes: 100 * GiB }) }), WORDS);
  assert.match(loose, /9\.5 GiB and 60\.0 GiB of this machine's 64\.0 GiB of memory is free now/);
});
