// The index thread's reads (a one-file update, a build's check of a touched file's content) go
// through node's file threads with a deadline (scan-fs.ts). Each round trip costs this thread a
// wake-up, and the first start after the cache began keeping ctimes checks every file: with a
// FileHandle (open, stat, a read, a second read to find the end, close, each a promise and a
// handle to collect) it cost more than parsing the whole tree.
import { describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs, { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readRegularFileAsync } from "../../../src/indexer/indexed-file.ts";
import { tempDir } from "./helpers/setup.ts";

describe("the index thread's read of a file", () => {
  it("is four calls of node's file threads for a small file: open, fstat, one read, close", async () => {
    const { dir, cleanup } = tempDir();
    const calls: string[] = [];
    for (const name of ["open", "fstat", "read", "close"] as const) {
      const real = fs[name] as (...args: unknown[]) => unknown;
      mock.method(fs, name, (...args: unknown[]) => {
        calls.push(name);
        return real.apply(fs, args);
      });
    }
    try {
      writeFileSync(join(dir, "a.ts"), "export const A = 1;\n");
      const read = await readRegularFileAsync(join(dir, "a.ts"), 1024);
      assert.equal(read.ok && read.bytes.toString(), "export const A = 1;\n");
      assert.deepEqual(calls, ["open", "fstat", "read", "close"]);
    } finally {
      mock.restoreAll();
      cleanup();
    }
  });

  it("still tells an empty file, one within and one over the size limit, a folder, a FIFO and a file gone", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "empty.ts"), "");
      writeFileSync(join(dir, "big.ts"), "x".repeat(2000));
      mkdirSync(join(dir, "folder"));
      execFileSync("mkfifo", [join(dir, "pipe")]);
      const empty = await readRegularFileAsync(join(dir, "empty.ts"), 1024);
      assert.equal(empty.ok && empty.bytes.length, 0);
      const at = async (name: string, max = 1024) => {
        const read = await readRegularFileAsync(join(dir, name), max);
        return read.ok ? `${read.bytes.length} bytes` : `${read.reason}: ${read.detail}`;
      };
      assert.equal(await at("big.ts", 4096), "2000 bytes");
      assert.equal(await at("big.ts"), "too-large: 2,000 bytes, over the index's limit of 1,024");
      assert.equal(await at("folder"), "not-regular: a folder");
      assert.equal(await at("pipe"), "not-regular: a pipe, socket or device");
      assert.equal(await at("gone.ts"), "gone: ENOENT");
    } finally {
      cleanup();
    }
  });

  it("reads to the end a file whose reads come back short before it: procfs, a FUSE mount, a read error part-way", async (t) => {
    // A short read is the end only where it stops at the size fstat found: /proc/kallsyms
    // (size 0, megabytes long) answers a page or so a read, as a FUSE file system with direct
    // I/O may, and a disk error part-way answers short before it answers EIO. Taken as the end,
    // the first pages were recorded as the whole file, under its current stamps, for good.
    const path = "/proc/kallsyms";
    let whole: Buffer;
    try {
      whole = readFileSync(path);
    } catch (error) {
      t.skip(`${path} cannot be read here (${(error as NodeJS.ErrnoException).code}): no file system that answers short reads`);
      return;
    }
    if (whole.length < 64 * 1024) {
      t.skip(`${path} is ${whole.length} bytes here, too short to be read in several short reads`);
      return;
    }
    const read = await readRegularFileAsync(path, 2 * whole.length);
    assert.equal(read.ok && read.bytes.length, whole.length);
    assert.ok(read.ok && read.bytes.equals(whole), "the bytes read are the file's");
  });
});
