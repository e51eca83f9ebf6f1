/**
 * The damage SWE-bench-style model diffs show most: one inner context line next to a
 * change left out while copying, with the hunk's counts left as they were or recomputed.
 * Such a hunk can leave its added lines' place open by a line (before or after the dropped
 * one); the applier must then refuse, and apply only what is certain. No node:test hooks
 * here, so benchmarks can import it.
 */

type Pick = (body: readonly string[]) => number;

// An inner context line (not the hunk's first or last) beside an added or removed line.
const besideChange = (blank: boolean): Pick => (body) => body.findIndex((l, i) =>
  i > 0 && i < body.length - 1 && l.startsWith(" ") && (l.trim() === "") === blank && /^[+-]/.test(`${body[i - 1]![0]}${body[i + 1]![0]}`.replace(/ /g, "")));

function dropInEachHunk(patch: string, pick: Pick, recount: boolean): string {
  const lines = patch.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith("@@")) {
      out.push(lines[i]!);
      continue;
    }
    let end = i + 1;
    while (end < lines.length && /^[ +\-\\]/.test(lines[end]!) && !/^(--- |\+\+\+ )/.test(lines[end]!)) end++;
    const body = lines.slice(i + 1, end);
    const drop = pick(body);
    const header = drop >= 0 && recount ? lines[i]!.replace(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/, (_m, a, b, c, d) => `@@ -${a},${Number(b ?? 1) - 1} +${c},${Number(d ?? 1) - 1} @@`) : lines[i]!;
    out.push(header, ...body.filter((_, k) => k !== drop));
    i = end - 1;
  }
  return out.join("\n");
}

/** Damage name → rewrite; each leaves a patch unchanged where it has no such line. */
export const DROPPED_CONTEXT: Record<string, (patch: string) => string> = {
  "context line beside a change dropped, counts stale": (p) => dropInEachHunk(p, besideChange(false), false),
  "context line beside a change dropped, counts recomputed": (p) => dropInEachHunk(p, besideChange(false), true),
  "blank context line beside a change dropped, counts stale": (p) => dropInEachHunk(p, besideChange(true), false),
  "blank context line beside a change dropped, counts recomputed": (p) => dropInEachHunk(p, besideChange(true), true),
};
