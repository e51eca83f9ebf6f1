import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { watchHeldReads } from "./held-reads.ts";
import type { DefinitionHit, MentionHits, ReferenceHit } from "./lookup.ts";
import type { IndexWorkerInit } from "./index-worker.ts";
import { type BuildOptions, DEFAULT_LIMITS, type IndexProgress, type IndexReport, type RepoIndexOptions, type UpdateResult } from "./repo-index.ts";
import { entryLimit, fitRepoMap, type RepoMap, type RepoMapEntry, type RepoMapOptions } from "./repo-map.ts";
import type { EntityOptions, LocatedEntity } from "./entities.ts";
import type { LocateOptions, LocatedFile } from "./retrieve.ts";
import { type CompletionContext, type ContextOptions, contextRequest } from "./snippets.ts";

/** How to start an index on its own thread. */
export interface IndexClientOptions extends Omit<RepoIndexOptions, "workers" | "fs" | "now"> {
  /** The indexer's worker entry: `out/indexer-worker.mjs` (worker-entry.ts bundled). */
  readonly workerScript: string | URL;
  /** Parse threads under the index thread (default 2). */
  readonly parseWorkers?: number;
}

interface Call {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly onProgress?: (p: IndexProgress) => void;
}

/**
 * A RepoIndex running on a worker thread, with the same operations as promises. This is
 * what the runtime uses: building, edits, the graph and every query run off its thread, so
 * indexing never delays a completion or a chat turn. The index thread parses through its
 * own pool of parse threads (the same worker entry).
 */
export class IndexClient {
  private readonly worker: Worker;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  private exited = false;
  private closing = false;
  /** Set by `close()`: the thread said it closed (with a note when parse threads are left in reads). */
  private onClosed: ((note: string | null) => void) | undefined;
  private readonly exitListeners: ((code: number) => void)[] = [];
  /** The index's limit on a file: a buffer over it has no record, and only its lines around the cursor go to `contextAt`. */
  private readonly maxFileBytes: number;

  constructor(options: IndexClientOptions) {
    this.maxFileBytes = options.limits?.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes;
    const { workerScript, parseWorkers, ...rest } = options;
    // A URL does not survive the trip to the thread (structured clone): send a path.
    const script = typeof workerScript === "string" ? workerScript : fileURLToPath(workerScript);
    // The thread's reads held (a stalled mount) count for this process until it is gone: its
    // exit waits for them, and so would this process's (held-reads.ts).
    const held = new SharedArrayBuffer(4);
    const forgetHeld = watchHeldReads(held);
    const init: IndexWorkerInit = { role: "index", options: { ...rest, workers: { script, count: parseWorkers ?? 2 } }, held };
    this.worker = new Worker(workerScript, { workerData: init });
    this.worker.on("message", (msg: { id: number; result?: unknown; error?: string; progress?: IndexProgress } | { closed: string | null }) =>
      "closed" in msg ? this.onClosed?.(msg.closed) : this.onMessage(msg),
    );
    this.worker.on("error", (err) => this.failAll(`index thread failed: ${err.message}`));
    this.worker.on("exit", (code) => {
      this.exited = true;
      forgetHeld();
      this.failAll(`index thread exited (code ${code})`);
      if (!this.closing) for (const listener of this.exitListeners) listener(code);
    });
  }

  /**
   * Calls `listener` if the index thread ends without `close()` (out of memory, a crash):
   * every call after that fails, so the owner starts another client.
   */
  onExit(listener: (code: number) => void): void {
    this.exitListeners.push(listener);
  }

  /**
   * Scans and indexes what changed; abort with `signal` (the "Indexing n/m" progress stops).
   * `rebuild` ignores the cache and re-parses every file ("Hearth: Reindex Workspace").
   */
  build(opts: BuildOptions = {}): Promise<IndexReport> {
    const { id, promise } = this.call<IndexReport>("build", { rebuild: opts.rebuild === true }, opts.onProgress);
    const signal = opts.signal;
    if (!signal) return promise;
    // Removed once the build ends: one signal serves every check of the disk until a Reindex (RECHECK_MS).
    const cancel = () => this.worker.postMessage({ cancel: id });
    signal.addEventListener("abort", cancel, { once: true });
    const settled = () => signal.removeEventListener("abort", cancel);
    promise.then(settled, settled);
    return promise;
  }

  /** One file changed on disk, or its unsaved buffer changed (`text`). */
  updateFile(path: string, text?: string): Promise<UpdateResult> {
    return this.call<UpdateResult>("updateFile", { path, ...(text !== undefined ? { text } : {}) }).promise;
  }

  removeFile(path: string): Promise<boolean> {
    return this.call<boolean>("removeFile", { path }).promise;
  }

  renameFile(from: string, to: string): Promise<UpdateResult> {
    return this.call<UpdateResult>("renameFile", { from, to }).promise;
  }

  /** Writes the cache now; returns its size in bytes. */
  save(): Promise<number> {
    return this.call<number>("save", {}).promise;
  }

  summary(): Promise<IndexReport> {
    return this.call<IndexReport>("summary", {}).promise;
  }

  /** Lets the index run `git log` from now on (a workspace just trusted) and reads the history. */
  allowHistory(): Promise<void> {
    return this.call<void>("allowHistory", {}).promise;
  }

  /** Resolves once the parse threads have loaded their grammars. */
  ready(): Promise<void> {
    return this.call<void>("ready", {}).promise;
  }

  locate(query: string, options: LocateOptions = {}): Promise<LocatedFile[]> {
    return this.call<LocatedFile[]>("locate", { query, options }).promise;
  }

  locateEntities(query: string, files: readonly LocatedFile[], options: EntityOptions = {}): Promise<LocatedEntity[]> {
    return this.call<LocatedEntity[]>("locateEntities", { query, files, options }).promise;
  }

  /**
   * The repo map. Ranking runs on the index thread; fitting to the budget runs here, so
   * `countTokens` can be the loaded model's tokenizer.
   */
  async repoMap(options: RepoMapOptions): Promise<RepoMap> {
    const { countTokens, tokens, ...focus } = options;
    const entries = await this.call<RepoMapEntry[]>("rankedEntries", { options: focus, limit: entryLimit(tokens) }).promise;
    return fitRepoMap(entries, { tokens, ...(countTokens ? { countTokens } : {}) });
  }

  findDefinitions(name: string, limit?: number): Promise<DefinitionHit[]> {
    return this.call<DefinitionHit[]>("findDefinitions", { name, limit }).promise;
  }

  findReferences(name: string, limit?: number): Promise<ReferenceHit[]> {
    return this.call<ReferenceHit[]>("findReferences", { name, limit }).promise;
  }

  searchMentions(query: string, limit?: number): Promise<MentionHits> {
    return this.call<MentionHits>("searchMentions", { query, limit }).promise;
  }

  fileOutline(path: string): Promise<DefinitionHit[]> {
    return this.call<DefinitionHit[]>("fileOutline", { path }).promise;
  }

  contextAt(path: string, line: number, options: ContextOptions = {}): Promise<CompletionContext> {
    return this.call<CompletionContext>("contextAt", { path, ...contextRequest(line, options, this.maxFileBytes) }).promise;
  }

  /**
   * Stops the parse threads and the index thread. Resolves once the index thread has closed,
   * with a line for the log when parse threads are left held in reads with no answer (a
   * stalled mount): the thread's exit waits for them, and closing does not.
   */
  close(): Promise<string | undefined> {
    this.closing = true;
    if (this.exited) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.onClosed = (note) => resolve(note ?? undefined);
      this.worker.once("exit", () => resolve(undefined));
      this.worker.postMessage({ close: true });
    });
  }

  private call<T>(method: string, params: unknown, onProgress?: (p: IndexProgress) => void): { id: number; promise: Promise<T> } {
    const id = this.nextId++;
    const promise = new Promise<T>((resolve, reject) => {
      if (this.exited) return reject(new Error("index thread is not running"));
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject, ...(onProgress ? { onProgress } : {}) });
      this.worker.postMessage({ id, method, params });
    });
    return { id, promise };
  }

  private onMessage(msg: { id: number; result?: unknown; error?: string; progress?: IndexProgress }): void {
    const call = this.calls.get(msg.id);
    if (!call) return;
    if (msg.progress) {
      call.onProgress?.(msg.progress);
      return;
    }
    this.calls.delete(msg.id);
    if (msg.error !== undefined) call.reject(new Error(msg.error));
    else call.resolve(msg.result);
  }

  private failAll(why: string): void {
    for (const call of this.calls.values()) call.reject(new Error(why));
    this.calls.clear();
  }
}
