/**
 * The repository index of the open workspace, inside the runtime: the whole index runs on
 * its own thread (IndexClient), so indexing never delays a completion or a chat turn.
 * Builds in the background at start (from the cache when the tree is unchanged), follows
 * saves, unsaved edits, file-watcher events, renames and deletes one file at a time, and
 * reports its state for the status bar and the Hearth view.
 */
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cacheMissMessage, IndexClient, type IndexLimits, type IndexProgress, type IndexReport, leftOutMessage, shallowHistoryMessage, stoppedMessage } from "../indexer/index.ts";
import type { IndexState } from "../protocol/status.ts";
import { log } from "./log.ts";

export interface WorkspaceIndexOptions {
  /** Workspace root (absolute). */
  readonly root: string;
  /** Where the cache lives (VS Code's workspace storage); none: no cache. */
  readonly storageDir?: string;
  /** Folder with `queries/` and `indexer-worker.mjs`: next to the runtime bundle. */
  readonly assetsDir: string;
  readonly onState: (state: IndexState) => void;
  /** Delay before re-parsing a file edited in the editor (ms; typing makes many changes). */
  readonly editDebounceMs?: number;
  /**
   * Read the git history for ranking (default true). False in a folder VS Code does not
   * trust: its `.git/config` may name programs that git runs. `trust()` turns it on.
   */
  readonly history?: boolean;
  /** The index's limits (default DEFAULT_LIMITS: at most 100,000 files, none over 1 MiB). */
  readonly limits?: Partial<IndexLimits>;
}

/**
 * How often the disk is checked for changes no event named: VS Code's watcher says nothing of a
 * folder in files.watcherExclude, a change another machine made on a network mount, or a
 * folder it stopped watching (Linux's inotify limit); without a check the index stays stale.
 */
export const RECHECK_MS = 5 * 60_000;

/** Said once, in the log, when a check found files changed that no event named. */
export function missedEventsMessage(files: number): string {
  return `index: ${files} file${files === 1 ? "" : "s"} had changed on disk with no word from the editor's file watcher (a folder in files.watcherExclude, a network or FUSE mount, or a watcher past its limit); the index checks the disk every ${RECHECK_MS / 60_000} minutes, and Hearth: Reindex Workspace checks it now. On Linux, where the watcher stops at fs.inotify.max_user_watches, raise it: sudo sysctl fs.inotify.max_user_watches=524288 (and add that line to /etc/sysctl.conf to keep it)`;
}

/** The same, in the Hearth view's index line for the rest of the session: a user whose index was stale rarely opens the log. */
export const MISSED_EVENTS_NOTICE = `files changed that the editor's file watcher did not report, so the index lagged until its check of the disk every ${RECHECK_MS / 60_000} minutes found them (a folder in files.watcherExclude, a network mount, or on Linux the limit of folders watched: raise it with sudo sysctl fs.inotify.max_user_watches=524288, and for good add fs.inotify.max_user_watches=524288 to /etc/sysctl.conf; then reload the window, and this note goes)`;

/**
 * How long after the last one-file update (a file saved, added, deleted or renamed) the index
 * line's counts are asked for again: a checkout sends thousands of events, one ask follows them.
 */
export const COUNTS_DEBOUNCE_MS = 1000;

const HISTORY_OFF = "the folder is not trusted, so Hearth runs no git in it (trust it to rank by its history too)";

export class WorkspaceIndex {
  private client: IndexClient | undefined;
  private building: Promise<IndexReport> | undefined;
  private controller = new AbortController();
  private readonly pendingEdits = new Map<string, { readonly timer: NodeJS.Timeout; readonly text: string | undefined }>();
  /** Edits moved to a renamed file's new name, waiting for the rename's own read of the disk (their text goes after it). */
  private readonly afterRename = new Map<string, string | undefined>();
  private disposed = false;
  private historyAllowed: boolean;
  /** Why the last build read no history where git has one (a treeless partial clone, a depth-1 clone), for the index line. */
  private historyMissing: string | undefined;
  private lastReady: Extract<IndexState, { kind: "ready" }> | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private missedSaid = false;
  private countsTimer: NodeJS.Timeout | undefined;
  /** The last build failed with the folder not on disk: the check of the disk builds it again once it is back. */
  private builtWhenBack = false;
  /** Builds started (the first, a Reindex, each disk check): counts asked before one are not its. */
  private buildsStarted = 0;

  constructor(private readonly options: WorkspaceIndexOptions) {
    this.historyAllowed = options.history !== false;
  }

  /** The assets a bundled runtime finds next to itself. */
  static assetsNextTo(moduleUrl: string): string | undefined {
    const dir = fileURLToPath(new URL(".", moduleUrl));
    return existsSync(`${dir}/queries`) && existsSync(`${dir}/indexer-worker.mjs`) ? dir : undefined;
  }

  /**
   * Builds in the background (from the cache where files are unchanged). `force` ignores
   * the cache and re-parses every file ("Reindex Workspace").
   */
  build(force = false): Promise<IndexReport> {
    if (this.building && !force) return this.building;
    this.controller.abort();
    this.controller = new AbortController();
    const client = this.ensureClient();
    const signal = this.controller.signal;
    this.options.onState({ kind: "indexing", done: 0, total: 0 });
    this.lastReady = undefined; // not ready until this build is
    this.buildsStarted++;
    const run = client
      .build({ signal, onProgress: (p) => this.progress(p), rebuild: force })
      .then((report) => {
        const leftOut = leftOutMessage(report);
        // A partial clone without its commits' trees, or a depth-1 clone (no commit but its grafted one): the index line
        // says why there is no history, in hearth index's words.
        if (!signal.aborted) this.historyMissing = report.historyMissing ?? (report.historyShallow && report.historyCommits === 0 ? shallowHistoryMessage(0) : undefined);
        if (!signal.aborted) this.recheckEvery();
        if (!signal.aborted) this.ready(readyState(report));
        const history = !this.historyAllowed
          ? "no git history read: the folder is not trusted"
          : report.historyMissing
            ? `no git history: ${report.historyMissing}`
            : `${report.historyShallow ? shallowHistoryMessage(report.historyCommits) : `${report.historyCommits} commits of history`}${report.historyCut ? ` (only the newest: ${report.historyCut})` : ""}`;
        if (report.stopped) log("warn", `index: ${stoppedMessage(report.stopped)}`);
        if (leftOut) log("warn", `index: ${leftOut}; among them ${report.leftOut.map((s) => `${s.path} (${s.reason}${s.detail ? `: ${s.detail}` : ""})`).join(", ")}`);
        const missed = cacheMissMessage(report.cache, report.cacheMissDetail);
        if (missed) log("info", `index: ${missed}`);
        if (report.cacheError) log("warn", `index: the cache could not be written (${report.cacheError}); the index is complete, the next start parses its files again`);
        log("info", `index: ${report.files} files, ${report.definitions} definitions (${report.parsed} parsed, ${report.reused} from the cache), ${history}`);
        return report;
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        const restart = this.client === client ? "" : "; Hearth: Reindex Workspace starts it again";
        if (!signal.aborted && !this.disposed) {
          this.options.onState({ kind: "error", message: `indexing failed: ${message}${restart}` });
          // The folder not on disk (a share not mounted yet, a workspace file's folder moved): the check of the disk builds it once it is back.
          this.builtWhenBack = !isDirectory(this.options.root);
          if (this.builtWhenBack) this.recheckEvery();
        }
        throw error;
      });
    this.building = run;
    run.catch(() => undefined); // callers that care await it; the state carries the error
    return run;
  }

  /**
   * The user trusted the folder: the history is read now and with every build and query from
   * now on; a ready state says so again (a build under way reports its own when it ends).
   */
  trust(): void {
    if (this.historyAllowed) return;
    this.historyAllowed = true;
    const client = this.client;
    if (!client) return; // the first build reads it
    client
      .allowHistory()
      .then(() => {
        if (this.lastReady && !this.disposed) this.ready(this.lastReady);
        log("info", "index: the folder is trusted; its git history is read for ranking");
      })
      .catch((error: unknown) => log("warn", "index: reading the history after the folder was trusted failed", error));
  }

  private ready(state: Extract<IndexState, { kind: "ready" }>): void {
    const { historyOff: _, missedEvents: _missed, ...rest } = state;
    this.lastReady = rest;
    const missed = this.missedSaid ? { missedEvents: MISSED_EVENTS_NOTICE } : {};
    const missing = this.historyMissing ? { historyOff: this.historyMissing } : {};
    this.options.onState(this.historyAllowed ? { ...rest, ...missed, ...missing } : { ...rest, ...missed, historyOff: HISTORY_OFF });
  }

  /** A file was saved, created or changed on disk (`text` = unsaved editor text, when known). */
  fileChanged(path: string, text?: string): void {
    const client = this.client;
    if (!client) return;
    this.afterRename.delete(path); // a newer edit or save wins over one moved by a rename
    clearTimeout(this.pendingEdits.get(path)?.timer);
    const delay = text === undefined ? 0 : (this.options.editDebounceMs ?? 300);
    const timer = setTimeout(() => {
      this.pendingEdits.delete(path);
      client
        .updateFile(path, text)
        .then(() => this.countsChanged())
        .catch((error: unknown) => log("warn", `index: update of ${path} failed`, error));
    }, delay);
    this.pendingEdits.set(path, { timer, text });
  }

  fileDeleted(path: string): void {
    // An edit still waiting for its debounce, or one a rename moved, of a name deleted since
    // (the file, or a file in the deleted folder) would add back a file the disk no longer has.
    for (const [waiting, { timer }] of this.pendingEdits) {
      if (!within(waiting, path)) continue;
      clearTimeout(timer);
      this.pendingEdits.delete(waiting);
    }
    for (const moved of this.afterRename.keys()) if (within(moved, path)) this.afterRename.delete(moved);
    this.client
      ?.removeFile(path)
      .then(() => this.countsChanged())
      .catch((error: unknown) => log("warn", `index: removing ${path} failed`, error));
  }

  fileRenamed(from: string, to: string): void {
    // An edit still waiting for its debounce belongs to the new name: run under the old one it
    // would add back a file the disk no longer has (a case-only rename included). A renamed
    // folder takes the waiting edits of the files in it along.
    // The index thread runs calls side by side: sent before the rename is done, the edit could
    // be overwritten by the rename's read of the disk under the new name.
    const moved: string[] = [];
    // An edit an earlier rename moved here, still waiting for that rename, moves on with this one.
    for (const [path, text] of [...this.afterRename]) {
      if (!within(path, from)) continue;
      this.afterRename.delete(path);
      const next = to + path.slice(from.length);
      this.afterRename.set(next, text);
      moved.push(next);
    }
    for (const [path, pending] of this.pendingEdits) {
      if (!within(path, from)) continue;
      clearTimeout(pending.timer);
      this.pendingEdits.delete(path);
      const next = to + path.slice(from.length);
      this.afterRename.set(next, pending.text);
      moved.push(next);
    }
    const client = this.client;
    if (!client) return;
    void client
      .renameFile(from, to)
      .then(() => this.countsChanged())
      .catch((error: unknown) => log("warn", `index: rename ${from} → ${to} failed`, error))
      .then(() => {
        for (const path of moved) {
          if (!this.afterRename.has(path)) continue;
          const text = this.afterRename.get(path);
          this.afterRename.delete(path);
          this.fileChanged(path, text);
        }
      });
  }

  /** The index for queries (locate, repo map, symbols, completion context); undefined before the first build. */
  get queries(): IndexClient | undefined {
    return this.client;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.recheckTimer);
    clearTimeout(this.countsTimer);
    this.controller.abort();
    for (const { timer } of this.pendingEdits.values()) clearTimeout(timer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      await client.save().catch(() => undefined);
      const left = await client.close();
      if (left) log("warn", `index: ${left}`);
    }
  }

  private ensureClient(): IndexClient {
    if (this.client) return this.client;
    const { root, storageDir, assetsDir } = this.options;
    const client = new IndexClient({
      root,
      history: this.historyAllowed,
      ...(this.options.limits ? { limits: this.options.limits } : {}),
      queriesDir: `${assetsDir}/queries`,
      workerScript: `${assetsDir}/indexer-worker.mjs`,
      ...(storageDir ? { storageDir } : {}),
    });
    client.onExit((code) => this.clientExited(client, code));
    this.client = client;
    return client;
  }

  // Every call to a dead thread fails, and a build with it would too: the next build starts a
  // new one. One that was ready (it died serving a query or an edit) is started again at once,
  // from the cache; one that died in a build is not (it would likely die again): that build's
  // error state says how to start it.
  private clientExited(client: IndexClient, code: number): void {
    if (this.disposed || this.client !== client) return;
    this.client = undefined;
    this.building = undefined;
    const wasReady = this.lastReady !== undefined;
    log("warn", `index: the index thread stopped (exit code ${code})${wasReady ? "; starting it again" : ""}`);
    if (wasReady) void this.build();
  }

  private recheckEvery(): void {
    if (this.recheckTimer) return;
    this.recheckTimer = setInterval(() => void this.recheck(), RECHECK_MS);
    this.recheckTimer.unref();
  }

  /**
   * Scans the disk as a start from the cache does (sizes and stamps; only changed files read),
   * quietly: the state stays ready. A file parsed here whose change is over a minute old
   * (SETTLED_MS) is one no event named: said once.
   */
  private async recheck(): Promise<void> {
    const client = this.client;
    if (!client || this.building === undefined || this.disposed) return;
    const settled = await this.building.then(() => true, () => false);
    if (this.client !== client || this.disposed) return;
    if (!settled) {
      // Failed: a quiet check, or a build, that found the folder gone. Once it is back the
      // index is built (from the error state it showed) or checked again; before, it stayed
      // so for the rest of the session while the agent's messages ran there again.
      if (!isDirectory(this.options.root)) return;
      if (this.lastReady === undefined) {
        if (!this.builtWhenBack) return;
        this.building = undefined; // build() would hand back the failed one
        void this.build();
        return;
      }
    }
    const signal = this.controller.signal;
    const run = client.build({ signal });
    this.building = run;
    this.buildsStarted++;
    run.catch(() => undefined);
    try {
      const report = await run;
      // Only changes older than a minute: a file saved just before the check may have its event on the way.
      const missed = report.parsedSettled ?? 0;
      if (missed > 0 && !this.missedSaid) {
        this.missedSaid = true;
        log("warn", missedEventsMessage(missed));
      }
      // The index line's counts and notes are the check's (files it found, gone or left out since).
      if (this.lastReady && !this.disposed && !signal.aborted) this.ready(readyState(report));
    } catch (error) {
      // Reindex Workspace or a close stopped it: nothing failed.
      if (!this.disposed && !signal.aborted) log("warn", "index: checking the disk for changes failed", error);
    }
  }

  /** A one-file update is done: the index line's counts are asked for again once the burst is over. */
  private countsChanged(): void {
    if (this.disposed || !this.lastReady) return;
    clearTimeout(this.countsTimer);
    this.countsTimer = setTimeout(() => void this.refreshCounts(), COUNTS_DEBOUNCE_MS);
    this.countsTimer.unref();
  }

  private async refreshCounts(): Promise<void> {
    this.countsTimer = undefined;
    const client = this.client;
    if (!client || !this.lastReady || this.disposed) return;
    const builds = this.buildsStarted;
    try {
      const summary = await client.summary();
      // A build started since reports its own counts (a Reindex is not ready until it ends).
      if (this.client !== client || this.disposed || !this.lastReady || this.buildsStarted !== builds) return;
      this.ready(readyState(summary));
    } catch (error) {
      if (this.client === client && !this.disposed) log("warn", "index: reading the index's counts failed", error);
    }
  }

  private progress(p: IndexProgress): void {
    if (p.phase === "parsing") this.options.onState({ kind: "indexing", done: p.done, total: p.total });
  }
}

/** The ready state a build's report gives the status bar and the Hearth view's index line. */
function readyState(report: IndexReport): Extract<IndexState, { kind: "ready" }> {
  const leftOut = leftOutMessage(report);
  return { kind: "ready", files: report.files, symbols: report.definitions, ...(report.stopped ? { stopped: stoppedMessage(report.stopped) } : {}), ...(leftOut ? { leftOut } : {}) };
}

/** Whether `path` is `name` or lies in the folder `name`. */
function within(path: string, name: string): boolean {
  return path === name || path.startsWith(`${name}/`);
}

/** Whether `path` is a folder on disk now (a link to one too). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
