/**
 * apply_patch on a patch cut off part way (a model's output stopped at its token limit, a
 * paste that lost its end): what is left must not be applied as if it were the change.
 * Found by test/bench/patch-history.ts cutting real git diffs: a hunk cut after its
 * removed line deleted that line and never added its replacement, reported as applied.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

const NINE = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
const WHOLE = "--- a/a.txt\n+++ b/a.txt\n@@ -3,7 +3,7 @@\n 3\n 4\n 5\n-6\n+six\n 7\n 8\n 9\n";

describe("apply_patch: a patch cut off inside its last hunk", () => {
  for (const [name, patch] of [
    ["after the removed line (the replacement lost)", "--- a/a.txt\n+++ b/a.txt\n@@ -3,7 +3,7 @@\n 3\n 4\n 5\n-6\n"],
    ["in the middle of the added line", "--- a/a.txt\n+++ b/a.txt\n@@ -3,7 +3,7 @@\n 3\n 4\n 5\n-6\n+si"],
    ["in the leading context (the change lost)", "--- a/a.txt\n+++ b/a.txt\n@@ -3,7 +3,7 @@\n 3\n 4\n"],
    ["in the middle of the added line of a one-line-context hunk (one line short, as a dropped context line would leave it)", "--- a/a.txt\n+++ b/a.txt\n@@ -5,3 +5,3 @@\n 5\n-6\n+si"],
  ] as const) {
    it(`${name}: refused as cut off, nothing written`, async () => {
      const { root, ctx } = workspaceWith({ "a.txt": NINE });
      const result = await runTool(applyPatchTool, { patch }, ctx);
      assert.equal(result.ok, false, result.text);
      assert.match(result.text, /fewer lines than its header says .*cut off/);
      assert.equal(readFileSync(join(root, "a.txt"), "utf8"), NINE);
    });
  }

  it("a second file's hunk cut off: the first file is not written either", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": NINE, "b.txt": NINE });
    const patch = `${WHOLE.replace(/a\.txt/g, "b.txt")}--- a/a.txt\n+++ b/a.txt\n@@ -3,7 +3,7 @@\n 3\n 4\n 5\n-6\n`;
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), NINE);
  });

  it("a new file's hunk cut off: the file is not created with half its lines", async () => {
    const { root, ctx } = workspaceWith({ "b.txt": NINE });
    const patch = `${WHOLE.replace(/a\.txt/g, "b.txt")}--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,5 @@\n+one\n+two\n`;
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /\(0 of 0 old, 2 of 5 new\): the patch looks cut off/);
    assert.throws(() => readFileSync(join(root, "new.txt")), /ENOENT/);
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), NINE);
  });

  it("the whole patch, one context line short of its counts (dropped while copying), or cut in its trailing context, still applies, with or without a final newline", async () => {
    const short = "--- a/a.txt\n+++ b/a.txt\n@@ -4,4 +4,4 @@\n 4\n 5\n-6\n+six";
    for (const patch of [WHOLE, WHOLE.replace(" 4\n", ""), WHOLE.replace(/ 9\n$/, ""), WHOLE.replace(/\n$/, ""), `${short}\n`, `\`\`\`diff\n${short}\n\`\`\``]) {
      const { root, ctx } = workspaceWith({ "a.txt": NINE });
      const result = await runTool(applyPatchTool, { patch }, ctx);
      assert.equal(result.ok, true, result.text);
      assert.equal(readFileSync(join(root, "a.txt"), "utf8"), NINE.replace("6\n", "six\n"));
    }
  });

  it("counts too small, or wrong the other way, are not taken for a cut (the header is only a hint)", async () => {
    for (const header of ["@@ -3,5 +3,5 @@", "@@ -3,99 +3,1 @@", "@@ -3,8 +3,6 @@", "@@"]) {
      const { root, ctx } = workspaceWith({ "a.txt": NINE });
      const result = await runTool(applyPatchTool, { patch: WHOLE.replace("@@ -3,7 +3,7 @@", header) }, ctx);
      assert.equal(result.ok, true, `${header}: ${result.text}`);
      assert.equal(readFileSync(join(root, "a.txt"), "utf8"), NINE.replace("6\n", "six\n"));
    }
  });
});

describe("apply_patch: a patch cut off after a file's header", () => {
  it("a file named with ---/+++ and no hunk after them: refused as cut off, the earlier file not written", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": NINE, "b.txt": NINE });
    const patch = `diff --git a/b.txt b/b.txt\n${WHOLE.replace(/a\.txt/g, "b.txt")}diff --git a/a.txt b/a.txt\nindex 1111111..2222222 100644\n--- a/a.txt\n+++ b/a.txt\n`;
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /FAILED modify a\.txt: .*no hunks.*cut off/);
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), NINE);
  });

  it("a new file cut off after its header is not created empty", async () => {
    const { root, ctx } = workspaceWith({ "b.txt": NINE });
    const patch = `${WHOLE.replace(/a\.txt/g, "b.txt")}diff --git a/new.txt b/new.txt\nnew file mode 100644\nindex 0000000..3333333\n--- /dev/null\n+++ b/new.txt\n`;
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.throws(() => readFileSync(join(root, "new.txt")), /ENOENT/);
  });

  it("sections git writes without hunks still apply: an empty new file, a pure rename", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": NINE, "old.txt": "x\n" });
    const patch = `${WHOLE}diff --git a/empty.txt b/empty.txt\nnew file mode 100644\nindex 0000000..e69de29\ndiff --git a/old.txt b/new.txt\nsimilarity index 100%\nrename from old.txt\nrename to new.txt\n`;
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "empty.txt"), "utf8"), "");
    assert.equal(readFileSync(join(root, "new.txt"), "utf8"), "x\n");
  });
});
