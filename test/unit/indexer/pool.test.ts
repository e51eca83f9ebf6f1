import { describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { constants, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { join, relative, sep } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { RepoIndex } from "../../../src/indexer/index.ts";
import { WorkerPool } from "../../../src/indexer/pool.ts";
import { IndexClient } from "../../../src/indexer/index-client.ts";
import { FIXTURES, QUERIES_DIR, TSX_WORKER, indexOf, tempDir } from "./helpers/setup.ts";

const STALLING_WORKER = new URL("./helpers/stalling-worker.mjs", import.meta.url);

describe("parsing in worker threads", () => {
  it("gives the same records as parsing on the calling thread", async () => {
    const root = join(FIXTURES, "langs");
    const inline = await indexOf(root);
    const pooled = new RepoIndex({ root, queriesDir: QUERIES_DIR, workers: { script: TSX_WORKER, count: 1 } });
    try {
      const report = await pooled.build();
      assert.equal(report.files, inline.files.size);
      for (const [path, record] of inline.files) assert.deepEqual(pooled.files.get(path), record);
    } finally {
      await pooled.close();
    }
  });

  it("a file that ends its worker is the only one lost: the others of its batches are parsed again, one at a time", async () => {
    const { dir, cleanup } = tempDir();
    try {
      // The real worker entry, ending its thread when a batch holds poison.ts (a grammar crash, out of memory).
      const script = join(dir, "poisoned.mjs");
      writeFileSync(
        script,
        [
          'import { parentPort } from "node:worker_threads";',
          "const on = parentPort.on.bind(parentPort);",
          'parentPort.on = (event, listener) => on(event, (m) => (m.jobs?.some((j) => j.path === "poison.ts") ? process.exit(3) : listener(m)));',
          `await import(${JSON.stringify(TSX_WORKER.href)});`,
        ].join("\n"),
      );
      const names = ["a.ts", "b.ts", "poison.ts", "c.ts", "d.ts", "e.ts"];
      for (const name of names) writeFileSync(join(dir, name), `export function ${name.replace(".ts", "")}Fn() {}\n`);
      const settings = { maxFileBytes: 1e6, parseTimeoutMs: 1000, maxWords: 10 };
      const pool = new WorkerPool({ script: pathToFileURL(script), count: 1 }, QUERIES_DIR, settings);
      const outcomes = await Promise.all(names.map((path) => pool.parse({ path, absPath: join(dir, path), mtimeMs: 0 })));
      await pool.close();
      assert.deepEqual(
        outcomes.map((o) => (o.ok ? o.record.definitions.map((d) => d.name).join() : `${o.skip.path}: ${o.skip.reason}`)),
        ["aFn", "bFn", "poison.ts: parse-error", "cFn", "dFn", "eFn"],
      );
    } finally {
      cleanup();
    }
  });

  it("a worker that dies fails only its files, as parse-error, and is replaced", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const script = join(dir, "crash.mjs");
      writeFileSync(script, 'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => process.exit(3));\n');
      const settings = { maxFileBytes: 1e6, parseTimeoutMs: 1000, maxWords: 10 };
      const pool = new WorkerPool({ script: pathToFileURL(script), count: 1 }, QUERIES_DIR, settings);
      const outcomes = await Promise.all(["a.ts", "b.ts", "c.ts"].map((path) => pool.parse({ path, absPath: join(dir, path), mtimeMs: 0 })));
      await pool.close();
      for (const o of outcomes) assert.equal(!o.ok && o.skip.reason, "parse-error");
    } finally {
      cleanup();
    }
  });

  it("a worker entry that cannot start (a grammar's binding that does not load) fails the files at once with why, instead of starting threads for ever", async () => {
    const { dir, cleanup } = tempDir();
    try {
      // Each start leaves a line, then the entry throws as a native module built for another Node.js does.
      const starts = join(dir, "starts.log");
      const script = join(dir, "broken.mjs");
      writeFileSync(script, `import { appendFileSync } from "node:fs";\nappendFileSync(${JSON.stringify(starts)}, "started\\n");\nthrow new Error("tree_sitter_runtime_binding.node was compiled against a different Node.js version");\n`);
      const settings = { maxFileBytes: 1e6, parseTimeoutMs: 1000, maxWords: 10 };
      const pool = new WorkerPool({ script: pathToFileURL(script), count: 1 }, QUERIES_DIR, settings);
      const outcomes = await Promise.all(["a.ts", "b.ts", "c.ts"].map((path) => pool.parse({ path, absPath: join(dir, path), mtimeMs: 0 })));
      const later = await pool.parse({ path: "d.ts", absPath: join(dir, "d.ts"), mtimeMs: 0 });
      await pool.close();
      const why = "parse threads could not start: Error: tree_sitter_runtime_binding.node was compiled against a different Node.js version";
      assert.deepEqual([...outcomes, later].map((o) => !o.ok && `${o.skip.path} ${o.skip.reason}: ${o.skip.detail}`), ["a.ts", "b.ts", "c.ts", "d.ts"].map((path) => `${path} parse-error: ${why}`));
      assert.equal(readFileSync(starts, "utf8").split("\n").filter(Boolean).length, 3, "three starts, then no more");
    } finally {
      cleanup();
    }
  });
});

/**
 * A build of `dir`/repo whose parse threads read files on a mount that stops answering: the
 * worker entry holds each read under `mnt/` in a child process until `release` ends it;
 * `entered(path)` resolves once a thread is held in that read.
 */
function stallingBuild(dir: string): { root: string; index: RepoIndex; entered: (path: string) => Promise<void>; release: () => void } {
  const { root, script, entered, release } = stallingMount(dir);
  const index = new RepoIndex({ root, queriesDir: QUERIES_DIR, history: false, workers: { script: pathToFileURL(script), count: 1 } });
  return { root, index, entered, release };
}

/**
 * `dir`/repo with a mnt/ folder whose reads by parse threads never answer, and the worker
 * entry that does so (an index thread started from it is the real one).
 */
function stallingMount(dir: string): { root: string; script: string; entered: (path: string) => Promise<void>; release: () => void } {
  const root = join(dir, "repo");
  mkdirSync(join(root, "mnt"), { recursive: true });
  const notify = join(dir, "notify.fifo");
  execFileSync("mkfifo", [notify]);
  const script = join(dir, "stalling.mjs");
  writeFileSync(
    script,
    [
      'import { workerData } from "node:worker_threads";',
      `globalThis.hearthStall = ${JSON.stringify({ under: `${sep}mnt${sep}`, notify })};`,
      `await import(workerData.role === "index" ? ${JSON.stringify(TSX_WORKER.href)} : ${JSON.stringify(STALLING_WORKER.href)});`,
    ].join("\n"),
  );
  const arrived = new Map<string, () => void>();
  const arrivals = new Map<string, Promise<void>>();
  const arrival = (path: string): Promise<void> => {
    if (!arrivals.has(path)) arrivals.set(path, new Promise<void>((now) => arrived.set(path, now)));
    return arrivals.get(path)!;
  };
  // Opened for reading and writing: never blocks, and never reads an end while it is open.
  const input = new Socket({ fd: openSync(notify, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
  const lines = createInterface({ input });
  const held: number[] = [];
  lines.on("line", (line) => {
    const [pid, abs] = [Number(line.slice(0, line.indexOf(" "))), line.slice(line.indexOf(" ") + 1)];
    held.push(pid);
    const path = relative(root, abs).split(sep).join("/");
    void arrival(path);
    arrived.get(path)?.();
  });
  const release = (): void => {
    lines.close();
    input.destroy();
    for (const pid of held) process.kill(pid);
  };
  return { root, script, entered: arrival, release };
}

describe("a build on a mount that stops answering", () => {
  // Parse threads read files synchronously: one file whose read never answers held its
  // thread, and with it the build, for good (the Hearth view said "indexing" for ever).
  it("a file whose read has no answer in 10 s is reported unreadable: timed out, and the others are indexed", async () => {
    const { dir, cleanup } = tempDir();
    mock.timers.enable({ apis: ["setInterval"] });
    const { root, index, entered, release } = stallingBuild(dir);
    try {
      for (const file of ["a.ts", "b.ts", "mnt/remote.ts", "z.ts"]) writeFileSync(join(root, file), "export const A = 1;\n");
      const building = index.build();
      await entered("mnt/remote.ts");
      mock.timers.tick(10_000);
      mock.timers.tick(10_000);
      const report = await building;
      const skip = index.skipped.get("mnt/remote.ts");
      assert.equal(`${skip?.reason}: ${skip?.detail}`, "unreadable: timed out: no answer in 10 s (a stalled network mount?)");
      assert.equal(report.skippedByReason.unreadable, 1, "counted where the Hearth view reads it");
      assert.deepEqual([...index.files.keys()].sort(), ["a.ts", "b.ts", "z.ts"]);
    } finally {
      mock.timers.reset();
      release();
      await index.close();
      cleanup();
    }
  });

  it("files sent beside a read that had no answer are tried again in a fresh thread, even once two threads are held", async () => {
    const { dir, cleanup } = tempDir();
    mock.timers.enable({ apis: ["setInterval"] });
    const { root, index, entered, release } = stallingBuild(dir);
    try {
      // One batch: a.ts, b.ts and z.ts are read, then mnt/r1.ts holds the thread; they go again
      // beside mnt/r2.ts, which holds the second. They were read twice and never answered for.
      for (const file of ["a.ts", "b.ts", "z.ts", "mnt/r1.ts", "mnt/r2.ts"]) writeFileSync(join(root, file), "export const A = 1;\n");
      const building = index.build();
      for (const path of ["mnt/r1.ts", "mnt/r2.ts"]) {
        await entered(path);
        mock.timers.tick(10_000);
        mock.timers.tick(10_000);
      }
      const report = await building;
      assert.deepEqual([...index.files.keys()].sort(), ["a.ts", "b.ts", "z.ts"]);
      assert.deepEqual(report.skippedByReason, { unreadable: 2 });
    } finally {
      mock.timers.reset();
      release();
      await index.close();
      cleanup();
    }
  });

  it("closing while a thread is held in a read returns after the grace, leaving the thread to end with the read, and says so", async () => {
    const { dir, cleanup } = tempDir();
    mock.timers.enable({ apis: ["setInterval", "setTimeout"] });
    const { root, index, entered, release } = stallingBuild(dir);
    try {
      for (const file of ["a.ts", "mnt/remote.ts"]) writeFileSync(join(root, file), "export const A = 1;\n");
      const building = index.build();
      await entered("mnt/remote.ts");
      // Asked to close before the read was found stuck (a window closed on a stalled mount).
      const closing = index.close();
      mock.timers.tick(5_000);
      assert.equal(await closing, "1 parse thread is held in a read with no answer (a stalled network mount?): it ends when the read returns");
      await building.catch(() => undefined);
    } finally {
      mock.timers.reset();
      release();
      cleanup();
    }
  });

  it("closing an index thread whose parse thread is held in a read returns, with the line the runtime logs", async () => {
    const { dir, cleanup } = tempDir();
    const { root, script, entered, release } = stallingMount(dir);
    // The index thread's own exit waits for the held parse thread (node joins the threads it
    // started): the client answers once the thread has closed, not once it is gone.
    const client = new IndexClient({ root, queriesDir: QUERIES_DIR, history: false, workerScript: script, parseWorkers: 1 });
    try {
      writeFileSync(join(root, "mnt/remote.ts"), "export const A = 1;\n");
      const building = client.build().catch(() => undefined);
      await entered("mnt/remote.ts");
      // The pool's grace for a thread asked to close runs on the index thread's real clock (5 s).
      assert.equal(await client.close(), "1 parse thread is held in a read with no answer (a stalled network mount?): it ends when the read returns");
      await building;
    } finally {
      release();
      cleanup();
    }
  });

  it("once two threads are held by reads with no answer, the files left are reported not tried instead of holding a thread each (a mate of a held read gets one try more)", async () => {
    const { dir, cleanup } = tempDir();
    mock.timers.enable({ apis: ["setInterval"] });
    const { root, index, entered, release } = stallingBuild(dir);
    try {
      for (const file of ["mnt/r1.ts", "mnt/r2.ts", "mnt/r3.ts", "mnt/r4.ts"]) writeFileSync(join(root, file), "export const A = 1;\n");
      const building = index.build();
      // All four go in one batch: r2, r3 and r4 are mates of r1's read, then r3 and r4 of r2's,
      // so r3 gets its one try past the limit (a third thread held) and r4, its mate again, none.
      for (const path of ["mnt/r1.ts", "mnt/r2.ts", "mnt/r3.ts"]) {
        await entered(path);
        mock.timers.tick(10_000);
        mock.timers.tick(10_000);
      }
      await building;
      const skips = ["mnt/r1.ts", "mnt/r2.ts", "mnt/r3.ts", "mnt/r4.ts"].map((path) => `${path} ${index.skipped.get(path)?.reason}: ${index.skipped.get(path)?.detail}`);
      const notTried = "unreadable: not tried: 3 earlier reads had no answer in 10 s (a stalled network mount?)";
      assert.deepEqual(skips, [
        "mnt/r1.ts unreadable: timed out: no answer in 10 s (a stalled network mount?)",
        "mnt/r2.ts unreadable: timed out: no answer in 10 s (a stalled network mount?)",
        "mnt/r3.ts unreadable: timed out: no answer in 10 s (a stalled network mount?)",
        `mnt/r4.ts ${notTried}`,
      ]);
      assert.equal(index.files.size, 0);
    } finally {
      mock.timers.reset();
      release();
      await index.close();
      cleanup();
    }
  });
});
