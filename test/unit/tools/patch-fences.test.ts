/**
 * Diffs of Markdown files carry code fences as context lines (" ```js"). Found by the patch
 * benchmark: with the diff itself in a ```diff block, the first such line closed the block,
 * the hunk was cut short and its first half applied — a wrong file, not a refusal.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { extractDiffLines } from "../../../src/tools/patch/parse.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { DAMAGES, type Tree, gitDiff, loadTree, toBuffers } from "./helpers/diffs.ts";
import { workspaceWith } from "./helpers/setup.ts";

const README = ["# ms", "", "## Examples", "", "```js", "ms('2 days')  // 172800000", "ms('1d')      // 86400000", "```", "", "## Convert", "", "```js", "ms(60000)     // \"1m\"", "```", "", "## License", "", "MIT", ""].join("\n");
const EDITED = README.replace("ms('1d')      // 86400000\n", "ms('1d')      // 86400000\nms('10h')     // 36000000\n").replace("## License", "## Licence");

async function apply(before: Tree, patch: string): Promise<{ ok: boolean; tree: Tree }> {
  const { root, ctx } = workspaceWith(toBuffers(before));
  const result = await runTool(applyPatchTool, { patch }, ctx);
  return { ok: result.ok, tree: loadTree(root) };
}

describe("apply_patch: code fences inside a diff of a Markdown file", () => {
  const before = { "README.md": README };
  const after = { "README.md": EDITED };
  const patch = gitDiff(before, after);

  it("the git diff has fence context lines (the case under test)", () => {
    assert.match(patch, /^ ```js$/m);
    assert.match(patch, /^ ```$/m);
  });

  for (const damage of ["none", "fenced with prose", "no diff --git headers"] as const) {
    it(`${damage}: applied exactly`, async () => {
      const { ok, tree } = await apply(before, DAMAGES[damage]!(patch));
      assert.equal(ok, true);
      assert.deepEqual(tree, after);
    });
  }

  it("an indented fence inside the diff does not close the ```diff block", () => {
    const lines = extractDiffLines("Fix:\n\n```diff\n@@ -1,3 +1,3 @@\n ```js\n-a\n+b\n ```\n```\nDone.\n");
    assert.deepEqual(lines, ["@@ -1,3 +1,3 @@", " ```js", "-a", "+b", " ```"]);
  });

  it("an unfenced diff whose context looks like fences is read whole", () => {
    // " ```js" ends the first hunk and " ```" sits in the second: no block is the diff.
    const text = "--- a/R.md\n+++ b/R.md\n@@ -1,2 +1,2 @@\n-a\n+b\n ```js\n@@ -9,3 +9,3 @@\n x\n-c\n+d\n ```\n";
    assert.deepEqual(extractDiffLines(text), text.split("\n"));
  });
});
