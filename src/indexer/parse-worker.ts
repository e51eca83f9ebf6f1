/**
 * The parse pool's side of a worker thread (started through worker-entry.ts).
 * Messages: in `{ id, jobs }` or `{ close: true }`; out `{ id, outcomes }` (same order), and `{ ready: true }`
 * once it listens — see pool.ts.
 */
import { parentPort } from "node:worker_threads";
import { LanguageRegistry } from "./languages.ts";
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
  // Grammars load on a thread's first file in their language (~70 ms for TypeScript's or
  // C++'s query), inside a build: edits are parsed on the index thread, which warms its own.
  const registry = new LanguageRegistry(init.queriesDir);
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
  parentPort?.postMessage({ ready: true });
}
