// A damaged shadow repository (a truncated index after a crash or a full disk, its objects
// lost) must not stop every later checkpoint — and with it every agent run, which starts
// with one. Real git, real files.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CheckpointStore } from "../../../src/tools/checkpoints.ts";

async function setup(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), "hearth-damaged-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, "work");
  mkdirSync(root);
  writeFileSync(join(root, "a.txt"), "v1\n");
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  return { root, store, first: await store.create("first") };
}

describe("checkpoints in a damaged shadow repository", () => {
  it("a truncated index is rebuilt: the next checkpoint is taken and the earlier ones still compare", async (t) => {
    const { root, store, first } = await setup(t);
    writeFileSync(join(store.gitDir, "index"), "garbage");
    writeFileSync(join(root, "a.txt"), "v2\n");
    const second = await store.create("second");
    assert.deepEqual(await store.changedFiles(first.id, second.id), ["a.txt"]);
    assert.deepEqual(await store.changedFiles(second.id), []);
  });

  it("a truncated index left by a crashed process: the next process opens the checkpoints and takes the next one", async (t) => {
    const { root, store, first } = await setup(t);
    writeFileSync(join(store.gitDir, "index"), "garbage");
    writeFileSync(join(root, "a.txt"), "v2\n");
    const next = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(store.gitDir, "..", "..") });
    const second = await next.create("second");
    assert.deepEqual(await next.changedFiles(first.id, second.id), ["a.txt"]);
  });

  it("a history whose commits are lost starts again: the next checkpoint is taken", async (t) => {
    const { root, store } = await setup(t);
    const objects = join(store.gitDir, "objects");
    for (const name of readdirSync(objects)) if (/^[0-9a-f]{2}$/.test(name)) rmSync(join(objects, name), { recursive: true });
    writeFileSync(join(root, "a.txt"), "v2\n");
    const next = await store.create("after the damage");
    assert.deepEqual((await store.list()).map((c) => c.label), ["after the damage"]);
    assert.equal(Buffer.from((await store.fileAt(next.id, "a.txt"))!).toString(), "v2\n");
  });
});
