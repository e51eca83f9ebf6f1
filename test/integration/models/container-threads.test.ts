/**
 * hearth.threads 0 (automatic) in a process allowed fewer CPUs than the machine's cores: the
 * embedded backend, loading a tiny model in a child process, generates with as many threads
 * as it may run, not llama.cpp's count of the host's cores (a container under `docker --cpus=2`
 * on a 32-core host otherwise ran 32 threads in 2 CPUs' time quota). Two real limits: the
 * CPU affinity (taskset, as docker --cpuset-cpus sets it) and, as root where the kernel lets
 * a group be made, a real cgroup's CPU quota (v2 cpu.max or v1 cpu.cfs_quota_us).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { after, describe, it } from "node:test";
import { join } from "node:path";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { oneCpuGroup } from "../../fixtures/cgroups.ts";
import { tempDir } from "../../fixtures/temp.ts";

const CHILD = `
const { EmbeddedBackend } = await import(${JSON.stringify(new URL("../../../src/models/llama-cpp/embedded-backend.ts", import.meta.url).href)});
const backend = new EmbeddedBackend({ modelPath: process.env.MODEL, contextSize: 2048, gpu: false });
await backend.load();
const loaded = backend.loaded;
process.stdout.write(JSON.stringify({ ideal: loaded.context.idealThreads, cores: loaded.context._llama.cpuMathCores }));
await backend.dispose();
`;

/** The context's threads and llama.cpp's core count in a child run under `prefix` (taskset …, or a shell that joins a group first). */
function threadsIn(prefix: readonly string[], model: string): { ideal: number; cores: number } {
  // A file, not -e: node-llama-cpp tests its binary in a process forked with this one's arguments.
  const child = join(tempDir("hearth-threads-"), "child.mjs");
  writeFileSync(child, CHILD);
  const run = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, "--import", "tsx", child], { env: { ...process.env, MODEL: model }, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { ideal: number; cores: number };
}

const hasTaskset = spawnSync("taskset", ["-V"]).status === 0;

describe("automatic threads under a CPU limit", () => {
  it("a CPU affinity of one CPU (taskset -c 0) runs one thread", { skip: !hasTaskset ? "no taskset here" : availableParallelism() < 2 ? "one CPU: nothing to limit" : false }, async () => {
    const model = await ensureTinyModel({ arch: "qwen35" });
    const { ideal, cores } = threadsIn(["taskset", "-c", "0"], model);
    if (cores < 2) return; // llama.cpp counts one core: its own choice is already one
    assert.equal(ideal, 1);
  });

  const group = oneCpuGroup("hearth-threads-test");
  after(() => group?.remove());
  it("a cgroup CPU quota of one CPU runs one thread", { skip: group ? false : "no cgroup CPU controller this process may make a group in (root, cgroup v1 cpu or v2 with +cpu)" }, async () => {
    const model = await ensureTinyModel({ arch: "qwen35" });
    const { ideal, cores } = threadsIn(["sh", "-c", `echo $$ > ${group!.procs} && exec "$@"`, "sh"], model);
    if (cores < 2) return;
    assert.equal(ideal, 1);
  });
});
