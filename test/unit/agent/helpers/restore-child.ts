// A Hearth process that starts a checkpoint restore and stops halfway: its target writes the
// first change, prints "half" and never returns, so the test can kill it between files.
//   node --import tsx restore-child.ts <workspace> <storage> <checkpoint>
import { restoreCheckpoint } from "../../../../src/agent/checkpoint-restore.ts";
import { CheckpointStore, DiskWorkspace, type WorkspaceChange } from "../../../../src/tools/index.ts";

const [root, storageDir, checkpoint] = process.argv.slice(2) as [string, string, string];
const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir });
const disk = new DiskWorkspace(root);
const target = {
  apply: async (changes: readonly WorkspaceChange[]) => {
    await disk.apply(changes.slice(0, 1));
    process.stdout.write("half\n");
    await new Promise(() => setInterval(() => undefined, 1000));
  },
};
await restoreCheckpoint({ checkpoints, checkpoint, disk, target });
