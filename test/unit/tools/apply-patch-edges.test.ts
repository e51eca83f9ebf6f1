/**
 * apply_patch on patches that are well-formed but say something the tree contradicts:
 * a file reached under two names, a final-newline marker on a hunk that is not at the
 * end, a merge's combined diff. Each must be refused with nothing written, never applied
 * half or in the wrong place.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { planPatch } from "../../../src/tools/patch/plan.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

const NINE = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
const TWO_HUNKS = (first: string, second: string) =>
  `--- a/${first}\n+++ b/${first}\n@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n--- a/${second}\n+++ b/${second}\n@@ -7,3 +7,3 @@\n 7\n-8\n+eight\n 9\n`;

describe("apply_patch: one file under two names (a link) in one patch", () => {
  it("a folder link: both sections are refused by name and nothing is written (the first change was lost)", async () => {
    const { root, ctx } = workspaceWith({ "src/x.py": NINE });
    symlinkSync("src", join(root, "lib"));
    const result = await runTool(applyPatchTool, { patch: TWO_HUNKS("src/x.py", "lib/x.py") }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /FAILED modify lib\/x\.py: "lib\/x\.py" is "src\/x\.py" under another name \(through a link\)/);
    assert.equal(readFileSync(join(root, "src/x.py"), "utf8"), NINE);
  });

  it("a file link: refused the same way; a patch of the link alone still applies through it", async () => {
    const { root, ctx } = workspaceWith({ "real.txt": NINE });
    symlinkSync("real.txt", join(root, "link.txt"));
    const both = await runTool(applyPatchTool, { patch: TWO_HUNKS("real.txt", "link.txt") }, ctx);
    assert.equal(both.ok, false, both.text);
    assert.match(both.text, /"link\.txt" is "real\.txt" under another name/);
    assert.equal(readFileSync(join(root, "real.txt"), "utf8"), NINE);
    const alone = await runTool(applyPatchTool, { patch: TWO_HUNKS("link.txt", "link.txt") }, ctx);
    assert.equal(alone.ok, true, alone.text);
    assert.equal(readFileSync(join(root, "real.txt"), "utf8"), NINE.replace("2\n", "two\n").replace("8\n", "eight\n"));
  });

  it("two new files whose folders are one folder: refused, not the second written over the first", async () => {
    const { root, ctx } = workspaceWith({ "src/keep.py": "" });
    symlinkSync("src", join(root, "lib"));
    const create = (path: string, line: string) => `--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+${line}\n`;
    const result = await runTool(applyPatchTool, { patch: create("src/new.py", "a") + create("lib/new.py", "b") }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /"lib\/new\.py" is "src\/new\.py" under another name/);
    assert.throws(() => readFileSync(join(root, "src/new.py")), /ENOENT/);
  });
});

describe("apply_patch: `\\ No newline at end of file` on a hunk that is not at the file's end", () => {
  for (const [name, marker] of [["after a context line", " 3\n"], ["after an added line", "+three\n"]] as const) {
    it(`${name}: refused, the file's final newline is not dropped`, async () => {
      const { root, ctx } = workspaceWith({ "a.txt": NINE });
      const body = marker === " 3\n" ? " 1\n-2\n+two\n 3\n" : " 1\n 2\n-3\n+three\n";
      const patch = `--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n${body}\\ No newline at end of file\n`;
      const result = await runTool(applyPatchTool, { patch }, ctx);
      assert.equal(result.ok, false, result.text);
      assert.match(result.text, /No newline at end of file.*but it matched at lines 1-3 of 9/);
      assert.equal(readFileSync(join(root, "a.txt"), "utf8"), NINE);
    });
  }

  it("the marker still decides at the file's end, also for one of several hunks", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": NINE });
    const patch = "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-1\n+one\n 2\n@@ -8,2 +8,2 @@\n 8\n-9\n+nine\n\\ No newline at end of file\n";
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "one\n2\n3\n4\n5\n6\n7\n8\nnine");
  });
});

describe("apply_patch: a combined diff (`diff --cc`, from a merge)", () => {
  it("is refused as such, not read as a plain diff with whitespace forgiven", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "1\n2\n3\n" });
    const cc = "diff --cc a.txt\nindex 1111111,2222222..3333333\n--- a/a.txt\n+++ b/a.txt\n@@@ -1,3 -1,3 +1,3 @@@\n  1\n- 2\n +2b\n  3\n";
    for (const patch of [cc, cc.replace(/^diff --cc a\.txt\nindex .*\n/, "")]) {
      const result = await runTool(applyPatchTool, { patch }, ctx);
      assert.equal(result.ok, false, result.text);
      assert.match(result.text, /combined diff/);
      assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "1\n2\n3\n");
    }
  });
});

describe("apply_patch: paths as git writes them (a/ b/ on diff --git, ---, +++; none on rename lines), whatever folders a/ or b/ exist", () => {
  it("a new file from a `diff --git a/x b/x` section lands at x, as git apply puts it, not under b/", async () => {
    const { root, ctx } = workspaceWith({ "b/keep.txt": "k\n" });
    const withHunk = "diff --git a/new.py b/new.py\nnew file mode 100644\nindex 0000000..45b983b\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+hi\n";
    const empty = "diff --git a/empty.py b/empty.py\nnew file mode 100644\nindex 0000000..e69de29\n";
    const result = await runTool(applyPatchTool, { patch: withHunk + empty }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "new.py"), "utf8"), "hi\n");
    assert.equal(readFileSync(join(root, "empty.py"), "utf8"), "");
    assert.throws(() => readFileSync(join(root, "b/new.py")), /ENOENT/);
  });

  it("a change to x from such a section is not made to a/x when x is missing", async () => {
    const { root, ctx } = workspaceWith({ "a/x.py": "1\n2\n" });
    const patch = "diff --git a/x.py b/x.py\nindex 1111111..2222222 100644\n--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n 1\n-2\n+two\n";
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /"x\.py" does not exist/);
    assert.equal(readFileSync(join(root, "a/x.py"), "utf8"), "1\n2\n");
  });

  it("rename lines carry no prefixes: a file moved from folder a/ to a new folder b/ moves there", async () => {
    const { root, ctx } = workspaceWith({ "a/x.py": "1\n2\n" });
    const pure = "diff --git a/a/x.py b/b/y.py\nsimilarity index 100%\nrename from a/x.py\nrename to b/y.py\n";
    const result = await runTool(applyPatchTool, { patch: pure }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "b/y.py"), "utf8"), "1\n2\n");
    const edited = "diff --git a/b/y.py b/a/z.py\nsimilarity index 60%\nrename from b/y.py\nrename to a/z.py\nindex 1111111..2222222 100644\n--- a/b/y.py\n+++ b/a/z.py\n@@ -1,2 +1,2 @@\n 1\n-2\n+two\n";
    const again = await runTool(applyPatchTool, { patch: edited }, ctx);
    assert.equal(again.ok, true, again.text);
    assert.equal(readFileSync(join(root, "a/z.py"), "utf8"), "1\ntwo\n");
  });
});

describe("apply_patch: git's copies (`copy from` / `copy to`: git diff -C, format-patch -C)", () => {
  const X = "def a():\n    return 1\n\ndef b():\n    return 2\n";
  // As git diff --cached -C --find-copies-harder writes a copy of x.py to y.py with one line changed.
  const COPY = "diff --git a/x.py b/y.py\nsimilarity index 71%\ncopy from x.py\ncopy to y.py\nindex 2885fbc..f5ab0ac 100644\n--- a/x.py\n+++ b/y.py\n@@ -2,4 +2,4 @@ def a():\n     return 1\n \n def b():\n-    return 2\n+    return 3\n";

  it("a copy makes the new file and keeps the one copied from (it was moved: the original deleted)", async () => {
    const { root, ctx } = workspaceWith({ "x.py": X });
    const result = await runTool(applyPatchTool, { patch: COPY }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /ok +copy x\.py -> y\.py/);
    assert.equal(readFileSync(join(root, "x.py"), "utf8"), X);
    assert.equal(readFileSync(join(root, "y.py"), "utf8"), X.replace("return 2", "return 3"));
    // A pure copy (100%, no hunk) too, and the targets the approval is asked for are only what is written.
    const pure = "diff --git a/x.py b/z.py\nsimilarity index 100%\ncopy from x.py\ncopy to z.py\n";
    assert.deepEqual(await applyPatchTool.targets!({ patch: pure }, ctx), ["z.py"]);
    const again = await runTool(applyPatchTool, { patch: pure }, ctx);
    assert.equal(again.ok, true, again.text);
    assert.equal(readFileSync(join(root, "x.py"), "utf8"), X);
    assert.equal(readFileSync(join(root, "z.py"), "utf8"), X);
  });

  it("a copy is made from its source as it was, though an earlier section changes the source (git diff -C writes both: a copy is found only from a changed file)", async () => {
    // git diff --cached -C of: a.txt's 3 made THREE, and b.txt a copy of a.txt with 10 made TEN (sections by path: a.txt's first).
    const twelve = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
    const patch =
      "diff --git a/a.txt b/a.txt\nindex 08fe19c..9031210 100644\n--- a/a.txt\n+++ b/a.txt\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+THREE\n 4\n 5\n 6\n" +
      "diff --git a/a.txt b/b.txt\nsimilarity index 85%\ncopy from a.txt\ncopy to b.txt\nindex 08fe19c..bc57a19 100644\n--- a/a.txt\n+++ b/b.txt\n@@ -7,6 +7,6 @@\n 7\n 8\n 9\n-10\n+TEN\n 11\n 12\n";
    const { root, ctx } = workspaceWith({ "a.txt": twelve });
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    // As git apply: the changed source, and a copy of the source before the patch.
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), twelve.replace("3\n", "THREE\n"));
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), twelve.replace("10\n", "TEN\n"));
  });
});

describe("apply_patch: a carriage return inside a line (not a line end: the file's lines end in LF)", () => {
  const LOG = "start\nstep 1\rstep 2\nmid\nend\n";

  it("git diff's patch of a file with one (a progress line, a string with a raw CR) applies, the CR kept where it was", async () => {
    const { root, ctx } = workspaceWith({ "log.txt": LOG });
    // As git diff writes it: the CR raw inside the context line and the added one.
    const patch = "diff --git a/log.txt b/log.txt\nindex 790dab6..eec595d 100644\n--- a/log.txt\n+++ b/log.txt\n@@ -1,4 +1,5 @@\n start\n step 1\rstep 2\n mid\n-end\n+new 1\rnew 2\n+END\n";
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "log.txt"), "utf8"), "start\nstep 1\rstep 2\nmid\nnew 1\rnew 2\nEND\n");
  });

  it("an added line holding one is written whole, not cut at the CR with its rest taken for a context line and forgiven", async () => {
    const { root, ctx } = workspaceWith({ "a.py": "l1\nl2\nl3\nl4\n" });
    const patch = "--- a/a.py\n+++ b/a.py\n@@ -1,4 +1,5 @@\n l1\n l2\n+print('x\rY')\n l3\n l4\n";
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "a.py"), "utf8"), "l1\nl2\nprint('x\rY')\nl3\nl4\n");
  });

  it("a patch written with CRLF line ends, or CR only (a classic Mac patch), still reads its lines", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "1\n2\n3\n" });
    const lf = "--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n";
    assert.equal((await runTool(applyPatchTool, { patch: lf.replace(/\n/g, "\r\n") }, ctx)).ok, true);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "1\ntwo\n3\n");
    const back = "--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n 1\n-two\n+2\n 3\n";
    assert.equal((await runTool(applyPatchTool, { patch: back.replace(/\n/g, "\r") }, ctx)).ok, true);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "1\n2\n3\n");
  });

  // As git diff writes them: an added progress line (twelve redraws), and a classic-Mac file, which git reads as one line.
  const PROGRESS = `p${Array.from({ length: 12 }, (_, i) => `\r${i + 1}%`).join("")}`;
  const RUN_PY = `diff --git a/run.py b/run.py\nindex 0ddd0f3..897868f 100644\n--- a/run.py\n+++ b/run.py\n@@ -1,4 +1,5 @@\n l1\n l2\n+${PROGRESS}\n l3\n l4\n`;
  const MAC_CSV = "diff --git a/mac.csv b/mac.csv\nindex c5dba63..611ff5a 100644\n--- a/mac.csv\n+++ b/mac.csv\n@@ -1 +1 @@\n-a,1\rb,2\rc,3\r\n\\ No newline at end of file\n+a,1\rb,TWO\rc,3\r\n\\ No newline at end of file\n";

  it("an added line holding more CRs than the patch has lines (a progress line's redraws) is written whole, as git applies it", async () => {
    const { root, ctx } = workspaceWith({ "run.py": "l1\nl2\nl3\nl4\n" });
    const result = await runTool(applyPatchTool, { patch: RUN_PY }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "run.py"), "utf8"), `l1\nl2\n${PROGRESS}\nl3\nl4\n`);
  });

  it("git's patch of a classic-Mac file (its lines end in CR: one line to git) applies to its lines, also beside a file whose lines hold CRs", async () => {
    const { root, ctx } = workspaceWith({ "run.py": "l1\nl2\nl3\nl4\n", "mac.csv": "a,1\rb,2\rc,3\r" });
    const result = await runTool(applyPatchTool, { patch: MAC_CSV + RUN_PY }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "mac.csv"), "utf8"), "a,1\rb,TWO\rc,3\r");
    assert.equal(readFileSync(join(root, "run.py"), "utf8"), `l1\nl2\n${PROGRESS}\nl3\nl4\n`);
    const alone = await runTool(applyPatchTool, { patch: MAC_CSV.replace(/TWO/, "2").replace(/b,2/, "b,TWO") }, ctx);
    assert.equal(alone.ok, true, alone.text);
    assert.equal(readFileSync(join(root, "mac.csv"), "utf8"), "a,1\rb,2\rc,3\r");
  });
});

describe("apply_patch: a notebook's or a JSON file's JSON (the model's patches; hearth apply-patch applies what it is given)", () => {
  it("a patch that would break a file's JSON (a key added without its comma) is refused, naming the line, with nothing written; one that keeps it valid applies", async () => {
    const pkg = '{\n  "name": "x",\n  "version": "1.0.0"\n}\n';
    const { root, ctx } = workspaceWith({ "package.json": pkg, "src/a.py": NINE });
    const broken = "--- a/src/a.py\n+++ b/src/a.py\n@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n--- a/package.json\n+++ b/package.json\n@@ -1,4 +1,5 @@\n {\n   \"name\": \"x\",\n-  \"version\": \"1.0.0\"\n+  \"version\": \"1.0.0\"\n+  \"private\": true\n }\n";
    const refused = await runTool(applyPatchTool, { patch: broken }, ctx);
    assert.equal(refused.ok, false, refused.text);
    assert.match(refused.text, /FAILED modify package\.json: "package\.json" would no longer be valid JSON \(.*line 4.*\); nothing was written/);
    assert.equal(readFileSync(join(root, "package.json"), "utf8"), pkg);
    assert.equal(readFileSync(join(root, "src/a.py"), "utf8"), NINE);
    // A patch a person hands to `hearth apply-patch` (no keepJson) is applied as given.
    assert.equal((await planPatch(ctx.workspace, broken)).ok, true);
    const fixed = broken.replace('+  "version": "1.0.0"\n', '+  "version": "1.0.0",\n');
    const applied = await runTool(applyPatchTool, { patch: fixed }, ctx);
    assert.equal(applied.ok, true, applied.text);
    assert.equal(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).private, true);
  });
});

describe("apply_patch: a patch in OpenAI's *** Begin Patch format", () => {
  it("is refused by what it is and what to send instead, not as a change of a file with no name, and nothing is written", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "one\n" });
    const update = "*** Begin Patch\n*** Update File: a.txt\n@@\n-one\n+two\n*** End Patch\n";
    const add = "*** Begin Patch\n*** Add File: b.txt\n+b\n*** End Patch\n";
    for (const patch of [update, add]) {
      const result = await runTool(applyPatchTool, { patch }, ctx);
      assert.equal(result.text, "Error (patch-failed): this patch is in the `*** Begin Patch` / `*** Update File:` format, which Hearth does not read; send a unified diff: for each file a `--- a/path` and a `+++ b/path` line, then its hunks, each under an `@@ -start,count +start,count @@` line");
    }
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "one\n");
  });
});
