import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RepoIndex } from "../../../src/indexer/index.ts";
import { nodeScanFs, type ScanFs } from "../../../src/indexer/scan-fs.ts";
import { QUERIES_DIR, tempDir } from "./helpers/setup.ts";

/**
 * The runtime sends the watcher's events to the index while a build runs (a git pull just after
 * the window opened). A build's look at a file that an event's update has read since must not
 * put its older view back over the update's.
 */
describe("a build and a watcher's update of the same file", () => {
  /**
   * a.ts cached, then touched (a checkout), so the next build reads it to compare its content: that
   * build, started, with its read of a.ts done but held until `release`.
   */
  const buildHeldInRead = async (dir: string, storageDir: string) => {
    const file = join(dir, "a.ts");
    writeFileSync(file, "export function alpha() {}\n");
    const settled = () => Date.now() + 60_000;
    await new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, storageDir, now: settled }).build();
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    let entered!: () => void;
    const inRead = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const fs: ScanFs = {
      ...nodeScanFs,
      readFile: async (abs, max) => {
        const read = await nodeScanFs.readFile(abs, max);
        if (abs === file && first) {
          first = false;
          entered();
          await gate;
        }
        return read;
      },
    };
    const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, storageDir, now: settled, fs });
    const building = index.build();
    await inRead;
    return { index, file, building, release };
  };

  it("a build that read a file before an update of it leaves the update's content", async () => {
    const { dir, cleanup } = tempDir();
    const { dir: storageDir, cleanup: cleanupStorage } = tempDir();
    try {
      const { index, file, building, release } = await buildHeldInRead(dir, storageDir);
      writeFileSync(file, "export function bravo() {}\n");
      assert.equal(await index.updateFile("a.ts"), "parsed");
      release();
      await building;
      assert.deepEqual(index.files.get("a.ts")?.definitions.map((d) => d.name), ["bravo"]);
      assert.deepEqual([index.tables.definers.has("alpha"), index.tables.definers.has("bravo")], [false, true]);
    } finally {
      cleanup();
      cleanupStorage();
    }
  });

  it("a build that read a file before its delete leaves no ghost of it", async () => {
    const { dir, cleanup } = tempDir();
    const { dir: storageDir, cleanup: cleanupStorage } = tempDir();
    try {
      const { index, file, building, release } = await buildHeldInRead(dir, storageDir);
      rmSync(file);
      assert.equal(index.removeFile("a.ts"), true);
      release();
      await building;
      assert.deepEqual([[...index.files.keys()], index.tables.definers.has("alpha")], [[], false]);
    } finally {
      cleanup();
      cleanupStorage();
    }
  });
});
