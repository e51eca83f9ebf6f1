// A `git checkout` while a run goes on: the run's end checkpoint holds the new branch's files.
// Real git in the user's repository, real files, a real CheckpointStore: the run's checkpoints
// are taken as conversation-run.ts takes them.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { git, repoWithBranch } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A repository on main with a.txt and only-main.txt, and a branch `other` without only-main.txt (with `otherFiles`). */
function mainAndOther(otherFiles: Record<string, string> = {}): string {
  return repoWithBranch(join(tempDir("hearth-restore-midrun-"), "work"), { "a.txt": "base\n", "only-main.txt": "main's\n" }, { deleted: ["only-main.txt"], written: otherFiles });
}

describe("Restore checkpoint of a run during which the user switched branches", () => {
  it("undoes a branch switch the agent made itself (its run_command): that change is the agent's", async () => {
    const root = mainAndOther();
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(root, "..", "state") });
    const start = (await checkpoints.create("before: fix a")).id;
    await checkpoints.create("before run_command");
    git(root, "checkout", "-q", "other"); // the agent's command
    await checkpoints.create("after run_command");
    await checkpoints.create("after: fix a");
    const disk = new DiskWorkspace(root);

    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint: start, disk, target: disk });
    assert.deepEqual(restored, ["only-main.txt"]);
    assert.equal(readFileSync(join(root, "only-main.txt"), "utf8"), "main's\n");
  });

  it("puts back the agent's edit and leaves the new branch's files as the branch has them", async () => {
    const root = mainAndOther({ "only-other.txt": "other's\n" });
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(root, "..", "state") });
    const start = (await checkpoints.create("before: fix a")).id;
    await checkpoints.create("before edit_file", ["a.txt"]);
    writeFileSync(join(root, "a.txt"), "the agent's\n");
    await checkpoints.create("after edit_file", ["a.txt"]);
    git(root, "checkout", "-q", "other"); // the user, while the model still thinks
    await checkpoints.create("after: fix a");
    const disk = new DiskWorkspace(root);

    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint: start, disk, target: disk });
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "base\n");
    assert.equal(existsSync(join(root, "only-main.txt")), false, "main's file written onto the other branch");
    assert.equal(readFileSync(join(root, "only-other.txt"), "utf8"), "other's\n", "the other branch's file deleted");
    assert.deepEqual(restored, ["a.txt"]);
    assert.equal(git(root, "status", "--porcelain"), "");
  });
});
