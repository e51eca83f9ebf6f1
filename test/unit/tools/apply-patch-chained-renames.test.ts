/**
 * apply_patch with renames that pass a file on: a → tmp → b, a swap through a temporary name,
 * a file renamed and then deleted, or made and then renamed. The plan reads the patch's
 * sections in order; the batch written must leave the files as the plan said.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { planPatch } from "../../../src/tools/patch/plan.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

const rename = (from: string, to: string) => `diff --git a/${from} b/${to}\nsimilarity index 100%\nrename from ${from}\nrename to ${to}\n`;

describe("apply_patch: renames that pass a file on", () => {
  it("a swap through a temporary name (a -> tmp, b -> a, tmp -> b) swaps the files, modes and all, and leaves no tmp", async () => {
    const { root, ctx } = workspaceWith({ "a.sh": "A\n", "b.sh": "B\n" });
    chmodSync(join(root, "a.sh"), 0o755);
    const result = await runTool(applyPatchTool, { patch: rename("a.sh", "tmp") + rename("b.sh", "a.sh") + rename("tmp", "b.sh") }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "a.sh"), "utf8"), "B\n");
    assert.equal(readFileSync(join(root, "b.sh"), "utf8"), "A\n");
    assert.equal(statSync(join(root, "b.sh")).mode & 0o777, 0o755, "a.sh's file, now b.sh, is still executable");
    assert.equal(statSync(join(root, "a.sh")).mode & 0o111, 0, "b.sh's file, now a.sh, is still not executable");
    assert.deepEqual(readdirSync(root).sort(), ["a.sh", "b.sh"]);
  });

  it("a chain (a -> b, then b -> c) moves a to c", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "A\n" });
    const result = await runTool(applyPatchTool, { patch: rename("a.txt", "b.txt") + rename("b.txt", "c.txt") }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(readdirSync(root), ["c.txt"]);
    assert.equal(readFileSync(join(root, "c.txt"), "utf8"), "A\n");
  });

  it("a file renamed and then deleted under its new name is gone, not left under its old name", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "A\n", "keep.txt": "k\n" });
    const remove = "diff --git a/b.txt b/b.txt\ndeleted file mode 100644\n--- a/b.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-A\n";
    const result = await runTool(applyPatchTool, { patch: rename("a.txt", "b.txt") + remove }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(readdirSync(root), ["keep.txt"]);
  });

  it("a file the patch makes and then renames is made under its new name", async () => {
    const { root, ctx } = workspaceWith({ "keep.txt": "k\n" });
    const create = "diff --git a/n.txt b/n.txt\nnew file mode 100644\n--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+n\n";
    const result = await runTool(applyPatchTool, { patch: create + rename("n.txt", "m.txt") }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(readdirSync(root).sort(), ["keep.txt", "m.txt"]);
    assert.equal(readFileSync(join(root, "m.txt"), "utf8"), "n\n");
  });

  it("a file renamed away and made again under its old name, as it was, is there under both names", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "A\n" });
    const create = "diff --git a/a.txt b/a.txt\nnew file mode 100644\n--- /dev/null\n+++ b/a.txt\n@@ -0,0 +1 @@\n+A\n";
    const result = await runTool(applyPatchTool, { patch: rename("a.txt", "b.txt") + create }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "A\n");
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), "A\n");
  });

  it("a swap's batch reads every rename's new text from a file already there (the editor's workspace replaces the moved file's current text)", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "A\n", "b.txt": "B\n" });
    const plan = await planPatch(ctx.workspace, rename("a.txt", "tmp") + rename("b.txt", "a.txt") + rename("tmp", "b.txt"));
    assert.equal(plan.ok, true);
    const renames = plan.changes.filter((c) => c.kind === "rename");
    assert.equal(renames.length, 3, JSON.stringify(plan.changes));
    for (const change of renames) if (change.content) assert.equal(existsSync(join(root, change.from)), true, `${change.from} -> ${change.to} carries the new text`);
  });

  it("a swap refused at its last write (a read-only file) leaves both files as they were", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "A\n", "b.txt": "B\n", "ro.txt": "r\n" });
    chmodSync(join(root, "ro.txt"), 0o444);
    const edit = "--- a/ro.txt\n+++ b/ro.txt\n@@ -1 +1 @@\n-r\n+R\n";
    const result = await runTool(applyPatchTool, { patch: rename("a.txt", "tmp") + rename("b.txt", "a.txt") + rename("tmp", "b.txt") + edit }, ctx);
    assert.equal(result.ok, false, result.text);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "A\n");
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), "B\n");
    assert.deepEqual(readdirSync(root).sort(), ["a.txt", "b.txt", "ro.txt"]);
  });
});

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
