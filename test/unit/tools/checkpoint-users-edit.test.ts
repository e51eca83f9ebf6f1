// A file the user edits by hand during a run, between two of the agent's steps (while the model
// thinks): the edit is theirs, so a whole restore ("Restore checkpoint") leaves it and says it
// was kept on purpose, as for an edit made after the run. Real git, real files, the real restore.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

it("a file the user edited between the agent's steps keeps their edit: a whole restore leaves it", async () => {
  const dir = tempDir("hearth-users-edit-");
  const root = committedRepo(join(dir, "work"), { "a.txt": "base\n", "notes.txt": "the user's\n" });
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  // The run as conversation-run.ts checkpoints it: start, a write between its before and after, the end.
  const start = await store.create("before: fix a");
  await store.create("before edit_file", ["a.txt"]);
  writeFileSync(join(root, "a.txt"), "the agent's\n");
  await store.create("after edit_file");
  // The user, while the model thinks.
  writeFileSync(join(root, "notes.txt"), "the user's, typed during the run\n");
  await store.create("before run_command");
  await store.create("after run_command");
  await store.create("after: fix a");

  assert.deepEqual(await store.unrecorded(["notes.txt"]), ["notes.txt"]);
  const disk = new DiskWorkspace(root);
  const outcome = await restoreCheckpoint({ checkpoints: store, checkpoint: start.id, disk, target: disk });
  assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "base\n");
  assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "the user's, typed during the run\n");
  assert.ok(outcome.notRestored.some((file) => file.path === "notes.txt" && file.laterWork), JSON.stringify(outcome.notRestored));
});

it("a file the agent's command wrote is still Hearth's: a whole restore takes it back", async () => {
  const dir = tempDir("hearth-users-edit-");
  const root = committedRepo(join(dir, "work"), { "a.txt": "base\n", "notes.txt": "the user's\n" });
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const start = await store.create("before: fix a");
  await store.create("before run_command");
  writeFileSync(join(root, "notes.txt"), "the command's\n");
  await store.create("after run_command");
  await store.create("after: fix a");

  assert.deepEqual(await store.unrecorded(["notes.txt"]), []);
  const disk = new DiskWorkspace(root);
  await restoreCheckpoint({ checkpoints: store, checkpoint: start.id, disk, target: disk });
  assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "the user's\n");
});
