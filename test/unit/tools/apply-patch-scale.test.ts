/**
 * apply_patch on files far bigger than source files usually are: the applier must not
 * depend on the call stack's size (spreading a 200k-line array into `push` overflows it).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

/** `count` distinct lines, like a generated data table. */
function bigFile(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `row ${i}: ${(i * 7919) % 100_003}`);
}

describe("apply_patch on a 200,000-line file", () => {
  it("applies a hunk near the start, and hunks in the middle and at the end, writing exactly the intended file", async () => {
    const lines = bigFile(200_000);
    const { root, ctx } = workspaceWith({ "data.txt": `${lines.join("\n")}\n` });
    const hunk = (at: number, added: string): string =>
      `@@ -${at - 2},5 +${at - 2},6 @@\n ${lines[at - 3]}\n ${lines[at - 2]}\n-${lines[at - 1]}\n+${added}\n+${added} (2)\n ${lines[at]}\n ${lines[at + 1]}\n`;
    const expected = [...lines];
    // One hunk near the start leaves ~200k untouched lines after it (the case that overflowed).
    for (const hunks of [[10], [100_000, 199_990]]) {
      const patch = `--- a/data.txt\n+++ b/data.txt\n${hunks.map((at) => hunk(at, `changed ${at}`)).join("")}`;
      const result = await runTool(applyPatchTool, { patch }, ctx);
      assert.equal(result.ok, true, result.text);
      for (const at of hunks) expected.splice(expected.indexOf(lines[at - 1]!), 1, `changed ${at}`, `changed ${at} (2)`);
      assert.equal(readFileSync(join(root, "data.txt"), "utf8"), `${expected.join("\n")}\n`);
    }
  });
});
