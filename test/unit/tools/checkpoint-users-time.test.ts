// A file the user deletes or edits by hand during a run, between two of the agent's steps (while
// the model thinks): the change is theirs, so a whole restore ("Restore checkpoint") leaves it
// and says it was kept on purpose, as for a change made after the run; what a step did is
// Hearth's and is taken back. Real git, real files, the real restore.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

/**
 * A run as conversation-run.ts checkpoints it, in a repository holding a.txt and notes.txt:
 * its start, one step (`tool`, doing `step`) between its before and after, then `user` while
 * the model thinks, a command that changes nothing, the end. Then a whole restore to the start.
 */
async function runThenRestore(tool: string, step: (root: string) => void, user: (root: string) => void = () => undefined) {
  const dir = tempDir("hearth-users-time-");
  const root = committedRepo(join(dir, "work"), { "a.txt": "base\n", "notes.txt": "the user's\n" });
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const start = await store.create("before: fix a");
  await store.create(`before ${tool}`, ["a.txt", "notes.txt"]);
  step(root);
  await store.create(`after ${tool}`);
  user(root);
  await store.create("before run_command");
  await store.create("after run_command");
  await store.create("after: fix a");
  const unrecorded = await store.unrecorded(["notes.txt"]);
  const disk = new DiskWorkspace(root);
  const outcome = await restoreCheckpoint({ checkpoints: store, checkpoint: start.id, disk, target: disk });
  return { root, unrecorded, kept: outcome.notRestored.filter((file) => file.laterWork).map((file) => file.path) };
}

const agentEdits = (root: string) => writeFileSync(join(root, "a.txt"), "the agent's\n");

it("a file the user deleted between the agent's steps is the user's delete: a whole restore leaves it gone", async () => {
  const { root, unrecorded, kept } = await runThenRestore("edit_file", agentEdits, (root) => rmSync(join(root, "notes.txt")));
  assert.deepEqual(unrecorded, ["notes.txt"]);
  assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "base\n");
  assert.equal(existsSync(join(root, "notes.txt")), false);
  assert.deepEqual(kept, ["notes.txt"]);
});

it("a file the agent's step deleted is still Hearth's delete: a whole restore brings it back", async () => {
  const { root, unrecorded } = await runThenRestore("run_command", (root) => rmSync(join(root, "notes.txt")));
  assert.deepEqual(unrecorded, []);
  assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "the user's\n");
});

it("a file the user edited between the agent's steps keeps their edit: a whole restore leaves it", async () => {
  const { root, unrecorded, kept } = await runThenRestore("edit_file", agentEdits, (root) => writeFileSync(join(root, "notes.txt"), "the user's, typed during the run\n"));
  assert.deepEqual(unrecorded, ["notes.txt"]);
  assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "base\n");
  assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "the user's, typed during the run\n");
  assert.deepEqual(kept, ["notes.txt"]);
});

it("a file the agent's command wrote is still Hearth's: a whole restore takes it back", async () => {
  const { root, unrecorded } = await runThenRestore("run_command", (root) => writeFileSync(join(root, "notes.txt"), "the command's\n"));
  assert.deepEqual(unrecorded, []);
  assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "the user's\n");
});
