import { constants, type Dirent, type Stats } from "node:fs";
import { lstat, open, readdir, realpath, stat } from "node:fs/promises";
import { holdRead } from "./held-reads.ts";
import { readRegularFileAsync, tooManyOpenFiles, type IndexedRead } from "./indexed-file.ts";
import type { SkippedFile } from "./types.ts";

/**
 * The file calls the scan and the one-file updates make, each one request to the operating
 * system's file threads (an ignore file's or a file's open, check and read count as one). Node's by default; a test passes its
 * own: one that counts the calls in flight, or one that never answers.
 */
export interface ScanFs {
  readdir(abs: string): Promise<Pick<Dirent, "name" | "isFile" | "isDirectory" | "isSymbolicLink">[]>;
  /**
   * `nlink`, `dev` and `ino` where known: a file with several links is looked up by its other names (secret-links.ts).
   * `ctimeMs` where the file system keeps one: the cache trusts a record only when it is unchanged too (file-stamp.ts).
   */
  stat(abs: string): Promise<Pick<Stats, "size" | "mtimeMs" | "isFile" | "isDirectory"> & Partial<Pick<Stats, "nlink" | "dev" | "ino" | "ctimeMs">>>;
  lstat(abs: string): Promise<Pick<Stats, "isSymbolicLink">>;
  realpath(abs: string): Promise<string>;
  /** An ignore file's text; undefined when there is none or it is a link or a folder; else why it is not read. */
  readIgnoreFile(abs: string): Promise<string | Omit<SkippedFile, "path"> | undefined>;
  /** A file's bytes for a one-file update: a regular file of at most `maxBytes` (indexed-file.ts). */
  readFile(abs: string, maxBytes: number): Promise<IndexedRead>;
}

/** Ignore files over this are not applied (and reported): every path is checked against every rule. */
const MAX_IGNORE_FILE_BYTES = 1024 * 1024;

export const nodeScanFs: ScanFs = {
  readdir: (abs) => readdir(abs, { withFileTypes: true }),
  stat: (abs) => stat(abs),
  lstat: (abs) => lstat(abs),
  realpath: (abs) => realpath(abs),
  readIgnoreFile,
  readFile: readRegularFileAsync,
};

/**
 * File calls a loop over many paths makes at once: thousands at once (a folder of mode-000
 * files, a checkpoint's every path) would fill the file threads every other file call waits on.
 */
export const FILE_CALLS_AT_ONCE = 64;

/**
 * `call` of each of `items`, `FILE_CALLS_AT_ONCE` at a time: yields each batch's items with
 * their answers, in order, so a caller that has its answer can stop before the rest are made.
 */
export async function* inBatches<T, R>(items: readonly T[], call: (item: T) => Promise<R>): AsyncGenerator<[T, R][]> {
  for (let i = 0; i < items.length; i += FILE_CALLS_AT_ONCE) {
    const batch = items.slice(i, i + FILE_CALLS_AT_ONCE);
    const answers = await Promise.all(batch.map(call));
    yield batch.map((item, k) => [item, answers[k] as R]);
  }
}

/** A file call that had no answer within the deadline, or was not made because earlier ones had none. */
export class StalledCall extends Error {}

/** A file call not made because earlier ones had no answer: nothing is known of its own file. */
export class NotTriedCall extends StalledCall {}

/** How long a file call may take: a local disk answers in milliseconds, a stalled network mount never. */
export const CALL_DEADLINE_MS = 10_000;
/**
 * Calls left without an answer after which no more are made. Each holds one of node's 4
 * file threads until the mount answers, and the rest of the process needs them.
 */
const MAX_STALLED = 2;

/**
 * Waits before a call refused for a full table of open files is made again when no other call
 * is in flight to wait on (the root's ignore files, read first): a table held a moment by other
 * work of the process (a model's load, the parse threads' start) frees within these. 750 ms in
 * all, well within `CALL_DEADLINE_MS`.
 */
const TABLE_BACKOFF_MS = [50, 100, 200, 400];

/** A call's state in limitCalls' retries for a full table of open files. */
interface TableRoom {
  /** Ends the wait for room (its deadline came). */
  giveUp?: () => void;
  /** The last full-table error the call met: at its deadline it fails with it, not as a stalled call. */
  tableError?: unknown;
  /** Its deadline passed: no more tries. */
  expired?: boolean;
}

/**
 * `fs` with at most `max` calls in flight; the others wait their turn, in order. Node runs
 * file calls on 4 threads shared with the rest of the process: a folder of 200,000 files
 * statted at once queued 200,000 requests (846–940 MB of memory against 205–211 MB at 64),
 * and anything else the process reads waited behind them. A call with no answer in
 * `deadlineMs` fails (StalledCall) while it goes on holding its place; once `MAX_STALLED` are
 * left so, every call fails at once until one of them answers: the scan finishes, naming
 * what it could not read, instead of waiting on a stalled mount for ever.
 */
export function limitCalls(fs: ScanFs, max: number, deadlineMs = CALL_DEADLINE_MS): ScanFs {
  let active = 0;
  let stalled = 0;
  // Calls that found the process's table of open files full, each waiting for another call to answer (and close its file).
  let parked = 0;
  const wakers: (() => void)[] = [];
  const answered = (): void => {
    for (const wake of wakers.splice(0)) wake();
  };
  // A full table (a low ulimit -n) is this moment's, not the file's: the call is made again
  // once another in flight has answered; with none to wait on (the root's ignore files, read
  // first and alone) after a short wait, `TABLE_BACKOFF_MS`, before it fails. Its deadline
  // (`room.expired`) ends the waiting: then it fails with the table's error, not as a stalled
  // mount — a call that met a full table is no hung call, the time went to waiting for room.
  const retried = async <T>(call: () => Promise<T>, room: TableRoom): Promise<T> => {
    for (let waits = 0; ; ) {
      try {
        return await call();
      } catch (err) {
        if (!tooManyOpenFiles(err) || room.expired) throw err;
        room.tableError = err;
        let gaveUp: boolean;
        if (active - parked > 1) {
          parked++;
          gaveUp = await new Promise<boolean>((wake) => {
            wakers.push(() => wake(false));
            room.giveUp = () => wake(true);
          });
          parked--;
        } else if (waits < TABLE_BACKOFF_MS.length) {
          const ms = TABLE_BACKOFF_MS[waits++] as number;
          gaveUp = await new Promise<boolean>((wake) => {
            const backoff = setTimeout(() => wake(false), ms);
            room.giveUp = () => {
              clearTimeout(backoff);
              wake(true);
            };
          });
        } else throw err;
        room.giveUp = undefined;
        if (gaveUp) throw err;
      }
    }
  };
  const maxStalled = Math.min(MAX_STALLED, max);
  const waiting: { go: () => void; fail: (err: Error) => void }[] = [];
  const notTried = (): StalledCall => new NotTriedCall(`not tried: ${stalled} earlier file call${stalled === 1 ? "" : "s"} had no answer in ${deadlineMs / 1000} s (a stalled network mount?)`);
  const release = (): void => {
    const next = waiting.shift();
    if (next) next.go(); // the place is handed over, not counted again
    else active--;
  };
  const run = async <T>(call: () => Promise<T>): Promise<T> => {
    if (stalled >= maxStalled) throw notTried();
    if (active < max) active++;
    else await new Promise<void>((go, fail) => waiting.push({ go, fail }));
    return new Promise<T>((answer, fail) => {
      let late = false;
      const room: TableRoom = {};
      const timer = setTimeout(() => {
        if (room.giveUp) return room.giveUp();
        if (room.tableError !== undefined) {
          // A try made after the table was full is still out: the call fails now with the
          // table's error and makes no more; the try keeps its place until it answers.
          room.expired = true;
          return fail(room.tableError);
        }
        late = true;
        stalled++;
        holdRead(1);
        fail(new StalledCall(`timed out: no answer in ${deadlineMs / 1000} s (a stalled network mount?)`));
        if (stalled >= maxStalled) for (const waiter of waiting.splice(0)) waiter.fail(notTried());
      }, deadlineMs);
      new Promise<T>((made) => made(retried(call, room))).then(answer, fail).finally(() => {
        clearTimeout(timer);
        answered();
        if (late) {
          stalled--;
          holdRead(-1);
        }
        release();
      });
    });
  };
  return {
    readdir: (abs) => run(() => fs.readdir(abs)),
    stat: (abs) => run(() => fs.stat(abs)),
    lstat: (abs) => run(() => fs.lstat(abs)),
    realpath: (abs) => run(() => fs.realpath(abs)),
    readIgnoreFile: (abs) => run(() => fs.readIgnoreFile(abs)),
    readFile: (abs, maxBytes) => run(() => fs.readFile(abs, maxBytes)),
  };
}

/**
 * An ignore file's text; undefined when there is none (the common case) or it is a link,
 * which git does not follow either (it may point out of the workspace, or at /dev/zero);
 * else why it is not read. Opened without blocking and checked before it is read: a FIFO
 * would wait for a writer forever. A full table of open files (EMFILE, ENFILE) is thrown.
 */
export async function readIgnoreFile(abs: string, openFile: typeof open = open): Promise<string | Omit<SkippedFile, "path"> | undefined> {
  let handle;
  try {
    handle = await openFile(abs, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    // A full table of open files is no missing file: taken for one, its rules were not applied
    // and what it ignores (build output, vendored code, secrets) was indexed. Thrown: limitCalls
    // waits for room, and a caller it still fails does not go on without the rules (loadRules).
    if (tooManyOpenFiles(err)) throw err;
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return undefined;
    if (!info.isFile()) return { reason: "unreadable", detail: "not a regular file; its rules are not applied" };
    if (info.size > MAX_IGNORE_FILE_BYTES) return { reason: "too-large", detail: `${info.size} bytes, over the ${MAX_IGNORE_FILE_BYTES / (1024 * 1024)} MiB limit for ignore files; its rules are not applied` };
    return await handle.readFile("utf8");
  } catch (err) {
    return { reason: "unreadable", detail: errorCode(err) };
  } finally {
    await handle.close();
  }
}

/** Why an entry whose name is not UTF-8 is not indexed: the index's skip detail, which list_files and search look for too (scan.ts withoutUnnamed). */
export const NOT_UTF8_NAME = "its name is not valid UTF-8, which Hearth cannot read (rename it to index it)";

export function errorCode(err: unknown): string {
  if (err instanceof StalledCall) return err.message;
  const { code, path } = err as NodeJS.ErrnoException;
  if (code === "EMFILE") return "EMFILE: too many files open at once for this process's limit (ulimit -n): raise it (ulimit -n 4096) and index again";
  if (code === "ENFILE") return "ENFILE: the system's table of open files is full: close programs that hold many files open, or raise fs.file-max, and index again";
  // Node reads a name's bytes as UTF-8, with U+FFFD for what does not decode: the path it
  // gives then names no file, and "ENOENT" would read as if the file were gone.
  if (code === "ENOENT" && path?.includes("\ufffd")) return NOT_UTF8_NAME;
  return code ?? String(err);
}
