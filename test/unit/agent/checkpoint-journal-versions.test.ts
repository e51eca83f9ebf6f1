// The restore journal (hearth-restore.json in a checkpoint store) with two versions of Hearth on
// one store: two VS Code windows on one folder, one not reloaded since an update (or one gone back a
// version). A journal a newer Hearth wrote in a later format is neither followed nor removed here;
// one of a live process is left to it whatever it holds; this version's and an older one's are finished.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { finishedRestoreNotice } from "../../../src/agent/checkpoint-restore.ts";
import { CheckpointStore } from "../../../src/tools/index.ts";

async function setup(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), "hearth-journal-versions-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, "work");
  mkdirSync(root);
  writeFileSync(join(root, "a.txt"), "before\n");
  const storageDir = join(dir, "state");
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir });
  const checkpoint = (await checkpoints.create("before")).id;
  writeFileSync(join(root, "a.txt"), "after\n");
  await checkpoints.create("after", ["a.txt"]);
  const journal = join(checkpoints.gitDir, "hearth-restore.json");
  return { root, storageDir, checkpoints, checkpoint, journal };
}

/** A pid no process has now (one that ran and exited). */
async function deadPid(): Promise<number> {
  const gone = spawn(process.execPath, ["-e", ""]);
  await once(gone, "exit");
  return gone.pid!;
}

describe("a restore journal a newer Hearth wrote", () => {
  it("in a later format is not followed nor removed: the files stay, the record stays for that version, and it is said", async (t) => {
    const { root, storageDir, checkpoint, journal } = await setup(t);
    const text = JSON.stringify({ format: 2, pid: await deadPid(), started: new Date().toISOString(), checkpoint, paths: ["a.txt"], modes: { "a.txt": "100644" } });
    writeFileSync(journal, text);
    const next = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "after\n", "not followed");
    assert.equal(readFileSync(journal, "utf8"), text, "left as it is");
    assert.equal(next.finishedRestore?.newer, "format 2");
    assert.deepEqual(next.finishedRestore?.paths, []);
    assert.equal(
      finishedRestoreNotice(next.finishedRestore!),
      `A restore to checkpoint ${checkpoint.slice(0, 8)} was cut off (Hearth or the editor closed while it wrote files); a newer version of Hearth began it, and its record (format 2) is one this version cannot read: files of this folder may be left half-restored. Its record is left as it is: open this folder with that version of Hearth to finish it, or check the files and restore again.`,
    );
    // Opened again by this version: the same, the record still there.
    assert.equal((await CheckpointStore.open({ workspaceRoot: root, storageDir })).finishedRestore?.newer, "format 2");
    assert.equal(readFileSync(journal, "utf8"), text);
  });

  it("of a process still running is left to it, whatever else it holds", async (t) => {
    const { root, storageDir, journal } = await setup(t);
    const running = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    t.after(() => running.kill("SIGKILL"));
    await once(running, "spawn");
    const text = JSON.stringify({ format: 2, pid: running.pid, started: new Date().toISOString(), target: "abc", files: [{ path: "a.txt" }] });
    writeFileSync(journal, text);
    const next = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    assert.equal(next.finishedRestore, undefined);
    assert.equal(readFileSync(journal, "utf8"), text, "a restore under way in a newer window keeps its record");
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "after\n");
  });
});

describe("a restore journal this version or an older one wrote", () => {
  it("is finished: this version's carries its format, an older one's has none", async (t) => {
    const { root, storageDir, checkpoints, checkpoint, journal } = await setup(t);
    await checkpoints.beginRestore(checkpoint, ["a.txt"]);
    const written = JSON.parse(readFileSync(journal, "utf8")) as Record<string, unknown>;
    assert.equal(written.format, 1);
    writeFileSync(journal, JSON.stringify({ ...written, pid: await deadPid() }));
    const next = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    assert.deepEqual(next.finishedRestore?.paths, ["a.txt"]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "before\n");
    assert.equal(existsSync(journal), false);

    writeFileSync(join(root, "a.txt"), "after\n");
    writeFileSync(journal, JSON.stringify({ pid: await deadPid(), checkpoint, paths: ["a.txt"] }));
    const again = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    assert.deepEqual(again.finishedRestore?.paths, ["a.txt"]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "before\n");
    assert.equal(existsSync(journal), false);
  });

  it("with no pid (no Hearth wrote it) is removed, as before", async (t) => {
    const { root, storageDir, journal } = await setup(t);
    writeFileSync(journal, '{"checkpoint": "abc"}');
    assert.equal((await CheckpointStore.open({ workspaceRoot: root, storageDir })).finishedRestore, undefined);
    assert.equal(existsSync(journal), false);
  });
});
