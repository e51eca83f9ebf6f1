/**
 * A larger corpus: real source files from node_modules, deterministic edits (changed,
 * inserted and deleted lines at several places), real `git diff`s of them, each damaged
 * every way in DAMAGES. The invariant: every patch either produces exactly the intended
 * files or is refused with nothing written. Never a wrong file.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { DAMAGES, type Tree, gitDiff, loadTree, toBuffers } from "./helpers/diffs.ts";
import { workspaceWith } from "./helpers/setup.ts";

const SOURCES = ["debug/src/common.js", "cross-spawn/lib/parse.js", "semver/classes/range.js", "ms/index.js", "commander/lib/command.js"]
  .map((p) => join(import.meta.dirname, "../../../node_modules", p))
  .filter((p) => existsSync(p));

/** Deterministic edits: at `count` spread-out places change one line, insert one, delete one. */
function edit(text: string, seed: number, count = 3): string {
  const lines = text.split("\n");
  for (let k = count; k >= 1; k--) {
    const at = Math.floor(((k * 0.29 + seed * 0.13) % 1) * (lines.length - 4)) + 1;
    lines[at] = `${lines[at]} /* edited ${seed}.${k} */`;
    lines.splice(at + 2, 1);
    lines.splice(at + 1, 0, `${(/^\s*/.exec(lines[at]!) ?? [""])[0]}// inserted ${seed}.${k}`);
  }
  return lines.join("\n");
}

describe("apply_patch corpus: real files, real diffs, every damage", () => {
  const stats: Record<string, { applied: number; refused: number }> = {};
  let cases = 0;
  for (const [s, source] of SOURCES.entries()) {
    const text = readFileSync(source, "latin1");
    const before: Tree = { [`src/file${s}.js`]: text };
    const after: Tree = { [`src/file${s}.js`]: edit(text, s + 1) };
    for (const unified of [3, 1]) {
      const patch = gitDiff(before, after, `-U${unified}`);
      for (const [damage, fn] of Object.entries(DAMAGES)) {
        it(`${source.split("node_modules/")[1]} -U${unified} / ${damage}`, async () => {
          const { root, ctx } = workspaceWith(toBuffers(before));
          const result = await runTool(applyPatchTool, { patch: fn(patch) }, ctx);
          const tree = loadTree(root);
          if (result.ok) assert.deepEqual(tree, after, `WRONG RESULT (applied but differs): ${result.text}`);
          else assert.deepEqual(tree, before, "refused but wrote");
          const key = `${damage} -U${unified}`;
          stats[key] ??= { applied: 0, refused: 0 };
          stats[key][result.ok ? "applied" : "refused"]++;
          cases++;
          // With git's default 3 lines of context, every damage in the catalogue is repaired.
          if (unified === 3) assert.equal(result.ok, true, `${damage}: ${result.text}`);
        });
      }
    }
  }
  it("reports applied/refused per damage (printed, for the record)", () => {
    const lines = Object.entries(stats).map(([k, v]) => `${k.padEnd(48)} applied ${v.applied}  refused ${v.refused}`);
    console.log(`patch corpus: ${cases} cases\n${lines.join("\n")}`);
    assert.ok(cases > 0);
  });
});
