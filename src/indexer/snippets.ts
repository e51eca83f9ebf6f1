import { readIndexedFile } from "./indexed-file.ts";
import { sourceText } from "./parse-file.ts";
import type { RepoIndex } from "./repo-index.ts";
import { identifiersIn, sourceLines, withLfLineEnds } from "./text.ts";

/** A piece of another file worth showing the completion model. */
export interface ContextSnippet {
  readonly path: string;
  /** Zero-based first and last line of the excerpt. */
  readonly startLine: number;
  readonly endLine: number;
  readonly text: string;
  /** Why it was picked: the symbol used near the cursor that it defines. */
  readonly symbol: string;
}

export interface CompletionContext {
  /** Import lines of the current file. */
  readonly imports: readonly string[];
  /** Definitions of symbols used near the cursor, nearest use first. */
  readonly snippets: ContextSnippet[];
}

export interface ContextOptions {
  /** The buffer text when it differs from the disk (unsaved). */
  readonly text?: string;
  /** The cursor's column (UTF-16): in a line longer than `LINE_WINDOW` only the text around it is read. */
  readonly character?: number;
  /** Lines above the cursor scanned for identifiers (default 40), and below (default 5). */
  readonly linesBefore?: number;
  readonly linesAfter?: number;
  /** At most this many snippets (default 8), each at most `maxLines` lines (default 12). */
  readonly maxSnippets?: number;
  readonly maxLines?: number;
}

/**
 * Context for an inline completion at (line, col) of `path`: the file's imports and the
 * definitions of identifiers used near the cursor, found in other files (or far away in
 * the same file). Definitions in files this one already depends on come first.
 */
export async function contextAt(index: RepoIndex, path: string, line: number, options: ContextOptions = {}): Promise<CompletionContext> {
  const rel = index.relative(path);
  const text = options.text ?? (await readSource(index, rel)) ?? "";
  const lines = sourceLines(text);
  const from = Math.max(0, line - (options.linesBefore ?? 40));
  const to = Math.min(lines.length, line + (options.linesAfter ?? 5) + 1);
  const names = nearestFirst(lines, from, to, line, options.character ?? 0);
  const snippets: ContextSnippet[] = [];
  const fileCache = new Map<string, string[]>();
  for (const name of names) {
    if (snippets.length >= (options.maxSnippets ?? 8)) break;
    const def = pickDefinition(index, rel, name, from, to);
    if (!def) continue;
    const source = await linesOf(index, def.path, rel === def.path ? lines : undefined, fileCache);
    // Gone since indexing, or not read (readSource): no text to show.
    if (def.startLine >= source.length) continue;
    const end = Math.min(def.endLine, def.startLine + (options.maxLines ?? 12) - 1);
    snippets.push({ path: def.path, startLine: def.startLine, endLine: end, text: source.slice(def.startLine, end + 1).join("\n"), symbol: name });
  }
  return { imports: index.files.get(rel)?.imports ?? [], snippets };
}

/** Characters of one line read for identifiers: minified code has megabyte lines, and only what is near the cursor matters. */
const LINE_WINDOW = 2000;

/**
 * What `contextAt` needs of a buffer too big for the index (over `maxFileBytes`: no record of
 * its own, so no definition of it nor imports to show): the lines it scans for identifiers,
 * each cut to what `near` reads, with the cursor's line and column in them. Sent whole, a 50 MB
 * log in the editor was copied to the index thread and split into its 1.2 million lines (some
 * 0.4 s of that thread, every 16 lines the cursor moved); the answer is the same. A buffer the
 * index may hold is sent as it is (a definition of its own, far from the cursor, is shown).
 */
export function contextRequest(line: number, options: ContextOptions, maxFileBytes: number): { line: number; options: ContextOptions } {
  const text = options.text;
  // UTF-16 units are never more than UTF-8 bytes: a text longer than the limit in units is over it in bytes.
  if (text === undefined || text.length <= maxFileBytes) return { line, options };
  const from = Math.max(0, line - (options.linesBefore ?? 40));
  const lines = linesBetween(text, from, line + (options.linesAfter ?? 5) + 1);
  const character = options.character ?? 0;
  const cut = lines.map((l, i) => (from + i === line ? nearStart(l, character) : 0));
  return {
    line: line - from,
    options: {
      ...options,
      // A CR left in a line (a CRLF's, or a progress bar's lone ones in a log that is mostly LF) is a
      // space: the thread breaks lines again, and 46 lines with a progress bar's CRs in them would be
      // read as a classic Mac file's (sourceLines), each CR a line, the cursor's line another one.
      text: lines.map((l, i) => l.slice(cut[i], cut[i]! + LINE_WINDOW).replaceAll("\r", " ")).join("\n"),
      ...(line - from < lines.length ? { character: Math.max(0, character - cut[line - from]!) } : {}),
    },
  };
}

/** Lines `from` to `to` (exclusive) of `text` as `sourceLines` breaks them, found without splitting the rest. */
function linesBetween(text: string, from: number, to: number): string[] {
  const lf = withLfLineEnds(text);
  const out: string[] = [];
  let start = 0;
  for (let l = 0; l < to; l++) {
    const end = lf.indexOf("\n", start);
    if (l >= from) out.push(lf.slice(start, end < 0 ? lf.length : end));
    if (end < 0) break;
    start = end + 1;
  }
  return out;
}

/** Identifiers in the window, the ones closest to the cursor line first. */
function nearestFirst(lines: string[], from: number, to: number, line: number, character: number): string[] {
  const seen = new Map<string, number>();
  for (let i = from; i < to; i++) {
    for (const id of identifiersIn(near(lines[i] ?? "", i === line ? character : 0))) {
      if (id.length < 3) continue;
      const d = Math.abs(i - line);
      if (!seen.has(id) || seen.get(id)! > d) seen.set(id, d);
    }
  }
  return [...seen.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
}

/** At most LINE_WINDOW characters of `text` around `character` (mostly before it: what the cursor follows). */
function near(text: string, character: number): string {
  const start = nearStart(text, character);
  return text.slice(start, start + LINE_WINDOW);
}

/** Where `near` starts reading a line. */
function nearStart(text: string, character: number): number {
  return text.length <= LINE_WINDOW ? 0 : Math.max(0, Math.min(character, text.length) - (LINE_WINDOW * 3) / 4);
}

function pickDefinition(index: RepoIndex, rel: string, name: string, from: number, to: number) {
  const files = index.tables.definers.get(name);
  if (!files || files.size > 10) return undefined;
  const imports = (index.files.get(rel)?.imports ?? []).join("\n");
  let best: { path: string; startLine: number; endLine: number; score: number } | undefined;
  for (const path of files) {
    for (const d of index.files.get(path)?.definitions ?? []) {
      // Field names collide across unrelated types; a field alone says little to the model.
      if (d.name !== name || d.kind === "property") continue;
      // The cursor's own surroundings are already in the prompt.
      if (path === rel && d.startLine >= from && d.startLine < to) continue;
      const stem = path.slice(path.lastIndexOf("/") + 1).replace(/\.[^.]+$/, "");
      const score = (path === rel ? 3 : 0) + (imports.includes(stem) ? 2 : 0) + (d.scope ? 0 : 1);
      if (!best || score > best.score) best = { path, startLine: d.startLine, endLine: d.endLine, score };
    }
  }
  return best;
}

async function linesOf(index: RepoIndex, path: string, known: string[] | undefined, cache: Map<string, string[]>): Promise<string[]> {
  if (known) return known;
  let lines = cache.get(path);
  if (!lines) {
    const text = await readSource(index, path);
    lines = text === undefined ? [] : sourceLines(text);
    cache.set(path, lines);
  }
  return lines;
}

/**
 * A file's text; undefined when it is gone since indexing, or is now no regular file or over
 * the index's size limit (readIndexedFile: a FIFO held a thread of the pool for good, and
 * the completion never came).
 */
async function readSource(index: RepoIndex, path: string): Promise<string | undefined> {
  const read = readIndexedFile(index.root, path, index.limits.maxFileBytes);
  return read.ok ? sourceText(read.bytes) : undefined;
}
