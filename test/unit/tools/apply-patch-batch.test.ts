/**
 * apply_patch's batch as it reaches the disk: the order of its changes must let every change
 * the plan accepted be made, and a patch refused anywhere leaves every file as it was.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

const DELETE_Y = "diff --git a/y.txt b/y.txt\ndeleted file mode 100644\n--- a/y.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-y1\n-y2\n";
const RENAME_X_TO_Y = "diff --git a/x.txt b/y.txt\nsimilarity index 100%\nrename from x.txt\nrename to y.txt\n";

describe("apply_patch: a file deleted and another renamed to its name", () => {
  it("applies, as git apply does: the delete is made before the rename, not refused at the rename after the plan said yes", async () => {
    const { root, ctx } = workspaceWith({ "x.txt": "x1\nx2\n", "y.txt": "y1\ny2\n" });
    const result = await runTool(applyPatchTool, { patch: DELETE_Y + RENAME_X_TO_Y }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(existsSync(join(root, "x.txt")), false);
    assert.equal(readFileSync(join(root, "y.txt"), "utf8"), "x1\nx2\n");
  });

  it("the other order (renamed onto, then deleted: the delete's lines are not the file's) is still refused with nothing written", async () => {
    const { root, ctx } = workspaceWith({ "x.txt": "x1\nx2\n", "y.txt": "y1\ny2\n" });
    const result = await runTool(applyPatchTool, { patch: RENAME_X_TO_Y + DELETE_Y }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.equal(readFileSync(join(root, "x.txt"), "utf8"), "x1\nx2\n");
    assert.equal(readFileSync(join(root, "y.txt"), "utf8"), "y1\ny2\n");
  });
});

describe("apply_patch: a file the patch creates and deletes again", () => {
  it("applies as nothing to do for it, not refused at the write because the file to delete was never on disk", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "a\n" });
    const create = "--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+n\n";
    const remove = "diff --git a/n.txt b/n.txt\ndeleted file mode 100644\n--- a/n.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-n\n";
    const result = await runTool(applyPatchTool, { patch: create + remove }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(existsSync(join(root, "n.txt")), false);
  });
});

describe("apply_patch: three files, the third refused", () => {
  const THREE = "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-a1\n+A1\n a2\n--- a/b.txt\n+++ b/b.txt\n@@ -1,2 +1,2 @@\n-b1\n+B1\n b2\n--- a/c.txt\n+++ b/c.txt\n@@ -1,2 +1,2 @@\n-c1\n+C1\n c2\n";
  const FILES = { "a.txt": "a1\na2\n", "b.txt": "b1\nb2\n", "c.txt": "c1\nc2\n" };
  const untouched = (root: string) => {
    for (const [path, text] of Object.entries(FILES)) assert.equal(readFileSync(join(root, path), "utf8"), text, path);
  };

  it("a hunk of the third that does not match: the first two are not written either", async () => {
    const { root, ctx } = workspaceWith(FILES);
    const result = await runTool(applyPatchTool, { patch: THREE.replace("-c1\n+C1", "-cX\n+C1") }, ctx);
    assert.equal(result.ok, false, result.text);
    untouched(root);
  });

  it("a read-only third file (mode 0444): refused by name, the first two are not written either", async () => {
    const { root, ctx } = workspaceWith(FILES);
    chmodSync(join(root, "c.txt"), 0o444);
    const result = await runTool(applyPatchTool, { patch: THREE }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /"c\.txt" is read-only/);
    untouched(root);
    assert.equal(statSync(join(root, "c.txt")).mode & 0o777, 0o444);
  });

  it("...and a dry run of it says so too, not 'would apply' (a model then sends it for real and is refused)", async () => {
    const { root, ctx } = workspaceWith(FILES);
    chmodSync(join(root, "c.txt"), 0o444);
    const result = await runTool(applyPatchTool, { patch: THREE, dry_run: true }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /"c\.txt" is read-only/);
    untouched(root);
  });
});

describe("apply_patch: a git section with no hunks, followed by `---`/`+++` lines of another file and no `diff --git` line", () => {
  const RENAME = "diff --git a/old.txt b/new.txt\nsimilarity index 100%\nrename from old.txt\nrename to new.txt\n";
  const MODIFY = "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-a1\n+A1\n a2\n";

  it("both are made: the rename is not dropped in silence with the patch reported applied", async () => {
    const { root, ctx } = workspaceWith({ "old.txt": "o\n", "a.txt": "a1\na2\n" });
    const result = await runTool(applyPatchTool, { patch: RENAME + MODIFY }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /rename old\.txt -> new\.txt/);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "A1\na2\n");
    assert.equal(existsSync(join(root, "old.txt")), false);
    assert.equal(readFileSync(join(root, "new.txt"), "utf8"), "o\n");
  });

  it("a rename followed by the old name's own ---/+++ lines: both sections kept (the rename then the change to a file it moved away is refused), not the rename dropped", async () => {
    const { root, ctx } = workspaceWith({ "old.txt": "o\n" });
    const result = await runTool(applyPatchTool, { patch: RENAME + "--- a/old.txt\n+++ b/old.txt\n@@ -1 +1 @@\n-o\n+O\n" }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.match(result.text, /"old\.txt" was deleted or renamed earlier in this patch/);
    assert.equal(readFileSync(join(root, "old.txt"), "utf8"), "o\n");
  });

  it("a new empty file's section followed by another file's lines is refused, nothing written (not the empty file dropped in silence)", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "a1\na2\n" });
    const empty = "diff --git a/empty.txt b/empty.txt\nnew file mode 100644\nindex 0000000..e69de29\n";
    const result = await runTool(applyPatchTool, { patch: empty + MODIFY }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.equal(existsSync(join(root, "empty.txt")), false);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "a1\na2\n");
  });

  it("a diff --git line the ---/+++ lines contradict (no rename, no mode): the ---/+++ lines are taken, as before", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "a1\na2\n" });
    const result = await runTool(applyPatchTool, { patch: "diff --git a/x b/x\n" + MODIFY }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "A1\na2\n");
  });
});

describe("apply_patch: a file name holding a control character", () => {
  it("is made as named, and the report shows the name quoted: a newline in it does not read as a line of the report", async () => {
    const { root, ctx } = workspaceWith({});
    const patch = `diff --git "a/x\\ny.txt" "b/x\\ny.txt"\nnew file mode 100644\n--- /dev/null\n+++ "b/x\\ny.txt"\n@@ -0,0 +1 @@\n+hi\n`;
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "x\ny.txt"), "utf8"), "hi\n");
    assert.deepEqual(result.text.split("\n").slice(0, 2), ["Patch applied: 1 file(s).", 'ok     create "x\\ny.txt"']);
  });

  it("a refusal naming it (the file is already there) stays on its report line too: the reason's newline is escaped", async () => {
    const { root, ctx } = workspaceWith({ "x\ny.txt": "old\n" });
    const patch = `diff --git "a/x\\ny.txt" "b/x\\ny.txt"\nnew file mode 100644\n--- /dev/null\n+++ "b/x\\ny.txt"\n@@ -0,0 +1 @@\n+hi\n`;
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.equal(readFileSync(join(root, "x\ny.txt"), "utf8"), "old\n");
    assert.equal(result.text.split("\n")[1], 'FAILED create "x\\ny.txt": the patch creates "x\\u000ay.txt", but it already exists');
  });
});
