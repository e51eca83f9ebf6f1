/**
 * Finds where a hunk belongs in a file, independent of its line numbers (LLMs get them
 * wrong). Strict first: the hunk's old side as a block, exact, then ignoring trailing
 * whitespace, then ignoring indentation and blank runs. Then a small alignment that
 * forgives up to two context lines the model dropped or invented.
 *
 * Zero wrong results is the promise, so every reading of the hunk that is as good as the
 * best is applied in memory and compared: the hunk is applied only when they all give the
 * same file. A context line dropped next to added lines leaves their place open by a line
 * (they may have gone before or after it): that is refused with the lines they could go at.
 * Several exact places are chosen between by the header's line number only when the hunk
 * is otherwise exact and the places are far apart (see HEADER_TRUST).
 */
import { type Candidate, LEVELS, type MatchLevel, closestBlocks, findBlock, lineKey } from "../line-match.ts";
import type { Hunk } from "./parse.ts";
import { type Placement, addedAfterPrevious, contextWithoutPrefix, regionLines } from "./region.ts";

/** Where a hunk goes: `matched[k]` is the file line of the hunk's k-th line, or -1. */
export interface Location extends Placement {
  readonly level: MatchLevel;
  /** Context lines forgiven: dropped by the model (in the file only) or invented (in the hunk only). */
  readonly fuzz: number;
}

export type LocateResult =
  | { readonly ok: true; readonly location: Location }
  | { readonly ok: false; readonly reason: string; readonly candidates?: Candidate[]; readonly lines?: number[] };

const MAX_FUZZ = 2;

/**
 * How far (in lines) a header's line number is trusted to pick among several exact places.
 * Models' numbers are usually off by a few lines (miscounted context, a shift left by an
 * earlier hunk); ten covers that. The places must be more than twice this apart, so the
 * windows around them are disjoint: with a header off by up to ten lines, the place it is
 * within ten lines of is the one it meant, and a header further off picks nothing.
 */
const HEADER_TRUST = 10;

/** Locates `hunk` in `file` (line texts without endings). */
export function locateHunk(file: readonly string[], hunk: Hunk): LocateResult {
  const r = locateAnyLevel(file, hunk);
  if (!r.ok || !r.location.reindent || contextWithoutPrefix(file, hunk, r.location) !== "unsure") return r;
  if (!hunk.lines.some((l) => l.kind === "+" && l.text.trim() !== "")) return r;
  // Context copied without its leading space, or a hunk one space short throughout: the
  // added lines are as written, or one space deeper. Nothing removed tells which.
  return {
    ok: false,
    reason: `its context lines are indented one space less than the file's lines at ${r.location.start + 1}-${r.location.end}, as if written without their leading space, and it removes no line that would tell whether its added lines are too: start every context line with a space, then the line as the file has it`,
  };
}

function locateAnyLevel(file: readonly string[], hunk: Hunk): LocateResult {
  const oldIdx = hunk.lines.flatMap((l, k) => (l.kind === "+" ? [] : [k]));
  if (oldIdx.length === 0) return locateInsertion(file, hunk);
  const oldText = oldIdx.map((k) => hunk.lines[k]!.text);
  for (const level of LEVELS) {
    const starts = findBlock(file, oldText, level);
    const pick = pickStart(starts, hunk, level);
    if (pick === "ambiguous") return ambiguous(starts, level, undefined, headerNote(hunk, level));
    if (pick !== undefined) return { ok: true, location: blockLocation(hunk, oldIdx, pick, level) };
  }
  const fuzzy = alignFuzzy(file, hunk, oldIdx);
  if (fuzzy) return fuzzy;
  return notFound(file, hunk, oldText);
}

function pickStart(starts: readonly number[], hunk: Hunk, level: MatchLevel): number | "ambiguous" | undefined {
  if (starts.length === 1) return starts[0];
  if (starts.length === 0) return undefined;
  return headerPick(starts, hunk, level) ?? "ambiguous";
}

// The header breaks a tie only for an otherwise exact hunk (exact text, counts that agree
// with its body) among places more than 2 × HEADER_TRUST lines apart (starts are sorted).
function headerPick(starts: readonly number[], hunk: Hunk, level: MatchLevel): number | undefined {
  if (level !== "exact" || !hunk.countsConsistent || hunk.oldStart === undefined) return undefined;
  for (let i = 1; i < starts.length; i++) if (starts[i]! - starts[i - 1]! <= 2 * HEADER_TRUST) return undefined;
  const near = starts.filter((s) => Math.abs(s - (hunk.oldStart! - 1)) <= HEADER_TRUST);
  return near.length === 1 ? near[0] : undefined;
}

function headerNote(hunk: Hunk, level: MatchLevel): string | undefined {
  if (level !== "exact" || !hunk.countsConsistent || hunk.oldStart === undefined) return undefined;
  return `the header's line number cannot choose between places ${2 * HEADER_TRUST} or fewer lines apart, or more than ${HEADER_TRUST} lines from it`;
}

function blockLocation(hunk: Hunk, oldIdx: readonly number[], start: number, level: MatchLevel): Location {
  const matched = hunk.lines.map(() => -1);
  oldIdx.forEach((k, i) => (matched[k] = start + i));
  return { start, end: start + oldIdx.length, matched, addedAt: addedAfterPrevious(hunk, matched, start), reindent: level === "whitespace", level, fuzz: 0 };
}

// A hunk with no old lines (a -U0 insertion, or content for an empty file) has nothing to
// search for: only an empty file or trustworthy header numbers can place it.
function locateInsertion(file: readonly string[], hunk: Hunk): LocateResult {
  const at = (start: number): LocateResult => {
    const matched = hunk.lines.map(() => -1);
    return { ok: true, location: { start, end: start, matched, addedAt: hunk.lines.map(() => start), reindent: false, level: "exact", fuzz: 0 } };
  };
  if (file.length === 0) return at(0);
  if (hunk.countsConsistent && hunk.oldStart !== undefined && hunk.oldStart <= file.length) return at(hunk.oldStart);
  return { ok: false, reason: "the hunk has no context or removed lines, so there is nothing to locate it by; add a few unchanged lines around the change" };
}

/** One way of aligning the hunk's old lines with file lines. */
interface Alignment {
  start: number;
  end: number;
  matched: number[];
  fuzz: number;
}

/** A reading of the hunk with its result over a window of the file shared by all readings. */
interface Reading {
  placement: Placement;
  key: string;
}

// Depth-first alignment at the most tolerant level. Removed lines must always match;
// a context line may be skipped (the model invented it); a file line may be skipped after
// the first matched line (the model dropped it). Skipped file lines between two old lines
// with added lines between them leave the added lines' place open: each place is a reading.
function alignFuzzy(file: readonly string[], hunk: Hunk, oldIdx: readonly number[]): LocateResult | undefined {
  const fileKeys = file.map((l) => lineKey(l, "whitespace"));
  const keys = hunk.lines.map((l) => lineKey(l.text, "whitespace"));
  const found: Alignment[] = [];
  const matched = hunk.lines.map(() => -1);
  for (let s = 0; s < file.length; s++) walk(0, s, 0, -1);
  function walk(o: number, f: number, fuzz: number, last: number): void {
    if (o === oldIdx.length) {
      if (last >= 0) found.push({ start: matched.find((m) => m >= 0)!, end: last + 1, matched: [...matched], fuzz });
      return;
    }
    const k = oldIdx[o]!;
    if (f < file.length && fileKeys[f] === keys[k]) {
      matched[k] = f;
      walk(o + 1, f + 1, fuzz, f);
      matched[k] = -1;
    }
    if (fuzz >= MAX_FUZZ) return;
    if (hunk.lines[k]!.kind === " ") walk(o + 1, f, fuzz + 1, last);
    if (last >= 0 && f < file.length) walk(o, f + 1, fuzz + 1, last);
  }
  const useful = found.filter((a) => a.fuzz > 0 && isAnchored(a, hunk, file));
  if (useful.length === 0) return undefined;
  let best = MAX_FUZZ;
  for (const a of useful) best = Math.min(best, a.fuzz);
  const winners = useful.filter((a) => a.fuzz === best);
  const readings = compareReadings(file, hunk, winners);
  const distinct = new Map<string, Reading>();
  for (const r of readings) if (!distinct.has(r.key)) distinct.set(r.key, r);
  if (distinct.size > 1) return ambiguousReadings(hunk, [...distinct.values()].map((r) => r.placement), best);
  return { ok: true, location: { ...readings[0]!.placement, level: "whitespace", fuzz: best } };
}

/** Every reading of the winning alignments, keyed by its result over their common window. */
function compareReadings(file: readonly string[], hunk: Hunk, winners: readonly Alignment[]): Reading[] {
  let lo = file.length;
  let hi = 0;
  for (const a of winners) [lo, hi] = [Math.min(lo, a.start), Math.max(hi, a.end)];
  const readings: Reading[] = [];
  for (const a of winners) {
    for (const addedAt of addedPlaces(hunk, a)) {
      const placement: Placement = { start: a.start, end: a.end, matched: a.matched, addedAt, reindent: true };
      // Lines hold no "\n": joined with it, equal keys are equal files.
      const region = regionLines(file, hunk, placement).map((l) => ("file" in l ? file[l.file]! : l.text));
      const lines = file.slice(lo, a.start).concat(region, file.slice(a.end, hi));
      readings.push({ placement, key: lines.join("\n") });
    }
  }
  return readings;
}

// Each run of added lines goes anywhere from just after the old line before it to just
// before the old line after it: one place, unless file lines were skipped in between.
function addedPlaces(hunk: Hunk, a: Alignment): number[][] {
  const first = addedAfterPrevious(hunk, a.matched, a.start);
  let choices: number[][] = [first];
  let k = 0;
  while (k < hunk.lines.length) {
    if (hunk.lines[k]!.kind !== "+") { k++; continue; }
    let runEnd = k;
    while (runEnd < hunk.lines.length && hunk.lines[runEnd]!.kind === "+") runEnd++;
    const next = nextMatched(a.matched, runEnd);
    const lo = first[k]!;
    const hi = next < 0 ? lo : next;
    const run = [k, runEnd] as const;
    if (hi > lo) choices = choices.flatMap((c) => Array.from({ length: hi - lo + 1 }, (_, d) => c.map((p, j) => (j >= run[0] && j < run[1] ? lo + d : p))));
    k = runEnd;
  }
  return choices;
}

function nextMatched(matched: readonly number[], from: number): number {
  for (let k = from; k < matched.length; k++) if (matched[k]! >= 0) return matched[k]!;
  return -1;
}

// Enough real lines matched that the place is not a coincidence: every removed line,
// and at least two matched lines with text (one if the hunk removes a non-blank line).
function isAnchored(a: Alignment, hunk: Hunk, file: readonly string[]): boolean {
  const matchedText = a.matched.filter((m) => m >= 0 && file[m]!.trim() !== "").length;
  const removesText = hunk.lines.some((l) => l.kind === "-" && l.text.trim() !== "");
  return matchedText >= 2 || (removesText && matchedText >= 1);
}

// Readings that give different files: name what differs — the place, or where the added lines go.
function ambiguousReadings(hunk: Hunk, placements: readonly Placement[], fuzz: number): LocateResult {
  const how = `after forgiving ${fuzz} context line(s)`;
  const starts = [...new Set(placements.map((p) => p.start))];
  if (starts.length > 1) return ambiguous(starts, "whitespace", how);
  const plus = hunk.lines.findIndex((l, k) => l.kind === "+" && new Set(placements.map((p) => p.addedAt[k])).size > 1);
  if (plus < 0) {
    return { ok: false, reason: `the hunk fits at line ${starts[0]! + 1} ${how} in ${placements.length} ways that give different files; add the context lines it is missing` };
  }
  const lines = [...new Set(placements.map((p) => p.addedAt[plus]! + 1))].sort((a, b) => a - b);
  return {
    ok: false,
    lines,
    reason: `its added lines could go before line ${lines.join(" or before line ")}: a context line next to them is missing from the hunk (it fits ${how}); copy the lines around the change exactly`,
  };
}

function ambiguous(starts: readonly number[], level: MatchLevel, how = level === "exact" ? "exactly" : `ignoring ${level}`, note?: string): LocateResult {
  const lines = [...new Set(starts)].sort((a, b) => a - b).map((s) => s + 1);
  return { ok: false, reason: `the hunk matches ${how} in ${lines.length} places (lines ${lines.join(", ")})${note ? `, and ${note}` : ""}; add more context lines so it matches once`, lines };
}

function notFound(file: readonly string[], hunk: Hunk, oldText: readonly string[]): LocateResult {
  const newText = hunk.lines.filter((l) => l.kind !== "-").map((l) => l.text);
  if (newText.length > 0 && findBlock(file, newText, "whitespace").length === 1 && hunk.lines.some((l) => l.kind !== " ")) {
    return { ok: false, reason: "the hunk's removed lines are not in the file, but its result is: the change seems to be applied already" };
  }
  const candidates = closestBlocks(file, oldText);
  return { ok: false, reason: "the hunk's context and removed lines were not found in the file (even ignoring whitespace)", candidates };
}
