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
import { nodeScanFs, type ScanFs } from "../../../src/indexer/scan-fs.ts";
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
});
