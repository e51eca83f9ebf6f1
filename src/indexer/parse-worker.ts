/**
 * The parse pool's side of a worker thread (started through worker-entry.ts).
 * Messages: in `{ id, jobs }` or `{ close: true }`; out `{ id, outcomes }` (same order), and `{ ready: true }`
 * once every grammar is loaded — see pool.ts.
 */
import { parentPort } from "node:worker_threads";
import { LANGUAGES, LanguageRegistry } from "./languages.ts";
import { parseFile, type ParseJob, type ParseSettings } from "./parse-file.ts";
import type { ParseOutcome } from "./types.ts";

/** workerData of a parse worker. */
export interface ParseWorkerInit {
  readonly role: "parse";
  readonly queriesDir: string;
  readonly settings: ParseSettings;
}

/** Serves parse requests on this thread until asked to close. */
export function runParseWorker(init: ParseWorkerInit): void {
  const registry = new LanguageRegistry(init.queriesDir);
  setImmediate(() => preload(registry, 0));
  parentPort?.on("message", (msg: { id: number; jobs: ParseJob[] } | { close: true }) => {
    // Exiting from a message handler means no native parse or query is running: terminating
    // a thread inside tree-sitter's native code aborts the whole process.
    if ("close" in msg) process.exit(0);
    const outcomes = msg.jobs.map((job): ParseOutcome => {
      try {
        return parseFile(job, registry, init.settings);
      } catch (err) {
        return { ok: false, skip: { path: job.path, reason: "parse-error", detail: String(err) } };
      }
    });
    parentPort?.postMessage({ id: msg.id, outcomes });
  });
}

// Compile every grammar's query while the pool is idle rather than inside the first edit
// of a file in that language (TypeScript's and C++'s take 50-150 ms). One language per
// macrotask, so parse requests that arrive meanwhile are not held up behind all of them.
function preload(registry: LanguageRegistry, i: number): void {
  if (i >= LANGUAGES.length) {
    parentPort?.postMessage({ ready: true });
    return;
  }
  try {
    registry.get(LANGUAGES[i]!);
  } catch {
    // A grammar that fails to load fails again, with its reason, on its first file.
  }
  setImmediate(() => preload(registry, i + 1));
}

