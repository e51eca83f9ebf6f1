import { createHash } from "node:crypto";
import { join, relative, resolve, sep } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { cachePath, computeCacheKey, loadCache, saveCache, type CacheMiss } from "./cache.ts";
import { buildGraph, pageRank, type FileGraph } from "./graph.ts";
import { readHistory, type HistorySource, type RepoHistory } from "./history.ts";
import { historyNotDownloaded, historyNotDownloadedMessage } from "./history-missing.ts";
import { readsElsewhere } from "./read-only-git.ts";
import { DEFAULT_EXCLUDED_DIRS, LanguageRegistry } from "./languages.ts";
import { countInFolders } from "./folder-counts.ts";
import { LinkedNames } from "./linked-names.ts";
import { folded } from "./lookup.ts";
import { sameStamp, stampToRecord, withStamp } from "./file-stamp.ts";
import { parseRead, type ParseJob, type ParseSettings } from "./parse-file.ts";
import { referenceCount } from "./references.ts";
import { InlineParser, WorkerPool, type FileParser, type WorkerOptions } from "./pool.ts";
import type { IgnoreRules } from "./ignore.ts";
import { crowdedFolder, isOutside, isPathExcluded, scanRepository, type ScannedFile, type ScanResult } from "./scan.ts";
import { errorCode, limitCalls, nodeScanFs, NotTriedCall, StalledCall, type ScanFs } from "./scan-fs.ts";
import { tooManyOpenFiles } from "./indexed-file.ts";
import { SecretLinks, secretFileSkip, secretTargetSkip } from "./secret-links.ts";
import { SymbolTables } from "./tables.ts";
import { pairSafeEnd } from "../protocol/plain-text.ts";
import { looksLikeSecrets } from "../protocol/secret-files.ts";
import type { FileRecord, IndexLimits, ParseOutcome, SkippedFile, SkipReason } from "./types.ts";

/** How to open an index. Only `root` and `queriesDir` are required. */
export interface RepoIndexOptions {
  /** Repository root (absolute or relative to the process cwd). */
  readonly root: string;
  /** Folder holding the `*-tags.scm` queries: `src/indexer/queries` or `out/queries`. */
  readonly queriesDir: string;
  /** Where the cache lives (workspace storage); no persistence when absent. */
  readonly storageDir?: string;
  /** Parse in worker threads; when absent, parses run on the calling thread between yields. */
  readonly workers?: WorkerOptions;
  readonly limits?: Partial<IndexLimits>;
  /**
   * Read the repository's git history on each build (commit messages by file, files that
   * change together: ranking evidence). Default true; false for callers that load it
   * themselves (`loadHistory`), want ranking without it, or must not run git in the folder
   * yet (an untrusted workspace: `allowHistory` once it is trusted).
   */
  readonly history?: boolean;
  /**
   * The file calls of the scan and of one-file updates (default: node's). Tests pass a layer
   * that never answers (a stalled mount); a function, so not for an IndexClient's options.
   */
  readonly fs?: ScanFs;
  /** The clock a file's stamps are judged by, too close to its read or not (file-stamp.ts); default `Date.now`. Tests pass a fake one; a function, so not for an IndexClient's options. */
  readonly now?: () => number;
}

/** Options of `RepoIndex.build`. */
export interface BuildOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: IndexProgress) => void;
  /** Ignore the cache and what is indexed: parse every file again. */
  readonly rebuild?: boolean;
  /**
   * Count every new or changed file's words but leave tree-sitter for later: such files get
   * records with `symbolsPending`, and `complete(paths)` parses those a query needs (what
   * `hearth locate` does on a cold checkout). Records parsed earlier are kept. A lazy build
   * does not write the cache; `saveIfChanged()` does, once the query's files are complete.
   * A full build (the default) parses every pending record it finds, from the cache too.
   */
  readonly lazy?: boolean;
}

/** Progress of a build, for `$/progress` ("Indexing 1,234/10,000"). */
export interface IndexProgress {
  readonly phase: "scanning" | "parsing" | "saving";
  readonly done: number;
  readonly total: number;
}

/** What a build did: counts for `hearth index` and the status bar. */
export interface IndexReport {
  readonly files: number;
  readonly byLanguage: Record<string, number>;
  readonly definitions: number;
  readonly references: number;
  readonly skippedByReason: Partial<Record<SkipReason, number>>;
  /** Files kept for text search whose parse hit the time limit. */
  readonly parseTimeouts: number;
  readonly invalidUtf8: number;
  /** Files parsed in this build (the rest came from the cache unchanged). */
  readonly parsed: number;
  /**
   * Of those, the files modified over `SETTLED_MS` before the build began: changes a file
   * watcher would have named long since. A file saved a moment before may still have its
   * event on the way (the runtime's check of the disk warns only of these). A file that could
   * not be read before and still cannot is not among them.
   */
  readonly parsedSettled?: number;
  readonly reused: number;
  /** How the cache was used: read ("hit"), missing/corrupt/…, not configured, or ignored by `rebuild`. */
  readonly cache: "hit" | CacheMiss | "disabled" | "rebuild";
  /** With "unreadable": the cache file and what is wrong with it, for `cacheMissMessage`. */
  readonly cacheMissDetail?: string;
  readonly cacheBytes: number;
  /** Why the cache could not be written (the index is complete; the next start rebuilds what it could not keep). */
  readonly cacheError?: string;
  /** Commits of the git history read for ranking (0: none, e.g. not a git repository). */
  readonly historyCommits: number;
  /** Why only the newest commits of the history were read (`git log` too long or too slow), when so. */
  readonly historyCut?: string;
  /** The history is a shallow clone's (`git clone --depth N`): `historyCommits` leaves out its grafted boundary commits. */
  readonly historyShallow?: true;
  /**
   * Why no history was read where the repository has one git would read: a partial clone
   * without its commits' trees (history-missing.ts), with the fetch that downloads them.
   */
  readonly historyMissing?: string;
  /**
   * Set when the last scan stopped at `limits.maxFiles`: the files nearest the root are indexed;
   * `crowded` is the deepest folder holding most of them, when one does (a dataset, a cache).
   */
  readonly stopped?: {
    readonly maxFiles: number;
    readonly foldersLeft: number;
    readonly crowded?: { readonly folder: string; readonly files: number };
  };
  readonly elapsedMs: number;
  /**
   * The first few files (or folders) skipped for a reason the user did not choose — too large,
   * binary, unreadable, an ignore file not applied — with why: what `leftOutMessage` names
   * and the runtime's log lists. Ignored and excluded paths are not among them.
   */
  readonly leftOut: readonly SkippedFile[];
  /** Files whose words are indexed but whose symbols are not parsed yet (a lazy build). */
  readonly pending: number;
}

/** A build's (or `complete`'s) start: the clock for stamps, and the count of updates made before it. */
interface BuildRun {
  readonly readFrom: number;
  readonly updates: number;
}

/** How long before a build a file's change is one its watcher event would have reached the index by. */
export const SETTLED_MS = 60_000;

/** The outcome of a one-file update. */
export type UpdateResult = "parsed" | "unchanged" | "removed" | "skipped";

/**
 * The history of a shallow clone (`git clone --depth N`, as CI and quick clones make), for
 * `hearth index` and the runtime's log: how many commits it holds besides its grafted
 * boundary ones (left out), and how to get more.
 */
export function shallowHistoryMessage(commits: number): string {
  return `shallow clone: ${commits.toLocaleString("en")} commit${commits === 1 ? "" : "s"} of history (its oldest commits come without their parents, so git shows them adding every file: they are left out); for more of the history, which helps ranking, run git fetch --unshallow (or git fetch --deepen=1000 for that many older commits) and index again`;
}

/** What to tell the user when the scan stopped at the file limit (`hearth index`, the Hearth view). */
export function stoppedMessage(stopped: NonNullable<IndexReport["stopped"]>): string {
  const folders = `${stopped.foldersLeft.toLocaleString("en")} folder${stopped.foldersLeft === 1 ? "" : "s"}`;
  const head = `stopped at ${stopped.maxFiles.toLocaleString("en")} file${stopped.maxFiles === 1 ? "" : "s"}, the ones nearest the root (${folders} not fully indexed)`;
  const { crowded } = stopped;
  // "Open the project's own folder" is no help when it is open and one folder of it filled the index.
  if (crowded) return `${head}; ${crowded.files.toLocaleString("en")} of them are in ${crowded.folder}: list it in .hearthignore if Hearth need not read it, or open the project's own folder`;
  return `${head}: open the project's own folder, or list folders to skip in .hearthignore`;
}

/** Skips the user asked for (.gitignore, .hearthignore, node_modules and the like): not "left out". */
const CHOSEN_SKIPS: ReadonlySet<SkipReason> = new Set(["ignored", "excluded-dir"]);
/** Examples a report keeps of what was left out (the log lists them). */
const LEFT_OUT_EXAMPLES = 20;
/** Each reason's words for one file and for several ("1 pipe or device", "2 pipes or devices"); an adjective serves for both. */
const SKIP_LABELS: Record<SkipReason, string | readonly [one: string, several: string]> = {
  ignored: "ignored",
  "excluded-dir": "excluded",
  "git-folder": "git's own folder",
  "too-large": "too large",
  binary: "binary",
  minified: "minified",
  generated: "generated",
  unreadable: "unreadable",
  "symlink-loop": ["link loop", "link loops"],
  "link-outside": ["link out of the folder", "links out of the folder"],
  "link-duplicate": ["second link to a folder", "second links to a folder"],
  "not-regular": ["pipe or device", "pipes or devices"],
  secret: ["secret-looking file", "secret-looking files"],
  "secret-link": ["other name of a secret file", "other names of secret files"],
  "parse-timeout": ["parse timeout", "parse timeouts"],
  "parse-error": ["parse error", "parse errors"],
};

/** `n` files skipped for `why`, counted in words: "1 parse error", "2,000 binary". */
function skipCount(why: SkipReason, n: number): string {
  const label = SKIP_LABELS[why];
  return `${n.toLocaleString("en")} ${typeof label === "string" ? label : label[n === 1 ? 0 : 1]}`;
}

/**
 * What the index left out for reasons of its own, in one bounded line for the Hearth view:
 * "4 not indexed: 2 binary, 1 too large, 1 unreadable (.gitignore: a symbolic link: …)" — the
 * four commonest reasons, the rest counted, one unreadable path as an example (a stalled
 * mount, a permission, an ignore file not applied). Undefined when nothing was.
 */
export function leftOutMessage(report: Pick<IndexReport, "skippedByReason" | "leftOut">): string | undefined {
  // The folder itself is git's (scan.ts): an empty index whose line would say nothing else.
  if (report.skippedByReason["git-folder"]) return GIT_FOLDER_OPENED;
  const counts = (Object.entries(report.skippedByReason) as [SkipReason, number][]).filter(([why, n]) => !CHOSEN_SKIPS.has(why) && n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return undefined;
  const shown = counts.slice(0, 4).map(([why, n]) => `${skipCount(why, n)}${why === "unreadable" ? unreadableExample(report.leftOut) : ""}`);
  const rest = counts.slice(4).reduce((sum, [, n]) => sum + n, 0);
  if (rest > 0) shown.push(`${rest.toLocaleString("en")} for other reasons`);
  return `${total.toLocaleString("en")} not indexed: ${shown.join(", ")}`;
}

const GIT_FOLDER_OPENED = "nothing indexed: this folder is git's own (a bare repository, or a .git folder), with no checked-out files; open a clone of it (git clone), or the checkout whose .git it is";

const EXAMPLE_CHARS = 120;

function unreadableExample(leftOut: readonly SkippedFile[]): string {
  const first = leftOut.find((s) => s.reason === "unreadable");
  if (!first) return "";
  const text = `${first.path}${first.detail ? `: ${first.detail}` : ""}`;
  return ` (${text.length > EXAMPLE_CHARS ? `${text.slice(0, pairSafeEnd(text, EXAMPLE_CHARS))}…` : text})`;
}

export const DEFAULT_LIMITS: IndexLimits = {
  maxFileBytes: 1024 * 1024,
  parseTimeoutMs: 3000,
  excludeDirs: DEFAULT_EXCLUDED_DIRS,
  useGitignore: true,
  maxFiles: 100_000,
};
const MAX_WORDS = 400;
// Enough to give every parse thread two full batches (pool.ts), few enough that open files
// and results waiting to be applied stay bounded.
const IN_FLIGHT = 32;
// Updates come one watcher event at a time; a burst (a checkout) needs no more than the scan's threads.
const UPDATE_CALLS_IN_FLIGHT = 4;
/**
 * The paths the scan could not list or read because the table of open files was full (its
 * skip's detail is scan-fs.ts errorCode's "EMFILE: …" / "ENFILE: …"): a folder's files are not
 * gone for that, and the disk check every 5 minutes (a build) dropped them until the next.
 */
function tableFullPaths(skipped: readonly SkippedFile[]): Set<string> {
  return new Set(skipped.filter((s) => s.reason === "unreadable" && /^E[MN]FILE: /.test(s.detail ?? "")).map((s) => s.path));
}

/** Whether `path` is one of `held` or inside one of them ("." is the root). */
function isHeld(path: string, held: ReadonlySet<string>): boolean {
  if (held.has(".")) return true;
  for (let p = path; ; p = p.slice(0, p.lastIndexOf("/"))) {
    if (held.has(p)) return true;
    if (!p.includes("/")) return false;
  }
}

/** A read's detail for a full table of open files (indexed-file.ts readRegularFile): the parse threads' reads say so. */
const TABLE_FULL = new Set(["EMFILE", "ENFILE"]);
/**
 * Files a build looks at between turns of the event loop. Most of an unchanged file's look
 * awaits nothing: on a 50,000-file tree the runtime's check of the disk every 5 minutes held
 * the index thread 400 ms (here, at load 7), and the queries sent meanwhile waited for it.
 */
const FILES_BETWEEN_TURNS = 2_000;
const GRAPH_STALE_FRACTION = 0.01;
const GRAPH_STALE_MIN_CHANGES = 20;
const GRAPH_STALE_MS = 60_000;

/**
 * Skips by path, with how many lie in each folder at any depth: a folder removed finds its skips
 * without a look at every one (a watcher names each of a checkout's thousands of deletes).
 */
class SkipsByPath extends Map<string, SkippedFile> {
  readonly inFolders = new Map<string, number>();

  override set(path: string, skip: SkippedFile): this {
    if (!this.has(path)) countInFolders(this.inFolders, path, 1);
    return super.set(path, skip);
  }

  override delete(path: string): boolean {
    if (!super.delete(path)) return false;
    countInFolders(this.inFolders, path, -1);
    return true;
  }

  override clear(): void {
    super.clear();
    this.inFolders.clear();
  }
}

/**
 * A repository's index: file records, the tables derived from them, and the file graph.
 * `build()` brings it in line with the disk (parsing only what changed since the cache);
 * `updateFile`/`removeFile`/`renameFile` keep it current one file at a time.
 * Queries live in retrieve.ts, repo-map.ts, lookup.ts and snippets.ts.
 */
export class RepoIndex {
  readonly root: string;
  readonly limits: IndexLimits;
  readonly files = new Map<string, FileRecord>();
  /** The indexed paths by letter case and Unicode normalization aside (listedSpelling). */
  private readonly foldedPaths = new Map<string, Set<string>>();
  /** Files left out for a reason of the index's own (too large, binary…), by path. */
  readonly skipped = new SkipsByPath();
  /**
   * Paths the user chose to leave out (ignored, excluded folders), counted by the last scan:
   * only the count is shown, and an entry each took 8.6 MB of cache for 200,000 files ignored by `*.py`.
   */
  private chosenSkips: Partial<Record<SkipReason, number>> = {};
  /** How many indexed files each folder holds, at any depth: a removed folder's files are found without a look at every file. */
  private readonly folderFiles = new Map<string, number>();
  readonly tables = new SymbolTables();
  private readonly parser: FileParser;
  /** For one-file updates, parsed on this thread: see updateFile. */
  private readonly registry: LanguageRegistry;
  private readonly settings: ParseSettings;
  private graphCache: { version: number; builtAt: number; graph: FileGraph } | undefined;
  private baseCache: { graph: FileGraph; ranks: Float64Array } | undefined;
  private cacheKey: Promise<string> | undefined;
  /** Some record's metadata changed without a parse (a touched file): the cache needs a write. */
  private touched = false;
  /** A lazy build or a `complete` changed what the cache holds; `saveIfChanged` writes it. */
  private unsaved = false;
  private warming: Promise<void> = Promise.resolve();
  private historyRead: RepoHistory | undefined;
  private historyAllowed: boolean;
  /** The last read found the folder's .git naming another repository (read-only-git.ts readsElsewhere): none was read. */
  private historyElsewhere = false;
  /** The last scan stopped at `limits.maxFiles`: the index holds the files nearest the root. */
  private stopped: IndexReport["stopped"];
  /** Ignore rules by directory for one-file updates; cleared by a build or an ignore-file change. */
  private readonly ignoreCache = new Map<string, IgnoreRules[]>();
  /**
   * The file calls of one-file updates, each failing after 10 s without an answer and at most
   * a few in flight (scan-fs.ts): a watcher's event for a file on a stalled network mount
   * reports it unreadable instead of holding the index thread's updates for good.
   */
  private readonly updateCalls: ScanFs;
  /** Other names of secret-looking files: the build's walk of the folders, reused by the updates until a change could make it stale. */
  private readonly secretLinks: SecretLinks;
  private readonly now: () => number;
  /** The names symbolic links give indexed files: an update under one name updates them all. */
  private readonly links = new LinkedNames();
  /**
   * Each path's latest one-file update or removal (a count): the watcher's events run while a
   * build does, and a build's view of a file older than an update's must not be put back over it.
   */
  private readonly lastUpdated = new Map<string, number>();
  private updates = 0;
  /**
   * Files whose record holds the editor's unsaved text, until a save or a close reads the disk
   * again: a build (the runtime's check of the disk every few minutes) reuses their record, where
   * its read of the disk would put the saved content back over what the user is typing.
   */
  private readonly editorTexts = new Set<string>();

  constructor(private readonly options: RepoIndexOptions) {
    this.root = resolve(options.root);
    this.historyAllowed = options.history !== false;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const settings: ParseSettings = {
      maxFileBytes: this.limits.maxFileBytes,
      parseTimeoutMs: this.limits.parseTimeoutMs,
      maxWords: MAX_WORDS,
    };
    this.settings = settings;
    this.now = options.now ?? Date.now;
    this.registry = new LanguageRegistry(options.queriesDir);
    this.updateCalls = limitCalls(options.fs ?? nodeScanFs, UPDATE_CALLS_IN_FLIGHT);
    this.secretLinks = new SecretLinks(this.root, this.updateCalls);
    this.parser = options.workers
      ? new WorkerPool(options.workers, options.queriesDir, settings)
      : new InlineParser(options.queriesDir, settings);
  }

  /**
   * Scans the repository and indexes what changed: from the cache when there is one
   * (size + mtime equal, or the same content hash), parsing the rest. Saves the cache.
   * `rebuild` ("Hearth: Reindex Workspace") forgets the cache and everything indexed and
   * parses every file again.
   */
  async build(opts: BuildOptions = {}): Promise<IndexReport> {
    const started = performance.now();
    if (opts.rebuild) this.forgetAll();
    // One `git log` beside the scan and the parse: it waits on git, not on this thread.
    const history = this.refreshHistory();
    const { cache, detail } = opts.rebuild ? { cache: "rebuild" as const, detail: undefined } : await this.loadFromCache();
    const missed = detail ? { cacheMissDetail: detail } : {};
    opts.onProgress?.({ phase: "scanning", done: 0, total: 0 });
    // Before any stat: a file's stamps this close to its read prove nothing later (file-stamp.ts).
    // Updates from here on are newer than anything this build sees of their files.
    this.lastUpdated.clear();
    const run: BuildRun = { readFrom: this.now(), updates: this.updates };
    // The scan reads every ignore file on its way: it refills the rules later updates check.
    this.ignoreCache.clear();
    const scanned = await scanRepository(this.root, { ...this.limits, rulesCache: this.ignoreCache, ...(opts.signal ? { signal: opts.signal } : {}), ...(this.options.fs ? { fs: this.options.fs } : {}) });
    // A hard link to a git-ignored .env named settings.py parses as code: its definitions' lines are the keys.
    const secretLinks = await this.secretLinks.leaveOut(scanned.files);
    const scan = { ...scanned, files: secretLinks.files, skipped: [...scanned.skipped, ...secretLinks.skipped] };
    this.links.clear();
    this.learnLinks(scan);
    const crowded = scan.stopped && crowdedFolder(scan.files);
    this.stopped = scan.stopped && { ...scan.stopped, ...(crowded ? { crowded } : {}) };
    const previousSkips = new Map(this.skipped);
    this.skipped.clear();
    // By path first: an ignore file's own skip, reported last, wins over the walk's entry for it.
    const latest = new Map(scan.skipped.map((s) => [s.path, s]));
    this.chosenSkips = {};
    for (const s of latest.values()) {
      if (CHOSEN_SKIPS.has(s.reason)) this.chosenSkips[s.reason] = (this.chosenSkips[s.reason] ?? 0) + 1;
      else this.skipped.set(s.path, s);
    }
    const seen = new Set(scan.files.map((f) => f.path));
    const held = tableFullPaths(scan.skipped);
    const sizeBefore = this.files.size;
    for (const path of [...this.files.keys()]) {
      if (seen.has(path) || this.updatedSince(path, run)) continue;
      // Not listed because the table of open files was full (EMFILE): still there, kept until a build can look.
      if (held.size > 0 && isHeld(path, held)) {
        this.skipped.delete(path);
        continue;
      }
      this.dropRecord(path);
    }
    const toParse: ScannedFile[] = [];
    let reused = 0;
    const verdicts = await this.verdicts(scan.files, previousSkips, opts.lazy === true, run);
    scan.files.forEach((f, i) => {
      if (verdicts[i] === "reuse") reused++;
      else if (verdicts[i] === "parse") toParse.push(f);
    });
    const parsedSettled = await this.parseAll(toParse, opts, opts.lazy === true, run);
    await history;
    // An unchanged tree (a restart) leaves the cache as it is.
    const unchanged = cache === "hit" && toParse.length === 0 && this.files.size === sizeBefore && !this.touched && !this.unsaved;
    if (opts.lazy) {
      // The caller completes what its query needs first, then saves once.
      this.unsaved ||= !unchanged;
      return this.report({ parsed: toParse.length, parsedSettled, reused, cache, ...missed, cacheBytes: 0, elapsedMs: performance.now() - started });
    }
    opts.onProgress?.({ phase: "saving", done: toParse.length, total: toParse.length });
    const saved = unchanged ? { cacheBytes: 0 } : await this.saveOrSayWhy();
    this.warmUp(); // after the save: it is for the edits to come, not part of the build
    return this.report({ parsed: toParse.length, parsedSettled, reused, cache, ...missed, ...saved, elapsedMs: performance.now() - started });
  }

  /** Files whose symbols a lazy build left for later, among `paths` (all of them when absent). */
  pendingFiles(paths?: Iterable<string>): string[] {
    const out: string[] = [];
    if (paths === undefined) {
      for (const r of this.files.values()) if (r.symbolsPending) out.push(r.path);
      return out;
    }
    for (const path of paths) if (this.files.get(path)?.symbolsPending) out.push(path);
    return out;
  }

  /**
   * Parses (tree-sitter) the given files that a lazy build left pending, through the parse
   * threads; others are left alone. Returns how many were parsed. The graph is rebuilt on
   * its next use when anything changed, so ranking sees the new symbols at once.
   */
  async complete(paths: Iterable<string>, signal?: AbortSignal): Promise<number> {
    const jobs: ScannedFile[] = [];
    for (const path of new Set(paths)) {
      const r = this.files.get(path);
      if (r?.symbolsPending) jobs.push({ path, absPath: join(this.root, path), size: r.size, mtimeMs: r.mtimeMs, ...(r.ctimeMs !== undefined ? { ctimeMs: r.ctimeMs } : {}) });
    }
    if (jobs.length === 0) return 0;
    // The record's stamps are the scan's, from before this read: kept (or left NaN) as they are.
    await this.parseAll(jobs, signal ? { signal } : {}, false, { readFrom: this.now(), updates: this.updates });
    this.unsaved = true;
    this.graphCache = undefined; // the next query ranks with the new symbols' edges
    return jobs.length;
  }

  /** Writes the cache when a lazy build or `complete` changed it. Returns its size, or 0. */
  async saveIfChanged(): Promise<number> {
    return this.unsaved || this.touched ? this.save() : 0;
  }

  /**
   * Re-indexes one file after a save, a watcher event, or an unsaved change (`text`).
   * A file that no longer exists is removed; one whose file calls get no answer (a stalled
   * mount) is skipped as "unreadable: timed out".
   */
  async updateFile(path: string, text?: string): Promise<UpdateResult> {
    const rel = await this.listedSpelling(this.relative(path));
    const result = await this.updateName(rel, text);
    // The same file under the other names links give it: the watcher and the editor name one.
    for (const other of this.links.otherNames(rel)) await this.updateName(other, text);
    return result;
  }

  /**
   * `rel` as its folders list it where it names an indexed file in another letter case or
   * Unicode normalization on a disk that ignores them (macOS, Windows): an editor opened as
   * `Src/Utils.ts` for src/utils.ts, a watcher's event for utils.ts after a rename to Utils.ts.
   * Taken as written, the file was indexed twice (twice in the map, every symbol twice). Asked
   * of the disk (the two names the same file) only where an indexed path folds to the same.
   */
  private async listedSpelling(rel: string): Promise<string> {
    if (this.files.has(rel)) return rel;
    const twin = [...(this.foldedPaths.get(folded(rel)) ?? [])][0];
    if (twin === undefined) return rel;
    try {
      const [own, other] = await Promise.all([rel, twin].map((p) => this.updateCalls.stat(join(this.root, p))));
      if (own!.ino === undefined || own!.ino !== other!.ino || own!.dev !== other!.dev) return rel;
      const listed: string[] = [];
      for (const segment of rel.split("/")) {
        const names = (await this.updateCalls.readdir(join(this.root, ...listed))).map((entry) => entry.name);
        const same = names.includes(segment) ? [segment] : names.filter((name) => folded(name) === folded(segment));
        if (same.length !== 1) return rel;
        listed.push(same[0]!);
      }
      const name = listed.join("/");
      // Renamed by case alone: the old spelling is gone from its folder.
      if (name !== twin) this.removeFile(twin);
      return name;
    } catch {
      return rel; // gone, or a stalled mount: the update says so under the name given
    }
  }

  private async updateName(rel: string, text: string | undefined): Promise<UpdateResult> {
    try {
      return await this.update(rel, text);
    } catch (err) {
      if (!(err instanceof StalledCall)) throw err;
      this.apply({ ok: false, skip: { path: rel, reason: "unreadable", detail: err.message } });
      return "skipped";
    }
  }

  private async update(rel: string, text: string | undefined): Promise<UpdateResult> {
    this.lastUpdated.set(rel, ++this.updates);
    // A secret file made, changed or moved (.env is git-ignored: before the exclusion) — the next lookup of other names walks again.
    if (looksLikeSecrets(rel)) this.secretLinks.forget();
    if (/(^|\/)\.(git|hearth)ignore$/.test(rel)) this.ignoreCache.clear();
    if (await isPathExcluded(this.root, rel, this.limits, this.ignoreCache, this.updateCalls)) {
      // Watchers report everything (node_modules, build output): the scan's rules apply.
      this.dropRecord(rel);
      return "skipped";
    }
    // At the file limit a new file waits for a place (a delete, a rename), or the index would grow past it.
    if (!this.files.has(rel) && this.files.size >= this.limits.maxFiles) return "skipped";
    const absPath = join(this.root, rel);
    const readFrom = this.now();
    // Unsaved text has no stamps of the disk's: none recorded (NaN), so a restart compares the file's content.
    let stamp: { mtimeMs: number; ctimeMs?: number } = { mtimeMs: Number.NaN };
    // The editor's unsaved text of another name of a secret file is that file's text: no disk call decides it again.
    if (text !== undefined && this.skipped.get(rel)?.reason === "secret-link") return "skipped";
    const secretFile = text !== undefined ? secretFileSkip(rel) : undefined;
    if (secretFile) return this.leaveOutSecret(secretFile);
    if (text === undefined) {
      let info;
      try {
        info = await this.updateCalls.stat(absPath);
      } catch (err) {
        if (err instanceof StalledCall) throw err;
        return this.removeFile(rel) ? "removed" : "unchanged";
      }
      stamp = stampToRecord(info, readFrom);
      // A folder made, renamed or moved in (the watcher names it alone) may hold secret files.
      // The watcher may name a file replaced by a folder of its name, or the reverse, as one change.
      if (info.isDirectory()) {
        this.secretLinks.forget();
        this.dropRecord(rel);
        this.skipped.delete(rel);
        return this.addFolder(rel);
      }
      this.dropFolder(rel);
      const secretLink = info.isFile() ? secretFileSkip(rel) ?? (await this.secretTarget(rel, absPath)) ?? (await this.secretLinks.skipOf(rel, info)) : undefined;
      if (secretLink) return this.leaveOutSecret(secretLink);
    }
    const job: ParseJob = { path: rel, absPath, ...stamp, ...(text !== undefined ? { text } : {}) };
    // One file is parsed right here: a round trip to a parse thread costs more than parsing
    // a source file, and under CPU contention its scheduling delay dominates. The owner of a
    // RepoIndex is the index thread (IndexClient) or a CLI, so this blocks no editor; the read
    // is not done on this thread (a file on a stalled mount would block it for good).
    const read = text === undefined ? await this.updateCalls.readFile(absPath, this.settings.maxFileBytes) : { ok: true as const, bytes: Buffer.from(text, "utf8") };
    const outcome = parseRead(job, read, this.registry, this.settings);
    const old = this.files.get(rel);
    if (outcome.ok && old?.hash === outcome.record.hash && !old.symbolsPending) {
      this.files.set(rel, withStamp(old, outcome.record));
      this.noteEditorText(rel, text);
      return "unchanged";
    }
    this.apply(outcome);
    if (outcome.ok) this.noteEditorText(rel, text);
    return outcome.ok ? "parsed" : "skipped";
  }

  private noteEditorText(rel: string, text: string | undefined): void {
    if (text === undefined) this.editorTexts.delete(rel);
    else this.editorTexts.add(rel);
  }

  /** The files of a folder made, renamed or moved in, as the scan finds them (its ignore rules, links, excluded folders), each updated. */
  private async addFolder(rel: string): Promise<UpdateResult> {
    const scan = await scanRepository(this.root, { ...this.limits, from: rel, rulesCache: this.ignoreCache, ...(this.options.fs ? { fs: this.options.fs } : {}) });
    this.learnLinks(scan);
    const leftOut = scan.skipped.filter((s) => !CHOSEN_SKIPS.has(s.reason));
    for (const s of leftOut) this.skipped.set(s.path, s);
    let parsed = false;
    for (const f of scan.files) if ((await this.update(f.path, undefined)) === "parsed") parsed = true;
    // A folder deleted and made again is named once, as a change, never its old files one by one:
    // what it no longer holds (or now ignores) goes. Counted first, so a folder that only gained files costs no look at every file.
    const inside = `${rel}/`;
    const found = new Set([...scan.files.map((f) => f.path), ...leftOut.map((s) => s.path)]);
    let filesFound = 0;
    let skipsFound = 0;
    for (const path of found) {
      if (this.files.has(path)) filesFound++;
      if (this.skipped.has(path)) skipsFound++;
    }
    if ((this.folderFiles.get(rel) ?? 0) > filesFound) for (const p of [...this.files.keys()]) if (p.startsWith(inside) && !found.has(p)) this.dropRecord(p);
    if ((this.skipped.inFolders.get(rel) ?? 0) > skipsFound) for (const p of [...this.skipped.keys()]) if (p.startsWith(inside) && !found.has(p)) this.skipped.delete(p);
    return parsed ? "parsed" : "unchanged";
  }

  /** Drops a file that looks like it holds secrets, or is another name of one, and keeps its skip. */
  private leaveOutSecret(skip: SkippedFile): "skipped" {
    this.dropRecord(skip.path);
    this.skipped.set(skip.path, skip);
    return "skipped";
  }

  /** The skip of `rel` when it is a symbolic link to a file that looks like it holds secrets (the scan's own check, scan.ts). */
  private async secretTarget(rel: string, absPath: string): Promise<SkippedFile | undefined> {
    let real: string, rootReal: string;
    try {
      [real, rootReal] = await Promise.all([this.updateCalls.realpath(absPath), this.updateCalls.realpath(this.root)]);
    } catch (err) {
      if (err instanceof StalledCall) throw err;
      return undefined; // gone since its stat: the read says so
    }
    const inside = relative(rootReal, real);
    return secretTargetSkip(rel, (isOutside(inside) ? real : inside).split(sep).join("/"));
  }

  private forgetAll(): void {
    for (const path of [...this.files.keys()]) this.dropRecord(path);
    this.skipped.clear();
    this.chosenSkips = {};
  }

  /** Forgets a deleted file. Returns whether it was indexed. */
  removeFile(path: string): boolean {
    const rel = this.relative(path);
    // A file gone under its real name is gone under its links' names too; a link gone (a name
    // through one) takes only its own names, never the real file.
    const others = this.links.throughLink(rel) ? [] : this.links.otherNames(rel);
    this.links.forget(rel);
    let removed = this.removeName(rel);
    for (const other of others) removed = this.removeName(other) || removed;
    return removed;
  }

  private removeName(rel: string): boolean {
    this.lastUpdated.set(rel, ++this.updates);
    if (looksLikeSecrets(rel)) this.secretLinks.forget();
    this.skipped.delete(rel);
    // A folder: the editor's watcher names a deleted (or renamed) folder alone, not each file it held.
    return this.dropRecord(rel) || this.dropFolder(rel);
  }

  /** Notes the links a scan found, to files and to folders. */
  private learnLinks(scan: Pick<ScanResult, "files" | "linkedFolders">): void {
    for (const f of scan.files) if (f.linkTarget !== undefined) this.links.add(f.path, f.linkTarget);
    for (const l of scan.linkedFolders) this.links.add(l.path, l.target);
  }

  /** Forgets the files and skips under the folder `rel`. Returns whether it held indexed files. */
  private dropFolder(rel: string): boolean {
    const inside = `${rel}/`;
    // A folder of files all left out (too large, binary) holds no indexed file: its skips go too.
    if (this.skipped.inFolders.has(rel)) for (const p of [...this.skipped.keys()]) if (p.startsWith(inside)) this.skipped.delete(p);
    if (!this.folderFiles.has(rel)) return false;
    this.secretLinks.forget();
    for (const p of [...this.files.keys()]) if (p.startsWith(inside)) this.dropRecord(p);
    return true;
  }

  /** A rename: the old path goes, the new one is parsed (its text may have changed too). */
  async renameFile(from: string, to: string): Promise<UpdateResult> {
    this.removeFile(from);
    return this.updateFile(to);
  }

  /** Writes the cache now (atomically). Returns its size, or 0 without a storage folder. */
  async save(): Promise<number> {
    if (!this.options.storageDir) return 0;
    const file = cachePath(this.options.storageDir, this.root);
    this.touched = false;
    this.unsaved = false;
    return saveCache(file, await this.key(), { root: this.root, files: [...this.files.values()], skipped: [...this.skipped.values()] });
  }

  // A cache that cannot be written (a full disk, a storage path that is a file, no permission)
  // costs the next start a rebuild; it must not cost this build, whose index is complete.
  private async saveOrSayWhy(): Promise<Pick<IndexReport, "cacheBytes" | "cacheError">> {
    try {
      return { cacheBytes: await this.save() };
    } catch (err) {
      this.unsaved = true; // the next build or saveIfChanged tries again
      return { cacheBytes: 0, cacheError: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Resolves once the parse threads listen and this thread's grammars are loaded (idle-time warm-up after a build). */
  async ready(): Promise<void> {
    await Promise.all([this.parser.ready(), this.warming]);
  }

  // Loads, one per macrotask, the grammars of the languages this repository has, so the
  // first edit in a language does not pay for compiling its query.
  private warmUp(): void {
    const languages = [...new Set([...this.files.values()].map((r) => r.language).filter((l) => l !== null))];
    this.warming = new Promise<void>((done) => {
      const next = (i: number): void => {
        if (i >= languages.length) return done();
        try {
          this.registry.get(languages[i]!);
        } catch {
          // Reported with its reason by the first parse of such a file.
        }
        setImmediate(() => next(i + 1));
      };
      setImmediate(() => next(0));
    });
  }

  /**
   * Stops the worker threads. Resolves with a line for the log when some are left held in
   * reads with no answer (a stalled mount): closing does not wait for them.
   */
  close(): Promise<string | undefined> {
    return this.parser.close();
  }

  /**
   * The file graph. It is a ranking prior, so a few edits do not rebuild it (on a 20,000-file
   * tree a rebuild takes a few hundred milliseconds): it is rebuilt once the changes since
   * the last build exceed GRAPH_STALE_FRACTION of the files, or are older than
   * GRAPH_STALE_MS. Lexical scores, lookups and the tables are always current. Pass
   * `fresh` to force a rebuild.
   */
  graph(fresh = false): FileGraph {
    const cached = this.graphCache;
    const changes = cached ? this.tables.version - cached.version : Number.POSITIVE_INFINITY;
    const tolerated = Math.max(GRAPH_STALE_MIN_CHANGES, this.files.size * GRAPH_STALE_FRACTION);
    const stale = changes > 0 && (fresh || changes > tolerated || performance.now() - cached!.builtAt > GRAPH_STALE_MS);
    if (!cached || stale) {
      this.graphCache = { version: this.tables.version, builtAt: performance.now(), graph: buildGraph([...this.files.keys()], this.tables) };
    }
    return this.graphCache!.graph;
  }

  /** PageRank without personalization, for the current graph (cached with it). */
  baseRanks(): Float64Array {
    const graph = this.graph();
    if (this.baseCache?.graph !== graph) this.baseCache = { graph, ranks: pageRank(graph, new Map()) };
    return this.baseCache.ranks;
  }

  /** The repository's history as of the last build (undefined outside a git repository). */
  get history(): RepoHistory | undefined {
    return this.historyRead;
  }

  /**
   * Reads the work tree's history again if HEAD moved (a commit, a checkout) since it was
   * read; a build does this itself, a long-lived index before each query. Nothing when the
   * `history` option is false (until `allowHistory`).
   */
  async refreshHistory(): Promise<void> {
    if (this.historyAllowed) await this.loadHistory();
  }

  /** Builds and queries read the history from now on (the user trusted the folder); reads it now. */
  async allowHistory(): Promise<void> {
    this.historyAllowed = true;
    await this.refreshHistory();
  }

  /** Reads the history of HEAD, or of another git directory or revision (`source`), unless it is the one read already. */
  async loadHistory(source: Omit<HistorySource, "cwd"> = {}): Promise<RepoHistory | undefined> {
    // An unpacked archive's .git (or its config) naming the user's other repository: that history is not this folder's.
    this.historyElsewhere = source.gitDir === undefined && (await readsElsewhere(this.root));
    if (this.historyElsewhere) return (this.historyRead = undefined);
    this.historyRead = await readHistory({ cwd: this.root, ...source }, this.historyRead);
    return this.historyRead;
  }

  /** Counts for the current state (no timing, nothing parsed). */
  summary(): IndexReport {
    return this.report({ parsed: 0, reused: this.files.size, cache: "disabled", cacheBytes: 0, elapsedMs: 0 }, false);
  }

  /** Repository-relative, forward-slash form of a path given absolute or relative. */
  relative(path: string): string {
    const rel = relative(this.root, resolve(this.root, path));
    return rel.split(sep).join("/");
  }

  private async loadFromCache(): Promise<{ cache: IndexReport["cache"]; detail?: string | undefined }> {
    if (!this.options.storageDir || this.files.size > 0) return { cache: this.options.storageDir ? "hit" : "disabled" };
    const loaded = await loadCache(cachePath(this.options.storageDir, this.root), await this.key(), this.root);
    if (!loaded.ok) return { cache: loaded.miss, detail: loaded.detail };
    for (const record of loaded.contents.files) this.putRecord(record);
    // Caches written before chosen skips were counted list each ignored path: the scan counts them,
    // and the cache is written again without them, or an unchanged tree would read them at every start.
    for (const skip of loaded.contents.skipped) {
      if (!CHOSEN_SKIPS.has(skip.reason)) this.skipped.set(skip.path, skip);
      else this.unsaved = true;
    }
    return { cache: "hit" };
  }

  /**
   * `reuseVerdict` of each scanned file, in order, the reads of touched files UPDATE_CALLS_IN_FLIGHT
   * at a time: a checkout touches hundreds of files, and one read after another paid each one's
   * round trip (on a network mount, milliseconds each) in turn.
   */
  private async verdicts(files: readonly ScannedFile[], previousSkips: ReadonlyMap<string, SkippedFile>, lazy: boolean, run: BuildRun): Promise<("reuse" | "parse" | "skipped")[]> {
    const out = new Array<"reuse" | "parse" | "skipped">(files.length);
    let next = 0;
    let failed = false;
    // One turn for all the lanes: a lane alone that waits leaves the others running on.
    let turn: Promise<void> | undefined;
    let sinceTurn = 0;
    const lane = async (): Promise<void> => {
      while (next < files.length && !failed) {
        if (sinceTurn >= FILES_BETWEEN_TURNS) {
          sinceTurn = 0;
          turn = nextTurn().then(() => void (turn = undefined));
        }
        if (turn) {
          await turn;
          continue; // another lane may have taken the rest meanwhile
        }
        sinceTurn++;
        const i = next++;
        const f = files[i]!;
        const skip = previousSkips.get(f.path);
        // Binary, minified or generated last time and untouched since: still so.
        if (skip?.size !== undefined && skip.mtimeMs !== undefined && sameStamp({ size: skip.size, mtimeMs: skip.mtimeMs, ...(skip.ctimeMs !== undefined ? { ctimeMs: skip.ctimeMs } : {}) }, f)) {
          this.skipped.set(f.path, skip);
          out[i] = "reuse";
          continue;
        }
        try {
          out[i] = await this.reuseVerdict(f, lazy, run);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    // A lane that fails stops the others taking more files, and the build fails once the reads
    // in flight are back: none goes on changing the records after it said so.
    const lanes = await Promise.allSettled(Array.from({ length: UPDATE_CALLS_IN_FLIGHT }, lane));
    const failure = lanes.find((l) => l.status === "rejected");
    if (failure) throw failure.reason;
    return out;
  }

  /** Whether a scanned file's record still holds, must be parsed, or could not be read ("skipped", recorded so). */
  private async reuseVerdict(f: ScannedFile, lazy: boolean, run: BuildRun): Promise<"reuse" | "parse" | "skipped"> {
    const old = this.files.get(f.path);
    // The editor's unsaved text: the disk holds what the user saved before it.
    if (old && this.editorTexts.has(f.path)) return "reuse";
    if (!old || old.size !== f.size) return "parse";
    // A full build wants symbols: a record a lazy build left pending is parsed now.
    if (old.symbolsPending && !lazy) return "parse";
    if (sameStamp(old, f)) return "reuse";
    // Touched but maybe not changed (a checkout, a formatter that wrote the same bytes), or stamps
    // that proved nothing when it was read (file-stamp.ts): its content decides. Read
    // through the bounded layer: a file on a stalled mount would hold the whole open for good.
    let read;
    try {
      read = await this.updateCalls.readFile(f.absPath, this.settings.maxFileBytes);
    } catch (err) {
      // A full table of open files (EMFILE) once there was nothing left to wait for: the parse
      // thread reads it, and where it cannot either the record stays as it was (apply).
      if (tooManyOpenFiles(err)) return "parse";
      if (!(err instanceof StalledCall)) throw err;
      // Not read because two others had no answer (files on a mount): a local file checked after
      // them is parsed (the parse threads give up a read of their own), not dropped unread.
      if (err instanceof NotTriedCall) return "parse";
      this.apply({ ok: false, skip: { path: f.path, reason: "unreadable", detail: err.message } });
      return "skipped";
    }
    // An update read it while this read was under way: its record is the newer.
    if (this.updatedSince(f.path, run)) return "reuse";
    // Gone, a folder, a pipe or grown past the limit since the scan: the parse says which.
    if (!read.ok || createHash("sha1").update(read.bytes).digest("hex") !== old.hash) return "parse";
    const stamp = stampToRecord(f, run.readFrom);
    // Still too close to be stamped: nothing new to write (NaN again).
    if (!Object.is(stamp.mtimeMs, old.mtimeMs) || stamp.ctimeMs !== old.ctimeMs) {
      this.files.set(f.path, withStamp(old, stamp));
      this.touched = true;
    }
    return "reuse";
  }

  /** Parses `files` and applies what no update has overtaken; returns how many of those applied had settled (`IndexReport.parsedSettled`). */
  private async parseAll(files: ScannedFile[], opts: Pick<BuildOptions, "signal" | "onProgress">, termsOnly: boolean, run: BuildRun): Promise<number> {
    let done = 0;
    let settled = 0;
    const total = files.length;
    const step = Math.max(1, Math.floor(total / 200));
    opts.onProgress?.({ phase: "parsing", done, total });
    // A bounded number in flight: open files, queued jobs and unapplied results stay small.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < files.length) {
        opts.signal?.throwIfAborted();
        const f = files[next++]!;
        const outcome = await this.parser.parse({ path: f.path, absPath: f.absPath, ...stampToRecord(f, run.readFrom), ...(termsOnly ? { termsOnly } : {}) });
        // An update (or removal) since the build began read the file after the scan did: its record is the newer.
        if (!this.updatedSince(f.path, run)) {
          // A file no build could read (no permission, a parse that crashed) is tried again by each, unchanged.
          const changed = outcome.ok || this.files.has(f.path);
          this.apply(outcome);
          if (changed && f.mtimeMs < run.readFrom - SETTLED_MS) settled++;
        }
        if (++done % step === 0 || done === total) opts.onProgress?.({ phase: "parsing", done, total });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    return settled;
  }

  /** Whether `path`, or a folder above it, was updated or removed since `run` began. */
  private updatedSince(path: string, run: BuildRun): boolean {
    if (this.updates === run.updates) return false;
    for (let p = path; ; p = p.slice(0, p.lastIndexOf("/"))) {
      if ((this.lastUpdated.get(p) ?? 0) > run.updates) return true;
      if (!p.includes("/")) return false;
    }
  }

  private apply(outcome: ParseOutcome): void {
    if (outcome.ok) {
      this.skipped.delete(outcome.record.path);
      this.putRecord(outcome.record);
    } else {
      // A full table of open files (EMFILE: a low ulimit -n; ENFILE) says nothing of the file:
      // an indexed file keeps its record, read again by the next build (the disk check every
      // 5 minutes) as its stamps are not the record's. One not indexed yet is said so, with the way out.
      if (outcome.skip.reason === "unreadable" && TABLE_FULL.has(outcome.skip.detail ?? "")) {
        if (this.files.has(outcome.skip.path)) return;
        this.skipped.set(outcome.skip.path, { ...outcome.skip, detail: errorCode({ code: outcome.skip.detail }) });
        return;
      }
      this.dropRecord(outcome.skip.path);
      // Gone since it was found (a folder renamed or deleted while a build runs, or replaced by a
      // file of its name: ENOTDIR): nothing to say of a file that is not there.
      if (outcome.skip.reason === "unreadable" && (outcome.skip.detail === "ENOENT" || outcome.skip.detail === "ENOTDIR")) this.skipped.delete(outcome.skip.path);
      else this.skipped.set(outcome.skip.path, outcome.skip);
    }
  }

  private putRecord(record: FileRecord): void {
    const old = this.files.get(record.path);
    if (old) this.tables.remove(old);
    else {
      countInFolders(this.folderFiles, record.path, 1);
      const key = folded(record.path);
      this.foldedPaths.set(key, (this.foldedPaths.get(key) ?? new Set()).add(record.path));
    }
    this.files.set(record.path, record);
    this.tables.add(record);
  }

  private dropRecord(path: string): boolean {
    const old = this.files.get(path);
    if (!old) return false;
    this.tables.remove(old);
    this.files.delete(path);
    const key = folded(path);
    const twins = this.foldedPaths.get(key);
    if (twins?.delete(path) && twins.size === 0) this.foldedPaths.delete(key);
    this.editorTexts.delete(path);
    countInFolders(this.folderFiles, path, -1);
    return true;
  }

  private key(): Promise<string> {
    this.cacheKey ??= computeCacheKey(this.options.queriesDir);
    return this.cacheKey;
  }

  /** `whyNoHistory`: ask git why no history was read (a build's report; the counts asked after each save leave it out). */
  private report(run: Pick<IndexReport, "parsed" | "parsedSettled" | "reused" | "cache" | "cacheMissDetail" | "cacheBytes" | "cacheError" | "elapsedMs">, whyNoHistory = true): IndexReport {
    const byLanguage: Record<string, number> = {};
    let definitions = 0;
    let references = 0;
    let parseTimeouts = 0;
    let invalidUtf8 = 0;
    let pending = 0;
    for (const r of this.files.values()) {
      if (r.symbolsPending) pending++;
      const lang = r.language ?? "other";
      byLanguage[lang] = (byLanguage[lang] ?? 0) + 1;
      definitions += r.definitions.length;
      references += referenceCount(r.references);
      if (r.parseTimedOut) parseTimeouts++;
      if (r.invalidUtf8) invalidUtf8++;
    }
    const skippedByReason: Partial<Record<SkipReason, number>> = { ...this.chosenSkips };
    const leftOut: SkippedFile[] = [];
    for (const s of this.skipped.values()) {
      skippedByReason[s.reason] = (skippedByReason[s.reason] ?? 0) + 1;
      if (!CHOSEN_SKIPS.has(s.reason) && leftOut.length < LEFT_OUT_EXAMPLES) leftOut.push(s);
    }
    const historyCommits = this.historyRead?.commitCount ?? 0;
    const historyCut = this.historyRead?.cut;
    const historyShallow = this.historyRead?.shallow === true;
    const notDownloaded = whyNoHistory && this.historyAllowed && !this.historyRead && !this.historyElsewhere ? historyNotDownloaded(this.root) : undefined;
    const historyMissing = notDownloaded && historyNotDownloadedMessage(notDownloaded.remote);
    const stopped = this.stopped;
    return { files: this.files.size, byLanguage, definitions, references, skippedByReason, leftOut, parseTimeouts, invalidUtf8, pending, historyCommits, ...(historyCut ? { historyCut } : {}), ...(historyShallow ? { historyShallow: true as const } : {}), ...(historyMissing ? { historyMissing } : {}), ...(stopped ? { stopped } : {}), ...run };
  }
}
