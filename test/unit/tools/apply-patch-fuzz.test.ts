/**
 * apply_patch under seeded fuzzing: files made from a small vocabulary (so contexts
 * repeat), changed at random, diffed by real git. Properties, not outputs: a patch either
 * applies exactly or is refused with the file byte for byte unchanged; it never lands at a
 * place its context and header do not name; damaged patches are refused with the tool's
 * own error, never a TypeError or RangeError. The seed and case counts are fixed.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { planPatch } from "../../../src/tools/patch/plan.ts";
import { ToolError, runTool } from "../../../src/tools/tool.ts";
import { gitDiff } from "./helpers/diffs.ts";
import { workspaceWith } from "./helpers/setup.ts";
import { pick, seededRandom } from "../../fixtures/seeded-random.ts";

const VOCABULARY = ["}", "", "  return x;", "if (a) {", "  x += 1;", "foo();", "// note", "\tindented();", "  trailing  "];

function randomLines(rand: () => number, count: number, tag: string): string[] {
  return Array.from({ length: count }, (_, i) => (rand() < 0.6 ? pick(rand, VOCABULARY) : `${tag} ${i} ${Math.floor(rand() * 50)}`));
}

/** `a` with one to four random edits (replace, delete, insert). */
function edited(rand: () => number, a: readonly string[]): string[] {
  const b = [...a];
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (b.length + 1));
    const span = 1 + Math.floor(rand() * 3);
    const kind = rand();
    if (kind < 0.4 && at < b.length) b.splice(at, span, ...randomLines(rand, span, "new"));
    else if (kind < 0.7 && at < b.length) b.splice(at, span);
    else b.splice(at, 0, ...randomLines(rand, span, "added"));
  }
  return b;
}

function text(lines: readonly string[], finalNewline: boolean, eol = "\n"): string {
  return lines.length === 0 ? "" : lines.join(eol) + (finalNewline ? eol : "");
}

interface Case {
  readonly before: string;
  readonly after: string;
}

/** `count` pairs of different files, with the patch git prints for each (one git run for all). */
function cases(seed: number, count: number, finalNewlines: "always" | "random"): { cases: Case[]; patches: string[]; reversed: string[] } {
  const rand = seededRandom(seed);
  const made: Case[] = [];
  while (made.length < count) {
    const a = randomLines(rand, 5 + Math.floor(rand() * 60), "line");
    const b = edited(rand, a);
    const nl = () => finalNewlines === "always" || rand() < 0.8;
    // Some files with CRLF lines, as a Windows checkout writes them (the patch's lines then end in CR too).
    const eol = finalNewlines === "random" && rand() < 0.25 ? "\r\n" : "\n";
    const before = text(a, nl(), eol);
    const after = text(b, nl(), eol);
    if (before !== after && before !== "" && after !== "") made.push({ before, after });
  }
  const beforeTree = Object.fromEntries(made.map((c, i) => [`f${i}.txt`, c.before]));
  const afterTree = Object.fromEntries(made.map((c, i) => [`f${i}.txt`, c.after]));
  const bySection = (patch: string) => {
    const out = new Map<string, string>();
    for (const section of patch.split(/^(?=diff --git )/m).filter((s) => s !== "")) out.set(/^diff --git a\/(\S+)/.exec(section)![1]!, section);
    return made.map((_, i) => out.get(`f${i}.txt`)!);
  };
  return { cases: made, patches: bySection(gitDiff(beforeTree, afterTree)), reversed: bySection(gitDiff(afterTree, beforeTree)) };
}

/** Applies `patch` to a workspace holding f.txt = `file`: what the file holds after, and whether it applied. */
async function applyTo(file: string, patch: string): Promise<{ ok: boolean; after: string; text: string }> {
  const { root, ctx } = workspaceWith({ "f.txt": file });
  const result = await runTool(applyPatchTool, { patch }, ctx);
  return { ok: result.ok, after: readFileSync(join(root, "f.txt"), "utf8"), text: result.text };
}

/** The patch for f.txt whatever name git gave the file. */
function renamed(patch: string, name: string): string {
  return patch.split(name).join("f.txt");
}

describe("apply_patch fuzz: real git diffs of generated files", () => {
  it("a patch applies exactly to the file it was made from, or is refused leaving it unchanged (and reversed)", async () => {
    const { cases: made, patches, reversed } = cases(0x5eed, 12, "random");
    let applied = 0;
    for (const [i, c] of made.entries()) {
      const forward = await applyTo(c.before, renamed(patches[i]!, `f${i}.txt`));
      assert.equal(forward.after, forward.ok ? c.after : c.before, `case ${i}: ${forward.text}\n${patches[i]}`);
      const back = await applyTo(c.after, renamed(reversed[i]!, `f${i}.txt`));
      assert.equal(back.after, back.ok ? c.before : c.after, `case ${i} reversed: ${back.text}\n${reversed[i]}`);
      applied += Number(forward.ok) + Number(back.ok);
    }
    // A patch on the exact file it was made from should nearly always apply.
    assert.ok(applied >= made.length * 2 * 0.9, `${applied} of ${made.length * 2} applied`);
  });

  it("a file holding the patched text twice: applied where the header says, or refused — never in the other copy", async () => {
    const { cases: made, patches } = cases(0xd0b1e, 10, "always");
    for (const [i, c] of made.entries()) {
      const patch = renamed(patches[i]!, `f${i}.txt`);
      const shift = c.before.split("\n").length - 1;
      const second = patch.replace(/^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@/gm, (_m, a, b, n, d) => `@@ -${Number(a) + shift}${b ?? ""} +${Number(n) + shift}${d ?? ""} @@`);
      const twice = c.before + c.before;
      const first = await applyTo(twice, patch);
      assert.equal(first.after, first.ok ? c.after + c.before : twice, `case ${i}, header at the first copy: ${first.text}\n${patch}`);
      const later = await applyTo(twice, second);
      assert.equal(later.after, later.ok ? c.before + c.after : twice, `case ${i}, header at the second copy: ${later.text}\n${second}`);
    }
  });

  it("wrong or missing hunk line numbers: still the exact result, or refused unchanged", async () => {
    const { cases: made, patches } = cases(0x11e5, 10, "random");
    const rand = seededRandom(0x2b);
    const headers = [
      (a: number, n: number) => `@@ -${a + 7} +${n + 7} @@`,
      (a: number, n: number) => `@@ -${Math.max(1, a - 5)},1 +${Math.max(1, n - 5)},1 @@`,
      () => "@@",
      () => "@@ -1,999 +1,999 @@",
      () => "@@ -999999 +999999 @@",
    ];
    for (const [i, c] of made.entries()) {
      const header = pick(rand, headers);
      const patch = renamed(patches[i]!, `f${i}.txt`).replace(/^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/gm, (_m, a, n) => header(Number(a), Number(n)));
      const result = await applyTo(c.before, patch);
      assert.equal(result.after, result.ok ? c.after : c.before, `case ${i}: ${result.text}\n${patch}`);
    }
  });

  it("damaged patches: refused with the tool's own error and nothing written, or applied; never a crash", async () => {
    const { cases: made, patches } = cases(0xbad, 8, "random");
    const rand = seededRandom(0xfeed);
    const damages: Array<(lines: string[]) => void> = [
      (l) => l.splice(Math.floor(rand() * l.length), 1),
      (l) => { const k = Math.floor(rand() * l.length); l.splice(k, 0, l[k]!); },
      (l) => { const k = Math.floor(rand() * l.length); l[k] = pick(rand, [" ", "-", "+", "@", "\\", ""]) + l[k]!.slice(1); },
      (l) => { const k = Math.floor(rand() * l.length); l[k] = l[k]!.replace(/\d+/, () => pick(rand, ["0", "-1", "99999999999999999999", "", "1e9", "NaN"])); },
      (l) => { const k = Math.floor(rand() * l.length); l.splice(k, 0, pick(rand, ["@@", "@@ -0,0 +0,0 @@", "--- a/f.txt", "+++ /dev/null", "\\ No newline at end of file", "diff --git a/f.txt b/f.txt", "rename from f.txt", "rename to g.txt", "new file mode 100644", "deleted file mode 100644", "Binary files a/f.txt and b/f.txt differ", "GIT binary patch", "old mode 100644", "new mode 120000"])); },
      (l) => { const k = Math.floor(rand() * l.length); const at = Math.floor(rand() * (l[k]!.length + 1)); l[k] = l[k]!.slice(0, at) + pick(rand, ["\r", "\t", "\u0000", "\ud800", "\u202e", " ", "\\"]) + l[k]!.slice(at); },
    ];
    for (const [i, c] of made.entries()) {
      const original = renamed(patches[i]!, `f${i}.txt`);
      for (let round = 0; round < 4; round++) {
        const lines = original.split("\n");
        const times = 1 + Math.floor(rand() * 3);
        for (let t = 0; t < times; t++) pick(rand, damages)(lines);
        let patch = lines.join("\n");
        if (rand() < 0.2) patch = patch.slice(0, Math.floor(rand() * patch.length));
        const { root, ctx } = workspaceWith({ "f.txt": c.before });
        try {
          await planPatch(ctx.workspace, patch, { keepJson: true });
        } catch (error) {
          assert.ok(error instanceof ToolError, `case ${i}.${round}: ${String((error as Error).stack)}\n${JSON.stringify(patch)}`);
        }
        const result = await runTool(applyPatchTool, { patch }, ctx);
        if (!result.ok) assert.equal(readFileSync(join(root, "f.txt"), "utf8"), c.before, `case ${i}.${round}: refused but changed\n${JSON.stringify(patch)}`);
        assert.doesNotMatch(result.text, /TypeError|RangeError|ReferenceError|Maximum call stack|undefined/, `case ${i}.${round}: ${result.text}\n${JSON.stringify(patch)}`);
      }
    }
  });
});
