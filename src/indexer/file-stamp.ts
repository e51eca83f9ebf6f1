/**
 * When a file's stamps prove that a record read from it still holds, so that a restart reuses
 * it without reading the file. The modification time alone does not: tools that keep or put
 * back a time (touch -d, cp -p, rsync -t, tar x, a checkout of a file with the same size)
 * write other bytes under the same size and time. The change time (ctime) cannot be set by
 * any of them: every write and every utimes sets it to now. And like git's "racily clean"
 * entries, stamps too close to the read prove nothing: a second save within the file
 * system's timestamp granularity (a second on HFS+, ext3, NFSv3 and many FUSE mounts; two on
 * FAT) after the read shows the same stamps, as does any change to a file whose time lies in
 * the future (another machine's clock). Such a record is stored with no stamp (NaN, equal to
 * nothing): the next build compares its content (hash), and stamps it once they are past.
 */

/** A file's size and stamps as a stat gives them; `ctimeMs` where the file system keeps one. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs?: number;
}

/** How close to a read (or after it) a stamp proves nothing: FAT's 2 s, the coarsest granularity in use. */
export const RACY_MS = 2000;

/**
 * The stamps to record for content read after `readFrom` (a clock reading taken before the
 * stat and the read): the file's own, or none (NaN) while they are too close to the read.
 */
export function stampToRecord(stat: Pick<FileStamp, "mtimeMs" | "ctimeMs">, readFrom: number): { mtimeMs: number; ctimeMs?: number } {
  const latest = Math.max(stat.mtimeMs, stat.ctimeMs ?? stat.mtimeMs);
  if (!(latest < readFrom - RACY_MS)) return { mtimeMs: Number.NaN };
  return stat.ctimeMs === undefined ? { mtimeMs: stat.mtimeMs } : { mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs };
}

/** Whether a record's stamps prove the file unchanged: same size, same modification and change time. */
export function sameStamp(recorded: FileStamp, now: FileStamp): boolean {
  return recorded.size === now.size && recorded.mtimeMs === now.mtimeMs && recorded.ctimeMs === now.ctimeMs;
}

/** `record` with the stamps `stamp` gives it, a change time it no longer has dropped. */
export function withStamp<T extends FileStamp>(record: T, stamp: Pick<FileStamp, "mtimeMs" | "ctimeMs">): T {
  const { ctimeMs: _old, ...rest } = record;
  return { ...rest, mtimeMs: stamp.mtimeMs, ...(stamp.ctimeMs !== undefined ? { ctimeMs: stamp.ctimeMs } : {}) } as T;
}
