/**
 * container-limits.ts read from files laid out as the kernel lays them out under
 * /sys/fs/cgroup (cgroup v2 alone, v1, the hybrid of both, a container's own group shown at the
 * mount's top): the CPU quota and the threads chosen from it. The real kernel's files, in a
 * group this test makes, are read by test/integration/models/container-threads.test.ts.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { automaticThreads, type CgroupFiles, cgroupLimits } from "../../../src/models/container-limits.ts";
import { tempDir } from "../../fixtures/temp.ts";

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
