/**
 * apply_patch with renames that pass a file on: a → tmp → b, a swap through a temporary name,
 * a file renamed and then deleted, or made and then renamed. The plan reads the patch's
 * sections in order; the batch written must leave the files as the plan said.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

const rename = (from: string, to: string) => `diff --git a/${from} b/${to}\nsimilarity index 100%\nrename from ${from}\nrename to ${to}\n`;

describe("apply_patch: a rename section followed by its old name's deletion without a diff --git line", () => {
  it("is refused with nothing written, not taken as the rename's own lines (the rename dropped, the file deleted)", async () => {
    const { root, ctx } = workspaceWith({ "old.txt": "x\n" });
    const remove = "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
    const result = await runTool(applyPatchTool, { patch: rename("old.txt", "new.txt") + remove }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /rename old\.txt -> new\.txt/);
    assert.deepEqual(readdirSync(root), ["old.txt"]);
    assert.equal(existsSync(join(root, "new.txt")), false);
  });
});
