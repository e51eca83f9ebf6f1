/**
 * Files a command writes for the user (hearth fix's --out and --predictions), written so a
 * failed write leaves nothing a script would take for a result: a patch file cut short by a
 * full disk is removed (opening it for writing had already emptied it), and a line appended to
 * a JSONL file is taken back to the file's size before it, so the next line starts a line of
 * its own. A file that must survive a failed write (the conversation `hearth chat --continue
 * conv.md --save conv.md` read) is written beside and renamed over. Why a write failed is said
 * in words, with the disk's free space where it is full.
 */
import { closeSync, fchmodSync, fsyncSync, ftruncateSync, openSync, readSync, realpathSync, renameSync, rmSync, statfsSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { diskFullProblem, sizeWords } from "../protocol/disk-full.ts";

/** A write that failed, after what it left was cleaned up: `left` says what is at the path now. */
export class FileWriteError extends Error {
  constructor(message: string, readonly left: string, options: { cause: unknown }) {
    super(message, options);
  }
}

/** Writes `text` as the whole of `path`. On a failure once the file was opened, the file is removed: what it held is gone already. */
export function writeWholeFile(path: string, text: string): void {
  const bytes = Buffer.from(text);
  let fd: number;
  try {
    fd = openSync(path, "w");
  } catch (error) {
    throw new FileWriteError(writeProblem(error, path, bytes.length), `${path} is as it was`, { cause: error });
  }
  try {
    writeAll(fd, bytes);
    closeSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw new FileWriteError(writeProblem(error, path, bytes.length), `nothing is left at ${path}`, { cause: error });
  }
}

/**
 * Writes `text` as the whole of `path` through a file beside it, renamed over it once whole and
 * flushed: on a failure `path` is as it was, and the file beside it is removed. A link is
 * followed (the file it names is replaced, the link kept), and an existing file keeps its mode.
 */
export function replaceWhole(path: string, text: string): void {
  const bytes = Buffer.from(text);
  const target = linkTarget(path);
  const mode = statSync(target, { throwIfNoEntry: false })?.mode;
  const beside = join(dirname(target), `.${basename(target)}.hearth-${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(beside, "w", mode);
  } catch (error) {
    throw new FileWriteError(writeProblem(error, target, bytes.length), `${path} is as it was`, { cause: error });
  }
  try {
    if (mode !== undefined) fchmodSync(fd, mode & 0o7777);
    writeAll(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(beside, target);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    rmSync(beside, { force: true });
    throw new FileWriteError(writeProblem(error, target, bytes.length), `${path} is as it was`, { cause: error });
  }
}

/** The file a link at `path` names, so that replacing it keeps the link; `path` itself where it is none (or names nothing yet). */
function linkTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Appends `text` (a line) to `path` whole or not at all: a failed append takes the file back to
 * its size before (or removes a file it made). A file whose last line a killed run left cut
 * short (no newline at its end) gets a newline first: the line starts a line of its own, not
 * glued to that half line (which is kept as it is).
 */
export function appendWhole(path: string, text: string): void {
  let bytes = Buffer.from(text);
  const before = statSync(path, { throwIfNoEntry: false })?.size;
  let fd: number;
  try {
    fd = openSync(path, "a+");
  } catch (error) {
    throw new FileWriteError(writeProblem(error, path, bytes.length), "the file is left as it was", { cause: error });
  }
  try {
    if (before && !endsWithNewline(fd, before)) bytes = Buffer.concat([Buffer.from("\n"), bytes]);
    writeAll(fd, bytes);
    closeSync(fd);
  } catch (error) {
    if (before === undefined) {
      closeSync(fd);
      rmSync(path, { force: true });
    } else {
      ftruncateSync(fd, before);
      closeSync(fd);
    }
    throw new FileWriteError(writeProblem(error, path, bytes.length), "the file is left as it was", { cause: error });
  }
}

function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  return readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a;
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Why writing `needed` bytes at `path` failed, in words: "the disk holding /mnt/out is full:
 * 0 KB free, 10 KB needed", "/mnt/out is on a read-only file system", or the system's
 * words without node's "ENOSPC: …, write".
 */
export function writeProblem(error: unknown, path: string, needed: number): string {
  const code = (error as NodeJS.ErrnoException).code;
  const folder = dirname(path);
  const full = diskFullProblem(error, folder, needed, code === "ENOSPC" || code === "EDQUOT" ? diskOf(folder)?.free : undefined);
  if (full) return full;
  if (code === "EROFS") return `${folder} is on a read-only file system`;
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^[A-Z]+: /, "").replace(/, (open|write)( '.*')?$/, "") || (code ?? "failed");
}

/** A disk with less free space than this is taken for the full one where an error does not say which. */
const FULL_BELOW_BYTES = 1024 ** 2;

/**
 * Of `places`, those on the disk a disk-full `error` came from: the disk of a place whose folder
 * the error names (a checkpoint store's git folder is inside the state folder), else the disks
 * with almost no room left (under 1 MiB), else all of them (the disk cannot be told; space
 * freed since, or a third disk). Places on one disk go together.
 */
export function fullPlaces<T extends { readonly folder: string }>(error: unknown, places: readonly T[]): T[] {
  const text = `${(error as NodeJS.ErrnoException | undefined)?.path ?? ""}\n${error instanceof Error ? error.message : String(error)}`;
  const disks = places.map((place) => ({ place, disk: diskOf(place.folder) }));
  const named = disks.filter(({ place }) => text.includes(place.folder));
  const low = disks.filter(({ disk }) => disk !== undefined && disk.free < FULL_BELOW_BYTES);
  const chosen = named.length > 0 ? named : low;
  if (chosen.length === 0) return [...places];
  const devices = new Set(chosen.map(({ disk }) => disk?.device));
  return disks.filter(({ place, disk }) => chosen.some((one) => one.place === place) || (disk !== undefined && devices.has(disk.device))).map(({ place }) => place);
}

/** Whether `a` and `b` lie on one disk (false where either cannot be asked). */
export function sameDisk(a: string, b: string): boolean {
  const one = diskOf(a);
  return one !== undefined && one.device === diskOf(b)?.device;
}

/** The device and free bytes of the disk holding `folder` (or the nearest folder above it that exists); undefined where it cannot be asked. */
function diskOf(folder: string): { readonly device: number; readonly free: number } | undefined {
  for (let at = folder; ; at = dirname(at)) {
    try {
      const disk = statfsSync(at);
      return { device: statSync(at).dev, free: disk.bavail * disk.bsize };
    } catch {
      if (dirname(at) === at) return undefined;
    }
  }
}

/** The free space of the disk holding `folder`, in words ("12 KB"); undefined where it cannot be asked. */
export function freeSpace(folder: string): string | undefined {
  try {
    const disk = statfsSync(folder);
    return sizeWords(disk.bavail * disk.bsize);
  } catch {
    return undefined;
  }
}
