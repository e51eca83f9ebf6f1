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
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
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
});
