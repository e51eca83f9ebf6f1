import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { RepoIndex } from "../../../src/indexer/index.ts";
import { WorkerPool } from "../../../src/indexer/pool.ts";
import { FIXTURES, QUERIES_DIR, TSX_WORKER, indexOf, tempDir } from "./helpers/setup.ts";

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
});
