// Writes on a disk that ignores letter case (macOS's APFS, Windows' NTFS): lstat("Foo.ts")
// answers for foo.ts there, so a path the model wrote in another case is kept as written, and
// a write by rename must not give the file that name (an import of "./foo" breaks on Linux CI).
// A real such disk: test/fixtures/folding-disk.ts (a FUSE mount; skipped, saying why, where
// FUSE or python3-fusepy is missing).
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { foldingDisk } from "../../fixtures/folding-disk.ts";

describe("writes on a disk that ignores letter case", () => {
  it("replace an existing file under its own name, though the path names it in another case", async (t) => {
    const root = await foldingDisk(t);
    if (root === undefined) return;
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "foo.ts"), "export const foo = 1;\n");
    writeFileSync(join(root, "README.md"), "# one\n");
    const ws = new DiskWorkspace(root);
    await ws.write("src/Foo.ts", Buffer.from("export const foo = 2;\n"));
    await ws.apply([{ kind: "write", path: "readme.MD", content: Buffer.from("# two\n") }]);
    assert.deepEqual(readdirSync(join(root, "src")), ["foo.ts"], "the file keeps its name");
    assert.equal(readFileSync(join(root, "src", "foo.ts"), "utf8"), "export const foo = 2;\n");
    assert.deepEqual(readdirSync(root).sort(), ["README.md", "src"]);
    assert.equal(readFileSync(join(root, "README.md"), "utf8"), "# two\n");
  });

  it("rename a file to its own name in another case (the one rename such a disk takes for the same file)", async (t) => {
    const root = await foldingDisk(t);
    if (root === undefined) return;
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "foo.ts"), "export const foo = 1;\n");
    const ws = new DiskWorkspace(root);
    await ws.rename("src/foo.ts", "src/Foo.ts");
    assert.deepEqual(readdirSync(join(root, "src")), ["Foo.ts"]);
    await ws.apply([{ kind: "rename", from: "src/Foo.ts", to: "src/FOO.ts", content: Buffer.from("export const foo = 2;\n") }]);
    assert.deepEqual(readdirSync(join(root, "src")), ["FOO.ts"]);
    assert.equal(readFileSync(join(root, "src", "FOO.ts"), "utf8"), "export const foo = 2;\n");
  });

  it("apply_patch renames foo.ts to Foo.ts, the name the disk answers for foo.ts itself; a copy there is still refused", async (t) => {
    const root = await foldingDisk(t);
    if (root === undefined) return;
    writeFileSync(join(root, "foo.ts"), "export const foo = 1;\n");
    const ctx = { workspace: new DiskWorkspace(root), signal: new AbortController().signal };
    const copy = await runTool(applyPatchTool, { patch: "diff --git a/foo.ts b/Foo.ts\nsimilarity index 100%\ncopy from foo.ts\ncopy to Foo.ts\n" }, ctx);
    assert.equal(copy.ok, false);
    assert.match(copy.text, /FAILED copy foo\.ts -> Foo\.ts: "Foo\.ts" already exists/);
    const rename = await runTool(applyPatchTool, { patch: "diff --git a/foo.ts b/Foo.ts\nsimilarity index 100%\nrename from foo.ts\nrename to Foo.ts\n" }, ctx);
    assert.equal(rename.ok, true, rename.text);
    assert.deepEqual(readdirSync(root), ["Foo.ts"]);
    assert.equal(readFileSync(join(root, "Foo.ts"), "utf8"), "export const foo = 1;\n");
  });
});
