/**
 * Reading an indexed file again at query time: the quotes and entities of `locate`, the
 * snippets of a completion and a fix's starting context read the text of files the index
 * ranked. What is on disk now may not be what was indexed: a FIFO would block the reading
 * thread forever (the index thread, a fix's start), a link to /dev/zero never ends, and a
 * file grown to gigabytes would be held in memory whole. A file is read only when it is a
 * regular file (opened without blocking, checked on the open descriptor) of at most the
 * index's size limit.
 */
import fs, { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { join } from "node:path";

/** A file's bytes, or why they were not read. */
export type IndexedRead =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly reason: "gone" | "not-regular" | "too-large"; readonly detail: string; /** "too-large": the size found. */ readonly size?: number };

/** The bytes of `root`/`path` when it is a regular file of at most `maxBytes`. */
export function readIndexedFile(root: string, path: string, maxBytes: number): IndexedRead {
  return readRegularFile(join(root, path), maxBytes);
}

/**
 * The bytes of the file at `absPath` when it is a regular file of at most `maxBytes`: also
 * the parse of a file the watcher reports (a FIFO made there blocked the index thread for
 * good; a gigabyte JSON dump was read whole before it was found too large).
 */
export function readRegularFile(absPath: string, maxBytes: number): IndexedRead {
  let fd: number;
  try {
    fd = openSync(absPath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    // A socket cannot be opened at all.
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENXIO" ? NOT_REGULAR : { ok: false, reason: "gone", detail: code ?? String(error) };
  }
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) return { ok: false, reason: "not-regular", detail: A_FOLDER };
    if (!info.isFile()) return NOT_REGULAR;
    if (info.size > maxBytes) return { ok: false, reason: "too-large", size: info.size, detail: `${info.size.toLocaleString("en")} bytes, over the index's limit of ${maxBytes.toLocaleString("en")}` };
    return readUpTo(fd, info.size, maxBytes);
  } catch (error) {
    return { ok: false, reason: "gone", detail: (error as NodeJS.ErrnoException).code ?? String(error) };
  } finally {
    closeSync(fd);
  }
}

/**
 * `readRegularFile` without blocking the calling thread: the one-file updates of the index
 * thread and a build's content checks, which bound it with a deadline (scan-fs.ts) — a
 * synchronous read of a file on a stalled network mount never returns, and nothing else runs
 * on that thread meanwhile. Node's callback calls, one round trip each through its file
 * threads: open, fstat, one read of the size found plus a byte (coming back short at that size,
 * it is the end), close. A FileHandle made five (a second read to find the end),
 * each dearer on this thread (a promise, a handle to collect): checking every file of a tree
 * this way cost about as much as parsing them all, or more.
 */
export async function readRegularFileAsync(absPath: string, maxBytes: number, openFile: typeof fs.open = fs.open): Promise<IndexedRead> {
  let fd: number;
  try {
    fd = await call<number>((done) => openFile(absPath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0), done));
  } catch (error) {
    // A full table of open files says nothing of this file: taken for "gone", a watcher's
    // update dropped a live file from the index. Thrown, the caller waits or keeps what it had.
    if (tooManyOpenFiles(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENXIO" ? NOT_REGULAR : { ok: false, reason: "gone", detail: code ?? String(error) };
  }
  try {
    const info = await call<Stats>((done) => fs.fstat(fd, done));
    if (info.isDirectory()) return { ok: false, reason: "not-regular", detail: A_FOLDER };
    if (!info.isFile()) return NOT_REGULAR;
    if (info.size > maxBytes) return { ok: false, reason: "too-large", size: info.size, detail: `${info.size.toLocaleString("en")} bytes, over the index's limit of ${maxBytes.toLocaleString("en")}` };
    return await readUpToAsync(fd, info.size, maxBytes);
  } catch (error) {
    return { ok: false, reason: "gone", detail: (error as NodeJS.ErrnoException).code ?? String(error) };
  } finally {
    await call<void>((done) => fs.close(fd, done)).catch(() => {});
  }
}

/**
 * Node's errors for a full table of open files: this process's (EMFILE, a low ulimit -n) or
 * the system's (ENFILE). A moment's state, never the file's: the call is made again later.
 */
export function tooManyOpenFiles(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "EMFILE" || code === "ENFILE";
}

/** A callback call of node's fs as a promise. */
function call<T>(start: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

/**
 * `readUpTo` through node's file threads, without its last read that finds nothing: a read
 * that comes back short where fstat said the file ends is the end. One short before that is
 * read on until a read finds nothing, as `readUpTo` does: procfs (size 0, any length) and a
 * FUSE mount with direct I/O answer a page or so a read, and a disk error part-way answers
 * short before it answers EIO — taken as the end, the first pages were recorded as the file.
 */
async function readUpToAsync(fd: number, size: number, maxBytes: number): Promise<IndexedRead> {
  let buffer = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const next = roomFor(buffer, maxBytes);
      if (!Buffer.isBuffer(next)) return next;
      buffer = next;
    }
    const asked = buffer.length - length;
    const bytesRead = await call<number>((done) => fs.read(fd, buffer, length, asked, null, done));
    length += bytesRead;
    if (bytesRead === 0 || (bytesRead < asked && length === size)) return { ok: true, bytes: buffer.subarray(0, length) };
  }
}

/** A full `buffer`'s contents in one twice as large (never past `maxBytes` + 1), or too-large when it already holds more than `maxBytes`. */
function roomFor(buffer: Buffer<ArrayBuffer>, maxBytes: number): Buffer<ArrayBuffer> | IndexedRead {
  if (buffer.length > maxBytes) return { ok: false, reason: "too-large", detail: `over the index's limit of ${maxBytes.toLocaleString("en")} bytes` };
  const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
  buffer.copy(bigger);
  return bigger;
}

/** The detail of a folder where a file was. */
export const A_FOLDER = "a folder";
const NOT_REGULAR: IndexedRead = { ok: false, reason: "not-regular", detail: "a pipe, socket or device" };

/** Reads to the end, which is where `size` says unless the file grows meanwhile; never past `maxBytes`. */
function readUpTo(fd: number, size: number, maxBytes: number): IndexedRead {
  let buffer = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const next = roomFor(buffer, maxBytes);
      if (!Buffer.isBuffer(next)) return next;
      buffer = next;
    }
    const n = readSync(fd, buffer, length, buffer.length - length, null);
    if (n === 0) return { ok: true, bytes: buffer.subarray(0, length) };
    length += n;
  }
}
