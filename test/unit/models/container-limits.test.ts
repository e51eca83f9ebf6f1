/**
 * protocol/cgroup-limits.ts and models/container-limits.ts read from files laid out as the kernel
 * lays them out under /sys/fs/cgroup (cgroup v2 alone, v1, the hybrid of both, a container's own
 * group shown at the mount's top): the CPU quota and the threads chosen from it, the memory limit
 * and what it leaves. As root, a real cgroup with a memory limit too; a real CPU quota is met by
 * test/integration/models/container-threads.test.ts.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { automaticThreads, containerRamCap } from "../../../src/models/container-limits.ts";
import { type CgroupFiles, cgroupLimits, processMemory } from "../../../src/protocol/cgroup-limits.ts";
import { memoryGroup } from "../../fixtures/cgroups.ts";
import { tempDir } from "../../fixtures/temp.ts";

const GiB = 1024 ** 3;

/** A cgroup mount laid out under a temp folder: each group a folder with cgroup.procs and its files. */
function layout(files: Record<string, string>): CgroupFiles {
  const root = tempDir("hearth-cgroup-");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    writeFileSync(join(dirname(join(root, path)), "cgroup.procs"), "");
  }
  return {
    root,
    read: (path) => {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined;
      }
    },
  };
}

describe("cgroup CPU limits", () => {
  it("reads cgroup v2's cpu.max for the process's group and the groups above it, the lowest holding", () => {
    const files = layout({
      "cgroup.controllers": "cpuset cpu io memory pids\n",
      "cpu.max": "max 100000\n",
      "machine.slice/cpu.max": "200000 100000\n", // docker --cpus=2
      "machine.slice/app.scope/cpu.max": "max 100000\n",
    });
    assert.deepEqual(cgroupLimits(files, "0::/machine.slice/app.scope\n"), { cpus: 2 });
    assert.deepEqual(cgroupLimits(files, "0::/\n"), {}, "the root's 'max' limits nothing");
  });

  it("counts a fraction of a CPU down, never below 1", () => {
    const files = layout({ "cgroup.controllers": "cpu\n", "a/cpu.max": "150000 100000\n", "b/cpu.max": "50000 100000\n" });
    assert.deepEqual(cgroupLimits(files, "0::/a\n"), { cpus: 1 });
    assert.deepEqual(cgroupLimits(files, "0::/b\n"), { cpus: 1 });
  });

  it("reads cgroup v1's cfs quota over its period (-1: none), under cpu,cpuacct", () => {
    const files = layout({
      "cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
      "cpu,cpuacct/cpu.cfs_period_us": "100000\n",
      "cpu,cpuacct/kubepods/pod1/cpu.cfs_quota_us": "400000\n",
      "cpu,cpuacct/kubepods/pod1/cpu.cfs_period_us": "100000\n",
    });
    assert.deepEqual(cgroupLimits(files, "12:memory:/kubepods/pod1\n4:cpu,cpuacct:/kubepods/pod1\n0::/\n"), { cpus: 4 });
    assert.deepEqual(cgroupLimits(files, "4:cpu,cpuacct:/\n"), {});
  });

  it("reads a container's own group at the mount's top where /proc/self/cgroup names the host's path (no cgroup namespace)", () => {
    const files = layout({ "cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n" });
    assert.deepEqual(cgroupLimits(files, "3:cpu:/docker/0123abcd\n"), { cpus: 2 });
  });

  it("reads v1 controllers beside v2 at root/unified on a hybrid system", () => {
    const files = layout({ "unified/cgroup.procs": "", "cpu/x/cpu.cfs_quota_us": "300000\n", "cpu/x/cpu.cfs_period_us": "100000\n" });
    assert.deepEqual(cgroupLimits(files, "1:cpu:/x\n0::/x\n"), { cpus: 3 });
  });

  it("reads nothing where there is no /proc/self/cgroup (macOS, Windows) or no file", () => {
    const files = layout({ "cgroup.controllers": "" });
    assert.deepEqual(cgroupLimits(files, undefined), {});
    assert.deepEqual(cgroupLimits(files, "0::/gone\n"), {});
  });
});

describe("automatic threads", () => {
  it("a CPU quota below the machine's cores sets the threads to it (docker --cpus=2 on a 32-core host)", () => {
    assert.equal(automaticThreads(32, { cpus: 2 }, 64), 2);
  });
  it("an affinity below the cores (taskset, --cpuset-cpus) sets them too, the lower of the two holding", () => {
    assert.equal(automaticThreads(32, {}, 4), 4);
    assert.equal(automaticThreads(32, { cpus: 8 }, 4), 4);
  });
  it("leaves node-llama-cpp's choice where nothing limits below the cores", () => {
    assert.equal(automaticThreads(2, {}, 2), undefined);
    assert.equal(automaticThreads(8, { cpus: 16 }, 64), undefined);
  });
});

describe("cgroup memory limits", () => {
  it("reads v2's memory.max over the groups (the lowest holding) and what it leaves: memory.current less the reclaimable file cache", () => {
    const files = layout({
      "cgroup.controllers": "memory\n",
      "memory.max": "max\n",
      "system.slice/memory.max": `${8 * GiB}\n`,
      "system.slice/memory.current": `${3 * GiB}\n`,
      "system.slice/memory.stat": `anon ${2 * GiB}\nfile ${GiB}\ninactive_file ${GiB}\n`,
      "system.slice/docker-1.scope/memory.max": "max\n",
    });
    assert.deepEqual(cgroupLimits(files, "0::/system.slice/docker-1.scope\n"), { memoryBytes: 8 * GiB, memoryAvailableBytes: 6 * GiB, memoryRoomBytes: 6 * GiB });
  });

  it("takes v2's memory.high as a limit where it is the lower (systemd's MemoryHigh=, Kubernetes' memory QoS): above it the group is throttled and its pages taken back", () => {
    const files = layout({
      "cgroup.controllers": "memory\n",
      "pod/memory.max": `${4 * GiB}\n`,
      "pod/memory.high": `${3.5 * GiB}\n`,
      "pod/memory.current": `${GiB}\n`,
      "pod/app/memory.max": "max\n",
      "pod/app/memory.high": "max\n",
      "user/memory.max": "max\n",
      "user/memory.high": `${2 * GiB}\n`,
    });
    assert.deepEqual(cgroupLimits(files, "0::/pod/app\n"), { memoryBytes: 3.5 * GiB, memoryAvailableBytes: 2.5 * GiB, memoryRoomBytes: 2.5 * GiB });
    assert.equal(cgroupLimits(files, "0::/user\n").memoryBytes, 2 * GiB, "memory.high alone limits too");
  });

  it("reads v1's memory.limit_in_bytes, its largest page-aligned number meaning none", () => {
    const files = layout({
      "memory/memory.limit_in_bytes": "9223372036854771712\n",
      "memory/docker/abc/memory.limit_in_bytes": `${2 * GiB}\n`,
      "memory/docker/abc/memory.usage_in_bytes": `${GiB}\n`,
      "memory/docker/abc/memory.stat": `cache 0\ntotal_inactive_file ${0.25 * GiB}\n`,
    });
    assert.deepEqual(cgroupLimits(files, "4:memory:/docker/abc\n"), { memoryBytes: 2 * GiB, memoryAvailableBytes: 1.25 * GiB, memoryRoomBytes: GiB });
    assert.deepEqual(cgroupLimits(files, "4:memory:/\n"), {});
  });

  it("what the limit leaves for a model's context counts all of the file cache as room (a model read before stays cached as active pages), shared memory not", () => {
    const v2 = layout({
      "cgroup.controllers": "memory\n",
      "app/memory.max": `${4 * GiB}\n`,
      "app/memory.current": `${3 * GiB}\n`,
      "app/memory.stat": `anon ${0.75 * GiB}\nfile ${2 * GiB}\nshmem ${0.25 * GiB}\nactive_file ${1.5 * GiB}\ninactive_file ${0.5 * GiB}\n`,
    });
    assert.deepEqual(cgroupLimits(v2, "0::/app\n"), { memoryBytes: 4 * GiB, memoryAvailableBytes: 1.5 * GiB, memoryRoomBytes: 2.75 * GiB });
    const v1 = layout({
      "memory/app/memory.limit_in_bytes": `${4 * GiB}\n`,
      "memory/app/memory.usage_in_bytes": `${3 * GiB}\n`,
      "memory/app/memory.stat": `cache ${GiB}\nrss ${GiB}\ntotal_cache ${2 * GiB}\ntotal_rss ${0.75 * GiB}\ntotal_shmem ${0.25 * GiB}\ntotal_inactive_file ${0.5 * GiB}\n`,
    });
    assert.deepEqual(cgroupLimits(v1, "9:memory:/app\n"), { memoryBytes: 4 * GiB, memoryAvailableBytes: 1.5 * GiB, memoryRoomBytes: 2.75 * GiB });
  });

  it("caps node-llama-cpp's RAM to the room a limit under the machine's leaves, plus what it already counts as its own, less a quarter of the limit (up to 1 GiB)", () => {
    // A 4 GiB container on a 64 GiB host, 3 GiB of it room, 0.5 GiB already the instance's: 3.5 GiB less 1 GiB.
    assert.equal(containerRamCap({ memoryBytes: 4 * GiB, memoryRoomBytes: 3 * GiB }, 64 * GiB, 0.5 * GiB), 2.5 * GiB);
    assert.equal(containerRamCap({ memoryBytes: 16 * GiB, memoryRoomBytes: 16 * GiB }, 64 * GiB, 0), 15 * GiB, "never above the limit; the margin at most 1 GiB");
    assert.equal(containerRamCap({ memoryBytes: 2 * GiB, memoryRoomBytes: 0 }, 64 * GiB, 0), 0, "nothing left: nothing, not less than nothing");
    assert.equal(containerRamCap({ memoryBytes: 128 * GiB, memoryRoomBytes: 100 * GiB }, 64 * GiB, 0), undefined, "a limit above the machine's memory: no cap");
    assert.equal(containerRamCap({}, 64 * GiB, 0), undefined, "no limit: no cap");
  });

  it("a limit under the machine's memory is the process's total; one above it leaves the machine's", () => {
    assert.deepEqual(processMemory({ memoryBytes: 2 * GiB, memoryAvailableBytes: 1.5 * GiB }, { total: 64 * GiB, free: 60 * GiB }), { totalBytes: 2 * GiB, freeBytes: 1.5 * GiB, limited: true });
    assert.deepEqual(processMemory({ memoryBytes: 2 * GiB, memoryAvailableBytes: 1.5 * GiB }, { total: 64 * GiB, free: 0.5 * GiB }), { totalBytes: 2 * GiB, freeBytes: 0.5 * GiB, limited: true });
    assert.deepEqual(processMemory({ memoryBytes: 128 * GiB }, { total: 64 * GiB, free: 60 * GiB }), { totalBytes: 64 * GiB, freeBytes: 60 * GiB });
  });

  const group = memoryGroup("hearth-limits-test", 512 * 1024 ** 2);
  after(() => group?.remove());
  it("in a real cgroup limited to 512 MiB, this process's memory is the limit (os.totalmem says the host's)", { skip: group ? false : "no cgroup memory controller this process may make a group in (root, cgroup v1 memory or v2)" }, () => {
    const child = `const { systemProcessMemory } = await import(${JSON.stringify(new URL("../../../src/models/container-limits.ts", import.meta.url).href)}); const os = await import("node:os"); process.stdout.write(JSON.stringify({ ...systemProcessMemory(), host: os.totalmem() }));`;
    const run = spawnSync("sh", ["-c", `echo $$ > ${group!.procs} && exec "$@"`, "sh", process.execPath, "--import", "tsx", "--input-type=module", "-e", child], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const seen = JSON.parse(run.stdout) as { totalBytes: number; freeBytes: number; limited?: true; host: number };
    assert.ok(seen.host > 512 * 1024 ** 2, "the host has more than the limit");
    assert.equal(seen.totalBytes, 512 * 1024 ** 2);
    assert.equal(seen.limited, true);
    assert.ok(seen.freeBytes > 0 && seen.freeBytes < 512 * 1024 ** 2, `free ${seen.freeBytes}`);
  });
});
