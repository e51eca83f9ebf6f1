// The index's history (src/indexer/history.ts) of a repository that came with a config
// naming programs: reading it runs none of them, and it is the folder's repository's history
// whatever GIT_DIR the user's shell exported.
import assert from "node:assert/strict";
import { it } from "node:test";
import { readHistory } from "../../../src/indexer/history.ts";
import { hostileRepo, testGit } from "./helpers/hostile-git.ts";

it("git log runs nothing the repository's config names, a promisor remote's transport neither (the old blob of a rename is missing)", async (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  const history = await readHistory({ cwd: repo.root });
  assert.ok(history, "the history is read (without following renames, once the missing blob stops the log)");
  assert.deepEqual(repo.ran(), []);
});

it("reads the folder's repository whatever GIT_DIR the user's shell exported", async (t) => {
  const [repo, other] = [hostileRepo(), hostileRepo()];
  t.after(() => (repo.remove(), other.remove()));
  testGit(other.root, "commit", "-qm", "other", "--allow-empty");
  const before = await readHistory({ cwd: repo.root });
  process.env.GIT_DIR = `${other.root}/.git`;
  t.after(() => delete process.env.GIT_DIR);
  assert.notEqual(before?.head, undefined);
  assert.equal((await readHistory({ cwd: repo.root }))?.head, before?.head);
});
