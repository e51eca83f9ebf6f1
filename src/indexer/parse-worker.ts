/**
 * The parse pool's side of a worker thread (started through worker-entry.ts).
 * Messages: in `{ id, jobs }` or `{ close: true }`; out `{ id, outcomes }` (same order), and `{ ready: true }`
 * once it listens — see pool.ts.
 */
import { parentPort } from "node:worker_threads";
import { readRegularFile } from "./indexed-file.ts";
import { LanguageRegistry } from "./languages.ts";
import { parseFile, type FileRead, type ParseJob, type ParseSettings } from "./parse-file.ts";
import type { ParseOutcome } from "./types.ts";

/** workerData of a parse worker. */
export interface ParseWorkerInit {
  readonly role: "parse";
  readonly queriesDir: string;
  readonly settings: ParseSettings;
  /**
   * Where the thread says which read it is in (`READ_STATE` slots, Int32): the pool ends a
   * thread whose read has had no answer for 10 s (a file on a stalled network mount).
   */
  readonly readState: SharedArrayBuffer;
}

/** The slots of `ParseWorkerInit.readState`. */
export const READ_STATE = {
  /** Reads started by this thread: a new number for every read. */
  seq: 0,
  /** The message id and the job's place in it of the read going on. */
  batch: 1,
  job: 2,
  /** 1 while a read is going on. */
  reading: 3,
  length: 4,
} as const;

/** Serves parse requests on this thread until asked to close; `read` is a test's stalled read. */
export function runParseWorker(init: ParseWorkerInit, read: FileRead = readRegularFile): void {
  // Grammars load on a thread's first file in their language (~70 ms for TypeScript's or
  // C++'s query), inside a build: edits are parsed on the index thread, which warms its own.
  const registry = new LanguageRegistry(init.queriesDir);
  const state = new Int32Array(init.readState);
  // The read is synchronous (twice the throughput of a round trip through libuv's threads on
  // small files), so only the pool, watching these slots, can tell it never ends.
  const watched = (batch: number, job: number): FileRead => (absPath, maxBytes) => {
    Atomics.add(state, READ_STATE.seq, 1);
    Atomics.store(state, READ_STATE.batch, batch);
    Atomics.store(state, READ_STATE.job, job);
    Atomics.store(state, READ_STATE.reading, 1);
    try {
      return read(absPath, maxBytes);
    } finally {
      Atomics.store(state, READ_STATE.reading, 0);
    }
  };
  parentPort?.on("message", (msg: { id: number; jobs: ParseJob[] } | { close: true }) => {
    // Exiting from a message handler means no native parse or query is running: terminating
    // a thread inside tree-sitter's native code aborts the whole process.
    if ("close" in msg) process.exit(0);
    const outcomes = msg.jobs.map((job, k): ParseOutcome => {
      try {
        return parseFile(job, registry, init.settings, watched(msg.id, k));
      } catch (err) {
        return { ok: false, skip: { path: job.path, reason: "parse-error", detail: String(err) } };
      }
    });
    parentPort?.postMessage({ id: msg.id, outcomes });
  });
  parentPort?.postMessage({ ready: true });
}
