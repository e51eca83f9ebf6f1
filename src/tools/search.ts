/**
 * search: a regular expression over the workspace's text files, ignores honoured, results
 * capped. What it does not search is said in the result: files over its size limit (with
 * how to read them instead), links pointing out of the workspace (never followed) and files
 * that look like they hold secrets (by their name or, for a link, the name of its file; a
 * hard link, by the file's other name). A key or token pasted into a searched file is masked
 * in the lines shown (secret-values.ts), and the result says where; the pattern is matched
 * against the masked text, and files holding masked values no hit shows are named.
 */
import { lstat, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { shownPath } from "../indexer/index.ts";
import { looksLikeSecrets } from "../protocol/secret-files.ts";
import { globMatcher, stoppedNote, unnamedNote, unreadableNote, workspaceFiles } from "./file-walk.ts";
import { MAX_READ_FILE_BYTES } from "./limits.ts";
import { LineMatcher, MATCH_LIMIT_MS } from "./line-matcher.ts";
import { hardLinksLookedUp, inodeKey, secretInodes } from "../indexer/secret-links.ts";
import { MASK_START, type MaskedValue, maskSecrets, maskedNote } from "./secret-values.ts";
import { decodeText, pairSafeEnd, pairSafeStart, splitLines } from "./text-file.ts";
import { type Tool, ToolError, optionalBool, optionalInt, optionalString, stringArg } from "./tool.ts";
import { readTargets } from "./path-spelling.ts";

const DEFAULT_LIMIT = 100;
// Search reads each file whole; bigger files are listed as not searched instead.
const MAX_FILE_BYTES = 2 * 1024 * 1024;
/** Skipped paths named in a note at most; the rest are counted. */
const MAX_NAMED = 10;
const MAX_LINE_CHARS = 240;
/**
 * Files walked per call at most, fewer than list_files' 100,000 since each is read: 20,000
 * small files took 9.6 s on 2 busy cores.
 */
const MAX_SEARCHED_FILES = 20_000;

export interface SearchHit {
  readonly path: string;
  readonly line: number;
  readonly text: string;
  /** What was masked in `text`, when something was. */
  readonly masked?: readonly string[];
}

export const searchTool: Tool = createSearchTool(MATCH_LIMIT_MS);

/**
 * The search tool, each file's matching stopped after `matchLimitMs` and each call's walk after
 * `maxSearchedFiles` files (tests use small ones).
 */
export function createSearchTool(matchLimitMs: number, maxSearchedFiles = MAX_SEARCHED_FILES): Tool {
  return {
    effect: "read",
    display: { title: "Search", wouldLikeTo: ["search {path} for “{pattern}”", "search the workspace for “{pattern}”"], keyArguments: ["path", "pattern", "glob"], body: "arguments" },
    definition: {
      name: "search",
      description: "Search the workspace's text files for a regular expression (JavaScript syntax). Returns path:line: text for each matching line, capped. .gitignore'd files are skipped; files over 2 MB, links out of the workspace and files that look like secrets (.env, private keys) are not searched (the result names them; naming one as path asks the user).",
      parameters: {
        type: "object",
        properties: {
          pattern: { type: "string", description: "Regular expression, e.g. \"def (parse|load)_config\"." },
          path: { type: "string", description: "Folder or file to search in (default: the whole workspace)." },
          glob: { type: "string", description: "Only files matching this glob, e.g. \"*.py\"." },
          case_sensitive: { type: "boolean", description: "Default: case-sensitive only if the pattern has an upper-case letter." },
          max_results: { type: "integer", description: `At most this many matching lines (default ${DEFAULT_LIMIT}).` },
        },
        required: ["pattern"],
      },
    },
    // A file named as the path: one that looks like it holds secrets asks first (secret-reads.ts).
    async targets(input, ctx) {
      return readTargets(ctx.workspace, optionalString(input, "path"));
    },
    async execute(input, ctx) {
      const pattern = stringArg(input, "pattern");
      const caseSensitive = optionalBool(input, "case_sensitive") ?? /[A-Z]/.test(pattern.replace(/\\./g, ""));
      const compose = speaksOfCodePoints(pattern) ? asWritten : composed;
      const regex = compile(compose(pattern), caseSensitive);
      const dir = await ctx.workspace.resolve(optionalString(input, "path") ?? ".");
      const glob = optionalString(input, "glob");
      const fileMatches = glob ? globMatcher(glob) : undefined;
      const limit = optionalInt(input, "max_results", 1, 5000) ?? DEFAULT_LIMIT;
      const walk = await workspaceFiles(ctx.workspace.root, dir, { maxFiles: maxSearchedFiles, signal: ctx.signal });
      const matching = walk.paths.filter((p) => !fileMatches || fileMatches(p));
      // A .env, a private key or a credential store (one nobody git-ignored) is not searched on
      // the way: a search for "KEY|token" put the live keys in the model's context (and on a
      // team server). A file named as the path itself is looked into, as read_file would, once the user allowed it.
      const secrets = await secretFiles(ctx.workspace.root, matching.filter((p) => p !== dir));
      const left = new Set(secrets.map((s) => s.path));
      const files = matching.filter((p) => !left.has(p));
      const linksOut = walk.linksOut;
      const hits: SearchHit[] = [];
      const large: { path: string; size: number }[] = [];
      const unreadable = [...walk.denied];
      /** Files holding masked values on lines no hit shows. */
      const unseenMasks: string[] = [];
      let truncated = false;
      const matcher = new LineMatcher(regex, matchLimitMs);
      try {
        for (const path of files) {
          ctx.signal.throwIfAborted();
          const found = await searchFile(ctx.workspace, path, matcher, compose, ctx.signal);
          if ("size" in found) large.push({ path, size: found.size });
          else if ("unreadable" in found) unreadable.push(path);
          // One at a time, to one past the limit: a log or CSV can match on more lines than a call takes arguments.
          else {
            for (const hit of found.hits) {
              if (hits.length > limit) break;
              hits.push(hit);
            }
          }
          if ("masked" in found && (found.masked ?? 0) > found.hits.reduce((n, h) => n + (h.masked?.length ?? 0), 0)) unseenMasks.push(path);
          if (hits.length > limit) {
            truncated = true;
            break;
          }
        }
      } finally {
        await matcher.close();
      }
      const shown = hits.slice(0, limit);
      const lines = shown.map((h) => `${shownPath(h.path)}:${h.line}: ${h.text}`);
      const cut = truncated ? [`[More than ${limit} matches; results cut. Narrow with path, glob or a more specific pattern.]`] : [];
      const masked = shown.flatMap((h) => (h.masked ?? []).map((kind) => ({ kind, line: h.line, path: h.path })));
      const notes = [...cut, ...unsavedHitsNote(ctx.workspace, shown), ...maskedNote(masked, (m) => `${shownPath(m.path)}:${m.line}`), ...unseenMasksNote(unseenMasks), ...largeNote(large), ...unreadableNote(unreadable.sort(), "searched"), ...unnamedNote(walk.unnamed, "searched"), ...secretsNote(secrets), ...linksNote(linksOut), ...(walk.stopped ? [stoppedNote(dir, walk.stopped, "searched")] : [])];
      const body = shown.length === 0 ? `No matches for /${pattern}/ in ${files.length - large.length - (unreadable.length - walk.denied.length)} files.` : lines.join("\n");
      const skippedLarge = large.map((f) => f.path);
      return { text: [body, ...notes].join("\n"), data: { hits: shown, truncated, skippedLarge, skippedLinks: linksOut, skippedSecrets: secrets.map((s) => s.path), skippedUnreadable: unreadable, ...(walk.stopped ? { stopped: walk.stopped } : {}) } };
    },
  };
}

/** Text with its accents composed (NFC); ASCII as it is, without the cost. */
function composed(text: string): string {
  return /[^\x00-\x7f]/.test(text) ? text.normalize("NFC") : text;
}

function asWritten(text: string): string {
  return text;
}

const MARK = /^\p{M}$/u;

/**
 * Whether `pattern` has a combining mark, as itself, in a character class (`[e\u0301]`: an e or
 * an accent) or under a quantifier (`e\u0301?`): composed, it would be another pattern (`[é]`,
 * `é?`), so it and the lines are matched as written. So is one that names a mark by a \uXXXX
 * escape (u0301 alone or starting a range: a search for decomposed text), which composed lines
 * hold none of.
 */
function speaksOfCodePoints(pattern: string): boolean {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "\\") {
      const escaped = /^u([0-9a-fA-F]{4})/.exec(pattern.slice(i + 1, i + 6))?.[1];
      if (escaped !== undefined && MARK.test(String.fromCharCode(parseInt(escaped, 16)))) return true;
      i++;
    } else if (char === "[") inClass = true;
    else if (char === "]") inClass = false;
    else if (MARK.test(char) && (inClass || /^[?*+{]/.test(pattern.slice(i + 1, i + 2)))) return true;
  }
  return false;
}

function compile(pattern: string, caseSensitive: boolean): RegExp {
  try {
    return new RegExp(pattern, caseSensitive ? "" : "i");
  } catch (error) {
    throw new ToolError("invalid-input", `invalid regular expression: ${(error as Error).message}. Escape special characters like ( [ . * with a backslash to match them literally`);
  }
}

/**
 * Says that files hold masked values the hits do not show: the pattern is matched against
 * the masked text, so a search for the values themselves (`ghp_\w+`, to move them to the
 * environment) would otherwise read as there being none. Which files, not which patterns
 * would have matched: a guess's answer must not spell a value out.
 */
function unseenMasksNote(paths: readonly string[]): string[] {
  if (paths.length === 0) return [];
  const holds = paths.length === 1 ? "holds some" : "hold some";
  return [`[The pattern is matched against the text as shown, where values that look like secrets are masked ("${MASK_START}…]"): ${named(paths.map(shownPath))} ${holds} on lines not shown here; search for "secret masked" to find them.]`];
}

/** Says which files were too large to search, and what reads each of them instead. */
function largeNote(large: readonly { path: string; size: number }[]): string[] {
  if (large.length === 0) return [];
  const readable = large.filter((f) => f.size <= MAX_READ_FILE_BYTES).map((f) => f.path);
  const huge = large.filter((f) => f.size > MAX_READ_FILE_BYTES).map((f) => f.path);
  const parts = [`[Not searched: ${large.length === 1 ? "1 file" : `${large.length} files`} over 2 MB (${named(large.map((f) => f.path))}).`];
  if (readable.length > 0) parts.push(`Read ${huge.length === 0 ? (readable.length === 1 ? "it" : "them") : named(readable)} by line range with read_file (start_line/end_line).`);
  if (huge.length > 0) {
    parts.push(`${named(huge)} ${huge.length === 1 ? "is" : "are"} over 16 MB, too large for read_file too: use run_command, e.g. grep -n "PATTERN" FILE.`);
  }
  return [`${parts.join(" ")}]`];
}

/**
 * A walked file left out of a search, and the file it leads to when its own name says
 * nothing: through a symbolic link (`target`), or the other name of a hard link (`sameAs`).
 */
interface SecretFile {
  readonly path: string;
  readonly target?: string;
  readonly sameAs?: string;
}

/** Where a walked file leads: its real name in the workspace, and its identity when it has other names (hard links). */
interface RealFile {
  readonly name: string;
  readonly inode?: string;
}

/**
 * The walked files that look like they hold secrets, by their own name, by the name of the
 * file they are a link to (`app.cfg` → `.env`, a folder link `conf` → `.ssh`: the link reads
 * that file), or as another name of one (`ln .env notes.txt`, the `.env` git-ignored and not
 * walked: secret-reads.ts `secretInodes`, looked for only when a walked file has several
 * links). One lstat a file and one realpath a folder; the search reads each file anyway.
 */
async function secretFiles(root: string, paths: readonly string[]): Promise<SecretFile[]> {
  const realRoot = await realpath(root).catch(() => root);
  const folders = new Map<string, Promise<string>>();
  const secrets: SecretFile[] = [];
  const linked: { path: string; inode: string }[] = [];
  // 64 at a time: one after another, the lstats of 5,000 files took 60-150 ms, half that so.
  for (let i = 0; i < paths.length; i += 64) {
    const batch = paths.slice(i, i + 64);
    const reals = await Promise.all(batch.map((path): Promise<RealFile> | RealFile => (looksLikeSecrets(path) ? { name: path } : realFile(join(root, path), realRoot, folders).catch(() => ({ name: path })))));
    batch.forEach((path, k) => {
      const real = reals[k]!;
      if (looksLikeSecrets(real.name)) secrets.push(real.name === path ? { path } : { path, target: real.name });
      else if (real.inode !== undefined) linked.push({ path, inode: real.inode });
    });
  }
  const others = linked.length > 0 ? await secretInodes(root) : new Map<string, string>();
  for (const { path, inode } of linked) {
    const sameAs = others.get(inode);
    if (sameAs !== undefined) secrets.push({ path, sameAs });
  }
  return secrets;
}

async function realFile(abs: string, realRoot: string, folders: Map<string, Promise<string>>): Promise<RealFile> {
  const inRoot = (real: string) => relative(realRoot, real).split(sep).join("/");
  const own = await lstat(abs);
  const info = own.isSymbolicLink() ? await stat(abs) : own;
  let name: string;
  if (own.isSymbolicLink()) name = inRoot(await realpath(abs));
  else {
    const parent = dirname(abs);
    let folder = folders.get(parent);
    if (!folder) folders.set(parent, (folder = realpath(parent).catch(() => parent)));
    name = inRoot(join(await folder, basename(abs)));
  }
  return info.isFile() && info.nlink > 1 && hardLinksLookedUp(name) ? { name, inode: inodeKey(info) } : { name };
}

function secretsNote(secrets: readonly SecretFile[]): string[] {
  if (secrets.length === 0) return [];
  const count = secrets.length === 1 ? "1 file that looks like it holds" : `${secrets.length} files that look like they hold`;
  const names = secrets.map((s) => {
    if (s.target !== undefined) return `${shownPath(s.path)} (a link to ${shownPath(s.target)})`;
    return s.sameAs === undefined ? shownPath(s.path) : `${shownPath(s.path)} (another name of ${shownPath(s.sameAs)})`;
  });
  return [`[Not searched: ${count} secrets (${named(names)}): environment files, private keys and credential stores are left out of searches. Look inside one only if the task needs it, by giving its path.]`];
}

/**
 * Files whose hits are the user's unsaved editor text (`Workspace.unsaved`, VS Code): a command
 * or test the model runs next reads the file on disk, without those lines (as read_file says).
 */
function unsavedHitsNote(ws: { unsaved?(path: string): boolean }, hits: readonly SearchHit[]): string[] {
  if (!ws.unsaved) return [];
  const paths = [...new Set(hits.map((h) => h.path))].filter((p) => ws.unsaved!(p)).map(shownPath);
  if (paths.length === 0) return [];
  // "until it is saved": with files.autoSave afterDelay the editor saves it within a second, not the user.
  const [which, its, file, it] = paths.length === 1 ? [`${paths[0]} has`, "its", "the file", "it is"] : [`${named(paths)} have`, "their", "the files", "they are"];
  return [
    `[Hearth: ${which} unsaved changes in the editor: the lines found there are ${its} text in the editor, not ${file} on disk, which commands and tests read until ${it} saved (by the user, or by the editor's auto-save where it is on).]`,
  ];
}

function linksNote(links: readonly string[]): string[] {
  if (links.length === 0) return [];
  const count = links.length === 1 ? "1 link" : `${links.length} links`;
  return [`[Skipped ${count} pointing outside the workspace (${named(links)}); links out of the workspace are not followed.]`];
}

function named(paths: readonly string[]): string {
  const more = paths.length - MAX_NAMED;
  return paths.slice(0, MAX_NAMED).join(", ") + (more > 0 ? ` and ${more} more` : "");
}

type WorkspaceReader = { stat(p: string): Promise<{ size: number } | undefined>; read(p: string): Promise<Uint8Array> };

/**
 * The file's matching lines, its size when it is over the limit, or `unreadable` when this
 * user may not read it (or the read failed). Binary files, and files removed or turned into
 * something else meanwhile, match nothing.
 */
async function searchFile(ws: WorkspaceReader, path: string, matcher: LineMatcher, compose: (text: string) => string, signal: AbortSignal): Promise<{ hits: SearchHit[]; masked?: number } | { size: number } | { unreadable: true }> {
  // One file that cannot be read never fails the whole search.
  const info = await ws.stat(path).catch(() => undefined);
  if (!info) return { hits: [] };
  if (info.size > MAX_FILE_BYTES) return { size: info.size };
  let failed = false;
  const bytes = await ws.read(path).catch((error: unknown) => void (failed = error instanceof ToolError && error.code === "io-error"));
  if (failed) return { unreadable: true };
  // Read as read_file reads it (UTF-16 with a BOM, Latin-1), so what search finds is what read_file shows; binary matches nothing.
  const text = bytes ? decodedOrUndefined(bytes, path) : undefined;
  if (text === undefined) return { hits: [] };
  // Masked whole, before lines are cut: a key block's lines, a token across the cut.
  const shown = maskSecrets(text);
  // Lines as read_file splits them (a classic-Mac file's at its CRs), so "line 3" is the same line there.
  const lines = splitLines(shown.text).map((l) => l.text);
  // Matched against the masked text: which patterns match the real one would spell a value out, a guess at a time.
  // Composed (NFC), as the pattern is: "café" written e + U+0301 (macOS-made text) is found
  // by the "café" a model writes, as edit_file takes it; the hit shows the line as it is.
  const matched = lines.map(compose);
  const found = await matcher.lines(matched.join("\n"), path, signal);
  return { hits: found.map(([i, at]) => hitOf(path, i, lines[i]!, placeInLine(lines[i]!, matched[i]!, at), shown.masked)), masked: shown.masked.length };
}

/**
 * Where the match at `at` of `matched` (the line composed) is in `line` as the file has it: a
 * long line of decomposed letters is shown around its match, not as many characters before it
 * as composing saved. Only a line long enough to be cut is looked for (composing prefixes, by halves).
 */
function placeInLine(line: string, matched: string, at: number): number {
  if (matched === line || line.length <= MAX_LINE_CHARS) return at;
  // The longest start of the line whose composed form is no longer than `at`.
  let low = 0;
  let high = line.length + 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (line.slice(0, middle).normalize("NFC").length <= at) low = middle + 1;
    else high = middle;
  }
  return Math.max(0, low - 1);
}

/** Characters of a long line shown before its match. */
const BEFORE_MATCH_CHARS = 80;

function hitOf(path: string, i: number, line: string, at: number, masked: readonly MaskedValue[]): SearchHit {
  const text = line.length > MAX_LINE_CHARS ? lineAround(line, at) : line;
  const kinds = masked.filter((m) => m.line === i + 1).map((m) => m.kind);
  return kinds.length === 0 ? { path, line: i + 1, text } : { path, line: i + 1, text, masked: kinds };
}

/**
 * MAX_LINE_CHARS of a long line (a minified bundle) from a little before its match, "…"
 * where it goes on: its first characters alone might not hold the match at all.
 */
function lineAround(line: string, at: number): string {
  const from = at + MAX_LINE_CHARS - BEFORE_MATCH_CHARS > line.length ? Math.max(0, line.length - MAX_LINE_CHARS) : Math.max(0, at - BEFORE_MATCH_CHARS);
  const start = pairSafeStart(line, from);
  const end = pairSafeEnd(line, Math.min(line.length, start + MAX_LINE_CHARS));
  return `${start > 0 ? "…" : ""}${line.slice(start, end)}${end < line.length ? "…" : ""}`;
}

function decodedOrUndefined(bytes: Uint8Array, path: string): string | undefined {
  try {
    return decodeText(bytes, path).text;
  } catch {
    return undefined;
  }
}
