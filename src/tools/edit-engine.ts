/**
 * Search/replace on text, pure (no I/O): exact and unique first, then line-based matching
 * that tolerates trailing whitespace, then indentation and blank-run differences (the new
 * text is re-indented like the file). Works on the raw text so everything outside the
 * replaced region — line endings, a missing final newline — stays byte for byte.
 */
import { type MatchLevel, closestBlocks, describeCandidates, findBlock, indentMapper, indentOf, lineKey, sameDepth } from "./line-match.ts";
import { type Line, pairSafeEnd, pairSafeStart, splitLines, toLf } from "./text-file.ts";
import { ToolError } from "./tool.ts";

/** One replacement the model asked for. */
export interface Edit {
  readonly oldText: string;
  readonly newText: string;
  /** Replace every exact occurrence instead of requiring a unique one. */
  readonly replaceAll?: boolean;
}

/** How one edit was placed. */
export interface AppliedEdit {
  readonly level: MatchLevel;
  /** 1-based first line of each replaced region, in the text as it was before this edit. */
  readonly lines: number[];
}

/**
 * Applies edits one after the other (each sees the result of the previous). Throws
 * `no-match` / `ambiguous-match` naming the failing edit; the caller writes nothing then.
 */
export function applyEdits(raw: string, eol: string, edits: readonly Edit[]): { text: string; applied: AppliedEdit[] } {
  let text = raw;
  const applied: AppliedEdit[] = [];
  edits.forEach((edit, i) => {
    const label = edits.length > 1 ? `edit ${i + 1} of ${edits.length}: ` : "";
    try {
      const result = applyOne(text, eol, edit);
      text = result.text;
      applied.push(result.applied);
    } catch (error) {
      if (error instanceof ToolError) throw new ToolError(error.code, label + error.message + (edits.length > 1 ? "\nNo edit was applied." : ""), error.data);
      throw error;
    }
  });
  return { text, applied };
}

function applyOne(raw: string, eol: string, edit: Edit): { text: string; applied: AppliedEdit } {
  const oldLf = toLf(edit.oldText);
  const newLf = toLf(edit.newText);
  if (oldLf === "") {
    if (raw === "") return { text: newLf.replace(/\n/g, eol), applied: { level: "exact", lines: [1] } };
    throw new ToolError("invalid-input", "old_text is empty; give the exact text to replace (or use write_file for a new file)");
  }
  if (oldLf === newLf) throw new ToolError("invalid-input", "old_text and new_text are the same; nothing would change");
  return exactReplace(raw, eol, oldLf, newLf, edit.replaceAll === true) ?? fuzzyReplace(raw, eol, oldLf, newLf);
}

function exactReplace(raw: string, eol: string, oldLf: string, newLf: string, all: boolean): { text: string; applied: AppliedEdit } | undefined {
  const lf = toLf(raw);
  const found: number[] = [];
  for (let i = lf.indexOf(oldLf); i !== -1; i = lf.indexOf(oldLf, i + oldLf.length)) found.push(i);
  if (found.length === 0) return undefined;
  const starts = found.filter((s) => cutCharacter(lf, s, s + oldLf.length) === undefined);
  if (starts.length === 0) throw insideCharacter(lf, found[0]!, oldLf.length);
  const lines = starts.map((s) => lineNumberAt(lf, s));
  const made = starts.map((s) => madeAt(lf, s, oldLf, newLf));
  if (made.every((m) => m !== undefined)) throw alreadyMade(lineNumberAt(lf, made[0]!));
  if (starts.length > 1 && !all) throw ambiguous(lines, "exactly");
  const map = rawOffsets(raw);
  let text = raw;
  for (const s of [...starts].reverse()) {
    const [from, to] = [map(s), map(s + oldLf.length)];
    text = text.slice(0, from) + newLf.replace(/\n/g, localEol(raw, from, to, eol)) + text.slice(to);
  }
  return { text, applied: { level: "exact", lines } };
}

function fuzzyReplace(raw: string, eol: string, oldLf: string, newLf: string): { text: string; applied: AppliedEdit } {
  const lines = splitLines(raw);
  const hay = lines.map((l) => l.text);
  const needle = trimFinalNewline(oldLf).split("\n");
  for (const level of ["trailing-whitespace", "whitespace"] as const) {
    const starts = findBlock(hay, needle, level);
    if (starts.length > 1) throw ambiguous(starts.map((s) => s + 1), `after ignoring ${level === "whitespace" ? "indentation and whitespace" : "trailing whitespace"}`);
    if (starts.length === 1) {
      const made = madeAt(hay.map((l) => lineKey(l, level)), starts[0]!, needle.map((l) => lineKey(l, level)), trimFinalNewline(newLf).split("\n").map((l) => lineKey(l, level)));
      if (made !== undefined) throw alreadyMade(made + 1);
      return replaceLines(lines, starts[0]!, needle, oldLf, newLf, eol, level);
    }
  }
  const candidates = closestBlocks(hay, needle);
  throw new ToolError("no-match", `old_text was not found in the file (not even ignoring whitespace). ${describeCandidates(candidates)}`, { candidates });
}

function replaceLines(lines: readonly Line[], start: number, needle: readonly string[], oldLf: string, newLf: string, eol: string, level: MatchLevel): { text: string; applied: AppliedEdit } {
  const end = start + needle.length;
  const matched = lines.slice(start, end);
  const reindent = level === "whitespace" ? indentMapper(needle.map((l, i) => [l, matched[i]!.text] as const)) : (l: string) => l;
  const newBody = oldLf.endsWith("\n") ? trimFinalNewline(newLf) : newLf;
  const newLines = newBody === "" ? [] : newBody.split("\n");
  // A line the model copied unchanged from its old_text stays the file's line: its copy may
  // lack the file's trailing blanks (Markdown hard breaks), blank runs ('a  b' in a string)
  // or indentation no single rule re-creates (tabs plus alignment spaces).
  const kept = unchangedLines(needle, newLines);
  if (level === "whitespace") refuseUnplaceable(needle, matched, newLines, kept, start, reindent);
  const replacement = newLines.map((l, j) => (kept.has(j) ? matched[kept.get(j)!]!.text : reindent(l)));
  const before = lines.slice(0, start);
  const after = lines.slice(end);
  const lastEol = matched.at(-1)!.eol;
  const ends = new Set(matched.map((l) => l.eol).filter((e) => e !== ""));
  const lineEol = ends.size === 1 ? [...ends][0]! : eol;
  let text = before.map((l) => l.text + l.eol).join("");
  // A deletion of whole lines removes their line breaks too; otherwise the block keeps the
  // break its last line had (so a file without a final newline stays without one).
  if (replacement.length > 0) text += replacement.join(lineEol) + lastEol;
  text += after.map((l) => l.text + l.eol).join("");
  return { text, applied: { level, lines: [start + 1] } };
}

/**
 * Refuses a changed line written at an indentation that stood for several depths of the file's on
 * the matched lines (a copy that lost the block's indentation: 'def f' and 'return 1' both at
 * column 0, at 4 and 8 in the file): no rule says where it goes, and written as it came it
 * broke the code (Python that no longer ran) under a success message.
 */
function refuseUnplaceable(needle: readonly string[], matched: readonly Line[], newLines: readonly string[], kept: ReadonlyMap<number, number>, start: number, reindent: (line: string) => string): void {
  const stood = new Map<string, Set<string>>();
  needle.forEach((l, i) => {
    const f = matched[i]!.text;
    if (l.trim() === "" || f.trim() === "") return;
    const set = stood.get(indentOf(l)) ?? new Set<string>();
    stood.set(indentOf(l), set.add(indentOf(f)));
  });
  // A depth the file writes two ways (a tab on some lines, four spaces on others) is one depth,
  // placed where a line re-indents to one of its ways: one that stays at the copy's (a
  // flattened copy, '\t' and 8 spaces both at column 0) went in flat.
  const unplaceable = (line: string) => {
    const ways = stood.get(indentOf(line)) ?? new Set<string>();
    return ways.size > 1 && (!sameDepth(ways) || !ways.has(indentOf(reindent(line))));
  };
  const lost = newLines.find((l, j) => !kept.has(j) && l.trim() !== "" && unplaceable(l));
  if (lost === undefined) return;
  throw new ToolError(
    "invalid-input",
    `old_text matches lines ${start + 1}-${start + needle.length} only ignoring indentation, and lines it has at one indentation are at several in the file, so the indentation of the new line "${lost.trim()}" cannot be told; nothing was written. ` +
      "Copy old_text and new_text with the file's indentation, as read_file shows it",
  );
}

// Beyond this many cells the middle of a huge rewrite is not aligned (its ends still are).
const MAX_ALIGN_CELLS = 4_000_000;

/** For each line of `next` the model kept from `prev` (a longest common subsequence), its index in `prev`. */
export function unchangedLines(prev: readonly string[], next: readonly string[]): Map<number, number> {
  const kept = new Map<number, number>();
  let head = 0;
  while (head < prev.length && head < next.length && prev[head] === next[head]) kept.set(head, head++);
  let tail = 0;
  while (tail < prev.length - head && tail < next.length - head && prev[prev.length - 1 - tail] === next[next.length - 1 - tail]) {
    kept.set(next.length - 1 - tail, prev.length - 1 - tail);
    tail++;
  }
  const a = prev.slice(head, prev.length - tail);
  const b = next.slice(head, next.length - tail);
  if (a.length * b.length <= MAX_ALIGN_CELLS) for (const [i, j] of commonSubsequence(a, b)) kept.set(head + j, head + i);
  return kept;
}

/** Index pairs [i, j] with a[i] === b[j] of a longest common subsequence. */
function commonSubsequence(a: readonly string[], b: readonly string[]): [number, number][] {
  const w = b.length + 1;
  const len = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) len[i * w + j] = a[i] === b[j] ? len[(i + 1) * w + j + 1]! + 1 : Math.max(len[(i + 1) * w + j]!, len[i * w + j + 1]!);
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) pairs.push([i++, j++]);
    else if (len[(i + 1) * w + j]! >= len[i * w + j + 1]!) i++;
    else j++;
  }
  return pairs;
}

/**
 * Where new_text already stands around old_text's match at `at` (in characters of a text,
 * or in lines of key arrays): the edit was made before, by a call the model sends again (a
 * local model repeats itself, a retry after a lost answer), and making it again would
 * insert its lines twice. Only when new_text holds old_text.
 */
function madeAt<T extends string | readonly string[]>(file: T, at: number, old: T, next: T): number | undefined {
  for (let k = indexIn(next, old, 0); k !== -1; k = indexIn(next, old, k + 1)) {
    if (at - k >= 0 && startsAt(file, next, at - k)) return at - k;
  }
  return undefined;
}

/** The first index >= from where `part` occurs in `whole` (characters or lines), -1 if none. */
function indexIn<T extends string | readonly string[]>(whole: T, part: T, from: number): number {
  if (typeof whole === "string") return whole.indexOf(part as string, from);
  for (let i = from; i + part.length <= whole.length; i++) if (startsAt(whole, part, i)) return i;
  return -1;
}

function startsAt<T extends string | readonly string[]>(whole: T, part: T, at: number): boolean {
  if (typeof whole === "string") return whole.startsWith(part as string, at);
  return at + part.length <= whole.length && (part as readonly string[]).every((l, j) => whole[at + j] === l);
}

function alreadyMade(line: number): ToolError {
  return new ToolError(
    "already-exists",
    `new_text is already in the file at line ${line}, around the place old_text matches: this edit was made already (perhaps by an earlier call); nothing was written. ` +
      "To add it once more, give old_text with the lines around the new place",
  );
}

function trimFinalNewline(s: string): string {
  return s.endsWith("\n") ? s.slice(0, -1) : s;
}

/** Maps an offset in the LF-normalized text to the raw text (each removed CR shifts by one). */
function rawOffsets(raw: string): (lfOffset: number) => number {
  const crBeforeNewline: number[] = [];
  let removed = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === "\r" && raw[i + 1] === "\n") {
      crBeforeNewline.push(i - removed);
      removed++;
    }
  }
  return (n) => {
    let lo = 0;
    let hi = crBeforeNewline.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (crBeforeNewline[mid]! < n) lo = mid + 1;
      else hi = mid;
    }
    return n + lo;
  };
}

/**
 * The line ending new lines get in place of raw[from, to): the one the replaced lines end
 * with when they agree, or, within one line, that line's. Only a region whose lines end in
 * different ways gets the file's most common ending: otherwise an edit among the LF lines
 * pasted into a CRLF file turned the lines it kept CRLF too, changing lines the model did not.
 */
function localEol(raw: string, from: number, to: number, fileEol: string): string {
  // A lone CR ends a line only where most lines end so (splitLines).
  const breaks = fileEol === "\r" ? /\r\n|\r|\n/g : /\r?\n/g;
  const inside = new Set(raw.slice(from, to).match(breaks));
  if (inside.size > 1) return fileEol;
  if (inside.size === 1) return [...inside][0]!;
  breaks.lastIndex = to;
  return breaks.exec(raw)?.[0] ?? fileEol;
}

/**
 * Characters that join the one before them into what reads as one character: combining
 * marks (an accent as e + U+0301, variation selectors), the zero-width joiner of emoji
 * sequences (👨‍👩‍👧), skin-tone modifiers, and the second half of a surrogate pair.
 */
const JOINS_PREVIOUS = /^(?:\p{M}|\u200d|\p{Emoji_Modifier}|[\udc00-\udfff])/u;

/** A mark or an invisible character itself (old_text removing a hidden joiner cuts nothing). */
const NO_BASE = /^[\p{M}\p{Cf}]/u;

/**
 * Where a match of text[from, to) cuts a character in two: the joining character right
 * after its end, or the joiner right before its start (its first character is then one of a
 * sequence); undefined for a match of whole characters. A zero-width joiner beside an ASCII
 * letter joins nothing on screen (is + U+200D + Admin is a hidden-character trick, said
 * elsewhere), so only one beside another script's letter or an emoji counts.
 */
function cutCharacter(text: string, from: number, to: number): { at: number; joiner: string } | undefined {
  const last = text.slice(to - 2 >= from && /[\udc00-\udfff]/.test(text[to - 1]!) ? to - 2 : to - 1, to);
  const after = JOINS_PREVIOUS.exec(text.slice(to, to + 2))?.[0];
  if (after !== undefined && !NO_BASE.test(last) && (after !== "\u200d" || last > "\x7f")) return { at: to, joiner: after };
  const first = text.slice(from, from + 2);
  const before = text[from - 1];
  if (before === undefined || NO_BASE.test(first)) return undefined;
  if ((before === "\u200d" && first > "\x7f") || /[\ud800-\udbff]/.test(before)) return { at: from - 1, joiner: before };
  return undefined;
}

/**
 * An exact match found only inside characters: replacing it would leave the accent or the
 * rest of the emoji sequence on new_text, making a character no one wrote ("tea" + U+0301).
 */
function insideCharacter(text: string, from: number, length: number): ToolError {
  const cut = cutCharacter(text, from, from + length)!;
  const code = cut.joiner.length === 1 && /[\ud800-\udfff]/.test(cut.joiner) ? "half of a surrogate pair" : `U+${cut.joiner.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  // Up to 60 characters either side, within the line (a minified file's line is megabytes).
  const lineStart = Math.max(text.lastIndexOf("\n", cut.at - 1) + 1, pairSafeStart(text, cut.at - 60));
  const lineEnd = text.indexOf("\n", cut.at);
  const line = text.slice(lineStart, pairSafeEnd(text, Math.min(lineEnd === -1 ? text.length : lineEnd, cut.at + 60)));
  return new ToolError(
    "no-match",
    `old_text matches only inside a character: at line ${lineNumberAt(text, from)} the text it matches is joined to ${code} ${cut.at < from ? "before" : "after"} it ` +
      `(an accent or an emoji sequence that shows as one character with its neighbour), so the edit would leave that on new_text. ` +
      `Nothing was written; give old_text through the whole character. The text there is ${JSON.stringify(line)}`,
  );
}

function lineNumberAt(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function ambiguous(lines: readonly number[], how: string): ToolError {
  return new ToolError(
    "ambiguous-match",
    `old_text matches ${how} in ${lines.length} places (lines ${lines.join(", ")}); include more surrounding lines so it matches once, or set replace_all to change every occurrence`,
    { lines },
  );
}
