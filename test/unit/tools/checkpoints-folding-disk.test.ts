// Checkpoints of a workspace on a disk that ignores letter case (WSL's /mnt/c, an SMB share, an
// external macOS or Windows disk) while Hearth's shadow repository is on one that does not
// (~/.local/state): git sets core.ignorecase from the folder it is created in, so it took
// utils.ts and Utils.ts for two files. test/fixtures/folding-disk.ts mounts a real such disk.
import assert from "node:assert/strict";
import { linkSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { ignoresCase } from "../../../src/tools/workspace.ts";
import { foldingDisk } from "../../fixtures/folding-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

it("a file renamed by its case alone is one file in the review, and a restore brings it back", async (t) => {
  const disk = await foldingDisk(t);
  if (disk === undefined) return;
  const root = join(disk, "repo");
  mkdirSync(root);
  writeFileSync(join(root, "utils.ts"), "one\n");
  writeFileSync(join(root, "b.ts"), "b\n");
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-folding-state-") });
  const start = await store.create("start");
  renameSync(join(root, "utils.ts"), join(root, "Utils.ts"));
  writeFileSync(join(root, "Utils.ts"), "two\n");
  assert.equal((await store.changedFiles(start.id)).length, 1);
  assert.doesNotMatch(await store.diff(start.id), /new file mode/);
  await store.create("after");
  await store.restore(start.id);
  assert.deepEqual(readdirSync(root).map((name) => name.toLowerCase()).sort(), ["b.ts", "utils.ts"]);
  assert.equal(readFileSync(join(root, "utils.ts"), "utf8"), "one\n");
});

it("a folder that lists a name in two cases (a.txt, A.TXT), hard links of one file, is not taken for a disk that ignores case", async () => {
  const root = tempDir("hearth-case-links-");
  writeFileSync(join(root, "a.txt"), "one\n");
  linkSync(join(root, "a.txt"), join(root, "A.TXT"));
  // core.ignorecase true there would make git take a.txt and A.TXT for one file (checkpoints, restores).
  assert.equal(await ignoresCase(root), false);
});
