import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { DAMAGES, type Tree, gitDiff, loadTree } from "./helpers/diffs.ts";
import { FIXTURES, workspaceWith } from "./helpers/setup.ts";

const BEFORE = loadTree(join(FIXTURES, "patch/before"));
const AFTER = loadTree(join(FIXTURES, "patch/after"));

function only(tree: Tree, ...paths: string[]): Tree {
  return Object.fromEntries(Object.entries(tree).filter(([p]) => paths.includes(p)));
}

const crlf = (tree: Tree): Tree => Object.fromEntries(Object.entries(tree).map(([p, t]) => [p, t.replace(/\n/g, "\r\n")]));

/** Applies `patch` to a workspace holding `before`; returns the result and the tree after. */
async function apply(before: Tree, patch: string, extra: Record<string, string | boolean> = {}) {
  const { root, ctx } = workspaceWith(Object.fromEntries(Object.entries(before).map(([p, t]) => [p, Buffer.from(t, "latin1")])));
  const result = await runTool(applyPatchTool, { patch, ...extra }, ctx);
  return { result, tree: loadTree(root) };
}

const SCENARIOS: { name: string; before: Tree; after: Tree; diffArgs?: string[] }[] = [
  { name: "python, 3 hunks", before: only(BEFORE, "src/calc.py"), after: only(AFTER, "src/calc.py") },
  { name: "go, tabs", before: only(BEFORE, "cmd/server.go"), after: only(AFTER, "cmd/server.go") },
  { name: "whole tree: modify, create, delete, rename", before: BEFORE, after: AFTER },
  { name: "python, one context line (-U1)", before: only(BEFORE, "src/calc.py"), after: only(AFTER, "src/calc.py"), diffArgs: ["-U1"] },
];

describe("apply_patch on real git diffs damaged the ways LLMs damage them", () => {
  for (const scenario of SCENARIOS) {
    const patch = gitDiff(scenario.before, scenario.after, ...(scenario.diffArgs ?? []));
    for (const [damage, fn] of Object.entries(DAMAGES)) {
      it(`${scenario.name} / ${damage}: exactly the intended files, or refused with nothing written`, async () => {
        const { result, tree } = await apply(scenario.before, fn(patch));
        if (result.ok) assert.deepEqual(tree, scenario.after, result.text);
        else assert.deepEqual(tree, scenario.before, "a refused patch must not write");
        // Which damages must be repaired (not merely refused) is pinned below.
        if (scenario.diffArgs === undefined) assert.equal(result.ok, true, `${damage}: ${result.text}`);
      });
    }
  }
});

describe("apply_patch line endings and final newlines", () => {
  it("an LF patch on a CRLF file keeps CRLF; each file keeps its own endings", async () => {
    const before = { ...crlf(only(BEFORE, "src/calc.py")), ...only(BEFORE, "cmd/server.go") };
    const after = { ...crlf(only(AFTER, "src/calc.py")), ...only(AFTER, "cmd/server.go") };
    const patch = gitDiff(only(BEFORE, "src/calc.py", "cmd/server.go"), only(AFTER, "src/calc.py", "cmd/server.go"));
    const { result, tree } = await apply(before, patch);
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(tree, after);
  });

  it("a diff made from CRLF files (CRs inside the lines) applies to the CRLF file", async () => {
    const before = crlf(only(BEFORE, "src/calc.py"));
    const after = crlf(only(AFTER, "src/calc.py"));
    const { result, tree } = await apply(before, gitDiff(before, after));
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(tree, after);
  });

  const noEol = (t: string) => t.replace(/\n$/, "");
  it("`\\ No newline at end of file`: a file without a final newline is edited at its end and stays without one", async () => {
    const before = { "lib/util.js": noEol(BEFORE["lib/util.js"]!) };
    const after = { "lib/util.js": noEol(AFTER["lib/helpers.js"]!) };
    const patch = gitDiff(before, after);
    assert.match(patch, /\\ No newline at end of file/);
    for (const p of [patch, patch.replace(/^\\ No newline at end of file\n/gm, "")]) {
      const { result, tree } = await apply(before, p);
      assert.equal(result.ok, true, result.text);
      assert.deepEqual(tree, after);
    }
  });

  it("markers add or remove the final newline as the diff says", async () => {
    const withEol = { "a.txt": "one\ntwo\n" };
    const without = { "a.txt": "one\ntwo" };
    for (const [b, a] of [[withEol, without], [without, withEol]] as const) {
      const { result, tree } = await apply(b, gitDiff(b, a));
      assert.equal(result.ok, true, result.text);
      assert.deepEqual(tree, a);
    }
  });
});

describe("apply_patch refusals", () => {
  it("a hunk whose context is in several places and whose header is unreliable is refused, naming the lines", async () => {
    const patch = "--- a/src/calc.py\n+++ b/src/calc.py\n@@\n     if not values:\n-        return 0\n+        return None\n";
    const { result, tree } = await apply(only(BEFORE, "src/calc.py"), patch);
    assert.equal(!result.ok && result.code, "patch-failed");
    assert.match(result.text, /matches exactly in 4 places \(lines 6, 12, 22, 33\)/);
    assert.deepEqual(tree, only(BEFORE, "src/calc.py"));
  });

  it("...and so is one whose header points exactly at one of places too close together to tell apart", async () => {
    // Places 6-11 lines apart: a header off by a few lines would pick a neighbour (see apply-patch-ambiguity.test.ts).
    const patch = "--- a/src/calc.py\n+++ b/src/calc.py\n@@ -22,2 +22,2 @@\n     if not values:\n-        return 0\n+        return None\n";
    const { result, tree } = await apply(only(BEFORE, "src/calc.py"), patch);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /matches exactly in 4 places \(lines 6, 12, 22, 33\), and the header's line number cannot choose/);
    assert.deepEqual(tree, only(BEFORE, "src/calc.py"));
  });

  it("a hunk that matches nowhere is refused with the closest text; the other file is not written either", async () => {
    const good = gitDiff(only(BEFORE, "cmd/server.go"), only(AFTER, "cmd/server.go"));
    const bad = "--- a/src/calc.py\n+++ b/src/calc.py\n@@ -5,4 +5,4 @@\n def mean(vals):\n     if not vals:\n-        return 0\n+        return None\n     return sum(vals) / len(vals)\n";
    const before = only(BEFORE, "src/calc.py", "cmd/server.go");
    const { result, tree } = await apply(before, good + bad);
    assert.equal(!result.ok && result.code, "patch-failed");
    assert.match(result.text, /nothing was written/);
    assert.match(result.text, /FAILED modify src\/calc.py/);
    assert.match(result.text, /Did you mean:\n\s+Lines 5-8 \(\d+% similar\):\n\s+5\| def mean\(values\):/);
    assert.deepEqual(tree, before);
  });

  it("an already-applied hunk is refused with that reason", async () => {
    const patch = gitDiff(only(BEFORE, "cmd/server.go"), only(AFTER, "cmd/server.go"));
    const { result } = await apply(only(AFTER, "cmd/server.go"), patch);
    assert.equal(result.ok, false);
    assert.match(result.text, /applied already/);
  });

  it("creating a file that exists, patching a missing file, a path outside the workspace, no diff at all", async () => {
    const create = "--- /dev/null\n+++ b/lib/util.js\n@@ -0,0 +1 @@\n+x\n";
    assert.match((await apply(only(BEFORE, "lib/util.js"), create)).result.text, /already exists/);
    assert.match((await apply({}, "--- a/nope.py\n+++ b/nope.py\n@@\n-a\n+b\n")).result.text, /does not exist/);
    const outside = await apply({}, "--- /dev/null\n+++ b/../../evil.sh\n@@ -0,0 +1 @@\n+rm -rf /\n");
    assert.equal(outside.result.ok, false);
    assert.match(outside.result.text, /outside the workspace/);
    const prose = await apply({}, "I changed the function to return None.");
    assert.equal(!prose.result.ok && prose.result.code, "patch-failed");
    assert.match(prose.result.text, /no unified diff found/);
  });

  it("a patch that makes or changes a symbolic link or a submodule is refused with nothing written, not applied as a text file", async () => {
    const link = "diff --git a/evil b/evil\nnew file mode 120000\nindex 0000000..e69de29\n--- /dev/null\n+++ b/evil\n@@ -0,0 +1 @@\n+/etc\n\\ No newline at end of file\n";
    const both = `${gitDiff(only(BEFORE, "cmd/server.go"), only(AFTER, "cmd/server.go"))}${link}`;
    const made = await apply(only(BEFORE, "cmd/server.go"), both);
    assert.equal(made.result.ok, false);
    assert.match(made.result.text, /FAILED create evil: the patch makes or changes a symbolic link \(mode 120000\)/);
    assert.deepEqual(made.tree, only(BEFORE, "cmd/server.go"), "the other file is not written either");
    const retarget = "diff --git a/lib b/lib\nindex 1111111..2222222 120000\n--- a/lib\n+++ b/lib\n@@ -1 +1 @@\n-../shared/lib\n\\ No newline at end of file\n+/etc\n\\ No newline at end of file\n";
    assert.match((await apply({ lib: "../shared/lib" }, retarget.replace("index 1111111..2222222 120000\n", "old mode 120000\nnew mode 120000\n"))).result.text, /symbolic link/);
    const submodule = "diff --git a/vendor/x b/vendor/x\nnew file mode 160000\nindex 0000000..3333333\n--- /dev/null\n+++ b/vendor/x\n@@ -0,0 +1 @@\n+Subproject commit 3333333\n";
    assert.match((await apply({}, submodule)).result.text, /FAILED create vendor\/x: the patch changes a submodule/);
  });

  it("a mode change is said to be left undone, not reported as done", async () => {
    const chmod = "diff --git a/lib/util.js b/lib/util.js\nold mode 100644\nnew mode 100755\n";
    const { result } = await apply(only(BEFORE, "lib/util.js"), chmod);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /^ok +modify lib\/util\.js\n  note: the patch makes it executable \(mode 100755\), which Hearth does not do: run chmod \+x lib\/util\.js$/m);
    const script = "diff --git a/run.sh b/run.sh\nnew file mode 100755\n--- /dev/null\n+++ b/run.sh\n@@ -0,0 +1 @@\n+echo hi\n";
    const made = await apply({}, script);
    assert.equal(made.tree["run.sh"], "echo hi\n");
    assert.match(made.result.text, /note: the patch makes it executable/);
    const plain = "diff --git a/run.sh b/run.sh\nnew file mode 100644\n--- /dev/null\n+++ b/run.sh\n@@ -0,0 +1 @@\n+echo hi\n";
    assert.doesNotMatch((await apply({}, plain)).result.text, /note:/);
  });

  it("a deletion that leaves lines behind is refused", async () => {
    const patch = "--- a/NOTES.md\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-# Old notes\n-\n";
    const { result, tree } = await apply(only(BEFORE, "NOTES.md"), patch);
    assert.equal(result.ok, false);
    assert.deepEqual(tree, only(BEFORE, "NOTES.md"));
  });

  it("refuses a binary target file", async () => {
    const { ctx } = workspaceWith({ "img.png": Buffer.from([137, 80, 78, 71, 0, 0, 1]) });
    const result = await runTool(applyPatchTool, { patch: "--- a/img.png\n+++ b/img.png\n@@\n-a\n+b\n" }, ctx);
    assert.equal(result.ok, false);
    assert.match(result.text, /binary/);
  });

  it("dry_run reports without writing; a headerless hunk uses the path argument", async () => {
    const patch = "@@\n def slug(s) {\n-  return s.toLowerCase().replace(/[^a-z0-9]+/g, \"-\");\n+  return s.trim().toLowerCase().replace(/[^a-z0-9]+/g, \"-\");\n }\n";
    const dry = await apply(only(BEFORE, "lib/util.js"), patch, { path: "lib/util.js", dry_run: true });
    assert.equal(dry.result.ok, true, dry.result.text);
    assert.match(dry.result.text, /would apply/);
    assert.deepEqual(dry.tree, only(BEFORE, "lib/util.js"));
    const real = await apply(only(BEFORE, "lib/util.js"), patch, { path: "lib/util.js" });
    assert.equal(real.result.ok, true, real.result.text);
    assert.match(real.tree["lib/util.js"]!, /s\.trim\(\)\.toLowerCase/);
  });
});

// The user (or a formatter, or git) writes a file after apply_patch read it to plan the
// patch and before the patch is written: the patch was applied to the old text, so writing
// it would undo theirs.
describe("apply_patch on a file that changes while the patch is planned", () => {
  it("writes nothing and says the file changed", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "one\ntwo\nthree\n" });
    const theirs = "one\ntwo\nthree\nfour (the user's)\n";
    const read = ctx.workspace.read.bind(ctx.workspace);
    let reads = 0;
    const workspace = Object.assign(Object.create(Object.getPrototypeOf(ctx.workspace)), ctx.workspace, {
      read: async (path: string) => {
        const bytes = await read(path);
        // Reads 1-2: the plan runTool's `targets` makes (for the checkpoint); read 3: execute's own plan reads the file.
        if (++reads === 3) writeFileSync(join(root, "a.txt"), theirs);
        return bytes;
      },
    });
    const patch = "--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n";
    const result = await runTool(applyPatchTool, { patch }, { ...ctx, workspace });
    assert.equal(!result.ok && result.code, "stale-file", result.text);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), theirs);
  });
});

// What apply_patch wrote is what the model knows the file holds, as after edit_file: write_file
// may replace it next (eec7f50 gave every run the map; a patch took the file out of it, so a
// file the model had read, patched or only dry-run was refused as "you have not read it").
describe("apply_patch and write_file's read-first check", () => {
  const patch = "--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n";

  it("a dry run leaves what the model read as it was", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "one\ntwo\nthree\n" });
    await runTool(readFileTool, { path: "a.txt" }, ctx);
    const dry = await runTool(applyPatchTool, { patch, dry_run: true }, ctx);
    assert.equal(dry.ok, true, dry.text);
    const written = await runTool(writeFileTool, { path: "a.txt", content: "new\n" }, ctx);
    assert.equal(written.ok, true, written.text);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "new\n");
  });

  it("a file it patched, made or renamed may be replaced next, unless it changes after", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "one\ntwo\nthree\n", "b.txt": "bee\n" });
    await runTool(readFileTool, { path: "a.txt" }, ctx);
    await runTool(readFileTool, { path: "b.txt" }, ctx);
    const more = "--- /dev/null\n+++ b/made.txt\n@@ -0,0 +1 @@\n+made\n" + "diff --git a/b.txt b/c.txt\nsimilarity index 100%\nrename from b.txt\nrename to c.txt\n";
    const applied = await runTool(applyPatchTool, { patch: patch + more }, ctx);
    assert.equal(applied.ok, true, applied.text);
    for (const path of ["a.txt", "made.txt", "c.txt"]) {
      const written = await runTool(writeFileTool, { path, content: `replaced ${path}\n` }, ctx);
      assert.equal(written.ok, true, `${path}: ${written.text}`);
      assert.equal(readFileSync(join(root, path), "utf8"), `replaced ${path}\n`);
    }
    await runTool(applyPatchTool, { patch: "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-replaced a.txt\n+patched\n" }, ctx);
    writeFileSync(join(root, "a.txt"), "the user's\n");
    const stale = await runTool(writeFileTool, { path: "a.txt", content: "mine\n" }, ctx);
    assert.equal(!stale.ok && stale.code, "stale-file", stale.text);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "the user's\n");
  });

  it("a file renamed with hunks after the user changed it is not taken as seen whole (mends dc69601)", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "one\ntwo\nthree\n" });
    await runTool(readFileTool, { path: "a.txt" }, ctx);
    writeFileSync(join(root, "a.txt"), "one\ntwo\nthree\nthe user's line\n");
    const move = "diff --git a/a.txt b/b.txt\nsimilarity index 80%\nrename from a.txt\nrename to b.txt\n--- a/a.txt\n+++ b/b.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n";
    const applied = await runTool(applyPatchTool, { patch: move }, ctx);
    assert.equal(applied.ok, true, applied.text);
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), "one\nTWO\nthree\nthe user's line\n");
    const blind = await runTool(writeFileTool, { path: "b.txt", content: "one\nTWO\nthree\nfour\n" }, ctx);
    assert.equal(!blind.ok && blind.code, "stale-file", blind.text);
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), "one\nTWO\nthree\nthe user's line\n");
    // Unchanged since its read, the renamed file is known whole.
    writeFileSync(join(root, "c.txt"), "one\ntwo\nthree\n");
    await runTool(readFileTool, { path: "c.txt" }, ctx);
    assert.equal((await runTool(applyPatchTool, { patch: move.replace(/a\.txt/g, "c.txt").replace(/b\.txt/g, "d.txt") }, ctx)).ok, true);
    const known = await runTool(writeFileTool, { path: "d.txt", content: "mine\n" }, ctx);
    assert.equal(known.ok, true, known.text);
  });

  // git writes a deleted file's lines as a hunk: `deleted file mode` alone names none of them,
  // so it deletes only what write_file would replace (read, unchanged since), or an empty file.
  it("a delete with no hunks takes only a file the model read and that has not changed since", async () => {
    const { root, ctx } = workspaceWith({ "keep.txt": "the user's work\n", "read.txt": "seen\n", "empty.txt": "" });
    const del = (path: string) => `diff --git a/${path} b/${path}\ndeleted file mode 100644\nindex 0123456..0000000\n`;
    for (const dry_run of [true, false]) {
      const unread = await runTool(applyPatchTool, { patch: del("keep.txt"), dry_run }, ctx);
      assert.equal(!unread.ok && unread.code, "stale-file", unread.text);
      assert.match(unread.text, /keep\.txt.*have not read it/);
    }
    await runTool(readFileTool, { path: "keep.txt" }, ctx);
    writeFileSync(join(root, "keep.txt"), "the user's work, and more\n");
    const changed = await runTool(applyPatchTool, { patch: del("keep.txt") }, ctx);
    assert.equal(!changed.ok && changed.code, "stale-file", changed.text);
    assert.equal(readFileSync(join(root, "keep.txt"), "utf8"), "the user's work, and more\n");
    await runTool(readFileTool, { path: "read.txt" }, ctx);
    const deleted = await runTool(applyPatchTool, { patch: del("read.txt") + del("empty.txt") }, ctx);
    assert.equal(deleted.ok, true, deleted.text);
    assert.equal(existsSync(join(root, "read.txt")) || existsSync(join(root, "empty.txt")), false);
  });

  // As write_file (1f45acb): a file seen only in part would lose the lines the model never saw.
  it("a delete with no hunks refuses a file the model saw only part of (mends 1f45acb)", async () => {
    const text = "one\ntwo\nthree\nfour\nfive\n";
    const { root, ctx } = workspaceWith({ "big.txt": text });
    const del = "diff --git a/big.txt b/big.txt\ndeleted file mode 100644\nindex 0123456..0000000\n";
    await runTool(readFileTool, { path: "big.txt", end_line: 2 }, ctx);
    const part = await runTool(applyPatchTool, { patch: del }, ctx);
    assert.equal(!part.ok && part.code, "stale-file", part.text);
    assert.match(part.text, /you have not seen lines 3-5 of 5/);
    assert.equal(readFileSync(join(root, "big.txt"), "utf8"), text);
    await runTool(readFileTool, { path: "big.txt", start_line: 3 }, ctx);
    const whole = await runTool(applyPatchTool, { patch: del }, ctx);
    assert.equal(whole.ok, true, whole.text);
    assert.equal(existsSync(join(root, "big.txt")), false);
  });
});
