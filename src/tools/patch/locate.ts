/**
 * Finds where a hunk belongs in a file, independent of its line numbers (LLMs get them
 * wrong). Strict first: the hunk's old side as a block, exact, then ignoring trailing
 * whitespace, then ignoring indentation and blank runs. Then a small alignment that
 * forgives up to two context lines the model dropped or invented. A hunk that fits in
 * several places is refused, except where the header's numbers are trustworthy (counts
 * agree with the body) and point exactly at one of them.
 */
import { type Candidate, LEVELS, type MatchLevel, closestBlocks, findBlock, lineKey } from "../line-match.ts";
import type { Hunk } from "./parse.ts";

/** Where a hunk goes: `matched[k]` is the file line of the hunk's k-th line, or -1. */
export interface Location {
  readonly start: number;
  /** Exclusive end of the file region the hunk replaces. */
  readonly end: number;
  readonly matched: readonly number[];
  readonly level: MatchLevel;
  /** Context lines forgiven: dropped by the model (in the file only) or invented (in the hunk only). */
  readonly fuzz: number;
}

export type LocateResult =
  | { readonly ok: true; readonly location: Location }
  | { readonly ok: false; readonly reason: string; readonly candidates?: Candidate[]; readonly lines?: number[] };

const MAX_FUZZ = 2;

/** Locates `hunk` in `file` (line texts without endings). */
export function locateHunk(file: readonly string[], hunk: Hunk): LocateResult {
  const oldIdx = hunk.lines.flatMap((l, k) => (l.kind === "+" ? [] : [k]));
  if (oldIdx.length === 0) return locateInsertion(file, hunk);
  const oldText = oldIdx.map((k) => hunk.lines[k]!.text);
  for (const level of LEVELS) {
    const starts = findBlock(file, oldText, level);
    const pick = pickStart(starts, hunk);
    if (pick === "ambiguous") return ambiguous(starts, level);
    if (pick !== undefined) return { ok: true, location: blockLocation(hunk, oldIdx, pick, level) };
  }
  const fuzzy = alignFuzzy(file, hunk, oldIdx);
  if (fuzzy) return fuzzy;
  return notFound(file, hunk, oldText);
}

function pickStart(starts: readonly number[], hunk: Hunk): number | "ambiguous" | undefined {
  if (starts.length === 1) return starts[0];
  if (starts.length === 0) return undefined;
  const hint = hunk.countsConsistent && hunk.oldStart !== undefined ? hunk.oldStart - 1 : undefined;
  return hint !== undefined && starts.includes(hint) ? hint : "ambiguous";
}

function blockLocation(hunk: Hunk, oldIdx: readonly number[], start: number, level: MatchLevel): Location {
  const matched = hunk.lines.map(() => -1);
  oldIdx.forEach((k, i) => (matched[k] = start + i));
  return { start, end: start + oldIdx.length, matched, level, fuzz: 0 };
}

// A hunk with no old lines (a -U0 insertion, or content for an empty file) has nothing to
// search for: only an empty file or trustworthy header numbers can place it.
function locateInsertion(file: readonly string[], hunk: Hunk): LocateResult {
  const matched = hunk.lines.map(() => -1);
  if (file.length === 0) return { ok: true, location: { start: 0, end: 0, matched, level: "exact", fuzz: 0 } };
  if (hunk.countsConsistent && hunk.oldStart !== undefined && hunk.oldStart <= file.length) {
    return { ok: true, location: { start: hunk.oldStart, end: hunk.oldStart, matched, level: "exact", fuzz: 0 } };
  }
  return { ok: false, reason: "the hunk has no context or removed lines, so there is nothing to locate it by; add a few unchanged lines around the change" };
}

/** One way of aligning the hunk's old lines with file lines. */
interface Alignment {
  start: number;
  end: number;
  matched: number[];
  fuzz: number;
}

// Depth-first alignment at the most tolerant level. Removed lines must always match;
// a context line may be skipped (the model invented it); a file line may be skipped only
// between two context lines with no added line between them (the model dropped it, and
// where the added lines go is still unambiguous).
function alignFuzzy(file: readonly string[], hunk: Hunk, oldIdx: readonly number[]): LocateResult | undefined {
  const fileKeys = file.map((l) => lineKey(l, "whitespace"));
  const keys = hunk.lines.map((l) => lineKey(l.text, "whitespace"));
  const found: Alignment[] = [];
  for (let s = 0; s < file.length; s++) {
    const matched = hunk.lines.map(() => -1);
    walk(0, s, 0, s, matched);
  }
  function walk(o: number, f: number, fuzz: number, start: number, matched: number[]): void {
    if (o === oldIdx.length) {
      found.push({ start, end: f, matched: [...matched], fuzz });
      return;
    }
    const k = oldIdx[o]!;
    const line = hunk.lines[k]!;
    if (f < file.length && fileKeys[f] === keys[k]) {
      matched[k] = f;
      walk(o + 1, f + 1, fuzz, start, matched);
      matched[k] = -1;
    }
    if (fuzz >= MAX_FUZZ) return;
    if (line.kind === " ") walk(o + 1, f, fuzz + 1, start, matched);
    if (o > 0 && line.kind === " " && canSkipFileLineBefore(hunk, oldIdx, o) && f < file.length) walk(o, f + 1, fuzz + 1, start, matched);
  }
  const useful = found.filter((a) => a.fuzz > 0 && isAnchored(a, hunk, file));
  if (useful.length === 0) return undefined;
  const best = Math.min(...useful.map((a) => a.fuzz));
  const winners = dedupe(hunk, useful.filter((a) => a.fuzz === best));
  if (winners.length > 1) return ambiguous(winners.map((w) => w.matched.find((m) => m >= 0)!), "whitespace", `after forgiving ${best} context line(s)`);
  const a = winners[0]!;
  const first = a.matched.find((m) => m >= 0)!;
  return { ok: true, location: { start: first, end: a.end, matched: a.matched, level: "whitespace", fuzz: a.fuzz } };
}

function canSkipFileLineBefore(hunk: Hunk, oldIdx: readonly number[], o: number): boolean {
  const prev = oldIdx[o - 1]!;
  const next = oldIdx[o]!;
  if (hunk.lines[prev]!.kind !== " ") return false;
  for (let k = prev + 1; k < next; k++) if (hunk.lines[k]!.kind === "+") return false;
  return true;
}

// Enough real lines matched that the place is not a coincidence: every removed line,
// and at least two matched lines with text (one if the hunk removes a non-blank line).
function isAnchored(a: Alignment, hunk: Hunk, file: readonly string[]): boolean {
  const matchedText = a.matched.filter((m) => m >= 0 && file[m]!.trim() !== "").length;
  const removesText = hunk.lines.some((l) => l.kind === "-" && l.text.trim() !== "");
  const firstMatched = a.matched.find((m) => m >= 0);
  return firstMatched !== undefined && (matchedText >= 2 || (removesText && matchedText >= 1));
}

// Alignments that differ only in which context lines they forgave (e.g. an invented first
// line skipped, or the file line the model dropped kept) write the same result: count
// places by their effect — which file lines are removed and where each added line goes.
function dedupe(hunk: Hunk, alignments: readonly Alignment[]): Alignment[] {
  const byEffect = new Map<string, Alignment>();
  for (const a of alignments) byEffect.set(effectKey(hunk, a), a);
  return [...byEffect.values()];
}

function effectKey(hunk: Hunk, a: Alignment): string {
  const parts: string[] = [];
  let lastMatched = -1;
  hunk.lines.forEach((line, k) => {
    if (line.kind === "-") parts.push(`-${a.matched[k]}`);
    else if (line.kind === "+") parts.push(`+${lastMatched >= 0 ? lastMatched + 1 : a.matched.find((m) => m >= 0)}`);
    if (a.matched[k]! >= 0) lastMatched = a.matched[k]!;
  });
  return parts.join(",");
}

function ambiguous(starts: readonly number[], level: MatchLevel, how = level === "exact" ? "exactly" : `ignoring ${level}`): LocateResult {
  const lines = [...new Set(starts)].sort((a, b) => a - b).map((s) => s + 1);
  return { ok: false, reason: `the hunk matches ${how} in ${lines.length} places (lines ${lines.join(", ")}); add more context lines so it matches once`, lines };
}

function notFound(file: readonly string[], hunk: Hunk, oldText: readonly string[]): LocateResult {
  const newText = hunk.lines.filter((l) => l.kind !== "-").map((l) => l.text);
  if (newText.length > 0 && findBlock(file, newText, "whitespace").length === 1 && hunk.lines.some((l) => l.kind !== " ")) {
    return { ok: false, reason: "the hunk's removed lines are not in the file, but its result is: the change seems to be applied already" };
  }
  const candidates = closestBlocks(file, oldText);
  return { ok: false, reason: "the hunk's context and removed lines were not found in the file (even ignoring whitespace)", candidates };
}
