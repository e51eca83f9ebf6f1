/**
 * One measurement of the indexer in a fresh process (so peak RSS is the indexer's own),
 * driven by indexer.ts. Prints one JSON line on stdout.
 *   node --import tsx test/bench/indexer-child.ts <mode> <root> <storageDir>
 * mode: "cold" (full build, no cache) | "restart" (build over an existing cache) |
 *       "incremental" (load the cache, then time one-file updates and queries).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RepoIndex, locate } from "../../src/indexer/index.ts";

const [mode, root, storageDir] = process.argv.slice(2) as [string, string, string];
const QUERIES = fileURLToPath(new URL("../../src/indexer/queries", import.meta.url));
// The worker entry bundled as the extension ships it (see indexer.ts), so worker start-up is
// not tsx compiling TypeScript in every thread.
const WORKER = process.env.HEARTH_BENCH_WORKER ? new URL(`file://${process.env.HEARTH_BENCH_WORKER}`) : new URL("../unit/indexer/helpers/tsx-worker.mjs", import.meta.url);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const index = new RepoIndex({
    root,
    queriesDir: QUERIES,
    storageDir,
    workers: { script: WORKER, count: 2 },
    // The bench tree is made of dependencies: index them like a source tree.
    limits: { excludeDirs: [".git"] },
  });
  const started = performance.now();
  const report = await index.build();
  const wallMs = performance.now() - started;
  const result: Record<string, unknown> = { mode, wallMs, report, maxRssMb: process.resourceUsage().maxRSS / 1024 };
  if (mode === "incremental") Object.assign(result, await incremental(index));
  await index.close();
  process.stdout.write(JSON.stringify(result) + "\n");
}

/** Times one-file updates (an edit that adds a function) on 60 files spread over the tree. */
async function incremental(index: RepoIndex): Promise<Record<string, number>> {
  // Updates happen while someone types, long after start-up: measure them warm.
  await index.ready();
  const paths = [...index.files.values()].filter((r) => r.language !== null && r.size > 500 && r.size < 64 * 1024).map((r) => r.path);
  const step = Math.max(1, Math.floor(paths.length / 60));
  const updates: number[] = [];
  const queries: number[] = [];
  for (let i = 0; i < paths.length && updates.length < 60; i += step) {
    const path = paths[i]!;
    const text = readFileSync(join(index.root, path), "utf8") + `\n// edited\nfunction benchEdited${i}() { return ${i}; }\n`;
    let t = performance.now();
    await index.updateFile(path, text);
    updates.push(performance.now() - t);
    t = performance.now();
    locate(index, `benchEdited${i} returns the wrong value after the edit`, { top: 10 });
    queries.push(performance.now() - t);
  }
  return {
    updates: updates.length,
    updateP50Ms: percentile(updates, 50),
    updateP95Ms: percentile(updates, 95),
    queryAfterUpdateP50Ms: percentile(queries, 50),
    queryAfterUpdateP95Ms: percentile(queries, 95),
  };
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err) + "\n");
  process.exit(1);
});
