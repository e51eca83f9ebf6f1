// The patch `hearth fix` writes (a SWE-bench prediction, a file a reviewer applies) must
// make a clean copy of the starting tree equal to the agent's result under `git apply`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { MAX_CHECKPOINT_FILE_BYTES } from "../../../src/tools/limits.ts";

it("a patch from a checkpoint applies with git apply: binary files, files the repository marks -diff, names out of ASCII", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-cp-patch-"));
  const [root, copy] = [join(dir, "work"), join(dir, "copy")];
  try {
    mkdirSync(root);
    // package-lock.json -diff: common, to keep the lock file out of everyday diffs.
    writeFileSync(join(root, ".gitattributes"), "package-lock.json -diff\n*.dat binary\n");
    writeFileSync(join(root, "package-lock.json"), '{\n  "version": "1.0.0"\n}\n');
    writeFileSync(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2, 3]));
    writeFileSync(join(root, "table.dat"), "a,b\n");
    writeFileSync(join(root, "café.py"), "x = 1\n");
    cpSync(root, copy, { recursive: true });
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const start = await store.create("start");
    writeFileSync(join(root, "package-lock.json"), '{\n  "version": "1.0.1"\n}\n');
    writeFileSync(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 9, 9, 9, 9]));
    writeFileSync(join(root, "table.dat"), "a,b\n1,2\n");
    writeFileSync(join(root, "café.py"), "x = 2\n");
    writeFileSync(join(root, "new.bin"), Buffer.from([0, 1, 2, 0xff]));

    const patch = await store.diff(start.id, undefined, [], { patch: true });
    execFileSync("git", ["apply", "--check", "-"], { cwd: copy, input: patch });
    execFileSync("git", ["apply", "-"], { cwd: copy, input: patch });
    for (const name of ["package-lock.json", "logo.png", "table.dat", "café.py", "new.bin"]) {
      assert.deepEqual(readFileSync(join(copy, name)), readFileSync(join(root, name)), name);
    }
    // The review's diff still reads as text where the file is text.
    assert.match(await store.diff(start.id), /^-  "version": "1\.0\.0"$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("a file a command grows past the size limit is not a deletion: the diff, its files and the patch take it as it was", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-cp-grown-"));
  const [root, copy] = [join(dir, "work"), join(dir, "copy")];
  try {
    mkdirSync(root);
    writeFileSync(join(root, "data.csv"), "a,b\n");
    writeFileSync(join(root, "a.txt"), "a\n");
    cpSync(root, copy, { recursive: true });
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const start = await store.create("start");
    // A command regenerates the data: over the limit now, so checkpoints leave it out.
    truncateSync(join(root, "data.csv"), MAX_CHECKPOINT_FILE_BYTES + 1);
    writeFileSync(join(root, "a.txt"), "b\n");
    // Changed, not deleted: listed (a restore brings it back), and no diff deletes it.
    assert.deepEqual(await store.changedFiles(start.id), ["a.txt", "data.csv"]);
    const patch = await store.diff(start.id, undefined, [], { patch: true });
    assert.doesNotMatch(patch, /data\.csv/);
    execFileSync("git", ["apply", "-"], { cwd: copy, input: patch });
    assert.equal(readFileSync(join(copy, "data.csv"), "utf8"), "a,b\n");
    assert.equal(readFileSync(join(copy, "a.txt"), "utf8"), "b\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("a diff with a storedForm shows each changed file, ignored ones the agent wrote too, in that form, while the checkpoints keep the bytes on disk", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-cp-stored-"));
  const root = join(dir, "work");
  try {
    mkdirSync(root);
    writeFileSync(join(root, ".gitignore"), "local.cfg\n");
    writeFileSync(join(root, "calc.py"), "a = 1\r\nb = 2\r\n");
    writeFileSync(join(root, "gone.py"), "x\r\n");
    writeFileSync(join(root, "same.py"), "kept\r\n");
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const start = await store.create("start");
    const seen: string[] = [];
    const storedForm = async (files: readonly { path: string; bytes: Buffer }[]) => {
      seen.push(...files.map((f) => f.path));
      return files.map((f) => Buffer.from(f.bytes.toString("latin1").replace(/\r\n/g, "\n"), "latin1"));
    };
    await store.create("before writing local.cfg", ["local.cfg"]);
    writeFileSync(join(root, "local.cfg"), "debug = true\r\n");
    writeFileSync(join(root, "calc.py"), "a = 1\r\nb = 3\r\n");
    writeFileSync(join(root, "new.py"), "y\r\n");
    rmSync(join(root, "gone.py"));

    const patch = await store.diff(start.id, undefined, [], { patch: true, storedForm });
    assert.doesNotMatch(patch, /\r/);
    assert.match(patch, /^-b = 2\n\+b = 3\n/m);
    assert.match(patch, /^\+debug = true\n/m);
    assert.match(patch, /^-x\n/m);
    assert.match(patch, /^\+y\n/m);
    // Only what changed is asked about; unchanged files are no part of the patch.
    assert.deepEqual([...new Set(seen)].sort(), ["calc.py", "gone.py", "local.cfg", "new.py"]);
    // The throwaway index and the files the converted blobs were written from are gone.
    assert.deepEqual(readdirSync(join(dir, "state"), { recursive: true }).map(String).filter((name) => /hearth-extras\.index/.test(name)), []);
    // Without one, and in the checkpoints themselves: the bytes on disk.
    assert.match(await store.diff(start.id, undefined, [], { patch: true }), /^\+b = 3\r$/m);
    assert.deepEqual(Buffer.from((await store.fileAt(start.id, "calc.py"))!), Buffer.from("a = 1\r\nb = 2\r\n"));
    await store.restore(start.id);
    assert.equal(readFileSync(join(root, "calc.py"), "latin1"), "a = 1\r\nb = 2\r\n");
    assert.equal(readFileSync(join(root, "gone.py"), "latin1"), "x\r\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
