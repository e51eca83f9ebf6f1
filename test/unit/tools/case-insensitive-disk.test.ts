// Writes on a disk that ignores letter case (macOS's APFS, Windows' NTFS): lstat("Foo.ts")
// answers for foo.ts there, so a path the model wrote in another case is kept as written, and
// a write by rename must not give the file that name (an import of "./foo" breaks on Linux CI).
// This machine's disks hold case, and its kernel mounts no case-folding one: the seam is
// node:fs's own lstat, made to answer as such a disk does (syncBuiltinESMExports hands the
// change to the modules' named imports); readdir, rename and the rest are the disk's own.
import assert from "node:assert/strict";
import fs, { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { basename, dirname, join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { tempDir } from "./helpers/setup.ts";

/**
 * node:fs's lstat and stat (`calls`), answering for a name not on disk for the one entry of
 * its folder that differs from it only in letter case.
 */
function caseFolding(t: TestContext, calls: readonly ("lstat" | "stat")[] = ["lstat"]): void {
  for (const key of calls) {
    const real = fs.promises[key] as (path: fs.PathLike, ...rest: unknown[]) => Promise<fs.Stats>;
    const folding = async (path: fs.PathLike, ...rest: unknown[]): Promise<fs.Stats> => {
      try {
        return await real(path, ...rest);
      } catch (error) {
        const name = basename(String(path)).toLowerCase();
        let names: string[] = [];
        try {
          names = readdirSync(dirname(String(path)));
        } catch {
          throw error;
        }
        const same = names.find((entry) => entry.toLowerCase() === name);
        if (same === undefined) throw error;
        return real(join(dirname(String(path)), same), ...rest);
      }
    };
    Object.assign(fs.promises, { [key]: folding });
    t.after(() => {
      Object.assign(fs.promises, { [key]: real });
      syncBuiltinESMExports();
    });
  }
  syncBuiltinESMExports();
}

describe("writes on a disk that ignores letter case", () => {
  it("replace an existing file under its own name, though the path names it in another case", async (t) => {
    const root = tempDir();
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "foo.ts"), "export const foo = 1;\n");
    writeFileSync(join(root, "README.md"), "# one\n");
    caseFolding(t);
    const ws = new DiskWorkspace(root);
    await ws.write("src/Foo.ts", Buffer.from("export const foo = 2;\n"));
    await ws.apply([{ kind: "write", path: "readme.MD", content: Buffer.from("# two\n") }]);
    assert.deepEqual(readdirSync(join(root, "src")), ["foo.ts"], "the file keeps its name");
    assert.equal(readFileSync(join(root, "src", "foo.ts"), "utf8"), "export const foo = 2;\n");
    assert.deepEqual(readdirSync(root).sort(), ["README.md", "src"]);
    assert.equal(readFileSync(join(root, "README.md"), "utf8"), "# two\n");
  });

  it("rename a file to its own name in another case (the one rename such a disk takes for the same file)", async (t) => {
    const root = tempDir();
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "foo.ts"), "export const foo = 1;\n");
    caseFolding(t);
    const ws = new DiskWorkspace(root);
    await ws.rename("src/foo.ts", "src/Foo.ts");
    assert.deepEqual(readdirSync(join(root, "src")), ["Foo.ts"]);
    await ws.apply([{ kind: "rename", from: "src/Foo.ts", to: "src/FOO.ts", content: Buffer.from("export const foo = 2;\n") }]);
    assert.deepEqual(readdirSync(join(root, "src")), ["FOO.ts"]);
    assert.equal(readFileSync(join(root, "src", "FOO.ts"), "utf8"), "export const foo = 2;\n");
  });

  it("apply_patch renames foo.ts to Foo.ts, the name the disk answers for foo.ts itself; a copy there is still refused", async (t) => {
    const root = tempDir();
    writeFileSync(join(root, "foo.ts"), "export const foo = 1;\n");
    caseFolding(t, ["lstat", "stat"]);
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
