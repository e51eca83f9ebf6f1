import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RepoIndex, type RepoIndexOptions } from "../../../src/indexer/index.ts";
import { nodeScanFs, type ScanFs } from "../../../src/indexer/scan-fs.ts";
import { QUERIES_DIR, tempDir } from "./helpers/setup.ts";

/**
 * A restart trusts a cached record whose file shows the same size and stamps as when it was
 * read. Stamps that do not prove the file unchanged must not be trusted: a modification time
 * put back (touch -d, cp -p, rsync -t, tar x), and one that a second save within the file
 * system's timestamp granularity left as it was.
 */
describe("a cached record is trusted only when the file's stamps prove it unchanged", () => {
  const open = (root: string, storageDir: string, extra: Partial<RepoIndexOptions> = {}) =>
    new RepoIndex({ root, queriesDir: QUERIES_DIR, storageDir, history: false, ...extra });
  const names = (index: RepoIndex, path: string) => index.files.get(path)?.definitions.map((d) => d.name);

  /** A repository at `dir`/repo holding src/a.ts (`alpha`), and a cache folder beside it. */
  function oneFileRepo(dir: string): { repo: string; storage: string; file: string } {
    const repo = join(dir, "repo");
    mkdirSync(join(repo, "src"), { recursive: true });
    const file = join(repo, "src/a.ts");
    writeFileSync(file, "export function alpha() {}\n");
    return { repo, storage: join(dir, "storage"), file };
  }

  /** Node's file calls, but each file's stamps as a file system would show them, from its real mtime. */
  function stampedAs(mtime: (mtimeMs: number) => number, ctime: (mtimeMs: number) => number): ScanFs {
    return {
      ...nodeScanFs,
      stat: async (abs) => {
        const info = await nodeScanFs.stat(abs);
        return info.isFile() ? { size: info.size, mtimeMs: mtime(info.mtimeMs), ctimeMs: ctime(info.mtimeMs), isFile: () => true, isDirectory: () => false } : info;
      },
    };
  }

  it("a file changed with its size and modification time put back (touch -d, cp -p, rsync -t) is read again on the next start", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { repo, storage, file } = oneFileRepo(dir);
      const old = new Date("2024-03-01T10:00:00Z");
      utimesSync(file, old, old);
      // A clock an hour ahead: every stamp is long past, so only the stamps themselves can tell.
      const later = () => Date.now() + 3_600_000;
      const first = open(repo, storage, { now: later });
      await first.build();
      assert.deepEqual(names(first, "src/a.ts"), ["alpha"]);
      // The same number of bytes, and the old modification time put back, as cp -p or rsync -t do.
      writeFileSync(file, "export function bravo() {}\n");
      utimesSync(file, old, old);
      assert.equal(statSync(file).mtimeMs, first.files.get("src/a.ts")?.mtimeMs);
      const second = open(repo, storage, { now: later });
      const report = await second.build();
      assert.equal(report.cache, "hit");
      assert.deepEqual(names(second, "src/a.ts"), ["bravo"], "the index kept the file's old content");
      // Nothing changed since: the next start reads no file (its stamps are long past the read).
      const third = open(repo, storage, { now: later });
      const again = await third.build();
      assert.deepEqual([again.parsed, again.cacheBytes], [0, 0]);
      assert.deepEqual(names(third, "src/a.ts"), ["bravo"]);
    } finally {
      cleanup();
    }
  });

  it("a file saved twice within its file system's timestamp granularity is read again on the next start", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { repo, storage, file } = oneFileRepo(dir);
      // A file system with whole-second stamps (HFS+, ext3, NFSv3, many FUSE mounts): both saves,
      // and the build's read between them, fall in the same second and show the same stamps.
      const second = Math.floor(Date.now() / 1000) * 1000;
      const coarse = stampedAs(() => second, () => second);
      const clock = () => second + 400;
      const first = open(repo, storage, { fs: coarse, now: clock });
      await first.build();
      assert.deepEqual(names(first, "src/a.ts"), ["alpha"]);
      writeFileSync(file, "export function bravo() {}\n");
      const next = open(repo, storage, { fs: coarse, now: clock });
      await next.build();
      assert.deepEqual(names(next, "src/a.ts"), ["bravo"], "the index kept the content of the first save");
      // Read at a time its stamps are past: trusted from then on, read no more.
      const much = () => second + 3_600_000;
      const settled = open(repo, storage, { fs: coarse, now: much });
      await settled.build();
      const reads: string[] = [];
      const counting: ScanFs = { ...coarse, readFile: (abs, max) => (reads.push(abs), coarse.readFile(abs, max)) };
      const last = await open(repo, storage, { fs: counting, now: much }).build();
      assert.deepEqual([last.parsed, reads], [0, []]);
    } finally {
      cleanup();
    }
  });

  it("a file with a modification time in the future (another machine's clock) is read again until its time has passed", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { repo, storage, file } = oneFileRepo(dir);
      const ahead = new Date(Date.now() + 86_400_000);
      utimesSync(file, ahead, ahead);
      // Stamps a file system keeping no change time of its own reports (ctime = mtime, some FUSE mounts).
      const noCtime = stampedAs((mtimeMs) => mtimeMs, (mtimeMs) => mtimeMs);
      const first = open(repo, storage, { fs: noCtime });
      await first.build();
      writeFileSync(file, "export function bravo() {}\n");
      utimesSync(file, ahead, ahead); // a tool that keeps the time it was given (tar x of the same archive's newer copy)
      const next = open(repo, storage, { fs: noCtime });
      await next.build();
      assert.deepEqual(names(next, "src/a.ts"), ["bravo"]);
    } finally {
      cleanup();
    }
  });
});
