import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { RepoIndex } from "../../../src/indexer/index.ts";
import { nodeScanFs, type ScanFs } from "../../../src/indexer/scan-fs.ts";
import { QUERIES_DIR, tempDir } from "./helpers/setup.ts";

/**
 * The first start after the cache began keeping ctimes, and a start after files were written
 * just before the last build (stamps too close to their read: file-stamp.ts), compare such
 * files' content with their records'. The index thread read each one itself, four at a time and
 * five round trips through node's file threads each, and read a changed one again to parse it:
 * 50,000 files took longer than parsing them all (test/bench/disk-check.ts). The parse threads
 * now make the comparison with the one read a parse makes.
 */
describe("a build that compares files' content with their records", () => {
  it("leaves the reads to the parse, which parses only the files that changed", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const root = join(dir, "repo");
      const storageDir = join(dir, "storage");
      mkdirSync(root);
      for (let f = 0; f < 200; f++) writeFileSync(join(root, `f${f}.ts`), `export function alpha${f}() {}\n`);
      const readsHere: string[] = [];
      const fs: ScanFs = { ...nodeScanFs, readFile: (abs, maxBytes) => (readsHere.push(abs), nodeScanFs.readFile(abs, maxBytes)) };
      // Read at once after they were written: their stamps prove nothing (kept as NaN) ...
      const first = new RepoIndex({ root, queriesDir: QUERIES_DIR, history: false, storageDir });
      await first.build();
      await first.close();
      assert.ok(Number.isNaN(first.files.get("f0.ts")?.mtimeMs));
      // ... so the next start, a minute on, compares each file's content; one changed meanwhile, its size kept.
      writeFileSync(join(root, "f7.ts"), "export function bravo7() {}\n");
      const second = new RepoIndex({ root, queriesDir: QUERIES_DIR, history: false, storageDir, fs, now: () => Date.now() + 60_000 });
      const report = await second.build();
      assert.deepEqual(readsHere, []);
      assert.equal(report.parsed, 1);
      assert.equal(report.reused, 199);
      assert.deepEqual(second.files.get("f7.ts")?.definitions.map((d) => d.name), ["bravo7"]);
      assert.deepEqual(second.files.get("f8.ts")?.definitions.map((d) => d.name), ["alpha8"]);
      // Stamped now that they are past: the start after that reads nothing.
      assert.equal(Number.isNaN(second.files.get("f8.ts")?.mtimeMs), false);
      await second.close();
      const third = new RepoIndex({ root, queriesDir: QUERIES_DIR, history: false, storageDir, now: () => Date.now() + 120_000 });
      const again = await third.build();
      assert.deepEqual([again.parsed, again.reused], [0, 200]);
      await third.close();
    } finally {
      cleanup();
    }
  });

  it("keeps the record of a file whose content still matches when the parse threads cannot answer for it (e72be884)", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const root = join(dir, "repo");
      const storageDir = join(dir, "storage");
      mkdirSync(root);
      for (let f = 0; f < 3; f++) writeFileSync(join(root, `f${f}.ts`), `export function alpha${f}() {}\n`);
      const first = new RepoIndex({ root, queriesDir: QUERIES_DIR, history: false, storageDir });
      await first.build();
      await first.close();
      assert.ok(Number.isNaN(first.files.get("f0.ts")?.mtimeMs));
      // Parse threads that cannot start (a grammar's native binding built for another Node.js):
      // each file sent to them fails. f1.ts changed meanwhile, its size kept; the others did not.
      writeFileSync(join(root, "f1.ts"), "export function bravo1() {}\n");
      const script = join(dir, "broken.mjs");
      writeFileSync(script, 'throw new Error("tree_sitter_runtime_binding.node was compiled against a different Node.js version");\n');
      const second = new RepoIndex({ root, queriesDir: QUERIES_DIR, history: false, storageDir, workers: { script: pathToFileURL(script), count: 1 }, now: () => Date.now() + 60_000 });
      await second.build();
      await second.close();
      // The unchanged files keep their records, as when the index thread compared them; the changed one is not taken for unchanged.
      assert.deepEqual(second.files.get("f0.ts")?.definitions.map((d) => d.name), ["alpha0"]);
      assert.deepEqual(second.files.get("f2.ts")?.definitions.map((d) => d.name), ["alpha2"]);
      assert.equal(second.files.has("f1.ts"), false);
      assert.match(second.skipped.get("f1.ts")?.detail ?? "", /parse threads could not start/);
    } finally {
      cleanup();
    }
  });
});
