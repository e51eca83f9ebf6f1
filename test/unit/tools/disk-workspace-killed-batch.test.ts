/**
 * A batch of several files (a multi-file apply_patch, `hearth apply-patch`) whose process is
 * killed halfway (SIGKILL: the OOM killer, a closed terminal, a crash) must not leave the
 * tree half patched: every new content is written and flushed first, beside its file, then
 * the files are renamed over in one go under a journal; `finishCutOff` (hearth apply-patch, a
 * run's start: where it is said) finishes one cut off between its renames, and a later batch
 * never does — one that writes its files (an undo, a Reject) drops it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs, { readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { main } from "../../../src/cli/main.ts";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { tempDir, writeFiles } from "./helpers/setup.ts";

const CHILD = join(import.meta.dirname, "helpers", "killed-batch-child.ts");

/** Runs the batch a=A2, sub/b=B2, c=C2 in a child killed at the nth `call`; asserts it was killed. */
function killedBatch(root: string, call: "sync" | "rename", nth: number): void {
  const child = spawnSync(process.execPath, ["--import", "tsx", CHILD, root, call, String(nth), "a.txt=A2\n", "sub/b.txt=B2\n", "c.txt=C2\n"], { encoding: "utf8" });
  assert.equal(child.signal, "SIGKILL", `the child was not killed: ${child.stdout}${child.stderr}`);
}

const read = (root: string, path: string) => readFileSync(join(root, path), "utf8");
/** Every name in the tree, folders walked: no temporary file or journal is left. */
const names = (root: string): string[] => readdirSync(root, { recursive: true }).map(String).sort();

describe("DiskWorkspace: a batch killed halfway", () => {
  it("killed while it writes the second file's new content: the tree is as it was, and the next start removes the new contents written", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A1\n", "sub/b.txt": "B1\n", "c.txt": "C1\n" });
    // The flushes: the journal's first, a.txt's new content, sub/b.txt's (killed there).
    killedBatch(root, "sync", 3);
    assert.deepEqual([read(root, "a.txt"), read(root, "sub/b.txt"), read(root, "c.txt")], ["A1\n", "B1\n", "C1\n"]);
    assert.equal(await new DiskWorkspace(root).finishCutOff(), undefined, "nothing was replaced: nothing to say");
    assert.deepEqual([read(root, "a.txt"), read(root, "sub/b.txt"), read(root, "c.txt")], ["A1\n", "B1\n", "C1\n"]);
    assert.deepEqual(names(root), ["a.txt", "c.txt", "sub", "sub/b.txt"]);
  });

  it("killed between its renames: the next start finishes it, says so, and leaves nothing behind", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A1\n", "sub/b.txt": "B1\n", "c.txt": "C1\n" });
    killedBatch(root, "rename", 2);
    assert.equal(read(root, "a.txt"), "A2\n");
    assert.equal(read(root, "sub/b.txt"), "B1\n", "the kill came before the second rename");
    const said = await new DiskWorkspace(root).finishCutOff();
    assert.deepEqual([read(root, "a.txt"), read(root, "sub/b.txt"), read(root, "c.txt")], ["A2\n", "B2\n", "C2\n"]);
    assert.match(said ?? "", /cut off.*finished.*sub\/b\.txt, c\.txt/s);
    assert.deepEqual(names(root), ["a.txt", "c.txt", "sub", "sub/b.txt"]);
    assert.equal(await new DiskWorkspace(root).finishCutOff(), undefined, "finished once");
  });

  it("a later batch of other files leaves it alone (never finished unsaid): hearth apply-patch or a run's start finishes it", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A1\n", "sub/b.txt": "B1\n", "c.txt": "C1\n", "d.txt": "D1\n" });
    killedBatch(root, "rename", 2);
    const said: string[] = [];
    await new DiskWorkspace(root, { onCutOff: (words) => said.push(words) }).write("d.txt", Buffer.from("D2\n"));
    assert.deepEqual([read(root, "a.txt"), read(root, "sub/b.txt"), read(root, "c.txt"), read(root, "d.txt")], ["A2\n", "B1\n", "C1\n", "D2\n"]);
    assert.deepEqual(said, []);
    assert.match((await new DiskWorkspace(root).finishCutOff()) ?? "", /finished it: sub\/b\.txt, c\.txt/, "still there to finish");
  });

  it("an undo or Reject through a DiskWorkspace (a restore of the file it renamed) drops it, and says so: its other files keep their old content", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A1\n", "sub/b.txt": "B1\n", "c.txt": "C1\n" });
    killedBatch(root, "rename", 2);
    assert.equal(read(root, "a.txt"), "A2\n", "a.txt was renamed before the kill");
    const said: string[] = [];
    // checkpoint-restore.ts's write: the checkpoint's content, made from what the file holds now.
    await new DiskWorkspace(root, { onCutOff: (words) => said.push(words) }).apply([{ kind: "write", path: "a.txt", content: Buffer.from("A1\n"), expected: Buffer.from("A2\n") }]);
    assert.deepEqual([read(root, "a.txt"), read(root, "sub/b.txt"), read(root, "c.txt")], ["A1\n", "B1\n", "C1\n"]);
    assert.deepEqual(names(root), ["a.txt", "c.txt", "sub", "sub/b.txt"], "its staged contents and journal removed");
    assert.equal(said.length, 1);
    assert.match(said[0]!, /cut off halfway.*was dropped, not finished: this change wrote its files \(a\.txt\); its other files \(sub\/b\.txt, c\.txt\) keep the content they have, not written/);
    assert.equal(await new DiskWorkspace(root).finishCutOff(), undefined, "nothing left to finish");
  });

  it("a file the user changed after the kill keeps the user's content, and is named", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A1\n", "sub/b.txt": "B1\n", "c.txt": "C1\n" });
    killedBatch(root, "rename", 2);
    writeFileSync(join(root, "sub/b.txt"), "mine\n");
    const said = await new DiskWorkspace(root).finishCutOff();
    assert.deepEqual([read(root, "a.txt"), read(root, "sub/b.txt"), read(root, "c.txt")], ["A2\n", "mine\n", "C2\n"]);
    assert.match(said ?? "", /left as it is now.*sub\/b\.txt/s);
    assert.deepEqual(names(root), ["a.txt", "c.txt", "sub", "sub/b.txt"]);
  });

  it("a half patch the user took back since (git checkout .) is left taken back: its other half is not written", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A1\n", "sub/b.txt": "B1\n", "c.txt": "C1\n" });
    const git = (...args: string[]) => {
      const run = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: root, encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
    };
    git("init", "-q");
    git("add", "a.txt", "sub/b.txt", "c.txt");
    git("commit", "-q", "-m", "one");
    killedBatch(root, "rename", 2);
    assert.equal(read(root, "a.txt"), "A2\n", "a.txt was renamed before the kill");
    git("checkout", "--", ".");
    const said = await new DiskWorkspace(root).finishCutOff();
    assert.deepEqual([read(root, "a.txt"), read(root, "sub/b.txt"), read(root, "c.txt")], ["A1\n", "B1\n", "C1\n"]);
    assert.match(said ?? "", /cut off halfway.*taken back since.*old content again: a\.txt\); left as it is/s);
    assert.deepEqual(names(root).filter((name) => !name.startsWith(".git")), ["a.txt", "c.txt", "sub", "sub/b.txt"]);
  });

  it("hearth apply-patch finishes it before its own patch, and says so on stderr", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A1\n", "sub/b.txt": "B1\n", "c.txt": "C1\n", "d.txt": "D1\n" });
    killedBatch(root, "rename", 2);
    const io = captureIo(root, { stdin: "--- a/d.txt\n+++ b/d.txt\n@@ -1 +1 @@\n-D1\n+D2\n" });
    assert.equal(await main(["apply-patch"], io), 0, io.stderr);
    assert.deepEqual([read(root, "a.txt"), read(root, "sub/b.txt"), read(root, "c.txt"), read(root, "d.txt")], ["A2\n", "B2\n", "C2\n", "D2\n"]);
    assert.match(io.stderr, /^hearth apply-patch: a batch of writes \(a patch\) was cut off halfway.*finished it: sub\/b\.txt, c\.txt/);
    assert.deepEqual(names(root), ["a.txt", "c.txt", "d.txt", "sub", "sub/b.txt"]);
  });

  it("hearth apply-patch --dry-run finishes nothing, and says a cut-off batch is pending (its check was of the files as they are)", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A1\n", "sub/b.txt": "B1\n", "c.txt": "C1\n", "d.txt": "D1\n" });
    killedBatch(root, "rename", 2);
    const before = names(root);
    const io = captureIo(root, { stdin: "--- a/d.txt\n+++ b/d.txt\n@@ -1 +1 @@\n-D1\n+D2\n" });
    assert.equal(await main(["apply-patch", "--dry-run"], io), 0, io.stderr);
    assert.match(io.stderr, /^hearth apply-patch: a batch of writes \(a patch\) was cut off halfway.*not finished: sub\/b\.txt, c\.txt still hold their old content.*without --dry-run.*this dry run checked the patch against the files as they are now/);
    assert.deepEqual([read(root, "a.txt"), read(root, "sub/b.txt"), read(root, "c.txt"), read(root, "d.txt")], ["A2\n", "B1\n", "C1\n", "D1\n"]);
    assert.deepEqual(names(root), before, "nothing written or removed");
    assert.match((await new DiskWorkspace(root).finishCutOff()) ?? "", /finished it: sub\/b\.txt, c\.txt/, "still there to finish");
  });

  it("a single file's write killed halfway: its temporary file is removed by a later write in that folder, once it is stale", async () => {
    const root = tempDir();
    writeFiles(root, { "sub/a.txt": "A1\n" });
    const child = spawnSync(process.execPath, ["--import", "tsx", CHILD, root, "sync", "1", "sub/a.txt=A2\n"], { encoding: "utf8" });
    assert.equal(child.signal, "SIGKILL", child.stderr);
    const left = names(root).filter((name) => name.endsWith(".hearth-tmp"));
    assert.equal(left.length, 1, `the killed write's temporary file: ${JSON.stringify(names(root))}`);
    // Another machine's write on a network disk, its process not one of this machine's: fresh, so kept.
    const fresh = `sub/.aaaaaaaaaaaa-${child.pid}.hearth-tmp`;
    writeFileSync(join(root, fresh), "");
    const old = new Date(Date.now() - 11 * 60 * 1000);
    utimesSync(join(root, left[0]!), old, old);
    await new DiskWorkspace(root).write("sub/a.txt", Buffer.from("A3\n"));
    assert.equal(read(root, "sub/a.txt"), "A3\n");
    assert.deepEqual(names(root), [fresh, "sub", "sub/a.txt"].sort());
  });

  it("a cut-off batch of another machine (a folder on a network disk) is left alone while its journal is fresh: that process may be running", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A1\n", "sub/b.txt": "B1\n", "c.txt": "C1\n" });
    killedBatch(root, "rename", 2);
    const journal = join(root, names(root).find((name) => name.startsWith(".hearth-writes-journal"))!);
    writeFileSync(journal, JSON.stringify({ ...JSON.parse(readFileSync(journal, "utf8")), host: "another-machine.invalid" }));
    assert.equal(await new DiskWorkspace(root).finishCutOff(), undefined);
    assert.deepEqual([read(root, "a.txt"), read(root, "sub/b.txt"), read(root, "c.txt")], ["A2\n", "B1\n", "C1\n"]);
    const old = new Date(Date.now() - 11 * 60 * 1000);
    utimesSync(journal, old, old);
    assert.match((await new DiskWorkspace(root).finishCutOff()) ?? "", /finished it: sub\/b\.txt, c\.txt/);
    assert.deepEqual([read(root, "a.txt"), read(root, "sub/b.txt"), read(root, "c.txt")], ["A2\n", "B2\n", "C2\n"]);
  });

  it("a batch of over 1000 files (a checkpoint restore, under its own journal) is written one file at a time: no room taken for all its new contents at once", () => {
    const root = tempDir();
    const files = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`f${i}.txt`, "old\n"]));
    writeFiles(root, files);
    // Killed at the third flush: one file at a time, the first two are written (staged, none would be).
    const child = spawnSync(process.execPath, ["--import", "tsx", CHILD, root, "sync", "3", ...Object.keys(files).map((path) => `${path}=new\n`)], { encoding: "utf8" });
    assert.equal(child.signal, "SIGKILL", child.stderr);
    assert.deepEqual([read(root, "f0.txt"), read(root, "f1.txt"), read(root, "f2.txt")], ["new\n", "new\n", "old\n"]);
  });

  it("two batches at once in one tree: the second never writes over or removes the first's journal", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A1\n", "b.txt": "B1\n", "c.txt": "C1\n", "d.txt": "D1\n" });
    const journals = () => names(root).filter((name) => name.startsWith(".hearth-writes-journal"));
    const rename = fs.promises.rename;
    let during: string[] | undefined;
    // When the first batch is about to rename its first file, the second runs whole: the first's journal must be there after it.
    fs.promises.rename = async (from, to) => {
      if (during === undefined && String(to).endsWith("a.txt")) {
        during = [];
        await new DiskWorkspace(root).apply([
          { kind: "write", path: "c.txt", content: Buffer.from("C2\n") },
          { kind: "write", path: "d.txt", content: Buffer.from("D2\n") },
        ]);
        during = journals();
      }
      return rename(from, to);
    };
    syncBuiltinESMExports();
    try {
      await new DiskWorkspace(root).apply([
        { kind: "write", path: "a.txt", content: Buffer.from("A2\n") },
        { kind: "write", path: "b.txt", content: Buffer.from("B2\n") },
      ]);
    } finally {
      fs.promises.rename = rename;
      syncBuiltinESMExports();
    }
    assert.equal(during?.length, 1, `the first batch's journal, there while its renames run: ${JSON.stringify(during)}`);
    assert.deepEqual(names(root), ["a.txt", "b.txt", "c.txt", "d.txt"]);
    assert.deepEqual([read(root, "a.txt"), read(root, "b.txt"), read(root, "c.txt"), read(root, "d.txt")], ["A2\n", "B2\n", "C2\n", "D2\n"]);
  });
});
