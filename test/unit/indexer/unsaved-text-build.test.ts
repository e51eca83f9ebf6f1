import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { RepoIndex } from "../../../src/indexer/index.ts";
import { QUERIES_DIR, tempDir } from "./helpers/setup.ts";

/**
 * The runtime builds again while the editor holds unsaved text (its check of the disk every few
 * minutes, 14b45961): that build read the file from disk and put its saved content back over the
 * editor's text, and counted it as a file changed with no watcher event.
 */
describe("a build while the editor holds a file's unsaved text", () => {
  it("keeps the editor's text and parses nothing", async () => {
    const { dir, cleanup } = tempDir();
    const { dir: storageDir, cleanup: cleanupStorage } = tempDir();
    try {
      writeFileSync(join(dir, "a.ts"), "export function alpha() {}\n");
      writeFileSync(join(dir, "b.ts"), "export function other() {}\n");
      const settled = () => Date.now() + 60_000;
      const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, storageDir, now: settled });
      await index.build();
      assert.equal(await index.updateFile("a.ts", "export function alphaTyped() {}\nexport function more() {}\n"), "parsed");
      const again = await index.build();
      assert.deepEqual(index.files.get("a.ts")?.definitions.map((d) => d.name), ["alphaTyped", "more"]);
      assert.equal(again.parsed, 0);
      // Closed without saving (the runtime sends the path with no text): the disk's content again.
      assert.equal(await index.updateFile("a.ts"), "parsed");
      await index.build();
      assert.deepEqual(index.files.get("a.ts")?.definitions.map((d) => d.name), ["alpha"]);
      // Reindex Workspace reads every file from disk, and a later change on disk is a change again.
      await index.updateFile("a.ts", "export function typedAgain() {}\n");
      await index.build({ rebuild: true });
      assert.deepEqual(index.files.get("a.ts")?.definitions.map((d) => d.name), ["alpha"]);
      writeFileSync(join(dir, "a.ts"), "export function gamma() {}\n");
      await index.build();
      assert.deepEqual(index.files.get("a.ts")?.definitions.map((d) => d.name), ["gamma"]);
    } finally {
      cleanup();
      cleanupStorage();
    }
  });
});
