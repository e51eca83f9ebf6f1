/**
 * Reads left with no answer: parse threads given up in a read (pool.ts) and file calls past
 * their deadline (scan-fs.ts), on a network mount that stopped answering. Node cannot end a
 * process while one is held: as it exits — process.exit() too — it joins every thread it
 * started and every file call in flight, and a read on a stalled mount may never return. So
 * `hearth locate` printed its answer and never exited, and a runtime whose parent had gone
 * kept its model's memory. The process's entry (the CLI's main, the runtime's) asks here,
 * once its work is done, and ends itself with SIGKILL when a read is held: nothing else
 * ends a process whose thread is in such a read.
 *
 * One count per thread, in shared memory: an IndexClient gives its index thread one and
 * reads it from the main thread, until that thread (and every thread it started) is gone.
 */
import { writeSync } from "node:fs";
import type { Writable } from "node:stream";

let own = new Int32Array(new SharedArrayBuffer(4));
const others = new Set<Int32Array>();

/** This thread's reads held, +1 or -1. */
export function holdRead(delta: 1 | -1): void {
  Atomics.add(own, 0, delta);
}

/** In a thread an IndexClient started: count here, where the client reads. */
export function countHeldReadsIn(buffer: SharedArrayBuffer): void {
  own = new Int32Array(buffer);
}

/** A thread's count, read with this thread's own while it lives; the returned function forgets it (the thread is gone). */
export function watchHeldReads(buffer: SharedArrayBuffer): () => void {
  const count = new Int32Array(buffer);
  others.add(count);
  return () => void others.delete(count);
}

/** Reads held by this thread and the threads it watches. */
export function heldReads(): number {
  let held = Atomics.load(own, 0);
  for (const count of others) held += Atomics.load(count, 0);
  return held;
}

/**
 * Ends the process now, with SIGKILL (exit status 137), when reads are held, saying so on
 * stderr; else does nothing. What the process's streams still hold is lost: to a file or a
 * terminal they write synchronously, to a pipe not (`endOnceWrittenIfReadsHeld`).
 */
export function endIfReadsHeld(): void {
  const held = heldReads();
  if (held === 0) return;
  const them = held === 1 ? "it" : "them";
  // The kill replaces the status a script reads (hearth fix's 0 "fixed"): it is said here.
  const status = Number(process.exitCode ?? 0);
  writeSync(2, `hearth: ${held} read${held === 1 ? "" : "s"} had no answer (a stalled network mount?); exiting without waiting for ${them}, which node cannot do otherwise: status 137 (killed) instead of ${status}\n`);
  process.kill(process.pid, "SIGKILL");
}

/**
 * `endIfReadsHeld` once `streams` have handed the kernel what they were given: for the CLI's
 * end. Node writes to a pipe asynchronously: what a pipe cannot take yet (64 KiB; `hearth map
 * | less`, a patch piped to a slow reader) waits in the process, and SIGKILL dropped it.
 */
export async function endOnceWrittenIfReadsHeld(streams: readonly NodeJS.WritableStream[]): Promise<void> {
  if (heldReads() === 0) return;
  await Promise.all(streams.map(written));
  endIfReadsHeld();
}

/** Resolves once `stream` has written all it was given, or cannot any more (its reader gone). */
function written(stream: NodeJS.WritableStream): Promise<void> {
  const state = stream as Partial<Pick<Writable, "writableLength" | "destroyed">>;
  if (!state.writableLength || state.destroyed) return Promise.resolve();
  // Writes go out in order: an empty one's callback comes once those before it are written (or failed).
  return new Promise((done) => void stream.write("", () => done()));
}

/**
 * Calls `endIfReadsHeld` as the process exits (process.exit, or the end of its work): for the
 * runtime, which exits by process.exit. Added at its start, this comes before the exit
 * listeners added later, which the kill would skip: those run first (WorkspaceMcp's kill of
 * its MCP servers, which lead their own process groups and outlived the runtime).
 */
export function endAtExitIfReadsHeld(): void {
  const atExit = (code: number): void => {
    if (heldReads() === 0) return;
    const listeners = process.listeners("exit");
    for (const listener of listeners.slice(listeners.indexOf(atExit) + 1)) {
      try {
        listener.call(process, code);
      } catch {
        // One that throws keeps neither the others nor the kill from coming.
      }
    }
    endIfReadsHeld();
  };
  process.on("exit", atExit);
}
