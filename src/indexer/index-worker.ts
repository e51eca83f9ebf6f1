/**
 * The IndexClient's other half: a worker thread that owns a RepoIndex, so that building,
 * the tables, the graph and every query run off the caller's thread. Protocol (all
 * structured-clone data):
 *   in  { id, method, params }            a call (methods: see HANDLERS)
 *   in  { cancel: id }                    abort the build started by call `id`
 *   in  { close: true }                   close the parse pool and exit
 *   out { id, result } | { id, error }    the call's outcome
 *   out { id, progress }                  build progress of call `id`
 *   out { closed: note | null }           closed, about to exit; `note` names parse threads left in reads
 */
import { parentPort } from "node:worker_threads";
import { contextAt } from "./snippets.ts";
import { countHeldReadsIn } from "./held-reads.ts";
import { fileOutline, findDefinitions, findReferences, searchMentions } from "./lookup.ts";
import { RepoIndex, type RepoIndexOptions } from "./repo-index.ts";
import { rankedEntries } from "./repo-map.ts";
import { locate } from "./retrieve.ts";
import { locateEntities } from "./entities.ts";

/** workerData of an index worker. */
export interface IndexWorkerInit {
  readonly role: "index";
  readonly options: RepoIndexOptions;
  /** Where this thread counts its reads held (held-reads.ts), for the process that started it. */
  readonly held?: SharedArrayBuffer;
}

// `never` accepts every handler's own parameter type; the client sends matching params.
type Handler = (index: RepoIndex, params: never, ctx: { id: number; signal: AbortSignal }) => unknown;

const HANDLERS: Record<string, Handler> = {
  build: (index, p: { rebuild?: boolean }, ctx) =>
    index.build({ signal: ctx.signal, rebuild: p.rebuild === true, onProgress: (progress) => parentPort?.postMessage({ id: ctx.id, progress }) }),
  updateFile: (index, p: { path: string; text?: string }) => index.updateFile(p.path, p.text),
  removeFile: (index, p: { path: string }) => index.removeFile(p.path),
  renameFile: (index, p: { from: string; to: string }) => index.renameFile(p.from, p.to),
  save: (index) => index.save(),
  summary: (index) => index.summary(),
  ready: (index) => index.ready(),
  allowHistory: (index) => index.allowHistory(),
  locate: async (index, p: { query: string; options: Parameters<typeof locate>[2] }) => {
    await index.refreshHistory(); // a commit since the build: its message counts now
    return locate(index, p.query, p.options);
  },
  locateEntities: (index, p: { query: string; files: Parameters<typeof locateEntities>[2]; options: Parameters<typeof locateEntities>[3] }) =>
    locateEntities(index, p.query, p.files, p.options),
  rankedEntries: (index, p: { options: Parameters<typeof rankedEntries>[1]; limit: number }) => rankedEntries(index, p.options, p.limit),
  findDefinitions: (index, p: { name: string; limit?: number }) => findDefinitions(index, p.name, p.limit),
  findReferences: (index, p: { name: string; limit?: number }) => findReferences(index, p.name, p.limit),
  fileOutline: (index, p: { path: string }) => fileOutline(index, p.path),
  searchMentions: (index, p: { query: string; limit?: number }) => searchMentions(index, p.query, p.limit),
  contextAt: (index, p: { path: string; line: number; options: Parameters<typeof contextAt>[3] }) => contextAt(index, p.path, p.line, p.options),
};

/** Serves calls on this thread until asked to close. */
export function runIndexWorker(init: IndexWorkerInit): void {
  if (init.held) countHeldReadsIn(init.held);
  const index = new RepoIndex(init.options);
  const builds = new Map<number, AbortController>();
  parentPort?.on("message", (msg: { id: number; method: string; params: unknown } | { cancel: number } | { close: true }) => {
    if ("close" in msg) {
      // Said before exiting: the exit itself waits for parse threads held in reads (node joins
      // every thread it started), which on a stalled mount may never return.
      void index.close().then(
        (note) => parentPort?.postMessage({ closed: note ?? null }),
        () => parentPort?.postMessage({ closed: null }),
      ).finally(() => process.exit(0));
      return;
    }
    if ("cancel" in msg) {
      builds.get(msg.cancel)?.abort();
      return;
    }
    const handler = HANDLERS[msg.method];
    if (!handler) {
      parentPort?.postMessage({ id: msg.id, error: `unknown method ${msg.method}` });
      return;
    }
    const controller = new AbortController();
    builds.set(msg.id, controller);
    Promise.resolve()
      .then(() => handler(index, msg.params as never, { id: msg.id, signal: controller.signal }))
      .then(
        (result) => parentPort?.postMessage({ id: msg.id, result }),
        (err: unknown) => parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => builds.delete(msg.id));
  });
}
