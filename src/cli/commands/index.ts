/** `hearth index`: indexes a checkout and prints what was indexed; shared setup for locate and map. */
import { existsSync } from "node:fs";
import { chmod, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_LIMITS, RepoIndex, cacheMissMessage, type IndexProgress, type IndexReport, type RepoIndexOptions, shallowHistoryMessage, stoppedMessage } from "../../indexer/index.ts";
import { type CliCommand, type CliIo, noPositional, parseFlags, progressFrame, repoFolder } from "../command.ts";
import { gitLinkBroken, gitUnusable, ownerRefusal, refuseGitFolder } from "../checkout-root.ts";
import { gitLinkProblem, gitLinkWayOut } from "../../agent/git-link.ts";
import { shellWord } from "../no-model.ts";
import { wholeNumberOption } from "../setting-options.ts";
import { terminalJson, terminalText } from "../terminal-text.ts";
import { ownText } from "../locale.ts";
import { xdgFolder } from "../user-folders.ts";
import { keepPrivate } from "../../protocol/make-folders.ts";

/** Flags every indexer command accepts. */
export const INDEX_FLAGS = {
  repo: "string",
  cache: "string",
  "no-cache": "boolean",
  "max-file-kb": "string",
  "max-files": "string",
  "no-gitignore": "boolean",
  "no-history": "boolean",
  quiet: "boolean",
} as const;

export const INDEX_FLAGS_USAGE = `  --repo DIR         the checkout to index (default: the current directory)
  --cache DIR        where the index cache lives (default: ~/.cache/hearth/index)
  --no-cache         neither read nor write a cache
  --max-file-kb N    skip files larger than N KiB (default 1024)
  --max-files N      index at most N files, those nearest the root (default 100000)
  --no-gitignore     index files that .gitignore / .hearthignore exclude
  --no-history       rank without the git history (commit messages, files changed together)
  --quiet            no progress on stderr`;

/**
 * Where the queries and the worker entry are. In the bundle (out/cli.mjs) they sit next to
 * it: out/queries and out/indexer-worker.mjs. Run from sources with tsx, the queries are
 * in src/indexer/queries and parsing stays on the main thread (no compiled worker).
 */
export function indexerAssets(): Pick<RepoIndexOptions, "queriesDir" | "workers"> {
  const bundledQueries = fileURLToPath(new URL("./queries", import.meta.url));
  if (existsSync(bundledQueries)) {
    const worker = new URL("./indexer-worker.mjs", import.meta.url);
    return { queriesDir: bundledQueries, ...(existsSync(fileURLToPath(worker)) ? { workers: { script: worker } } : {}) };
  }
  return { queriesDir: fileURLToPath(new URL("../../indexer/queries", import.meta.url)) };
}

/**
 * Opens and builds the index for `hearth COMMAND`'s flags, with progress on stderr; a bare
 * repository or git's own folder is refused (a UsageError). `lazy` counts
 * new files' words without parsing them (see `BuildOptions.lazy`): the caller completes
 * what its query needs and saves with `saveIfChanged()`.
 */
export async function openCliIndex(flags: Record<string, string | boolean>, io: CliIo, options: { command: string; lazy?: boolean }): Promise<{ index: RepoIndex; report: IndexReport }> {
  const root = repoFolder(io.cwd, typeof flags.repo === "string" ? flags.repo : undefined);
  refuseGitFolder(root, options.command);
  const maxKb = wholeNumberOption(flags["max-file-kb"], "--max-file-kb", 1, "a positive whole number of KiB") ?? 1024;
  const maxFiles = wholeNumberOption(flags["max-files"], "--max-files", 1, "a positive whole number") ?? DEFAULT_LIMITS.maxFiles;
  // Empty (a script's --cache "$CACHE" with CACHE unset) is none, as an empty --model is: resolved, it put the cache in the current folder.
  const givenCache = typeof flags.cache === "string" && flags.cache !== "" ? flags.cache : undefined;
  const cacheDir = givenCache !== undefined ? resolve(io.cwd, givenCache) : join(xdgFolder("XDG_CACHE_HOME"), "hearth", "index");
  // The default folder an older Hearth left 0755 holds every project's cache (0644 then: private code's symbols and snippets): this user's alone again. A --cache folder is the user's to keep.
  if (givenCache === undefined && !flags["no-cache"]) for (const dir of [dirname(cacheDir), cacheDir]) await keepPrivate(dir, { stat, chmod, uid: process.getuid?.() });
  const index = new RepoIndex({
    root,
    ...indexerAssets(),
    ...(flags["no-cache"] ? {} : { storageDir: cacheDir }),
    limits: { maxFileBytes: maxKb * 1024, useGitignore: !flags["no-gitignore"], maxFiles },
    ...(flags["no-history"] ? { history: false } : {}),
  });
  // Progress redraws one line: only on a terminal (piped, it would fill a log with \r lines).
  const progress = flags.quiet || !io.errIsTerminal ? undefined : progressPrinter(io);
  try {
    const report = await index.build({ signal: io.signal, ...(options.lazy ? { lazy: true } : {}), ...(progress ? { onProgress: progress } : {}) });
    if (progress) io.err("\n");
    return { index, report };
  } catch (err) {
    await index.close();
    throw err;
  }
}

function progressPrinter(io: CliIo): (p: IndexProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase === "parsing" && p.done !== p.total && now - last < 200) return;
    last = now;
    const text = p.phase === "parsing" ? `Indexing ${p.done.toLocaleString("en")}/${p.total.toLocaleString("en")}` : `${p.phase[0]!.toUpperCase()}${p.phase.slice(1)}${ownText("…")}`;
    io.err(progressFrame(text, io.errColumns?.()));
  };
}

/**
 * What locate and map say when the folder has no file to index (empty, only binaries: most
 * often the wrong folder): without it, locate asked for the issue to be reworded and map
 * printed "0 files". `what`: "rank", "map".
 */
export function nothingIndexed(what: string, root: string, report: IndexReport): string {
  const skipped = Object.entries(report.skippedByReason).sort((a, b) => b[1] - a[1]).map(([why, n]) => `${why} ${n.toLocaleString("en")}`);
  return `Nothing to ${what}: ${terminalText(root)} has no file hearth indexes${skipped.length ? ` (skipped: ${skipped.join(", ")})` : ""}. Run hearth in the project's checkout, or give it with --repo DIR.\n`;
}

/**
 * The History line's "none" where no usable git ran (none on the PATH, one before 2.15 that
 * refuses Hearth's read-only options), git refused the repository (another user owns it) or stopped
 * at a broken .git file (a worktree whose repository moved: agent/git-link.ts), or a
 * partial clone lacks its commits' trees (--filter=tree:0): the history reader takes a failing git for no
 * repository, and "not a git repository, no commits yet, or --no-history" was said of a checkout.
 */
function noHistoryWhy(root: string, report: IndexReport, noHistory: boolean): string | undefined {
  if (report.historyCommits > 0 || report.historyShallow || noHistory) return undefined;
  const unusable = gitUnusable(root);
  if (!unusable) {
    const refused = ownerRefusal(root);
    const broken = refused ? undefined : gitLinkBroken(root);
    if (broken) return `none: ${gitLinkProblem(broken)}, so the commits' history (which helps ranking) was not read; ${gitLinkWayOut(broken, shellWord)}`;
    // A partial clone without its commits' trees: the index asked (indexer/history-missing.ts, the Hearth view's words too).
    if (!refused) return report.historyMissing && `none: ${report.historyMissing}`;
    return `none: git will not read the repository at ${refused.at}: another user owns it (git's "dubious ownership" check), so the commits' history (which helps ranking) was not read; run hearth as its owner, or, if you trust it, mark it safe (${refused.command})`;
  }
  if ("missing" in unusable) return `none: git is not on the PATH (${unusable.missing}), so the commits' history (which helps ranking) was not read; install git, or add its folder to PATH`;
  return `none: ${unusable.version} is too old (it refuses --no-optional-locks, which Hearth's read-only git runs with: git 2.15 and later), so the commits' history (which helps ranking) was not read`;
}

/** The report as the lines `hearth index` prints. */
export function formatReport(root: string, r: IndexReport, historyNone = "none (not a git repository, no commits yet, or --no-history)"): string {
  const langs = Object.entries(r.byLanguage).sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n.toLocaleString("en")}`);
  // Files read this run and then skipped for their content (binary, generated, minified):
  // "Parsed" counts them, "Files" does not.
  const skippedAfterRead = Math.max(0, r.parsed - (r.files - r.reused));
  const skipped = Object.entries(r.skippedByReason).sort((a, b) => b[1] - a[1]).map(([why, n]) => `${why} ${n.toLocaleString("en")}`);
  return [
    `Indexed ${root}`,
    `Files:       ${r.files.toLocaleString("en")} (${langs.join(", ") || "none"})`,
    `Symbols:     ${r.definitions.toLocaleString("en")} definitions, ${r.references.toLocaleString("en")} references`,
    `Skipped:     ${skipped.join(", ") || "none"}`,
    ...(r.stopped ? [`Limit:       ${stoppedMessage(r.stopped)}`] : []),
    ...(r.parseTimeouts > 0 ? [`Parse timeouts (kept as text): ${r.parseTimeouts}`] : []),
    ...(r.invalidUtf8 > 0 ? [`Invalid UTF-8 (decoded with replacements): ${r.invalidUtf8}`] : []),
    `Parsed:      ${r.parsed.toLocaleString("en")} files read${skippedAfterRead ? ` (${skippedAfterRead.toLocaleString("en")} of them skipped: see Skipped)` : ""}, ${r.reused.toLocaleString("en")} unchanged from the cache (cache: ${r.cache}${r.cacheBytes ? `, ${(r.cacheBytes / 1e6).toFixed(1)} MB` : ""})`,
    // Why a cache that was there was not used (another version's, damaged, unreadable: named); a first index's absent one says nothing more.
    ...(r.cache !== "absent" && cacheMissMessage(r.cache, r.cacheMissDetail) ? [`Cache:       ${cacheMissMessage(r.cache, r.cacheMissDetail)}`] : []),
    ...(r.cacheError ? [`Cache:       not written (${r.cacheError}): the next run parses these files again`] : []),
    `History:     ${r.historyShallow ? `${shallowHistoryMessage(r.historyCommits)}${r.historyCut ? `; only the newest: ${r.historyCut}` : ""}` : r.historyCommits > 0 ? `${r.historyCommits.toLocaleString("en")} commit${r.historyCommits === 1 ? "" : "s"} (git: commit messages and files changed together help ranking)${r.historyCut ? `; only the newest: ${r.historyCut}` : ""}` : historyNone}`,
    `Time:        ${(r.elapsedMs / 1000).toFixed(2)} s`,
    "",
  ].join("\n");
}

/** The options it takes (its usage names each: test/unit/cli/usage-flags.test.ts). */
export const INDEX_COMMAND_FLAGS = { ...INDEX_FLAGS, json: "boolean" } as const;

export const indexCommand: CliCommand = {
  name: "index",
  summary: "index a checkout and print what was indexed (files, symbols, skipped files, time)",
  usage: `hearth index [--repo DIR] [--json] [options]

${INDEX_FLAGS_USAGE}
  --json             print the report as JSON`,
  async run(args, io) {
    const { flags, positional } = parseFlags(args, INDEX_COMMAND_FLAGS);
    noPositional(positional);
    const { index, report } = await openCliIndex(flags, io, { command: "index" });
    await index.close();
    io.out(flags.json ? terminalJson(JSON.stringify({ root: index.root, ...report }, null, 2)) + "\n" : terminalText(formatReport(index.root, report, noHistoryWhy(index.root, report, flags["no-history"] === true))));
    return 0;
  },
};
