// Checkpoints whose storage disk is full (a real tmpfs filled to its end): the checkpoint taken
// before an edit cannot be stored, so the edit must not happen — and the model must be told why
// in words it can pass on, not "the tool failed unexpectedly: ENOSPC". Skipped where a tmpfs
// cannot be mounted (not root).
import { it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CheckpointStore, checkpointBeforeEffect, runTool, toolByName } from "../../../src/tools/index.ts";
import { fillDisk, smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

it("an edit whose checkpoint cannot be stored for a full disk is not made, and the model is told the disk holding the checkpoints is full", async (t) => {
  const disk = smallDisk(t, { size: "400k", at: join(tempDir("hearth-ckpt-full-"), "disk") });
  if (!disk) return;
  const { root, ctx } = workspaceWith({ "app.py": "v = 1\n" });
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: disk });
  await store.create("run start");
  // The rest of the disk, to its last block.
  fillDisk(disk);
  const result = await runTool(toolByName("edit_file")!, { path: "app.py", old_text: "v = 1", new_text: `v = 2  # ${"x".repeat(20_000)}` }, { ...ctx, beforeEffect: checkpointBeforeEffect(store) });
  assert.equal(!result.ok && result.code, "io-error", result.text);
  assert.match(result.text, /the checkpoint before this change could not be stored: the disk holding Hearth's checkpoints \(.+\) is full \(No space left on device\); nothing was written\. Tell the user/);
  assert.equal(readFileSync(join(root, "app.py"), "utf8"), "v = 1\n");
});
