/**
 * apply_patch on a hunk written with spaces for a file indented with tabs (the model turned
 * the tabs into spaces): added lines are re-indented in the file's own style, by depth.
 * Found by test/bench/patch-history.ts on a real ollama Go test: with every context line at
 * one depth, a deeper added line kept four spaces after the file's tabs ("\t\t    t.Errorf").
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

describe("apply_patch: spaces for tabs, context at one depth", () => {
  it("an added line deeper than every context line gets tabs, not tabs and spaces", async () => {
    const before = "func f() {\n\tfor {\n\t\ta()\n\t\tb()\n\t}\n}\n";
    const { root, ctx } = workspaceWith({ "f.go": before });
    const patch = "--- a/f.go\n+++ b/f.go\n@@ -3,2 +3,5 @@\n         a()\n+        if x {\n+            c()\n+        }\n         b()\n";
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "f.go"), "utf8"), before.replace("\t\ta()\n", "\t\ta()\n\t\tif x {\n\t\t\tc()\n\t\t}\n"));
  });
});
