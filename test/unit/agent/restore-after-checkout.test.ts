// What a restore does after the user moved on in git: a branch switched, a file deleted by
// hand. Real git in the user's repository, real files, a real CheckpointStore: the runs'
// checkpoints are taken as conversation-run.ts takes them.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { git, repoWithBranch } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A repository on main with a.txt and only-main.txt, a branch `other` without only-main.txt, and a run that edited a.txt. */
async function ranOnMain() {
  const dir = tempDir("hearth-restore-git-");
  const root = repoWithBranch(join(dir, "work"), { "a.txt": "base\n", "only-main.txt": "main's\n" }, { deleted: ["only-main.txt"], written: { "only-other.txt": "other's\n" } });
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const start = (await checkpoints.create("before: fix a")).id;
  await checkpoints.create("before edit_file", ["a.txt"]);
  writeFileSync(join(root, "a.txt"), "the agent's\n");
  await checkpoints.create("after edit_file", ["a.txt"]);
  await checkpoints.create("after: fix a");
  return { root, checkpoints, start, disk: new DiskWorkspace(root) };
}

describe("Restore checkpoint after the user switched branches", () => {
  it("does not bring the old branch's files back onto the new branch, and undoes the agent's edit the checkout carried", async () => {
    const { root, checkpoints, start, disk } = await ranOnMain();
    git(root, "checkout", "-q", "other"); // a.txt's uncommitted change goes along

    const { restored, notRestored } = await restoreCheckpoint({ checkpoints, checkpoint: start, disk, target: disk });
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "base\n");
    assert.equal(existsSync(join(root, "only-main.txt")), false, "main's file written onto the other branch");
    assert.equal(readFileSync(join(root, "only-other.txt"), "utf8"), "other's\n");
    assert.deepEqual(restored, ["a.txt"]);
    assert.deepEqual(notRestored.map((n) => [n.path, n.laterWork]).sort(), [["only-main.txt", true], ["only-other.txt", true]]);
    assert.match(notRestored.find((n) => n.path === "only-main.txt")!.reason, /deleted/);
    assert.equal(git(root, "status", "--porcelain"), "");
  });

  it("keeps a file the user deleted after the run deleted, and still re-creates one the agent deleted", async () => {
    const { root, checkpoints, start, disk } = await ranOnMain();
    const second = (await checkpoints.create("before: clean up")).id;
    await checkpoints.create("before run_command");
    rmSync(join(root, "a.txt"));
    await checkpoints.create("after run_command");
    await checkpoints.create("after: clean up");
    git(root, "rm", "-q", "only-main.txt"); // the user's, after both runs

    const { restored, notRestored } = await restoreCheckpoint({ checkpoints, checkpoint: second, disk, target: disk });
    assert.deepEqual(restored, ["a.txt"]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "the agent's\n");
    assert.equal(existsSync(join(root, "only-main.txt")), false);
    assert.deepEqual(notRestored.map((n) => n.path), ["only-main.txt"]);
    // The first run's start: a.txt back to before the agent's edit, the user's delete still kept.
    await restoreCheckpoint({ checkpoints, checkpoint: start, disk, target: disk });
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "base\n");
    assert.equal(existsSync(join(root, "only-main.txt")), false);
  });
});
