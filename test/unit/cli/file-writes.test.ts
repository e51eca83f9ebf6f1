// file-writes.ts's replaceWhole: the new content goes in beside the file and is renamed over
// it, so the file a link names is replaced (the link kept), its mode is kept, and a write that
// fails (a read-only disk: a real tmpfs remounted read-only, skipped where mount is refused)
// leaves the file as it was and nothing beside it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { FileWriteError, replaceWhole } from "../../../src/cli/file-writes.ts";
import { smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

it("replaceWhole writes through a link, keeps the file's mode, and leaves nothing beside it", () => {
  const dir = tempDir("hearth-file-writes-");
  writeFileSync(join(dir, "conv.md"), "earlier\n");
  chmodSync(join(dir, "conv.md"), 0o600);
  symlinkSync("conv.md", join(dir, "latest.md"));
  replaceWhole(join(dir, "latest.md"), "later\n");
  assert.equal(lstatSync(join(dir, "latest.md")).isSymbolicLink(), true);
  assert.equal(readFileSync(join(dir, "conv.md"), "utf8"), "later\n");
  assert.equal(statSync(join(dir, "conv.md")).mode & 0o777, 0o600);
  replaceWhole(join(dir, "new.md"), "new\n");
  assert.equal(readFileSync(join(dir, "new.md"), "utf8"), "new\n");
  assert.deepEqual(readdirSync(dir).sort(), ["conv.md", "latest.md", "new.md"]);
});

it("replaceWhole onto a read-only disk leaves the file as it was and says why", (t) => {
  const dir = tempDir("hearth-file-writes-");
  const disk = smallDisk(t, { size: "64k", at: join(dir, "disk") });
  if (!disk) return;
  writeFileSync(join(disk, "conv.md"), "earlier\n");
  assert.equal(spawnSync("mount", ["-o", "remount,ro", disk]).status, 0);
  assert.throws(() => replaceWhole(join(disk, "conv.md"), "later\n"), (error: unknown) => {
    assert.ok(error instanceof FileWriteError);
    assert.equal(error.message, `${disk} is on a read-only file system`);
    assert.equal(error.left, `${join(disk, "conv.md")} is as it was`);
    return true;
  });
  assert.equal(readFileSync(join(disk, "conv.md"), "utf8"), "earlier\n");
  assert.deepEqual(readdirSync(disk), ["conv.md"]);
});
