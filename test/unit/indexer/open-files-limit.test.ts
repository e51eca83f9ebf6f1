// The scan under a low limit of open files (ulimit -n; a container's --ulimit nofile): a file
// call that found the process's table full (EMFILE) was taken as the file's own failure, so
// files and folders left the index as "unreadable: EMFILE" — the CLI's hearth index said only
// "Skipped: unreadable 1" with "Files: 0" (the root's readdir), exit 0. Now such a call is made
// again once another call in flight has answered and closed its file; only with none left to
// wait on does it fail, and its skip says what to do.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scanRepository } from "../../../src/indexer/scan.ts";
import { limitCalls, nodeScanFs, StalledCall, type ScanFs } from "../../../src/indexer/scan-fs.ts";
import { DEFAULT_LIMITS } from "../../../src/indexer/index.ts";
import { tempDir } from "./helpers/setup.ts";

/**
 * Node's file calls, each held until a later turn of the event loop, with a table of open files
 * that has room for `room` calls at once: a call made while it is full fails as node's does
 * (EMFILE), as a process near its ulimit -n sees it. The calls named in `unlimited` need no room
 * (realpath opens no file).
 */
function fullTableFs(room: number, unlimited: readonly (keyof ScanFs)[] = []): { fs: ScanFs; refused: () => number } {
  let open = 0;
  let refused = 0;
  const limited = <A extends unknown[], T>(name: keyof ScanFs, call: (...args: A) => Promise<T>) => async (...args: A): Promise<T> => {
    if (open >= room && !unlimited.includes(name)) {
      refused++;
      throw Object.assign(new Error(`EMFILE: too many open files, open '${String(args[0])}'`), { errno: -24, code: "EMFILE", syscall: "open", path: args[0] });
    }
    open++;
    try {
      await new Promise((turn) => setImmediate(turn));
      return await call(...args);
    } finally {
      open--;
    }
  };
  const fs: ScanFs = {
    readdir: limited("readdir", nodeScanFs.readdir),
    stat: limited("stat", nodeScanFs.stat),
    lstat: limited("lstat", nodeScanFs.lstat),
    realpath: limited("realpath", nodeScanFs.realpath),
    readIgnoreFile: limited("readIgnoreFile", nodeScanFs.readIgnoreFile),
    readFile: limited("readFile", nodeScanFs.readFile),
  };
  return { fs, refused: () => refused };
}

describe("a low limit of open files", () => {
  it("loses no file: a call refused for a full table is made again once another has answered", async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, "data"));
      for (let i = 0; i < 300; i++) writeFileSync(join(dir, `data/r${String(i).padStart(3, "0")}.py`), `x${i} = ${i}\n`);
      const full = fullTableFs(5);
      const scan = await scanRepository(dir, { ...DEFAULT_LIMITS, fs: full.fs });
      assert.ok(full.refused() > 0, "the table was full at times: the 64 calls at once did not fit in 5");
      assert.deepEqual(scan.skipped, []);
      assert.equal(scan.files.length, 300);
    } finally {
      cleanup();
    }
  });

  it("with no other call to wait for, the folder's skip names the limit and how to raise it", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "a.py"), "x = 1\n");
      // The ignore files are read: one that cannot be opened fails the scan (open-files-transient.test.ts).
      const scan = await scanRepository(dir, { ...DEFAULT_LIMITS, fs: fullTableFs(0, ["realpath", "readIgnoreFile"]).fs });
      assert.deepEqual(scan.files, []);
      const advice = "EMFILE: too many files open at once for this process's limit (ulimit -n): raise it (ulimit -n 4096) and index again";
      assert.deepEqual(scan.skipped, [{ path: ".", reason: "unreadable", detail: advice }]);
    } finally {
      cleanup();
    }
  });

  // A call waiting for room had its deadline run on: past it, it failed as "timed out: no answer
  // in 10 s (a stalled network mount?)" and counted as stalled — two such, and every later call
  // of the scan failed "not tried: … a stalled network mount?" — though it made no call that hung.
  it("a call still waiting for room at its deadline fails with the table's error, and counts as no stalled call", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const turn = () => new Promise((go) => setImmediate(go));
    const gates: (() => void)[] = [];
    const info = { size: 1, mtimeMs: 0, isFile: () => true, isDirectory: () => false };
    const fs: ScanFs = {
      ...nodeScanFs,
      stat: () => new Promise((answer) => gates.push(() => answer(info))),
      readdir: async (abs) => {
        throw Object.assign(new Error(`EMFILE: too many open files, scandir '${abs}'`), { code: "EMFILE", syscall: "scandir", path: abs });
      },
    };
    const limited = limitCalls(fs, 4, 1000);
    const first = limited.stat("/a");
    const listed = limited.readdir("/d");
    const outcome = listed.then(() => "listed", (err: unknown) => err);
    await turn();
    t.mock.timers.tick(600);
    const second = limited.stat("/b");
    await turn();
    gates.shift()!(); // the first answers: the readdir tries again, and waits for the second
    assert.deepEqual(await first, info);
    await turn();
    t.mock.timers.tick(600); // the readdir's deadline (1,000 ms) passes; the second's (1,600) not
    const err = await outcome;
    assert.ok(!(err instanceof StalledCall), `not a stalled call: ${String(err)}`);
    assert.equal((err as NodeJS.ErrnoException).code, "EMFILE");
    gates.shift()!();
    assert.deepEqual(await second, info);
    const third = limited.stat("/c");
    await turn();
    gates.shift()!();
    assert.deepEqual(await third, info, "made: no call counts as stalled");
  });
});

// The root's ignore files are read first, one at a time, with no other call in flight to wait
// on: the first EMFILE failed the whole index ("indexing failed: EMFILE …") though the table was
// full only a moment (other work of the process holding it: a model's load). Now such a call is
// made again after a short wait, a few times, before it fails.
describe("a full table with no other call in flight", () => {
  const turn = () => new Promise((go) => setImmediate(go));
  /** Node's file calls, but the first `refusals` ignore-file reads find the table full. */
  function refusingIgnoreFiles(refusals: number): { fs: ScanFs; refused: () => number } {
    let refused = 0;
    const fs: ScanFs = {
      ...nodeScanFs,
      readIgnoreFile: async (abs) => {
        if (refused < refusals) {
          refused++;
          throw Object.assign(new Error(`EMFILE: too many open files, open '${abs}'`), { errno: -24, code: "EMFILE", syscall: "open", path: abs });
        }
        return nodeScanFs.readIgnoreFile(abs);
      },
    };
    return { fs, refused: () => refused };
  }
  /** Runs the scan to its end, moving the mocked clock on past each wait a refusal starts (at most 400 ms). */
  async function scanned(t: { mock: { timers: { tick(ms: number): void } } }, dir: string, fs: ScanFs, refused: () => number) {
    let settled = false;
    const scanning = scanRepository(dir, { ...DEFAULT_LIMITS, fs });
    const outcome = scanning.then(
      (scan) => ({ scan }),
      (err: unknown) => ({ err }),
    );
    void outcome.finally(() => (settled = true));
    let ticked = 0;
    while (!settled) {
      await turn();
      if (refused() > ticked) {
        ticked++;
        t.mock.timers.tick(400);
      }
    }
    return outcome;
  }

  it("the root's ignore files are read again after a short wait: the index is made, with their rules", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "a.py"), "x = 1\n");
      writeFileSync(join(dir, "ignored.py"), "y = 2\n");
      writeFileSync(join(dir, ".gitignore"), "ignored.py\n");
      const full = refusingIgnoreFiles(3);
      const result = await scanned(t, dir, full.fs, full.refused);
      assert.ok("scan" in result, `the scan is made: ${"err" in result ? String(result.err) : ""}`);
      assert.equal(full.refused(), 3);
      assert.deepEqual(result.scan.files.map((f) => f.path).filter((p) => p.endsWith(".py")), ["a.py"], "the .gitignore's rules applied");
    } finally {
      cleanup();
    }
  });

  it("a table that stays full fails the scan with its error after a few waits", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "a.py"), "x = 1\n");
      const full = refusingIgnoreFiles(Infinity);
      const result = await scanned(t, dir, full.fs, full.refused);
      assert.ok("err" in result, "the scan fails");
      assert.equal((result.err as NodeJS.ErrnoException).code, "EMFILE");
      assert.ok(!(result.err instanceof StalledCall));
      assert.equal(full.refused(), 5, "made 5 times: 4 waits (750 ms in all), then given up");
    } finally {
      cleanup();
    }
  });

  // A try made after the table was full still out at the deadline: the call failed as "timed out:
  // no answer in 10 s (a stalled network mount?)" and counted as stalled (b752d0a1 took only the
  // call parked at its deadline), and its tries went on after it had failed.
  it("a call that met a full table and whose try is still out at its deadline fails with the table's error, and tries no more", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const gates: (() => void)[] = [];
    const info = { size: 1, mtimeMs: 0, isFile: () => true, isDirectory: () => false };
    let lists = 0;
    const emfile = (abs: string) => Object.assign(new Error(`EMFILE: too many open files, scandir '${abs}'`), { code: "EMFILE", syscall: "scandir", path: abs });
    let refuseLate: () => void = () => {};
    const fs: ScanFs = {
      ...nodeScanFs,
      stat: () => new Promise((answer) => gates.push(() => answer(info))),
      readdir: (abs) => {
        lists++;
        if (lists === 1) return Promise.reject(emfile(abs));
        return new Promise((_, fail) => (refuseLate = () => fail(emfile(abs))));
      },
    };
    const limited = limitCalls(fs, 4, 1000);
    const first = limited.stat("/a");
    const outcome = limited.readdir("/d").then(() => "listed", (err: unknown) => err);
    await turn();
    gates.shift()!(); // the first answers: the readdir tries again, and that try hangs on
    assert.deepEqual(await first, info);
    await turn();
    assert.equal(lists, 2);
    t.mock.timers.tick(600);
    const second = limited.stat("/b");
    await turn();
    t.mock.timers.tick(400); // the readdir's deadline (1,000 ms) passes with its second try out; the second's (1,600) not
    const err = await outcome;
    assert.ok(!(err instanceof StalledCall), `not a stalled call: ${String(err)}`);
    assert.equal((err as NodeJS.ErrnoException).code, "EMFILE");
    refuseLate(); // the try answers: the table full again
    await turn();
    gates.shift()!(); // the second answers, which would wake a waiting try
    assert.deepEqual(await second, info);
    await turn();
    assert.equal(lists, 2, "no try after the deadline");
    const third = limited.stat("/c");
    await turn();
    gates.shift()!();
    assert.deepEqual(await third, info, "made: no call counts as stalled");
  });
});
