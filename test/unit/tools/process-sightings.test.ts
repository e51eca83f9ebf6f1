/**
 * RunSightings (process-tree.ts), the record an MCP stdio server's transport keeps of the
 * server's processes while it runs: real processes, read through /proc (Linux only).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { describe, it, type TestContext } from "node:test";
import { RunSightings, stopRun } from "../../../src/tools/process-tree.ts";
import { alive } from "../../fixtures/processes.ts";

const linux = process.platform === "linux";

/** `sleep 60`, killed after the test. */
async function sleeper(t: TestContext, options: { detached?: boolean } = {}): Promise<ChildProcess> {
  const child = spawn("sleep", ["60"], { stdio: "ignore", ...options });
  t.after(() => void child.kill("SIGKILL"));
  await once(child, "spawn");
  return child;
}

/** A process started with `pid` (ended and reaped before), through the kernel's ns_last_pid; undefined where that cannot be written or another process took the pid each time. */
async function sleeperWithPid(t: TestContext, pid: number): Promise<ChildProcess | undefined> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      writeFileSync("/proc/sys/kernel/ns_last_pid", String(pid - 1));
    } catch {
      return undefined; // not root in this pid namespace
    }
    const child = await sleeper(t);
    if (child.pid === pid) return child;
    child.kill("SIGKILL");
    await once(child, "exit");
  }
  return undefined;
}

describe("RunSightings", { skip: !linux && "reads /proc (Linux)" }, () => {
  it("never looks at the leader's pid again once it has looked: a pid reused by another program is not the run's", { timeout: 30_000 }, async (t) => {
    const leader = await sleeper(t);
    const pid = leader.pid!;
    const sightings = new RunSightings({ pgid: pid, marker: "hearth-test-sightings" });
    sightings.look();
    assert.deepEqual(sightings.processes.map((p) => p.pid), [pid]);
    leader.kill("SIGKILL");
    await once(leader, "exit");
    sightings.look(); // every process seen has ended
    assert.deepEqual(sightings.processes, []);
    // The pid is taken by an unrelated program (not in the leader's group, without the marker).
    const stranger = await sleeperWithPid(t, pid);
    if (!stranger) return t.skip("the pid could not be reused here (ns_last_pid not writable, or taken by another process each time)");
    // Without the fix the look went back to the leader's pid and recorded the stranger, and the stop signalled it.
    sightings.look();
    assert.deepEqual(sightings.processes, []);
    await stopRun({ pgid: pid, marker: "hearth-test-sightings" }, 100, sightings);
    assert.equal(alive(stranger.pid!), true, "the stop signalled a program that only reused the server's pid");
  });

  it("records at most MAX_SIGHTED processes per look, the first seen kept", { timeout: 60_000 }, async (t) => {
    // A leader with 150 children: without the bound every look read all of them on the runtime's thread.
    const leader = spawn("sh", ["-c", "for i in $(seq 150); do sleep 60 & done; echo started; wait"], { stdio: ["ignore", "pipe", "ignore"], detached: true });
    t.after(() => {
      try {
        process.kill(-leader.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    });
    await once(leader.stdout!, "data");
    const sightings = new RunSightings({ pgid: leader.pid!, marker: "hearth-test-sightings" });
    sightings.look();
    const first = sightings.processes.map((p) => p.pid);
    assert.equal(first.length, 100);
    assert.equal(first[0], leader.pid);
    sightings.look();
    assert.deepEqual(sightings.processes.map((p) => p.pid), first);
  });

  it("keeps a detached child whose parent exits, as it was seen", { timeout: 30_000 }, async (t) => {
    const parent = spawn("sh", ["-c", "setsid sleep 60 & echo $!; exec sleep 60"], { stdio: ["ignore", "pipe", "ignore"], detached: true });
    t.after(() => {
      try {
        process.kill(-parent.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    });
    const [line] = (await once(parent.stdout!, "data")) as [Buffer];
    const helper = Number(line.toString().trim());
    t.after(() => {
      try {
        process.kill(helper, "SIGKILL");
      } catch {
        // already gone
      }
    });
    const sightings = new RunSightings({ pgid: parent.pid!, marker: "hearth-test-sightings" });
    // setsid may not have run yet: the helper is seen as the parent's child either way.
    sightings.look();
    assert.ok(sightings.processes.some((p) => p.pid === helper));
    parent.kill("SIGKILL");
    await once(parent, "exit");
    sightings.look();
    assert.deepEqual(sightings.processes.map((p) => p.pid), [helper]);
    await stopRun({ pgid: parent.pid!, marker: "hearth-test-sightings" }, 2000, sightings);
    assert.equal(alive(helper), false, "the helper outlived the stop");
  });
});
