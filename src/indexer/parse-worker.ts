/**
 * Worker-thread entry of the parse pool. Bundled as its own entry point (the build writes
 * it next to the runtime as `indexer-worker.js`); the pool is told its path explicitly.
 * Messages: in `{ id, job }`, out `{ id, outcome }` — see pool.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { LanguageRegistry } from "./languages.ts";
import { parseFile, type ParseJob, type ParseSettings } from "./parse-file.ts";

interface WorkerInit {
  readonly queriesDir: string;
  readonly settings: ParseSettings;
}

const init = workerData as WorkerInit;
const registry = new LanguageRegistry(init.queriesDir);

parentPort?.on("message", (msg: { id: number; job: ParseJob }) => {
  parseFile(msg.job, registry, init.settings).then(
    (outcome) => parentPort?.postMessage({ id: msg.id, outcome }),
    (err: unknown) =>
      parentPort?.postMessage({
        id: msg.id,
        outcome: { ok: false, skip: { path: msg.job.path, reason: "parse-error", detail: String(err) } },
      }),
  );
});
