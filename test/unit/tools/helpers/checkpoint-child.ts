// A Hearth process using a shadow repository, for the lock tests: `once` takes one
// checkpoint and exits; `loop` keeps changing files and checkpointing until it is killed.
//   node --import tsx checkpoint-child.ts <workspace> <storage> once|loop
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CheckpointStore } from "../../../../src/tools/checkpoints.ts";

const [root, storageDir, mode] = process.argv.slice(2) as [string, string, string];
const store = await CheckpointStore.open({ workspaceRoot: root, storageDir });
process.stdout.write(`${store.gitDir}\n`);
await store.create("from the child");
if (mode === "loop") {
  for (let round = 0; ; round++) {
    // Every file changes, so each `git add` hashes the whole tree while it holds index.lock.
    for (let i = 0; i < 2000; i++) writeFileSync(join(root, `f${i}.txt`), `round ${round} file ${i}\n`.repeat(20));
    await store.create(`round ${round}`);
  }
}
