// The restore journal on a full disk (a real tmpfs filled to its last page, skipped where mount
// is refused): writeJournal fails in words (not node's "ENOSPC: …, write"), leaves no cut
// hearth-restore.json.tmp beside it, and a later write, once there is room, works as before.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { writeJournal } from "../../../src/tools/checkpoint-journal.ts";
import { fillDisk, smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

it("a restore journal that does not fit: said in words, nothing left beside, and written once there is room", async (t) => {
  const dir = tempDir("hearth-journal-full-");
  const disk = smallDisk(t, { size: "16k", at: join(dir, "disk") });
  if (!disk) return;
  const gitDir = join(disk, "store.git");
  mkdirSync(gitDir);
  // Every page taken: the journal's file can be made, not written.
  fillDisk(disk);
  const journal = { pid: process.pid, started: new Date().toISOString(), checkpoint: "a".repeat(40), paths: ["src/app.ts"] };
  await assert.rejects(writeJournal(gitDir, journal), (error: Error) => {
    assert.doesNotMatch(error.message, /ENOSPC/);
    assert.match(error.message, new RegExp(`^the restore to checkpoint aaaaaaaa could not begin: its record could not be written in ${gitDir} \\(the disk is full: No space left on device\\); none of its files were touched\\. Free some space on that disk, then try again$`));
    return true;
  });
  assert.deepEqual(readdirSync(gitDir), []);
  rmSync(join(disk, "filler"));
  await writeJournal(gitDir, journal);
  assert.deepEqual(readdirSync(gitDir), ["hearth-restore.json"]);
  assert.deepEqual(JSON.parse(readFileSync(join(gitDir, "hearth-restore.json"), "utf8")), { format: 1, ...journal });
});
