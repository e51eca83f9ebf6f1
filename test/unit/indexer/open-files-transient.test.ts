// A full table of open files (EMFILE: a low ulimit -n, a container's --ulimit nofile; ENFILE:
// the system's) is a moment's state, never the file's. Before: a watcher's update whose open
// found it full took the file for "gone" and dropped a live file from the index; an ignore file
// whose open found it full was taken for none, so its rules were not applied and what it ignores
// (build output, vendored code, secrets) was indexed; a build's parse that found it full dropped
// the file's record. A real EMFILE is hard to make in one process without starving the test
// runner itself, so the failure is injected at the file call (node's open, through the
// parameter the readers take, or node:fs's openSync for the parse's synchronous read).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs, { mkdirSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { RepoIndex } from "../../../src/indexer/index.ts";
import { readRegularFileAsync } from "../../../src/indexer/indexed-file.ts";
import { scanRepository } from "../../../src/indexer/scan.ts";
import { nodeScanFs, readIgnoreFile, type ScanFs } from "../../../src/indexer/scan-fs.ts";
import { DEFAULT_LIMITS } from "../../../src/indexer/index.ts";
import { QUERIES_DIR, tempDir } from "./helpers/setup.ts";

const ADVICE = "EMFILE: too many files open at once for this process's limit (ulimit -n): raise it (ulimit -n 4096) and index again";

function emfile(path: unknown): NodeJS.ErrnoException {
  return Object.assign(new Error(`EMFILE: too many open files, open '${String(path)}'`), { errno: -24, code: "EMFILE", syscall: "open", path: String(path) });
}

/** Node's file calls, but an open of a path `full(path)` names fails as node's does when the process's table is full. */
function tableFullFor(full: (abs: string) => boolean): ScanFs {
  const openCb = ((path: fs.PathLike, flags: fs.OpenMode, done: (err: NodeJS.ErrnoException | null, fd: number) => void) => {
    if (full(String(path))) setImmediate(() => done(emfile(path), -1));
    else fs.open(path, flags, done);
  }) as typeof fs.open;
  const openPromise = (async (path: fs.PathLike, flags?: string | number) => {
    if (full(String(path))) throw emfile(path);
    return open(path, flags);
  }) as typeof open;
  return {
    ...nodeScanFs,
    readFile: (abs, maxBytes) => readRegularFileAsync(abs, maxBytes, openCb),
    readIgnoreFile: (abs) => readIgnoreFile(abs, openPromise),
  };
}

const names = (index: RepoIndex, path: string) => index.files.get(path)?.definitions.map((d) => d.name);

describe("a full table of open files is no missing file", () => {
  it("a watcher's update keeps the file's record (and throws), and reads it once there is room", async () => {
    const { dir, cleanup } = tempDir();
    let full = false;
    const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, fs: tableFullFor((abs) => full && abs.endsWith("a.py")) });
    try {
      writeFileSync(join(dir, "a.py"), "def alpha():\n    pass\n");
      await index.build();
      assert.deepEqual(names(index, "a.py"), ["alpha"]);
      writeFileSync(join(dir, "a.py"), "def beta_():\n    pass\n");
      full = true;
      await assert.rejects(index.updateFile("a.py"), { code: "EMFILE" });
      assert.deepEqual(names(index, "a.py"), ["alpha"], "still indexed as it was");
      assert.equal(index.skipped.has("a.py"), false);
      full = false;
      assert.equal(await index.updateFile("a.py"), "parsed");
      assert.deepEqual(names(index, "a.py"), ["beta_"]);
    } finally {
      await index.close();
      cleanup();
    }
  });

  it("the scan does not walk a folder whose ignore file it could not open, and says why; the root's fails the scan", async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, "sub/gen"), { recursive: true });
      writeFileSync(join(dir, "keep.py"), "x = 1\n");
      writeFileSync(join(dir, "sub/.gitignore"), "gen/\n");
      writeFileSync(join(dir, "sub/gen/out.py"), "y = 2\n");
      const sub = await scanRepository(dir, { ...DEFAULT_LIMITS, fs: tableFullFor((abs) => abs.endsWith("sub/.gitignore")) });
      assert.deepEqual(sub.files.map((f) => f.path), ["keep.py"]);
      assert.deepEqual(sub.skipped.filter((s) => s.reason === "unreadable"), [{ path: "sub", reason: "unreadable", detail: ADVICE }]);
      writeFileSync(join(dir, ".gitignore"), "sub/\n");
      await assert.rejects(scanRepository(dir, { ...DEFAULT_LIMITS, fs: tableFullFor((abs) => abs === join(dir, ".gitignore")) }), { code: "EMFILE" });
    } finally {
      cleanup();
    }
  });

  it("a watcher's update of a file its folder's .gitignore ignores does not index it when that .gitignore cannot be opened", async () => {
    const { dir, cleanup } = tempDir();
    let full = false;
    const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, fs: tableFullFor((abs) => full && abs.endsWith("sub/.gitignore")) });
    try {
      mkdirSync(join(dir, "sub/gen"), { recursive: true });
      writeFileSync(join(dir, "sub/.gitignore"), "gen/\n");
      writeFileSync(join(dir, "sub/keep.py"), "x = 1\n");
      await index.build();
      writeFileSync(join(dir, "sub/gen/new.py"), "def secret_thing():\n    pass\n");
      full = true;
      // The .gitignore's own event empties the rules' cache: the next update reads them again.
      await index.updateFile("sub/.gitignore").catch(() => undefined);
      await assert.rejects(index.updateFile("sub/gen/new.py"), { code: "EMFILE" });
      assert.equal(index.files.has("sub/gen/new.py"), false, "not indexed without its folder's rules");
      full = false;
      assert.equal(await index.updateFile("sub/gen/new.py"), "skipped");
      assert.equal(index.files.has("sub/gen/new.py"), false);
      assert.deepEqual(names(index, "sub/keep.py"), ["x"]);
    } finally {
      await index.close();
      cleanup();
    }
  });

  it("a build whose parse cannot open a changed file keeps its record, and the next build reads it", async () => {
    const { dir, cleanup } = tempDir();
    const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false });
    const file = join(dir, "a.py");
    const realOpenSync = fs.openSync;
    try {
      writeFileSync(file, "def alpha():\n    pass\n");
      await index.build();
      writeFileSync(file, "def beta_longer():\n    pass\n");
      fs.openSync = ((path: fs.PathLike, ...rest: unknown[]) => {
        if (String(path) === file) throw emfile(path);
        return (realOpenSync as (...args: unknown[]) => number)(path, ...rest);
      }) as typeof fs.openSync;
      syncBuiltinESMExports();
      await index.build();
      fs.openSync = realOpenSync;
      syncBuiltinESMExports();
      assert.deepEqual(names(index, "a.py"), ["alpha"], "kept as it was");
      assert.equal(index.skipped.has("a.py"), false);
      await index.build();
      assert.deepEqual(names(index, "a.py"), ["beta_longer"]);
    } finally {
      fs.openSync = realOpenSync;
      syncBuiltinESMExports();
      await index.close();
      cleanup();
    }
  });

  it("a build that cannot list a folder for a full table keeps the files indexed under it, and says why", async () => {
    const { dir, cleanup } = tempDir();
    let full = false;
    const fs: ScanFs = {
      ...nodeScanFs,
      // What limitCalls throws once nothing in flight is left to wait on.
      readdir: async (abs) => {
        if (full && abs === join(dir, "sub")) throw Object.assign(emfile(abs), { syscall: "scandir" });
        return nodeScanFs.readdir(abs);
      },
    };
    const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, fs });
    try {
      mkdirSync(join(dir, "sub/deep"), { recursive: true });
      writeFileSync(join(dir, "sub/a.py"), "def alpha():\n    pass\n");
      writeFileSync(join(dir, "sub/deep/b.py"), "def beta_():\n    pass\n");
      writeFileSync(join(dir, "top.py"), "def top():\n    pass\n");
      await index.build();
      full = true;
      await index.build();
      assert.deepEqual([...index.files.keys()].sort(), ["sub/a.py", "sub/deep/b.py", "top.py"]);
      assert.deepEqual(names(index, "sub/deep/b.py"), ["beta_"]);
      assert.deepEqual([...index.skipped.values()], [{ path: "sub", reason: "unreadable", detail: ADVICE }]);
      full = false;
      await index.build();
      assert.deepEqual([...index.files.keys()].sort(), ["sub/a.py", "sub/deep/b.py", "top.py"]);
      assert.deepEqual([...index.skipped.values()], []);
    } finally {
      await index.close();
      cleanup();
    }
  });
});
