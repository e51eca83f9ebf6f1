// Restoring files from a checkpoint with a real CheckpointStore (git) and real files: a
// changed file is written back, a file the checkpoint did not have is deleted, `paths`
// limits the restore, and nothing differs → nothing applied.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { CheckpointStore, DiskWorkspace, type WorkspaceChange } from "../../../src/tools/index.ts";

async function setup(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), "hearth-restore-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, "work");
  mkdirSync(root);
  writeFileSync(join(root, "a.txt"), "before\n");
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const checkpoint = (await checkpoints.create("before")).id;
  writeFileSync(join(root, "a.txt"), "after\n");
  writeFileSync(join(root, "new.txt"), "made by the agent\n");
  await checkpoints.create("after", ["a.txt", "new.txt"]);
  return { root, checkpoints, checkpoint, disk: new DiskWorkspace(root) };
}

describe("restoreCheckpoint", () => {
  it("writes changed files back and deletes files the checkpoint did not have", async (t) => {
    const { root, checkpoints, checkpoint, disk } = await setup(t);
    const restored = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk });
    assert.deepEqual(restored.sort(), ["a.txt", "new.txt"]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "before\n");
    assert.equal(existsSync(join(root, "new.txt")), false);
  });

  it("restores only the paths asked for, in one apply", async (t) => {
    const { root, checkpoints, checkpoint, disk } = await setup(t);
    const applied: WorkspaceChange[][] = [];
    const target = { apply: async (changes: readonly WorkspaceChange[]) => (applied.push([...changes]), disk.apply(changes)) };
    assert.deepEqual(await restoreCheckpoint({ checkpoints, checkpoint, paths: ["new.txt"], disk, target }), ["new.txt"]);
    assert.equal(applied.length, 1);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "after\n");
    assert.equal(existsSync(join(root, "new.txt")), false);
    // Already gone: nothing to delete, nothing applied.
    assert.deepEqual(await restoreCheckpoint({ checkpoints, checkpoint, paths: ["new.txt"], disk, target }), []);
    assert.equal(applied.length, 1);
  });
});
