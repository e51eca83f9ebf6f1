import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { RepoIndex, cacheMissMessage, locate, type FileRecord } from "../../../src/indexer/index.ts";
import { FIXTURES, QUERIES_DIR, indexOf, tempDir } from "./helpers/setup.ts";
import { nodeScanFs, type ScanFs } from "../../../src/indexer/scan-fs.ts";

/** The index's content without timestamps, for comparing two builds. */
function snapshot(index: RepoIndex) {
  const files = [...index.files.values()]
    .map(({ mtimeMs: _m, ...rest }: FileRecord) => rest)
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const definers = [...index.tables.definers.entries()].map(([k, v]) => [k, [...v].sort()]).sort();
  const referrers = [...index.tables.referrers.entries()].map(([k, v]) => [k, [...v.entries()].sort()]).sort();
  return { files, definers, referrers };
}

function copyShop(dir: string): void {
  cpSync(join(FIXTURES, "shop"), dir, { recursive: true });
}

describe("incremental updates", () => {
  it("edit, add, rename and delete one file at a time give the same index as a fresh build", async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyShop(dir);
      const index = await indexOf(dir);
      writeFileSync(join(dir, "src/pricing.ts"), readFileSync(join(dir, "src/pricing.ts"), "utf8") + "\nexport function roundPrice(x: number): number { return Math.round(x); }\n");
      assert.equal(await index.updateFile("src/pricing.ts"), "parsed");
      writeFileSync(join(dir, "src/refunds.ts"), 'import { refundCharge } from "./payments/stripe";\nexport const undo = (id: string) => refundCharge(id);\n');
      assert.equal(await index.updateFile(join(dir, "src/refunds.ts")), "parsed");
      renameSync(join(dir, "src/inventory.ts"), join(dir, "src/stock.ts"));
      assert.equal(await index.renameFile("src/inventory.ts", "src/stock.ts"), "parsed");
      rmSync(join(dir, "src/users/session.ts"));
      assert.equal(await index.updateFile("src/users/session.ts"), "removed");
      assert.equal(await index.updateFile("src/cart.ts"), "unchanged");
      const fresh = await indexOf(dir);
      assert.deepEqual(snapshot(index), snapshot(fresh));
      assert.equal(locate(index, "roundPrice")[0]?.path, "src/pricing.ts");
      assert.ok(!index.tables.definers.has("createSession"));
    } finally {
      cleanup();
    }
  });

  it("watcher events for excluded, ignored or outside paths are skipped", async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyShop(dir);
      const index = await indexOf(dir);
      mkdirSync(join(dir, "node_modules/dep"), { recursive: true });
      writeFileSync(join(dir, "node_modules/dep/index.js"), "function dep() {}\n");
      writeFileSync(join(dir, "src/.gitignore"), "scratch.ts\n");
      // The watcher reports the new ignore file like any other (the build's scan cached
      // src/'s rules as "none", so without this event scratch.ts would still be indexed).
      await index.updateFile("src/.gitignore");
      writeFileSync(join(dir, "src/scratch.ts"), "export function scratch() {}\n");
      assert.equal(await index.updateFile("node_modules/dep/index.js"), "skipped");
      assert.equal(await index.updateFile("src/scratch.ts"), "skipped");
      assert.equal(await index.updateFile("/etc/hostname"), "skipped");
      assert.ok(!index.tables.definers.has("dep") && !index.tables.definers.has("scratch"));
      // An edited ignore file applies to the next events.
      writeFileSync(join(dir, "src/.gitignore"), "# nothing ignored now\n");
      await index.updateFile("src/.gitignore");
      assert.equal(await index.updateFile("src/scratch.ts"), "parsed");
    } finally {
      cleanup();
    }
  });

  // The editor's watcher names a deleted folder alone, not each file in it: the folder's files
  // stayed indexed, found by locate and listed by the repo map, until the next build.
  it("a folder deleted or renamed away takes its files with it", async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyShop(dir);
      const index = await indexOf(dir);
      assert.ok(index.files.has("src/users/session.ts") && index.files.has("src/payments/stripe.ts"));
      rmSync(join(dir, "src/users"), { recursive: true });
      assert.equal(await index.updateFile("src/users"), "removed");
      renameSync(join(dir, "src/payments"), join(dir, "src/billing"));
      await index.renameFile("src/payments", "src/billing");
      assert.deepEqual([...index.files.keys()].filter((p) => p.startsWith("src/users") || p.startsWith("src/payments")), []);
      assert.ok(!index.tables.definers.has("createSession"));
      assert.equal(index.removeFile("src/payments"), false);
    } finally {
      cleanup();
    }
  });

  // A watcher may name a folder replaced by a file of its name (or the reverse) once, as a
  // change: the files of the folder, or the file, stayed indexed beside what the disk holds.
  it("a folder replaced by a file of its name, and back, keeps only what the disk holds", async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyShop(dir);
      const index = await indexOf(dir);
      rmSync(join(dir, "src/users"), { recursive: true });
      writeFileSync(join(dir, "src/users"), "plain text now\n");
      await index.updateFile("src/users");
      assert.deepEqual([...index.files.keys()].filter((p) => p.startsWith("src/users")), ["src/users"]);
      assert.ok(!index.tables.definers.has("createSession"));
      rmSync(join(dir, "src/users"));
      mkdirSync(join(dir, "src/users"));
      writeFileSync(join(dir, "src/users/login.ts"), "export function logIn(name: string) { return name; }\n");
      assert.equal(await index.updateFile("src/users"), "parsed");
      assert.deepEqual([...index.files.keys()].filter((p) => p.startsWith("src/users")), ["src/users/login.ts"]);
      const fresh = await indexOf(dir);
      assert.deepEqual([...index.files.keys()].sort(), [...fresh.files.keys()].sort());
    } finally {
      cleanup();
    }
  });

  // A folder deleted and made again (a script's rm -rf and copy, a tool regenerating it) is named
  // once as a change, never its old files one by one: those no longer there stayed indexed.
  it("a folder made again with other files, named once as a change, keeps only what it holds now", async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyShop(dir);
      writeFileSync(join(dir, "src/users/avatar.ts"), `export const avatar = "${"x".repeat(9000)}";\n`);
      const index = await indexOf(dir, { limits: { maxFileBytes: 8000 } });
      assert.ok(index.files.has("src/users/session.ts") && index.skipped.has("src/users/avatar.ts"));
      rmSync(join(dir, "src/users"), { recursive: true });
      mkdirSync(join(dir, "src/users"));
      writeFileSync(join(dir, "src/users/login.ts"), "export function logIn(name: string) { return name; }\n");
      writeFileSync(join(dir, "src/users/.gitignore"), "draft.ts\n");
      writeFileSync(join(dir, "src/users/draft.ts"), "export const draft = 1;\n");
      assert.equal(await index.updateFile("src/users"), "parsed");
      const fresh = await indexOf(dir, { limits: { maxFileBytes: 8000 } });
      assert.deepEqual(snapshot(index), snapshot(fresh));
      assert.deepEqual([...index.skipped.keys()], [...fresh.skipped.keys()]);
      assert.ok(!index.tables.definers.has("createSession"));
    } finally {
      cleanup();
    }
  });

  // A folder whose files were all left out (too large, binary) holds no indexed file: deleted, its
  // skips stayed, and the Hearth view went on counting them as left out until the next build.
  it("a folder deleted that held only files left out takes their skips with it", async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyShop(dir);
      mkdirSync(join(dir, "data/dumps"), { recursive: true });
      writeFileSync(join(dir, "data/dumps/big.ts"), `export const rows = "${"x".repeat(400)}";\n`);
      const index = await indexOf(dir, { limits: { maxFileBytes: 300 } });
      assert.deepEqual([...index.skipped.keys()].filter((p) => p.startsWith("data/")), ["data/dumps/big.ts"]);
      rmSync(join(dir, "data"), { recursive: true });
      assert.equal(await index.updateFile("data"), "unchanged");
      assert.deepEqual([...index.skipped.keys()].filter((p) => p.startsWith("data/")), []);
    } finally {
      cleanup();
    }
  });

  // Each delete the watcher names (a checkout removing 10,000 files) must not look at every skip:
  // a repository with 50,000 data files left out as too large made each one cost them all.
  it("a deleted file that is no folder costs no look at the skips", async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyShop(dir);
      mkdirSync(join(dir, "assets"));
      for (let i = 0; i < 20; i++) writeFileSync(join(dir, "assets", `table${i}.ts`), `export const rows = "${"x".repeat(400)}";\n`);
      const index = await indexOf(dir, { limits: { maxFileBytes: 300 } });
      const before = index.skipped.size;
      assert.ok(index.skipped.has("assets/table3.ts"));
      let looks = 0;
      const keys = index.skipped.keys.bind(index.skipped);
      index.skipped.keys = () => (looks++, keys());
      rmSync(join(dir, "assets/table3.ts"));
      index.removeFile("assets/table3.ts");
      index.removeFile("build/output.js");
      assert.deepEqual([looks, index.skipped.size], [0, before - 1]);
      rmSync(join(dir, "assets"), { recursive: true });
      index.removeFile("assets");
      assert.equal(index.skipped.size, before - 20);
    } finally {
      cleanup();
    }
  });

  // A folder renamed while a build runs: the files the build's scan found under the old name were
  // gone when it read them, and each stayed counted as "unreadable" left out until the next build.
  it("a file gone between the build's scan and its read is not counted as unreadable", async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyShop(dir);
      const gone = join(dir, "src/users/session.ts");
      const fs: ScanFs = { ...nodeScanFs, stat: async (abs) => { const info = await nodeScanFs.stat(abs); if (abs === gone) rmSync(abs); return info; } };
      const index = await indexOf(dir, { fs });
      assert.ok(!index.files.has("src/users/session.ts"));
      assert.deepEqual([...index.skipped.keys()], []);
      assert.equal(index.summary().skippedByReason.unreadable, undefined);
    } finally {
      cleanup();
    }
  });

  // The same when the folder was replaced by a file of its name (a branch switch): the read finds
  // no folder on the way (ENOTDIR), and the file was counted as unreadable.
  it("a file whose folder became a file between the build's scan and its read is not counted as unreadable", async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyShop(dir);
      const gone = join(dir, "src/users/session.ts");
      const fs: ScanFs = {
        ...nodeScanFs,
        stat: async (abs) => {
          const info = await nodeScanFs.stat(abs);
          if (abs === gone) {
            rmSync(join(dir, "src/users"), { recursive: true });
            writeFileSync(join(dir, "src/users"), "plain text now\n");
          }
          return info;
        },
      };
      const index = await indexOf(dir, { fs });
      assert.ok(!index.files.has("src/users/session.ts"));
      assert.deepEqual([...index.skipped.keys()], []);
      assert.equal(index.summary().skippedByReason.unreadable, undefined);
    } finally {
      cleanup();
    }
  });

  // A folder renamed, or moved in from outside, is named alone too: it was read as a file,
  // "src/billing unreadable: EISDIR" was shown as left out, and none of its files was indexed.
  it("a folder renamed or moved in brings its files, as the scan would find them", async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyShop(dir);
      writeFileSync(join(dir, "src/payments/.gitignore"), "scratch.ts\n");
      writeFileSync(join(dir, "src/payments/scratch.ts"), "export const scratch = 1;\n");
      const index = await indexOf(dir);
      const before = [...index.files.keys()].filter((p) => p.startsWith("src/payments/")).map((p) => p.slice("src/payments/".length));
      renameSync(join(dir, "src/payments"), join(dir, "src/billing"));
      assert.equal(await index.renameFile("src/payments", "src/billing"), "parsed");
      assert.deepEqual([...index.files.keys()].filter((p) => p.startsWith("src/billing/")).map((p) => p.slice("src/billing/".length)), before);
      assert.deepEqual([...index.skipped.keys()], []);
      assert.ok(index.tables.definers.has("refundCharge"));
      mkdirSync(join(dir, "lib/deep"), { recursive: true });
      writeFileSync(join(dir, "lib/deep/tax.ts"), "export function salesTax(x: number) { return x * 0.2; }\n");
      assert.equal(await index.updateFile("lib"), "parsed");
      assert.ok(index.files.has("lib/deep/tax.ts"));
    } finally {
      cleanup();
    }
  });

  it("an unsaved buffer re-indexes from the text given, and the disk wins again after", async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyShop(dir);
      const index = await indexOf(dir);
      await index.updateFile("src/util/format.ts", "export function formatPercent(x: number) { return `${x}%`; }\n");
      assert.deepEqual(index.files.get("src/util/format.ts")?.definitions.map((d) => d.name), ["formatPercent"]);
      await index.updateFile("src/util/format.ts");
      assert.deepEqual(index.files.get("src/util/format.ts")?.definitions.map((d) => d.name), ["formatPrice", "formatDate"]);
    } finally {
      cleanup();
    }
  });
});

describe("the persistent cache", () => {
  // A clock a minute ahead: the files each test just wrote are long settled, so their stamps are
  // trusted as a restart trusts them (stamps this close to the read are not: stale-cache.test.ts).
  const settled = () => Date.now() + 60_000;
  const open = (root: string, storageDir: string) => new RepoIndex({ root, queriesDir: QUERIES_DIR, storageDir, now: settled });
  /** The shop fixture in `dir`/repo, indexed once into the cache in `dir`/storage: the cache file's name there. */
  const cachedShop = async (dir: string) => {
    const repo = join(dir, "repo");
    const storage = join(dir, "storage");
    cpSync(join(FIXTURES, "shop"), repo, { recursive: true });
    await open(repo, storage).build();
    const [cacheFile] = readdirSync(storage);
    return { repo, storage, cacheFile };
  };

  // 200,000 files ignored by `*.py` kept a skip entry each, in memory and in the cache (8.6 MB
  // for 1 indexed file), though only their count is shown.
  it("counts ignored and excluded paths without keeping an entry for each", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const repo = join(dir, "repo");
      const storage = join(dir, "storage");
      mkdirSync(join(repo, "gen"), { recursive: true });
      mkdirSync(join(repo, "node_modules"));
      writeFileSync(join(repo, ".gitignore"), "*.py\n");
      writeFileSync(join(repo, "main.ts"), "export const main = 1;\n");
      for (let i = 0; i < 500; i++) writeFileSync(join(repo, "gen", `generated_module_${i}.py`), "");
      const first = open(repo, storage);
      const r1 = await first.build();
      assert.deepEqual([r1.skippedByReason.ignored, r1.skippedByReason["excluded-dir"]], [500, 1]);
      assert.deepEqual([...first.skipped.values()].map((s) => s.reason), []);
      const [cacheFile] = readdirSync(storage);
      assert.ok(!readFileSync(join(storage, cacheFile!), "latin1").includes("generated_module_"), "the cache lists ignored files");
      // A restart from the cache counts them again, and one file changed keeps the count.
      const second = open(repo, storage);
      const r2 = await second.build();
      assert.deepEqual([r2.cache, r2.skippedByReason.ignored, r2.skippedByReason["excluded-dir"]], ["hit", 500, 1]);
      writeFileSync(join(repo, "main.ts"), "export const main = 2;\n");
      assert.equal(await second.updateFile("main.ts"), "parsed");
      assert.equal(second.summary().skippedByReason.ignored, 500);
    } finally {
      cleanup();
    }
  });

  // A cache from before ignored paths were only counted lists each one: read, they were dropped,
  // but on an unchanged tree the cache was not written again, so every start read them all again.
  it("writes again a cache from before that lists each ignored path, once, without them", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { repo, storage, cacheFile } = await cachedShop(dir);
      const file = join(storage, cacheFile!);
      const old = deserialize(readFileSync(file)) as { skipped: { path: string; reason: string }[] };
      for (let i = 0; i < 200; i++) old.skipped.push({ path: `gen/generated_module_${i}.py`, reason: "ignored" });
      writeFileSync(file, serialize(old));
      const r = await open(repo, storage).build();
      assert.equal(r.cache, "hit");
      assert.ok(!readFileSync(file, "latin1").includes("generated_module_"), "the cache still lists ignored files");
      const again = await open(repo, storage).build();
      assert.deepEqual([again.cache, again.parsed, again.cacheBytes], ["hit", 0, 0]);
    } finally {
      cleanup();
    }
  });

  it("a restart with an unchanged tree parses nothing and rebuilds the same index", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const repo = join(dir, "repo");
      const storage = join(dir, "storage");
      cpSync(join(FIXTURES, "shop"), repo, { recursive: true });
      // Skipped by content: must not be re-read on restart either.
      writeFileSync(join(repo, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
      const first = open(repo, storage);
      const r1 = await first.build();
      assert.equal(r1.cache, "absent");
      assert.ok(r1.parsed > 0 && r1.cacheBytes > 0);
      const second = open(repo, storage);
      const r2 = await second.build();
      assert.equal(r2.cache, "hit");
      assert.equal(r2.parsed, 0);
      assert.equal(r2.reused, r1.parsed);
      assert.equal(second.skipped.get("logo.png")?.reason, "binary");
      assert.deepEqual(snapshot(second), snapshot(first));
      // Touched but identical: re-hashed, not re-parsed. Changed: re-parsed.
      utimesSync(join(repo, "src/cart.ts"), new Date(), new Date(Date.now() + 5000));
      writeFileSync(join(repo, "src/pricing.ts"), "export function taxFor() { return 0; }\n");
      const r3 = await open(repo, storage).build();
      assert.equal(r3.parsed, 1);
      // Reindex Workspace: everything parsed again, same result.
      const rebuilt = open(repo, storage);
      const r4 = await rebuilt.build({ rebuild: true });
      assert.equal(r4.parsed, r1.parsed);
      assert.equal(r4.cache, "rebuild");
      assert.deepEqual(readdirSync(storage).filter((f) => f.endsWith(".tmp")), []);
    } finally {
      cleanup();
    }
  });

  it("a cache that cannot be written (the storage path is a file; a full disk) leaves a usable index and says why", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const repo = join(dir, "repo");
      cpSync(join(FIXTURES, "shop"), repo, { recursive: true });
      writeFileSync(join(dir, "storage"), "a file where the storage folder should be");
      const index = open(repo, join(dir, "storage", "index"));
      const report = await index.build();
      assert.ok(report.files > 0 && report.definitions > 0);
      assert.equal(report.cacheBytes, 0);
      assert.match(report.cacheError ?? "", /^ENOTDIR/);
      assert.ok(locate(index, "cart total").length > 0);
      // Once the storage is there, the next build writes what the failed one could not.
      rmSync(join(dir, "storage"));
      const next = await index.build();
      assert.equal(next.cacheError, undefined);
      assert.ok(next.cacheBytes > 0);
    } finally {
      cleanup();
    }
  });

  it("a corrupt or version-mismatched cache is rebuilt, never a crash", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { repo, storage, cacheFile } = await cachedShop(dir);
      writeFileSync(join(storage, cacheFile!), "garbage, not a cache");
      const corrupt = await open(repo, storage).build();
      assert.equal(corrupt.cache, "corrupt");
      assert.ok(corrupt.parsed > 0);
      const other = new RepoIndex({ root: repo, queriesDir: QUERIES_DIR, storageDir: storage });
      // Simulate a cache written by another version: a different key for the same file.
      (other as unknown as { cacheKey: Promise<string> }).cacheKey = Promise.resolve("another-version");
      const mismatch = await other.build();
      assert.equal(mismatch.cache, "version-mismatch");
      assert.ok(mismatch.parsed > 0);
    } finally {
      cleanup();
    }
  });

  // A cache that could not be read was reported "absent", which the log reads as a first start.
  it("a cache file that cannot be read is reported so, not as absent, and the log says why in words", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { repo, storage, cacheFile } = await cachedShop(dir);
      rmSync(join(storage, cacheFile!));
      mkdirSync(join(storage, cacheFile!)); // a folder in its place: EISDIR
      const report = await open(repo, storage).build();
      assert.equal(report.cache, "unreadable");
      // The file is named, and what is wrong with it: the user can move that folder away.
      assert.equal(cacheMissMessage(report.cache, report.cacheMissDetail), `the cache was not used: its file ${join(storage, cacheFile!)} could not be read (a folder is in its place); every file is parsed again`);
      assert.equal(cacheMissMessage("hit"), undefined);
    } finally {
      cleanup();
    }
  });
});
