import { describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdirSync, openSync, utimesSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { isPathExcluded, scanRepository } from "../../../src/indexer/scan.ts";
import { nodeScanFs, type ScanFs } from "../../../src/indexer/scan-fs.ts";
import { DEFAULT_LIMITS } from "../../../src/indexer/index.ts";
import { RepoIndex } from "../../../src/indexer/repo-index.ts";
import { QUERIES_DIR, tempDir } from "./helpers/setup.ts";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8" });
}

describe("a git worktree opened as the workspace", () => {
  it("applies the main repository's info/exclude, as git does (.git file → gitdir → commondir)", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const main = join(dir, "main");
      mkdirSync(main);
      git(main, "init", "-q");
      writeFileSync(join(main, "a.ts"), "export const A = 1;\n");
      git(main, "add", "a.ts");
      git(main, "commit", "-qm", "a");
      writeFileSync(join(main, ".git/info/exclude"), "scratch/\n*.local.ts\n");
      git(main, "worktree", "add", "-q", join(dir, "feature"));
      const wt = join(dir, "feature");
      mkdirSync(join(wt, "scratch"));
      writeFileSync(join(wt, "scratch/notes.ts"), "export const N = 1;\n");
      writeFileSync(join(wt, "b.local.ts"), "export const B = 1;\n");
      // What git itself leaves out there.
      assert.equal(git(wt, "status", "--porcelain", "--untracked-files=all"), "");

      const scan = await scanRepository(wt, DEFAULT_LIMITS);
      assert.deepEqual(scan.files.map((f) => f.path), ["a.ts"]);
      assert.deepEqual(scan.skipped.map((s) => `${s.path} ${s.reason}`), [".git excluded-dir", "b.local.ts ignored", "scratch ignored"]);
      assert.equal(await isPathExcluded(wt, "scratch/notes.ts", DEFAULT_LIMITS), true);
      assert.equal(await isPathExcluded(wt, "b.local.ts", DEFAULT_LIMITS), true);
      assert.equal(await isPathExcluded(wt, "a.ts", DEFAULT_LIMITS), false);
    } finally {
      cleanup();
    }
  });
});

/** Node's file calls, each held until a later turn of the event loop, counting how many are in flight at once. */
function countingFs(): { fs: ScanFs; most: () => number; calls: () => number } {
  let now = 0;
  let most = 0;
  let calls = 0;
  const counted = <A extends unknown[], T>(call: (...args: A) => Promise<T>) => async (...args: A): Promise<T> => {
    calls++;
    most = Math.max(most, ++now);
    try {
      await new Promise((turn) => setImmediate(turn));
      return await call(...args);
    } finally {
      now--;
    }
  };
  const fs: ScanFs = {
    readdir: counted(nodeScanFs.readdir),
    stat: counted(nodeScanFs.stat),
    lstat: counted(nodeScanFs.lstat),
    realpath: counted(nodeScanFs.realpath),
    readIgnoreFile: counted(nodeScanFs.readIgnoreFile),
    readFile: counted(nodeScanFs.readFile),
  };
  return { fs, most: () => most, calls: () => calls };
}

describe("file calls in flight", () => {
  it("a folder of many files is statted at most 64 calls at a time, not all at once", async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, "data"));
      for (let i = 0; i < 300; i++) writeFileSync(join(dir, `data/r${String(i).padStart(3, "0")}.json`), "{}\n");
      const counting = countingFs();
      const scan = await scanRepository(dir, { ...DEFAULT_LIMITS, fs: counting.fs });
      assert.equal(scan.files.length, 300);
      assert.ok(counting.calls() > 300, `${counting.calls()} calls went through the layer`);
      assert.equal(counting.most(), 64);

      const few = countingFs();
      const again = await scanRepository(dir, { ...DEFAULT_LIMITS, fs: few.fs, maxCallsInFlight: 3 });
      assert.deepEqual(again.files, scan.files, "the same files, in the same order");
      assert.equal(few.most(), 3);
    } finally {
      cleanup();
    }
  });
});

/**
 * Node's file calls, except that those on the paths in `hung` never answer (a stalled network
 * mount); `entered(path)` resolves when the scan has made that call.
 */
function stallingFs(root: string, hung: Record<string, keyof ScanFs>): { fs: ScanFs; entered: (path: string) => Promise<void> } {
  const arrivals = new Map<string, () => void>();
  const arrived = new Map(Object.keys(hung).map((path) => [path, new Promise<void>((now) => arrivals.set(path, now))]));
  const maybeHang = <T>(method: keyof ScanFs, abs: string, call: () => Promise<T>): Promise<T> => {
    const path = relative(root, abs);
    if (hung[path] !== method) return call();
    arrivals.get(path)!();
    return new Promise<T>(() => {});
  };
  const fs: ScanFs = {
    readdir: (abs) => maybeHang("readdir", abs, () => nodeScanFs.readdir(abs)),
    stat: (abs) => maybeHang("stat", abs, () => nodeScanFs.stat(abs)),
    lstat: (abs) => maybeHang("lstat", abs, () => nodeScanFs.lstat(abs)),
    realpath: (abs) => maybeHang("realpath", abs, () => nodeScanFs.realpath(abs)),
    readIgnoreFile: (abs) => maybeHang("readIgnoreFile", abs, () => nodeScanFs.readIgnoreFile(abs)),
    readFile: (abs, maxBytes) => maybeHang("readFile", abs, () => nodeScanFs.readFile(abs, maxBytes)),
  };
  return { fs, entered: (path) => arrived.get(path)! };
}

describe("a stalled mount in the tree", () => {
  // A scan that waits for ever fails by the runner's limit on a test file: no limit of its own,
  // which a loaded machine could reach with a scan that was right.
  it("a folder that does not answer in 10 s is reported unreadable: timed out, and the scan goes on", async () => {
    const { dir, cleanup } = tempDir();
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      for (const folder of ["mnt", "src"]) mkdirSync(join(dir, folder));
      for (const file of ["a.ts", "mnt/remote.ts", "src/b.ts"]) writeFileSync(join(dir, file), "export const A = 1;\n");
      const { fs, entered } = stallingFs(dir, { mnt: "readdir" });
      const scanning = scanRepository(dir, { ...DEFAULT_LIMITS, fs });
      await entered("mnt");
      mock.timers.tick(9_999);
      mock.timers.tick(1);
      const scan = await scanning;
      assert.deepEqual(scan.files.map((f) => f.path), ["a.ts", "src/b.ts"]);
      assert.deepEqual(scan.skipped.map((s) => `${s.path} ${s.reason}: ${s.detail}`), ["mnt unreadable: timed out: no answer in 10 s (a stalled network mount?)"]);
    } finally {
      mock.timers.reset();
      cleanup();
    }
  });

  it("once two calls hang, the scan makes no more (each would take one of node's 4 file threads) and says what it left", async () => {
    const { dir, cleanup } = tempDir();
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      for (const folder of ["m1", "m2", "m3"]) mkdirSync(join(dir, folder));
      for (const file of ["a.ts", "slow.ts", "m1/x.ts", "m2/y.ts", "m3/z.ts"]) writeFileSync(join(dir, file), "export const A = 1;\n");
      const { fs, entered } = stallingFs(dir, { "slow.ts": "stat", m1: "readdir" });
      const scanning = scanRepository(dir, { ...DEFAULT_LIMITS, fs });
      await entered("slow.ts");
      mock.timers.tick(10_000);
      await entered("m1");
      mock.timers.tick(10_000);
      const scan = await scanning;
      assert.deepEqual(scan.files.map((f) => f.path), ["a.ts"]);
      const notTried = "unreadable: not tried: 2 earlier file calls had no answer in 10 s (a stalled network mount?)";
      assert.deepEqual(scan.skipped.map((s) => `${s.path} ${s.reason}: ${s.detail}`), [
        "slow.ts unreadable: timed out: no answer in 10 s (a stalled network mount?)",
        "m1 unreadable: timed out: no answer in 10 s (a stalled network mount?)",
        `m2 ${notTried}`,
        `m3 ${notTried}`,
      ]);
    } finally {
      mock.timers.reset();
      cleanup();
    }
  });
});

describe("a one-file update on a stalled mount", () => {
  // The watcher's re-parse of a changed file read it on the index thread with no deadline: a
  // file on a mount that never answers held every later update, query and completion.
  for (const method of ["stat", "readFile"] as const) {
    it(`a file whose ${method} does not answer in 10 s is reported unreadable: timed out, and later updates go on`, async () => {
      const { dir, cleanup } = tempDir();
      mock.timers.enable({ apis: ["setTimeout"] });
      const { fs, entered } = stallingFs(dir, { "mnt/remote.ts": method });
      const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, fs });
      try {
        mkdirSync(join(dir, "mnt"));
        for (const file of ["a.ts", "mnt/remote.ts"]) writeFileSync(join(dir, file), "export const A = 1;\n");
        const updating = index.updateFile("mnt/remote.ts");
        await entered("mnt/remote.ts");
        mock.timers.tick(10_000);
        assert.equal(await updating, "skipped");
        const skip = index.skipped.get("mnt/remote.ts");
        assert.equal(`${skip?.reason}: ${skip?.detail}`, "unreadable: timed out: no answer in 10 s (a stalled network mount?)");
        assert.equal(index.summary().skippedByReason.unreadable, 1, "counted where the status reads it");
        assert.equal(await index.updateFile("a.ts"), "parsed", "the next update is not held behind it");
        assert.deepEqual([...index.files.keys()], ["a.ts"]);
      } finally {
        mock.timers.reset();
        await index.close();
        cleanup();
      }
    });
  }
});

describe("a cached index opened on a stalled mount", () => {
  // A file touched since the cache was written (a checkout, a formatter that wrote the same
  // bytes) is hashed to see whether its record still holds: that read had no deadline, so a
  // file on a mount that stopped answering held the whole open for good.
  it("a touched file whose read does not answer in 10 s is reported unreadable: timed out, and the build ends", async () => {
    const { dir, cleanup } = tempDir();
    const { dir: storageDir, cleanup: cleanupStorage } = tempDir();
    mkdirSync(join(dir, "mnt"));
    for (const file of ["a.ts", "mnt/remote.ts"]) writeFileSync(join(dir, file), "export const A = 1;\n");
    // A clock two minutes ahead: a.ts, written just now, is settled and untouched, trusted by its stamps.
    const settled = () => Date.now() + 120_000;
    const first = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, storageDir, now: settled });
    await first.build();
    await first.close();
    utimesSync(join(dir, "mnt/remote.ts"), new Date(), new Date(Date.now() + 60_000));
    mock.timers.enable({ apis: ["setTimeout"] });
    const { fs, entered } = stallingFs(dir, { "mnt/remote.ts": "readFile" });
    const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, storageDir, fs, now: settled });
    try {
      const building = index.build();
      await entered("mnt/remote.ts");
      mock.timers.tick(10_000);
      const report = await building;
      assert.equal(report.cache, "hit");
      const skip = index.skipped.get("mnt/remote.ts");
      assert.equal(`${skip?.reason}: ${skip?.detail}`, "unreadable: timed out: no answer in 10 s (a stalled network mount?)");
      assert.deepEqual([...index.files.keys()], ["a.ts"]);
    } finally {
      mock.timers.reset();
      await index.close();
      cleanup();
      cleanupStorage();
    }
  });

  it("a touched local file checked after two reads on the mount had no answer is parsed, not dropped as 'unreadable: not tried'", async () => {
    const { dir, cleanup } = tempDir();
    const { dir: storageDir, cleanup: cleanupStorage } = tempDir();
    for (const folder of ["mnt", "src"]) mkdirSync(join(dir, folder));
    const mounted = ["mnt/r1.ts", "mnt/r2.ts", "mnt/r3.ts", "mnt/r4.ts"];
    for (const file of [...mounted, "src/b.ts"]) writeFileSync(join(dir, file), "export const A = 1;\n");
    const first = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, storageDir });
    await first.build();
    await first.close();
    // A checkout touched them all; the local file also changed.
    writeFileSync(join(dir, "src/b.ts"), "export const B = 2;\n");
    for (const file of [...mounted, "src/b.ts"]) utimesSync(join(dir, file), new Date(), new Date(Date.now() + 60_000));
    mock.timers.enable({ apis: ["setTimeout"] });
    // Touched files are read four at a time: the four on the mount hold every place, so the
    // local file is checked once they have had no answer.
    const { fs, entered } = stallingFs(dir, Object.fromEntries(mounted.map((path) => [path, "readFile" as const])));
    const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, storageDir, fs });
    try {
      const building = index.build();
      for (const path of mounted) await entered(path);
      mock.timers.tick(10_000);
      await building;
      assert.deepEqual([...index.skipped].map(([path, s]) => `${path} ${s.reason}: ${s.detail}`), mounted.map((path) => `${path} unreadable: timed out: no answer in 10 s (a stalled network mount?)`));
      assert.deepEqual([...index.files.keys()], ["src/b.ts"]);
      assert.deepEqual(index.files.get("src/b.ts")?.definitions.map((d) => d.name), ["B"], "its new content is indexed");
    } finally {
      mock.timers.reset();
      await index.close();
      cleanup();
      cleanupStorage();
    }
  });
});

describe("a mount that answers again", () => {
  // Once two calls had no answer, later ones are not made (each would hold one of node's file
  // threads) — until one of those answers: the limit must not outlast the stall.
  it("local edits are indexed again once the reads that had no answer return (a FIFO that gets a writer)", async () => {
    const { dir, cleanup } = tempDir();
    mkdirSync(join(dir, "mnt"));
    for (const file of ["a.ts", "mnt/r1.ts", "mnt/r2.ts"]) writeFileSync(join(dir, file), "export const A = 1;\n");
    const fifo = join(dir, "stalled.fifo");
    execFileSync("mkfifo", [fifo]);
    // Reads under mnt/ read the FIFO: node's open(2) waits in one of its file threads for a writer.
    const reads: Promise<unknown>[] = [];
    const fs: ScanFs = {
      ...nodeScanFs,
      readFile: (abs, maxBytes) => {
        if (!relative(dir, abs).startsWith("mnt")) return nodeScanFs.readFile(abs, maxBytes);
        const read = readFile(fifo).then((bytes) => ({ ok: true as const, bytes }));
        reads.push(read);
        return read;
      },
    };
    mock.timers.enable({ apis: ["setTimeout"] });
    const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, fs });
    try {
      const stalled = [index.updateFile("mnt/r1.ts"), index.updateFile("mnt/r2.ts")];
      while (reads.length < 2) await new Promise<void>((next) => setImmediate(next));
      mock.timers.tick(10_000);
      assert.deepEqual(await Promise.all(stalled), ["skipped", "skipped"]);
      assert.equal(await index.updateFile("a.ts"), "skipped", "not tried while both reads are held");
      assert.match(index.skipped.get("a.ts")?.detail ?? "", /^not tried/);
      // The mount answers: a writer opens the FIFO and closes it, both reads get their end.
      await answerEveryRead(fifo, reads);
      await new Promise<void>((next) => setImmediate(next)); // the layer's own handlers of those answers
      assert.equal(await index.updateFile("a.ts"), "parsed");
      assert.deepEqual([...index.files.keys()], ["a.ts"]);
    } finally {
      mock.timers.reset();
      await answerEveryRead(fifo, reads);
      await index.close();
      cleanup();
    }
  });
});

/**
 * Opens and closes a writer on `fifo` until every read of it has its end. A read's promise
 * exists before node's file thread is in open(2): a writer opened before that one reader is
 * there gives it nothing (or, with no reader yet, ENXIO), so one writer alone could leave a
 * read waiting for good on a loaded machine.
 */
async function answerEveryRead(fifo: string, reads: readonly Promise<unknown>[]): Promise<void> {
  let done = false;
  const all = Promise.allSettled(reads).then(() => (done = true));
  while (!done) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENXIO") throw error; // no reader in open(2) yet
    }
    await new Promise<void>((next) => setImmediate(next));
  }
  await all;
}

/** Twelve files indexed into a cache, then all touched (same content, a new mtime), as a git checkout leaves them. */
async function touchedCheckout(): Promise<{ dir: string; storageDir: string; cleanup: () => void; cleanupStorage: () => void }> {
  const { dir, cleanup } = tempDir();
  const { dir: storageDir, cleanup: cleanupStorage } = tempDir();
  const files = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(2, "0")}.ts`);
  for (const file of files) writeFileSync(join(dir, file), `export const A${file.slice(1, 3)} = 1;\n`);
  const first = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, storageDir });
  await first.build();
  await first.close();
  for (const file of files) utimesSync(join(dir, file), new Date(), new Date(Date.now() + 60_000));
  return { dir, storageDir, cleanup, cleanupStorage };
}

describe("a cached index opened after a checkout touched many files", () => {
  // Each touched file is read to see whether its content changed: one read after another,
  // a git checkout of 500 files paid 500 round trips in turn (on a network mount, ms each).
  it("reads the touched files several at a time, and reuses the unchanged ones", async () => {
    const { dir, storageDir, cleanup, cleanupStorage } = await touchedCheckout();
    let reading = 0;
    let most = 0;
    const fs: ScanFs = {
      ...nodeScanFs,
      readFile: async (abs, maxBytes) => {
        most = Math.max(most, ++reading);
        try {
          return await nodeScanFs.readFile(abs, maxBytes);
        } finally {
          reading--;
        }
      },
    };
    const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, storageDir, fs });
    try {
      const report = await index.build();
      assert.deepEqual([report.cache, report.parsed, report.reused], ["hit", 0, 12]);
      assert.equal(most, 4, "as many reads in flight as one-file updates make");
    } finally {
      await index.close();
      cleanup();
      cleanupStorage();
    }
  });

  // One read failing with three in flight: the build rejected at once, and the other three
  // lanes went on reading and changing the index's records after it had said it failed.
  it("a read that fails ends the build only once nothing of it goes on", async () => {
    const { dir, storageDir, cleanup, cleanupStorage } = await touchedCheckout();
    let failed!: () => void;
    const failure = new Promise<void>((now) => (failed = now));
    const reads: Promise<unknown>[] = [];
    let ended = false;
    const [made, afterTheEnd]: string[][] = [[], []];
    const fs: ScanFs = {
      ...nodeScanFs,
      readFile: async (abs, maxBytes) => {
        made.push(relative(dir, abs));
        if (ended) afterTheEnd.push(relative(dir, abs));
        if (abs.endsWith("f00.ts")) {
          failed();
          throw new Error("EIO: i/o error, close");
        }
        // The other three answer once the first has failed.
        const read = failure.then(() => nodeScanFs.readFile(abs, maxBytes));
        reads.push(read);
        return read;
      },
    };
    const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, storageDir, fs });
    try {
      await assert.rejects(index.build(), /EIO/);
      ended = true;
      await Promise.all(reads);
      await new Promise<void>((next) => setImmediate(next)); // what those answers lead to
      assert.deepEqual(afterTheEnd, []);
      assert.deepEqual(made, ["f00.ts", "f01.ts", "f02.ts", "f03.ts"], "no file is taken after the failure");
    } finally {
      await index.close();
      cleanup();
      cleanupStorage();
    }
  });
});
