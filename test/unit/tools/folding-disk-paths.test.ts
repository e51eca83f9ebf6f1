// The model's paths on a real disk that ignores letter case and Unicode normalization (as macOS
// and Windows disks do: test/fixtures/folding-disk.ts, a FUSE mount; skipped where FUSE is not
// there). lstat("Src/Foo.ts") answers for src/foo.ts on such a disk, so the tools must still
// take the file by the name its folder lists, as they do on Linux (model-path-shapes.test.ts).
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { runTool, toolByName } from "../../../src/tools/index.ts";
import type { ToolContext } from "../../../src/tools/tool.ts";
import { foldingDisk } from "../../fixtures/folding-disk.ts";

const call = (ctx: ToolContext, tool: string, input: Record<string, string>) => runTool(toolByName(tool)!, input, ctx);
const context = (root: string): ToolContext => ({ workspace: new DiskWorkspace(root), signal: new AbortController().signal, reads: new Map() });

describe("the model's paths on a disk that ignores letter case", () => {
  it("reads and edits the file a path in another case names, under the name its folder lists", async (t) => {
    const root = await foldingDisk(t);
    if (root === undefined) return;
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "utils.ts"), "export const a = 1;\n");
    const ctx = context(root);
    const read = await call(ctx, "read_file", { path: "Src/Utils.ts" });
    assert.equal(read.text, '1| export const a = 1;\n["Src/Utils.ts" is not a path on disk as written; it was taken as "src/utils.ts"]');
    const edit = await call(ctx, "edit_file", { path: "SRC/Utils.ts", old_text: "a = 1", new_text: "a = 2" });
    assert.equal(edit.ok, true, edit.text);
    assert.equal((edit.data as { path: string }).path, "src/utils.ts");
    assert.match(edit.text, /it was taken as "src\/utils\.ts"/);
    assert.deepEqual(readdirSync(join(root, "src")), ["utils.ts"]);
    assert.equal(readFileSync(join(root, "src", "utils.ts"), "utf8"), "export const a = 2;\n");
  });

  it("write_file refuses to replace a file through its name in another case, as on Linux", async (t) => {
    const root = await foldingDisk(t);
    if (root === undefined) return;
    writeFileSync(join(root, "utils.ts"), "one\n");
    const ctx = context(root);
    assert.equal((await call(ctx, "read_file", { path: "utils.ts" })).ok, true);
    const write = await call(ctx, "write_file", { path: "Utils.ts", content: "two\n" });
    assert.match(write.text, /^Error \(ambiguous-match\): "Utils\.ts" is not on disk as written; "utils\.ts" is, its name differing only in letter case\./);
    assert.deepEqual(readdirSync(root), ["utils.ts"]);
    assert.equal(readFileSync(join(root, "utils.ts"), "utf8"), "one\n");
    assert.equal((await call(ctx, "write_file", { path: "utils.ts", content: "two\n" })).ok, true);
    assert.equal(readFileSync(join(root, "utils.ts"), "utf8"), "two\n");
  });

  it("takes a composed name for the decomposed file on disk by the name its folder lists", async (t) => {
    const root = await foldingDisk(t);
    if (root === undefined) return;
    const decomposed = "cafe\u0301.py";
    writeFileSync(join(root, decomposed), "x = 1\n");
    const ctx = context(root);
    const edit = await call(ctx, "edit_file", { path: "caf\u00e9.py", old_text: "x = 1", new_text: "x = 2" });
    assert.equal(edit.ok, true, edit.text);
    assert.equal((edit.data as { path: string }).path, decomposed);
    assert.deepEqual(readdirSync(root), [decomposed]);
  });
});
