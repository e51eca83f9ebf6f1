/**
 * Line matching shared by edit_file and the patch applier: whitespace levels, searching a
 * block of lines in a file, "did you mean" candidates, and carrying the file's indentation
 * over to lines the model wrote with different indentation.
 */

/** How strictly two lines must agree, strictest first. */
export type MatchLevel = "exact" | "trailing-whitespace" | "whitespace";

export const LEVELS: readonly MatchLevel[] = ["exact", "trailing-whitespace", "whitespace"];

/**
 * The key a line is compared by at a level. "whitespace" ignores indentation and runs of
 * blanks. Past "exact", Unicode normalization is ignored too: "café" with é as e + U+0301
 * (NFD) looks the same as with U+00E9, and the model writes the one it knows.
 */
export function lineKey(line: string, level: MatchLevel): string {
  if (level === "exact") return line;
  // trimEnd, not /\s+$/ (the same blanks): the pattern scanned from every blank of a run to its end, and a line of
  // 1 MB of spaces then a letter held the runtime some 10 minutes.
  const key = level === "trailing-whitespace" ? line.trimEnd() : line.trim().replace(/\s+/g, " ");
  return NON_ASCII.test(key) ? key.normalize("NFC") : key;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Start indices where `needle` matches consecutive lines of `hay` at `level`. */
export function findBlock(hay: readonly string[], needle: readonly string[], level: MatchLevel): number[] {
  if (needle.length === 0 || needle.length > hay.length) return [];
  const hayKeys = hay.map((l) => lineKey(l, level));
  const keys = needle.map((l) => lineKey(l, level));
  const starts: number[] = [];
  for (let s = 0; s + keys.length <= hayKeys.length; s++) {
    let ok = true;
    for (let i = 0; i < keys.length && ok; i++) ok = hayKeys[s + i] === keys[i];
    if (ok) starts.push(s);
  }
  return starts;
}

/** A place in the file that resembles what the model wrote. */
export interface Candidate {
  /** 1-based line number of the first line. */
  readonly line: number;
  /** 0..1 mean line similarity. */
  readonly similarity: number;
  readonly text: string;
}

/**
 * The `limit` most similar windows of `needle.length` lines, best first, not overlapping.
 * A long needle is first scored on a few of its lines at every window, then in full only at
 * the best of those: scoring every line at every window is lines × lines comparisons, a
 * minute of a frozen runtime for a 300-line old_text in a 100,000-line file.
 */
export function closestBlocks(hay: readonly string[], needle: readonly string[], limit = 3): Candidate[] {
  const n = Math.max(1, needle.length);
  if (hay.length === 0) return [];
  const needleGrams = needle.map((l) => bigrams(l));
  const hayGrams = hay.map((l) => bigrams(l));
  const scorer = (rows: readonly number[]) => (start: number): Scored => {
    let sum = 0;
    for (const i of rows) if (start + i < hay.length) sum += dice(needleGrams[i] ?? EMPTY, hayGrams[start + i]!);
    return { start, score: sum / rows.length };
  };
  const rows = sampledRows(n);
  const windows = Array.from({ length: hay.length - Math.min(n, hay.length) + 1 }, (_, s) => s);
  let best = apart(windows.map(scorer(rows)), n, rows.length < n ? limit * 4 : limit);
  if (rows.length < n) best = apart(best.map((w) => scorer(sampledRows(n, n))(w.start)), n, limit);
  return best.filter((w) => w.score > 0.2).map(({ start, score }) => ({ line: start + 1, similarity: score, text: hay.slice(start, start + n).join("\n") }));
}

const EMPTY = new Uint32Array(0);

interface Scored {
  readonly start: number;
  readonly score: number;
}

const SAMPLED_LINES = 8;

/** At most `count` line indices of 0..n-1, evenly spread, first and last included. */
function sampledRows(n: number, count = SAMPLED_LINES): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return [...new Set(Array.from({ length: count }, (_, k) => Math.round((k * (n - 1)) / (count - 1))))];
}

/** The best `limit` windows, no two overlapping (windows of `n` lines). */
function apart(scored: readonly Scored[], n: number, limit: number): Scored[] {
  const sorted = [...scored].sort((a, b) => b.score - a.score || a.start - b.start);
  const picked: Scored[] = [];
  for (const w of sorted) {
    if (picked.length >= limit || w.score <= 0) break;
    if (!picked.some((p) => Math.abs(p.start - w.start) < n)) picked.push(w);
  }
  return picked;
}

/** Text for the model listing candidates with line numbers. */
export function describeCandidates(candidates: readonly Candidate[], maxLines = 12): string {
  if (candidates.length === 0) return "No similar text was found in the file; read the file again before editing.";
  const parts = candidates.map((c) => {
    const lines = c.text.split("\n");
    const shown = lines.slice(0, maxLines).map((l, i) => `${String(c.line + i).padStart(5)}| ${l}`);
    if (lines.length > maxLines) shown.push(`     | … ${lines.length - maxLines} more lines`);
    return `Lines ${c.line}-${c.line + lines.length - 1} (${Math.round(c.similarity * 100)}% similar):\n${shown.join("\n")}`;
  });
  return `Did you mean:\n${parts.join("\n\n")}`;
}

/** A line's character bigrams (blank runs as one space) as sorted codes, repeats kept. */
function bigrams(line: string): Uint32Array {
  const s = line.trim().replace(/\s+/g, " ");
  if (s.length === 1) return Uint32Array.of(s.charCodeAt(0));
  const grams = new Uint32Array(Math.max(0, s.length - 1));
  for (let i = 0; i + 2 <= s.length; i++) grams[i] = ((s.charCodeAt(i) << 16) | s.charCodeAt(i + 1)) >>> 0;
  return grams.sort();
}

/** Dice similarity of two bigram multisets (1 for two empty lines). */
function dice(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let common = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return (2 * common) / (a.length + b.length);
}

/**
 * Learns how the file indents relative to what the model wrote, from matched pairs
 * (model line, file line), and returns a function that re-indents the model's new lines
 * the same way. Falls back to leaving lines unchanged when no consistent rule fits.
 */
export function indentMapper(pairs: readonly (readonly [string, string])[]): (line: string) => string {
  const useful = pairs.filter(([p, f]) => p.trim() !== "" && f.trim() !== "");
  if (useful.every(([p, f]) => indentOf(p) === indentOf(f))) return (l) => l;
  return prefixShift(useful) ?? columnShift(useful) ?? indentTable(useful);
}

/** The leading spaces and tabs of a line. */
export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

// The model wrote the block with a different base indentation but the same characters
// inside it: file indent = A + rest where model indent = B + rest.
function prefixShift(pairs: readonly (readonly [string, string])[]): ((line: string) => string) | undefined {
  if (pairs.length === 0) return undefined;
  const base = pairs.reduce((m, p) => (indentOf(p[0]).length < indentOf(m[0]).length ? p : m));
  const from = indentOf(base[0]);
  const to = indentOf(base[1]);
  // Spaces for tabs (or tabs for spaces): a swapped prefix would leave a deeper line's extra
  // spaces after the file's tabs ("\t\t    x"); columnShift renders each depth in the file's style.
  if (from.includes("\t") !== to.includes("\t")) return undefined;
  const fits = pairs.every(([p, f]) => indentOf(p).startsWith(from) && indentOf(f) === to + indentOf(p).slice(from.length));
  if (!fits) return undefined;
  return (line) => {
    if (line.trim() === "") return line.trim();
    const ind = indentOf(line);
    return ind.startsWith(from) ? to + line.slice(from.length) : line;
  };
}

// Tabs vs spaces (and a shift in depth): compare indentation in columns for a tab width,
// and render new indentation in the file's own style.
function columnShift(pairs: readonly (readonly [string, string])[]): ((line: string) => string) | undefined {
  const fileTabs = pairs.some(([, f]) => indentOf(f).includes("\t"));
  for (const width of [4, 8, 2]) {
    const delta = columns(indentOf(pairs[0]![1]), width) - columns(indentOf(pairs[0]![0]), width);
    const render = (cols: number): string => (fileTabs ? "\t".repeat(Math.floor(cols / width)) + " ".repeat(cols % width) : " ".repeat(cols));
    // A shift that would take a line left of column 0 does not fit (and must not throw).
    const fits = pairs.every(([p, f]) => columns(indentOf(p), width) + delta >= 0 && render(columns(indentOf(p), width) + delta) === indentOf(f));
    if (!fits) continue;
    return (line) => {
      if (line.trim() === "") return line.trim();
      return render(Math.max(0, columns(indentOf(line), width) + delta)) + line.trimStart();
    };
  }
  return undefined;
}

// No one rule fits (tabs plus alignment spaces): each indentation the model wrote becomes the
// file's indentation it stood for on the matched lines, by its longest such prefix.
function indentTable(pairs: readonly (readonly [string, string])[]): (line: string) => string {
  const table = new Map<string, string>();
  const clash = new Set<string>();
  for (const [p, f] of pairs) {
    const [from, to] = [indentOf(p), indentOf(f)];
    if (table.has(from) && table.get(from) !== to) clash.add(from);
    table.set(from, to);
  }
  for (const from of clash) table.delete(from);
  // A re-indentation keeps the order of depths: a deeper line of the model's stays deeper in
  // the file. A table that does not (a whitespace match that paired the model's '  }' with the
  // file's '}' beside '' → '') is no rule, but a mismatch: the model's lines are left as written.
  const byDepth = [...table].sort((a, b) => columns(a[0], 4) - columns(b[0], 4));
  for (let i = 1; i < byDepth.length; i++) if (columns(byDepth[i]![1], 4) <= columns(byDepth[i - 1]![1], 4)) return (l) => l;
  const keys = [...table.keys()].sort((a, b) => b.length - a.length);
  return (line) => {
    if (line.trim() === "") return line.trim();
    const key = keys.find((k) => line.startsWith(k));
    return key === undefined ? line : table.get(key)! + line.slice(key.length);
  };
}

/** Whether these indentations reach one column at some tab width ("\t" and "    " at 4): one depth written two ways. */
export function sameDepth(indents: Iterable<string>): boolean {
  const all = [...indents];
  return [4, 8, 2].some((width) => new Set(all.map((i) => columns(i, width))).size <= 1);
}

function columns(indent: string, tabWidth: number): number {
  let col = 0;
  for (const ch of indent) col = ch === "\t" ? (Math.floor(col / tabWidth) + 1) * tabWidth : col + 1;
  return col;
}
