// A branch switch the user made between two checkpoints that changes many files: the list of
// them (what Reject and Restore leave as git's) is kept in a blob, not in the checkpoint's
// commit message, which every `git log --grep` of the moves reads again. Real git.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const FILES = 150;
const names = Array.from({ length: FILES }, (_, i) => `src/module-${String(i).padStart(3, "0")}.py`);

it("a move that changed 150 files keeps their list in a blob, and the checkpoints still take them for git's", async () => {
  const dir = tempDir("hearth-moved-list-");
  const root = committedRepo(join(dir, "work"), Object.fromEntries(names.map((name) => [name, "main's\n"])));
  git(root, "checkout", "-qb", "other");
  for (const name of names) writeFileSync(join(root, name), "other's\n");
  git(root, "commit", "-qam", "other");
  git(root, "checkout", "-q", "-");
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const start = await store.create("before: fix it");
  git(root, "checkout", "-q", "other");
  const end = await store.create("after: fix it");

  const message = execFileSync("git", ["--git-dir", store.gitDir, "log", "-1", "--format=%B", end.id], { cwd: dir, encoding: "utf8" });
  assert.match(message, /^Hearth-Git-Moved: 150 [0-9a-f]{40}$/m);
  assert.ok(message.length < 500, `a ${message.length}-character message`);

  const moved = await store.headMoved(start.id, end.id);
  assert.deepEqual(moved?.paths.sort(), names);
  assert.deepEqual(moved?.written.sort(), names);
  // What a whole restore and the review ask: the content is git's, not Hearth's.
  assert.deepEqual((await store.unrecorded(names)).sort(), names);
});
