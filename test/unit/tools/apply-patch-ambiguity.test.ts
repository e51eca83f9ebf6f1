/**
 * Where a hunk goes when the model's context is not quite the file's: a dropped context
 * line next to added lines leaves their place open by a line, and that is refused with the
 * reason, never guessed; several exact places are chosen between by the header only when
 * they are far apart. Real git diffs, damaged the way models damage them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { gitDiff, loadTree, toBuffers } from "./helpers/diffs.ts";
import { workspaceWith } from "./helpers/setup.ts";

async function apply(file: string, patch: string) {
  const { root, ctx } = workspaceWith(toBuffers({ "m.py": file }));
  const result = await runTool(applyPatchTool, { patch }, ctx);
  return { result, text: loadTree(root)["m.py"]! };
}

/** The patch git prints for m.py, with hunk line `drop` (1-based after the @@ line) removed and the counts left as git wrote them or recomputed. */
function dropLine(before: string, after: string, drop: number, counts: "stale" | "recomputed"): string {
  const lines = gitDiff({ "m.py": before }, { "m.py": after }).split("\n");
  const at = lines.findIndex((l) => l.startsWith("@@"));
  const [removed] = lines.splice(at + drop, 1);
  assert.ok(removed!.startsWith(" "), `line ${drop} of the hunk is context: ${removed}`);
  if (counts === "recomputed") lines[at] = lines[at]!.replace(/^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/, (_m, a, b, c, d) => `@@ -${a},${Number(b) - 1} +${c},${Number(d) - 1} @@`);
  return lines.join("\n");
}

const IMPORTS = "import os\nimport sys\n\n\ndef main(argv):\n    run(argv)\n    return 0\n";

describe("a dropped context line next to added lines is refused, naming the ambiguity", () => {
  for (const counts of ["stale", "recomputed"] as const) {
    it(`around a blank line (counts ${counts}): the import could go before or after the blank line`, async () => {
      // git's hunk: " import os", " import sys", "+import re", " ", " ", " def main(argv):"; the blank after "+import re" dropped.
      const after = IMPORTS.replace("import sys\n", "import sys\nimport re\n");
      const patch = dropLine(IMPORTS, after, 4, counts);
      // Left: "import sys", "+import re", " ", "def main"; the file has two blank lines there, and
      // the hunk no longer says whether the import goes before the first or after it.
      const { result, text } = await apply(IMPORTS, patch);
      assert.equal(result.ok, false, result.text);
      assert.match(result.text, /added lines could go before line 3 or before line 4/);
      assert.match(result.text, /context line next to them is missing/);
      assert.equal(text, IMPORTS, "nothing written");
    });

    it(`next to an identical neighbouring line (counts ${counts})`, async () => {
      const before = "def f(items):\n    for item in items:\n        if item:\n            yield item\n            yield item\n    return None\n\n\ndef g():\n    pass\n";
      const after = before.replace("            yield item\n            yield item\n", "            yield item\n            log(item)\n            yield item\n");
      // git's hunk: ...," yield item", "+log(item)", " yield item", " return None", ...; the second "yield item" dropped.
      const hunk = gitDiff({ "m.py": before }, { "m.py": after });
      const drop = hunk.split("\n").slice(hunk.split("\n").findIndex((l) => l.startsWith("@@"))).findIndex((l) => l.includes("log(item)")) + 1;
      const { result, text } = await apply(before, dropLine(before, after, drop, counts));
      assert.equal(result.ok, false, result.text);
      assert.match(result.text, /added lines could go before line 5 or before line 6/);
      assert.equal(text, before, "nothing written");
    });
  }

  it("never says a hunk matches 'in 1 places'", async () => {
    const before = "a = 1\n\n\nb = 2\nc = 3\n";
    const patch = "--- a/m.py\n+++ b/m.py\n@@ -1,3 +1,4 @@\n a = 1\n \n+x = 0\n b = 2\n";
    const { result } = await apply(before, patch);
    assert.equal(result.ok, false);
    assert.doesNotMatch(result.text, /in 1 places/);
    assert.match(result.text, /added lines could go before line 3 or before line 4/);
  });
});

describe("a hunk that fits one way after forgiving context is applied", () => {
  it("a dropped line between identical lines where every reading gives the same file", async () => {
    const before = "def f():\n    pass\n\n\ndef g():\n    pass\n";
    // A third blank line between the functions; the hunk lost one of the two blank context lines.
    const after = "def f():\n    pass\n\n\n\ndef g():\n    pass\n";
    const patch = "--- a/m.py\n+++ b/m.py\n@@ -1,5 +1,6 @@\n def f():\n     pass\n \n+\n def g():\n     pass\n";
    const { result, text } = await apply(before, patch);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /1 context line\(s\) forgiven/);
    assert.equal(text, after);
  });

  it("a dropped line between two context lines (not next to the added lines)", async () => {
    const before = "import os\nimport sys\nimport json\n\n\ndef main(argv):\n    run(argv)\n    return 0\n";
    const after = before.replace("    run(argv)\n", "    run(argv)\n    log(argv)\n");
    const patch = dropLine(before, after, 2, "recomputed");
    const { result, text } = await apply(before, patch);
    assert.equal(result.ok, true, result.text);
    assert.equal(text, after);
  });
});

describe("an added line of only whitespace keeps its whitespace", () => {
  it("in a hunk re-indented to the file's tabs", async () => {
    const before = "func f() {\n\tx := 1\n\treturn x\n}\n";
    const patch = "--- a/m.py\n+++ b/m.py\n@@ -1,4 +1,6 @@\n func f() {\n     x := 1\n+    \n+    y := 2\n     return x\n }\n";
    const { result, text } = await apply(before, patch);
    assert.equal(result.ok, true, result.text);
    // Re-indented like every other added line: four columns are one tab in this file.
    assert.equal(text, "func f() {\n\tx := 1\n\t\n\ty := 2\n\treturn x\n}\n");
  });

  it("in a hunk applied as written", async () => {
    const before = "class A:\n    def f(self):\n        return 1\n";
    const patch = "--- a/m.py\n+++ b/m.py\n@@ -1,3 +1,5 @@\n class A:\n     def f(self):\n+        \n+        x = 1\n         return 1\n";
    const { result, text } = await apply(before, patch);
    assert.equal(result.ok, true, result.text);
    assert.equal(text, "class A:\n    def f(self):\n        \n        x = 1\n        return 1\n");
  });
});

describe("several exact places: the header decides only between places far apart", () => {
  const block = (name: string) => `def ${name}(values):\n    if not values:\n        return 0\n    return sum(values)\n`;
  const spacer = (n: number) => Array.from({ length: n }, (_, i) => `CONSTANT_${i} = ${i}\n`).join("");
  const hunk = (line: number) => `--- a/m.py\n+++ b/m.py\n@@ -${line},2 +${line},2 @@\n     if not values:\n-        return 0\n+        return None\n`;

  it("places 30 lines apart: the one within 10 lines of the header's number is changed", async () => {
    const before = block("a") + spacer(26) + block("b") + spacer(26) + block("c");
    // "if not values:" is on lines 2, 32 and 62; the header says 36 (off by 4).
    for (const [line, changed] of [[36, 32], [2, 2], [70, 62]] as const) {
      const { result, text } = await apply(before, hunk(line));
      assert.equal(result.ok, true, result.text);
      const lines = before.split("\n");
      lines[changed] = "        return None";
      assert.equal(text, lines.join("\n"));
    }
  });

  it("places 30 lines apart but the header between them (over 10 lines from each) is refused", async () => {
    const before = block("a") + spacer(26) + block("b") + spacer(26) + block("c");
    const { result, text } = await apply(before, hunk(17));
    assert.equal(result.ok, false);
    assert.match(result.text, /matches exactly in 3 places \(lines 2, 32, 62\)/);
    assert.equal(text, before);
  });

  it("places close together are refused even when the header points exactly at one", async () => {
    const before = block("a") + spacer(6) + block("b");
    const { result, text } = await apply(before, hunk(12));
    assert.equal(result.ok, false);
    assert.match(result.text, /matches exactly in 2 places \(lines 2, 12\)/);
    assert.match(result.text, /header's line number cannot choose between places 20 or fewer lines apart/);
    assert.equal(text, before);
  });

  it("a hunk that is not otherwise exact (counts disagree with its body) is refused", async () => {
    const before = block("a") + spacer(26) + block("b");
    const { result } = await apply(before, hunk(32).replace("-32,2 +32,2", "-32,5 +32,2"));
    assert.equal(result.ok, false);
    assert.match(result.text, /matches exactly in 2 places/);
  });
});

describe("re-indenting keeps the depth order of the model's lines", () => {
  it("a dropped context line ('}' after '  }') makes a whitespace match pair '  }' with '}': the added lines keep their indentation, not that pair's", async () => {
    // The real `ms` diff of the patch benchmark, its context line "}" dropped: the added lines came out at column 0.
    const before = "function parse(str) {\n  switch (str) {\n    default:\n      return undefined;\n  }\n}\n\n/**\n * Short format for `ms`.\n *\n */\nfunction fmtShort(ms) {}\n";
    const after = before.replace("}\n\n/**", "}\n\nfunction clampIndex(index, length) {\n  if (index < 0) return 0;\n  return Math.min(index, length - 1);\n}\n\n/**");
    const patch = "--- a/m.py\n+++ b/m.py\n@@ -5,6 +5,11 @@ function parse(str) {\n   }\n \n+function clampIndex(index, length) {\n+  if (index < 0) return 0;\n+  return Math.min(index, length - 1);\n+}\n+\n /**\n  * Short format for `ms`.\n  *\n";
    const { result, text } = await apply(before, patch);
    assert.equal(result.ok, true, result.text);
    assert.equal(text, after);
  });
});

describe("re-indenting never throws", () => {
  it("a hunk whose indentation shift would take a line left of column 0 applies, each added line indented as the line it stood beside", async () => {
    const patch = "--- a/m.py\n+++ b/m.py\n@@\n         x = 1\n-  y = 2\n+  y = 3\n";
    const { result, text } = await apply("\tx = 1\ny = 2\n", patch);
    assert.equal(result.ok, true, result.text);
    assert.equal(text, "\tx = 1\ny = 3\n");
  });
});
