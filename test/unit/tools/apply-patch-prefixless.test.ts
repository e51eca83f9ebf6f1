/**
 * apply_patch on a hunk whose context lines were written without their leading space (the
 * model copied them as the file has them): a line indented with spaces then reads as a
 * context line one space less indented, and the hunk matches only ignoring indentation.
 * Found by test/bench/patch-history.ts on a real requests commit: the added line was
 * "re-indented" one space deeper than written, a silently broken Python class body.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

describe("apply_patch: context lines written without their leading space", () => {
  const PY = "class Request:\n    \"\"\"Doc.\"\"\"\n\n    method: str\n    url: str\n    headers: dict\n";
  const unprefixed = (body: string) => `--- a/m.py\n+++ b/m.py\n@@ -2,4 +2,5 @@\n${body}`;

  it("with a removed line to tell (it matches exactly): the added lines keep the indentation written", async () => {
    const { root, ctx } = workspaceWith({ "m.py": PY });
    const patch = unprefixed('    """Doc."""\n\n-    method: str\n+    hooks: dict\n+    method: str | None\n    url: str\n');
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "m.py"), "utf8"), PY.replace("    method: str\n", "    hooks: dict\n    method: str | None\n"));
  });

  it("context at two depths, a removed line matching exactly: each added line keeps its own depth", async () => {
    const before = "def f():\n    if x:\n        a()\n        b()\n    return 1\n";
    const { root, ctx } = workspaceWith({ "f.py": before });
    const patch = "--- a/f.py\n+++ b/f.py\n@@ -2,4 +2,4 @@\n    if x:\n        a()\n-        b()\n+    c()\n    return 1\n";
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "f.py"), "utf8"), before.replace("        b()\n", "    c()\n"));
  });

  it("an insertion (nothing removed to tell): refused, not indented one space deeper than written", async () => {
    const { root, ctx } = workspaceWith({ "m.py": PY });
    const patch = unprefixed('    """Doc."""\n\n+    hooks: dict\n    method: str\n    url: str\n');
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /one space less than the file's.*leading space/);
    assert.equal(readFileSync(join(root, "m.py"), "utf8"), PY);
  });

  it("context at column 0 copied as is beside indented context one space short: refused as unsure, not indented one space deeper", async () => {
    const before = "* #1: a change.\n  Patch by A.\n* #2: another.\n  Patch by B.\n\nDeprecated\n";
    const { root, ctx } = workspaceWith({ "c.rst": before });
    const patch = "--- a/c.rst\n+++ b/c.rst\n@@ -3,3 +3,5 @@\n* #2: another.\n  Patch by B.\n+* #3: new.\n+  Patch by C.\n \n";
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /one space less than the file's/);
    assert.equal(readFileSync(join(root, "c.rst"), "utf8"), before);
  });

  it("a hunk written one space short throughout (its removed line too) is still re-indented as before", async () => {
    const { root, ctx } = workspaceWith({ "m.py": PY });
    const patch = unprefixed('    """Doc."""\n \n-   method: str\n+   hooks: dict\n+   method: str | None\n    url: str\n');
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "m.py"), "utf8"), PY.replace("    method: str\n", "    hooks: dict\n    method: str | None\n"));
  });
});
