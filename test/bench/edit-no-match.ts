/**
 * edit_file's "did you mean" for an old_text that matches nowhere (`closestBlocks`, shared
 * with apply_patch), beside the scoring it replaced — every old_text line against every
 * window, bigrams in Maps — in the same run, on generated files: the time each takes and
 * whether both name the same first candidate. It runs on the runtime's own thread, so
 * its time is how long the runtime (Stop included) stands still.
 *   node --import tsx test/bench/edit-no-match.ts
 */
import { performance } from "node:perf_hooks";
import { closestBlocks } from "../../src/tools/line-match.ts";

const SIZES = [[2_000, 30], [10_000, 60], [20_000, 100], [50_000, 200]] as const;

for (const [lines, needleLines] of SIZES) {
  const hay = Array.from({ length: lines }, (_, k) => `    const value${k} = compute(input${k % 97}, options.flag${k % 13});`);
  const at = Math.floor(lines / 2);
  hay.splice(at, needleLines, ...Array.from({ length: needleLines }, (_, k) => `    report(section_${k}, "heading ${k}", level=${k % 4})`));
  const needle = Array.from({ length: needleLines }, (_, k) => `report(section_${k}, "heading ${k}", lvl=${k % 4})`);
  const now = timed(() => closestBlocks(hay, needle));
  const before = timed(() => referenceClosest(hay, needle));
  console.log(`${lines} lines, old_text ${needleLines} lines: now ${now.ms.toFixed(0)} ms, before ${before.ms.toFixed(0)} ms; first candidate line ${now.value[0]?.line} / ${before.value[0]} (planted at ${at + 1})`);
}

function timed<T>(run: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = run();
  return { ms: performance.now() - start, value };
}

/** The scoring before (first candidate's line only): all lines, all windows, Map bigrams. */
function referenceClosest(hay: readonly string[], needle: readonly string[]): number[] {
  const n = needle.length;
  const grams = (line: string): Map<string, number> => {
    const s = line.trim().replace(/\s+/g, " ");
    const m = new Map<string, number>();
    for (let i = 0; i + 2 <= s.length; i++) m.set(s.slice(i, i + 2), (m.get(s.slice(i, i + 2)) ?? 0) + 1);
    return m;
  };
  const dice = (a: Map<string, number>, b: Map<string, number>): number => {
    let common = 0;
    let total = 0;
    for (const [g, c] of a) {
      common += Math.min(c, b.get(g) ?? 0);
      total += c;
    }
    for (const c of b.values()) total += c;
    return total === 0 ? 0 : (2 * common) / total;
  };
  const ng = needle.map(grams);
  const hg = hay.map(grams);
  let best = { start: 0, score: -1 };
  for (let s = 0; s + n <= hay.length; s++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += dice(ng[i]!, hg[s + i]!);
    if (sum / n > best.score) best = { start: s, score: sum / n };
  }
  return [best.start + 1];
}
