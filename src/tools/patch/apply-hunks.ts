/**
 * Applies the hunks of one file to its lines, pure. Each hunk is located in the original
 * file on its own, so hunks may come in any order; overlapping hunks are refused. Lines
 * the hunk keeps are taken from the file (its whitespace and line endings win); added
 * lines get the file's dominant line ending and, when the hunk only matched ignoring
 * indentation, the file's indentation.
 */
import type { Candidate, MatchLevel } from "../line-match.ts";
import type { Line } from "../text-file.ts";
import { type Location, locateHunk } from "./locate.ts";
import type { Hunk, PatchLine } from "./parse.ts";
import { regionLines } from "./region.ts";

/** What happened to one hunk. `line` is 1-based in the original file. */
export interface HunkOutcome {
  readonly index: number;
  readonly header: string;
  readonly ok: boolean;
  readonly line?: number;
  readonly level?: MatchLevel;
  readonly fuzz?: number;
  readonly reason?: string;
  readonly candidates?: Candidate[];
  readonly lines?: number[];
}

/** New lines when every hunk applies; otherwise `lines` is undefined and outcomes say why. */
export function applyHunks(original: readonly Line[], eol: string, fileHunks: readonly Hunk[]): { lines: Line[] | undefined; outcomes: HunkOutcome[] } {
  const hunks = eol === "\r" ? fileHunks.map(atLoneCrs) : fileHunks;
  const texts = original.map((l) => l.text);
  const located: { hunk: Hunk; index: number; loc: Location }[] = [];
  const outcomes: HunkOutcome[] = hunks.map((hunk, index) => {
    if (hunk.cutOff) return { index, header: hunk.header, ok: false, reason: cutOffReason(hunk.cutOff) };
    const r = locateHunk(texts, hunk);
    if (!r.ok) return { index, header: hunk.header, ok: false, reason: r.reason, ...(r.candidates ? { candidates: r.candidates } : {}), ...(r.lines ? { lines: r.lines } : {}) };
    located.push({ hunk, index, loc: r.location });
    return { index, header: hunk.header, ok: true, line: r.location.start + 1, level: r.location.level, fuzz: r.location.fuzz };
  });
  located.sort((a, b) => a.loc.start - b.loc.start || a.index - b.index);
  for (let i = 1; i < located.length; i++) {
    const prev = located[i - 1]!;
    const cur = located[i]!;
    if (cur.loc.start < prev.loc.end) {
      outcomes[cur.index] = { ...outcomes[cur.index]!, ok: false, reason: `the hunk overlaps hunk ${prev.index + 1} (both change lines ${cur.loc.start + 1}-${prev.loc.end})` };
    }
  }
  for (const { hunk, index, loc } of located) {
    if ((hunk.oldNoNewline || hunk.newNoNewline) && loc.end !== original.length && outcomes[index]!.ok) {
      outcomes[index] = { ...outcomes[index]!, ok: false, reason: notAtEnd(loc, original.length) };
    }
  }
  if (outcomes.some((o) => !o.ok)) return { lines: undefined, outcomes };
  // Plain loops, not push(...slice): spreading a 125k-line slice overflows the call stack.
  const out: Line[] = [];
  let cursor = 0;
  for (const { hunk, loc } of located) {
    for (; cursor < loc.start; cursor++) out.push(original[cursor]!);
    for (const line of buildRegion(original, texts, hunk, loc, eol)) out.push(line);
    cursor = loc.end;
  }
  for (; cursor < original.length; cursor++) out.push(original[cursor]!);
  return { lines: fixLineEnds(out, eol, finalNewline(original, hunks)), outcomes };
}

/**
 * A classic-Mac file's lines end in CR (text-file.ts splits it so); git ends lines at LF
 * only and writes such a file as one line holding CRs, `\ No newline at end of file`
 * after it. Its hunk lines are split the same way, a CR at a line's end being that line's
 * end (so the marker says nothing more: the file's last line ends in CR); the header's line
 * numbers, counted in git's lines, are no hint then.
 */
function atLoneCrs(hunk: Hunk): Hunk {
  if (!hunk.lines.some((l) => l.text.includes("\r"))) return hunk;
  const lines: PatchLine[] = [];
  for (const line of hunk.lines) {
    const pieces = line.text.split("\r");
    if (pieces.length > 1 && pieces.at(-1) === "") pieces.pop();
    for (const text of pieces) lines.push({ kind: line.kind, text });
  }
  const endsInCr = (side: "-" | "+") => hunk.lines.findLast((l) => l.kind === " " || l.kind === side)?.text.endsWith("\r") === true;
  return { ...hunk, lines, countsConsistent: false, oldNoNewline: hunk.oldNoNewline && !endsInCr("-"), newNoNewline: hunk.newNoNewline && !endsInCr("+") };
}

// Applying what is left of a cut hunk would drop a removed line's replacement, or the change itself.
function cutOffReason(c: NonNullable<Hunk["cutOff"]>): string {
  return `the patch ends inside this hunk, which has fewer lines than its header says (${c.oldLines} of ${c.oldCount} old, ${c.newLines} of ${c.newCount} new): the patch looks cut off; send it whole, or correct the header's counts if it is whole`;
}

// The marker says the hunk's last line is the file's last: elsewhere it would drop (or add)
// the final newline of a file whose end the hunk never touched. git refuses such a hunk too.
function notAtEnd(loc: Location, length: number): string {
  return `the hunk ends with "\\ No newline at end of file", which says its last line is the file's last, but it matched at lines ${loc.start + 1}-${loc.end} of ${length}; drop that marker line, or make the hunk end where the file does`;
}

// Lines the hunk keeps are the file's own (whitespace and line ending); added lines get `eol`.
function buildRegion(original: readonly Line[], texts: readonly string[], hunk: Hunk, loc: Location, eol: string): Line[] {
  return regionLines(texts, hunk, loc).map((l) => ("file" in l ? original[l.file]! : { text: l.text, eol }));
}

// `\ No newline at end of file` markers decide the final newline when present; without
// them (LLMs rarely write them) the file keeps the state it had.
function finalNewline(original: readonly Line[], hunks: readonly Hunk[]): boolean {
  if (hunks.some((h) => h.newNoNewline)) return false;
  if (hunks.some((h) => h.oldNoNewline)) return true;
  return original.length === 0 || original.at(-1)!.eol !== "";
}

function fixLineEnds(lines: Line[], eol: string, final: boolean): Line[] {
  return lines.map((line, i) => {
    if (i < lines.length - 1) return line.eol === "" ? { text: line.text, eol } : line;
    if (!final) return { text: line.text, eol: "" };
    return line.eol === "" ? { text: line.text, eol } : line;
  });
}
