// Export Conversation over an earlier export on a disk with no room for the new one (a real
// small tmpfs, filled; node's fs in the place of VS Code's workspace.fs, which the command
// gives writeBeside): written in place, the earlier export was truncated and the write failed,
// leaving an empty file; now the earlier export stays as it was and no temporary file is left.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type ExportFileOps, exportTemporaryName, writeBeside } from "../../../../src/extension/chat/conversation-files.ts";
import { fillDisk, smallDisk } from "../../../fixtures/small-disk.ts";

const NODE_FILES: ExportFileOps<string> = { writeFile: (at, bytes) => writeFile(at, bytes), rename, delete: (at) => rm(at) };

describe("writing an export", () => {
  it("on a full disk leaves the earlier export whole and nothing beside it; with room, replaces it", async (t) => {
    const mount = smallDisk(t, { size: "64k" });
    if (!mount) return;
    const target = join(mount, "fix-the-parser.md");
    const temporary = () => join(mount, exportTemporaryName("fix-the-parser.md", "0a1b2c"));
    writeFileSync(target, "# Fix the parser\n\nthe earlier export\n");
    const filler = fillDisk(mount);
    const markdown = new TextEncoder().encode(`# Fix the parser\n\n${"a long reply\n".repeat(2000)}`);
    await assert.rejects(writeBeside(NODE_FILES, target, temporary(), markdown), { code: "ENOSPC" });
    assert.equal(readFileSync(target, "utf8"), "# Fix the parser\n\nthe earlier export\n");
    assert.deepEqual(readdirSync(mount).sort(), ["filler", "fix-the-parser.md"]);

    await rm(filler);
    await writeBeside(NODE_FILES, target, temporary(), markdown);
    assert.deepEqual(readFileSync(target), Buffer.from(markdown));
    assert.deepEqual(readdirSync(mount), ["fix-the-parser.md"]);
  });

  it("names the temporary file beside the export, hidden", () => {
    assert.equal(exportTemporaryName("notes.md", "ff00"), ".notes.md.hearth-ff00.tmp");
  });
});
