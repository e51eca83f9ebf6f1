/**
 * What a located hunk turns its file region into, shared by the applier (which writes it)
 * and the locator (which compares the readings of an uncertain hunk by their results).
 */
import { indentMapper } from "../line-match.ts";
import type { Hunk } from "./parse.ts";

/** A hunk's place: its region, each hunk line's file line (or -1), and where each added line goes. */
export interface Placement {
  readonly start: number;
  /** Exclusive end of the file region the hunk replaces. */
  readonly end: number;
  readonly matched: readonly number[];
  /** For each added hunk line, the file line it is inserted before; -1 for old lines. */
  readonly addedAt: readonly number[];
  /** The hunk matched only ignoring indentation: added lines take the file's. */
  readonly reindent: boolean;
}

/** One line of the result: a file line kept, or an added line's text. */
export type RegionLine = { readonly file: number } | { readonly text: string };

/** The region's new lines: file lines not removed, added lines where they go. */
export function regionLines(file: readonly string[], hunk: Hunk, p: Placement): RegionLine[] {
  const removed = new Set<number>();
  hunk.lines.forEach((l, k) => { if (l.kind === "-" && p.matched[k]! >= 0) removed.add(p.matched[k]!); });
  const indent = addedIndent(file, hunk, p);
  const out: RegionLine[] = [];
  let pos = p.start;
  hunk.lines.forEach((line, k) => {
    if (line.kind !== "+") return;
    for (; pos < p.addedAt[k]!; pos++) if (!removed.has(pos)) out.push({ file: pos });
    out.push({ text: indent(line.text) });
  });
  for (; pos < p.end; pos++) if (!removed.has(pos)) out.push({ file: pos });
  return out;
}

// A line of only whitespace is re-indented like any other (its whitespace is its
// indentation), never stripped: "    " in a hunk written with spaces is "\t" in a tab file.
function addedIndent(file: readonly string[], hunk: Hunk, p: Placement): (line: string) => string {
  if (!p.reindent || contextWithoutPrefix(file, hunk, p) === "yes") return (l) => l;
  const pairs = hunk.lines.flatMap((l, k) => (p.matched[k]! >= 0 ? [[l.text, file[p.matched[k]!]!] as const] : []));
  const map = indentMapper(pairs);
  return (line) => (line !== "" && line.trim() === "" ? map(`${line}x`).slice(0, -1) : map(line));
}

/**
 * Whether the hunk's context lines were written without their leading space (copied as the
 * file has them): each matched one with text is its file line, or (one at least) its file
 * line less one leading space. Then the added lines are as written, not one space short:
 * "yes" when the removed lines match exactly, an indented one among them (only the context
 * is short); "unsure" when no removed line tells that from a hunk one space short throughout.
 */
export function contextWithoutPrefix(file: readonly string[], hunk: Hunk, p: Placement): "yes" | "no" | "unsure" {
  const pairs = (kind: string): (readonly [string, string])[] =>
    hunk.lines.flatMap((l, k) => (l.kind === kind && p.matched[k]! >= 0 && l.text.trim() !== "" ? [[l.text, file[p.matched[k]!]!] as const] : []));
  const context = pairs(" ");
  if (!context.some(([h, f]) => ` ${h}` === f) || !context.every(([h, f]) => h === f || ` ${h}` === f)) return "no";
  const removed = pairs("-");
  if (!removed.every(([h, f]) => h === f)) return "no";
  return removed.some(([h]) => /^\s/.test(h)) ? "yes" : "unsure";
}

/** For each added line: just after the old line before it (or the region's start). */
export function addedAfterPrevious(hunk: Hunk, matched: readonly number[], start: number): number[] {
  let next = start;
  return hunk.lines.map((l, k) => {
    if (l.kind === "+") return next;
    if (matched[k]! >= 0) next = matched[k]! + 1;
    return -1;
  });
}
