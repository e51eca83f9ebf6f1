// Issue 13.7: a runtime killed during a checkpoint leaves git's lock files in the shadow
// repository; later runs — in this process, another window or after a restart — recover
// them instead of failing forever. Locks of a live Hearth process are never stolen.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { tempDir, writeFiles } from "./helpers/setup.ts";

const CHILD = join(import.meta.dirname, "helpers", "checkpoint-child.ts");

/** A store with one checkpoint whose owner file names another live process (killed after the test). */
async function ownedByAnother(t: TestContext, lockWaitMs = 0): Promise<{ store: CheckpointStore; other: ChildProcess; owner: string }> {
  const root = tempDir();
  writeFiles(root, { "a.txt": "one\n" });
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-"), lockWaitMs });
  await store.create("first");
  const other = spawn(process.execPath, ["-e", "process.stdin.resume()"], { stdio: ["pipe", "ignore", "ignore"] });
  t.after(() => other.kill("SIGKILL"));
  await once(other, "spawn");
  const owner = join(store.gitDir, "hearth.owner");
  writeFileSync(owner, JSON.stringify({ pid: other.pid }));
  return { store, other, owner };
}

/** Every git lock file in a shadow repository (objects aside). */
function locks(gitDir: string): string[] {
  return readdirSync(gitDir, { recursive: true, encoding: "utf8" }).filter((p) => p.endsWith(".lock") && !p.startsWith("objects")).sort();
}

function branchRef(gitDir: string): string {
  return readFileSync(join(gitDir, "HEAD"), "utf8").replace(/^ref: /, "").trim();
}

async function checkpointAndRestoreWork(root: string, storageDir: string, file: string): Promise<void> {
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir });
  const before = readFileSync(join(root, file), "utf8");
  const cp = await store.create("after the crash");
  writeFileSync(join(root, file), "changed after the crash\n");
  await store.restore(cp.id);
  assert.equal(readFileSync(join(root, file), "utf8"), before);
  assert.deepEqual(locks(store.gitDir), []);
}

describe("checkpoint locks", () => {
  it("recovers the index, HEAD, branch and config locks a killed git left behind", async () => {
    const root = tempDir();
    const storage = tempDir("hearth-storage-");
    writeFiles(root, { "a.txt": "one\n" });
    const child = spawnSync(process.execPath, ["--import", "tsx", CHILD, root, storage, "once"], { encoding: "utf8" });
    assert.equal(child.status, 0, child.stderr);
    const gitDir = child.stdout.trim();
    // What git leaves when it is killed holding them: a half-written index and ref.
    writeFileSync(join(gitDir, "index.lock"), "DIRC\0\0\0");
    writeFileSync(join(gitDir, "HEAD.lock"), "");
    mkdirSync(join(gitDir, branchRef(gitDir), ".."), { recursive: true });
    writeFileSync(join(gitDir, `${branchRef(gitDir)}.lock`), "");
    writeFileSync(join(gitDir, "config.lock"), "[core]\n");

    await checkpointAndRestoreWork(root, storage, "a.txt");
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: storage });
    assert.deepEqual((await store.list()).map((c) => c.label).slice(-2), ["after the crash", "from the child"]);
  });

  it("a store already open recovers after another Hearth process is SIGKILLed mid-checkpoint", { skip: process.platform === "win32" && "needs POSIX process groups" }, async (t) => {
    const root = tempDir();
    const storage = tempDir("hearth-storage-");
    writeFiles(root, Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`f${i}.txt`, `file ${i}\n`])));
    // This process uses the repository first (as one VS Code window), then another runtime does.
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: storage });
    await store.create("from this window");
    let child: ChildProcess | undefined;
    t.after(() => {
      if (child?.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    });
    let left = false;
    for (let attempt = 0; attempt < 10 && !left; attempt++) {
      // Its own process group, so git dies with it as when a whole runtime is killed.
      child = spawn(process.execPath, ["--import", "tsx", CHILD, root, storage, "loop"], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
      const exited = once(child, "exit");
      const [line] = (await once(child.stdout!, "data")) as [Buffer];
      const lock = join(line.toString("utf8").trim(), "index.lock");
      // Poll the file (not a timer deciding anything): kill as soon as git holds the lock.
      while (!existsSync(lock)) await new Promise((resolve) => setTimeout(resolve, 1));
      process.kill(-child.pid!, "SIGKILL");
      await exited;
      left = existsSync(lock); // git may have finished between the poll and the kill: try again
    }
    assert.ok(left, "the killed git left index.lock");

    const cp = await store.create("after the kill");
    writeFileSync(join(root, "f1.txt"), "changed after the kill\n");
    const before = readFileSync(join(root, "f2.txt"), "utf8");
    await store.restore(cp.id);
    assert.notEqual(readFileSync(join(root, "f1.txt"), "utf8"), "changed after the kill\n");
    assert.equal(readFileSync(join(root, "f2.txt"), "utf8"), before);
    assert.deepEqual(locks(store.gitDir), []);
  });

  it("never steals the repository from a live Hearth process: a clear error, its locks untouched; taken over once it is dead", async (t) => {
    const { store, other } = await ownedByAnother(t);
    writeFileSync(join(store.gitDir, "index.lock"), "");

    await assert.rejects(store.create("while the other runs"), (error: Error) => {
      assert.match(error.message, new RegExp(`^Checkpoints are in use by another Hearth process \\(pid ${other.pid}\\)`));
      return true;
    });
    assert.ok(existsSync(join(store.gitDir, "index.lock")), "a live process's lock stays");

    const exited = once(other, "exit");
    other.kill("SIGKILL");
    await exited;
    await store.create("after it died");
    assert.deepEqual(locks(store.gitDir), []);
  });

  // A holder asleep (a laptop's lid closed mid-checkpoint) or the clock moved on wakes to an
  // owner file an hour old. Taken over by age ("10 minutes untouched: a reused pid"), another
  // window ran git beside the holder, which went on with its own calls: two writers.
  it("does not take the repository from a live holder whose owner file only looks old (slept an hour, or the clock moved on)", { skip: process.platform !== "linux" && "process start times are read from /proc" }, async (t) => {
    const { store, other } = await ownedByAnother(t);
    writeFileSync(join(store.gitDir, "index.lock"), "");
    other.kill("SIGSTOP"); // what a sleep looks like to it
    const systemNow = Date.now;
    Date.now = () => systemNow() + 3_600_000; // an hour later by the clock
    try {
      await assert.rejects(store.create("after the sleep"), (error: Error) => {
        assert.match(error.message, new RegExp(`^Checkpoints are in use by another Hearth process \\(pid ${other.pid}\\)`));
        return true;
      });
    } finally {
      Date.now = systemNow;
    }
    assert.ok(existsSync(join(store.gitDir, "index.lock")), "the holder's lock stays");
  });

  // Another window's checkpoint is waited for 60 s. With Date.now() a clock set back a day
  // during the wait (NTP, a VM resumed from a snapshot) kept the run waiting for that day.
  it("stops waiting for a live holder after 60 s on the monotonic clock, even with the system clock set back a day", async (t) => {
    const { store, other } = await ownedByAnother(t, 60_000);
    const wall = Date.now();
    let wallReads = 0;
    t.mock.method(performance, "now", (() => {
      let monotonic = 0;
      return () => (monotonic += 1_000); // each look a second after the last
    })());
    t.mock.method(Date, "now", () => {
      // The old wait read only this clock: a day back, it would have waited on for a day.
      if (++wallReads > 1_000) throw new Error("still waiting after 1000 looks at the system clock");
      return wallReads === 1 ? wall : wall - 24 * 3_600_000;
    });
    await assert.rejects(store.create("while the other runs"), (error: Error) => {
      assert.match(error.message, new RegExp(`^Checkpoints are in use by another Hearth process \\(pid ${other.pid}\\)`));
      return true;
    });
  });

  it("takes over an owner file untouched for 10 minutes whose pid a later process has", async (t) => {
    const { store, owner } = await ownedByAnother(t);
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(owner, hourAgo, hourAgo); // written an hour before its pid's process started
    await store.create("past the reused pid");
    assert.deepEqual(locks(store.gitDir), []);
    assert.equal(existsSync(owner), false);
  });

  it("serializes concurrent checkpoints of one repository in one process (two stores, several calls)", async () => {
    const root = tempDir();
    writeFiles(root, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}.txt`, `file ${i}\n`])));
    const storageDir = tempDir("hearth-storage-");
    const [a, b] = await Promise.all([CheckpointStore.open({ workspaceRoot: root, storageDir }), CheckpointStore.open({ workspaceRoot: root, storageDir })]);
    const labels = Array.from({ length: 8 }, (_, i) => `c${i}`);
    await Promise.all(labels.map((label, i) => (i % 2 ? a : b).create(label)));
    assert.deepEqual((await a.list()).map((c) => c.label).sort(), labels);
  });
});
