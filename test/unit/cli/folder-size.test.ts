// hearth storage's sizes: a file with two names (a hard link, a model linked from another
// folder to save downloading it twice) takes its bytes once on disk, and was counted twice.
import assert from "node:assert/strict";
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { folderSize } from "../../../src/cli/folder-size.ts";
import { tempDir } from "../../fixtures/temp.ts";

it("folderSize counts a file with two names in the folder once, and no link's target", async () => {
  const root = tempDir("hearth-folder-size-");
  mkdirSync(join(root, "models"));
  mkdirSync(join(root, "copy"));
  writeFileSync(join(root, "models", "a.gguf"), Buffer.alloc(1000, 1));
  linkSync(join(root, "models", "a.gguf"), join(root, "copy", "a.gguf"));
  writeFileSync(join(root, "b.txt"), "12345");
  const outside = tempDir("hearth-folder-size-home-");
  writeFileSync(join(outside, "big"), Buffer.alloc(5000, 1));
  symlinkSync(outside, join(root, "home"));
  assert.equal(await folderSize(root), 1005);
  assert.equal(await folderSize(join(root, "copy")), 1000, "each folder alone holds the file");
});
