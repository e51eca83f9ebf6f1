/**
 * What opening a cached index costs after a checkout touched every file (same content, new
 * mtime: each file is read to compare its hash), with the touched files read several at a
 * time (as now) and one at a time (as before: the reference, the same code with its reads
 * made to wait for each other), side by side on the same tree, on the local disk and with
 * each read answered `--latency` ms late (a network mount).
 *   node --import tsx test/bench/touched-check.ts [--files N] [--latency MS] [--runs N]
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RepoIndex } from "../../src/indexer/index.ts";
import { nodeScanFs, type ScanFs } from "../../src/indexer/scan-fs.ts";

const QUERIES = fileURLToPath(new URL("../../src/indexer/queries", import.meta.url));
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const FILES = arg("files", 500);
const LATENCY = arg("latency", 2);
const RUNS = arg("runs", 3);

/** Node's calls; reads `latencyMs` late, and one at a time when `serial`. */
function layer(latencyMs: number, serial: boolean): ScanFs {
  let queue: Promise<unknown> = Promise.resolve();
  const late = async (abs: string, maxBytes: number) => {
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    return nodeScanFs.readFile(abs, maxBytes);
  };
  return {
    ...nodeScanFs,
    readFile: (abs, maxBytes) => {
      if (!serial) return late(abs, maxBytes);
      const read = queue.then(() => late(abs, maxBytes));
      queue = read.catch(() => undefined);
      return read;
    },
  };
}

async function openTouched(root: string, storageDir: string, fs: ScanFs): Promise<number> {
  const stamp = new Date(Date.now() + Math.random() * 1e9);
  for (let i = 0; i < FILES; i++) utimesSync(join(root, `src/f${i}.ts`), stamp, stamp);
  const index = new RepoIndex({ root, queriesDir: QUERIES, history: false, storageDir, fs });
  const start = performance.now();
  const report = await index.build();
  const ms = performance.now() - start;
  await index.close();
  if (report.parsed !== 0 || report.reused !== FILES) throw new Error(`expected every file reused: ${report.parsed} parsed, ${report.reused} reused`);
  return ms;
}

const dir = mkdtempSync(join(tmpdir(), "hearth-touched-"));
try {
  const root = join(dir, "repo");
  const storageDir = join(dir, "storage");
  mkdirSync(join(root, "src"), { recursive: true });
  for (let i = 0; i < FILES; i++) writeFileSync(join(root, `src/f${i}.ts`), `export function f${i}(x: number): number {\n  return x + ${i};\n}\n`);
  const first = new RepoIndex({ root, queriesDir: QUERIES, history: false, storageDir });
  await first.build();
  await first.close();
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const latency of [0, LATENCY]) {
    const times = { serial: [] as number[], batched: [] as number[] };
    for (let r = 0; r < RUNS; r++) {
      times.serial.push(await openTouched(root, storageDir, layer(latency, true)));
      times.batched.push(await openTouched(root, storageDir, layer(latency, false)));
    }
    const where = latency === 0 ? "local disk" : `reads ${latency} ms late`;
    console.log(`${FILES} touched files, ${where}: one at a time ${median(times.serial).toFixed(0)} ms, several at a time ${median(times.batched).toFixed(0)} ms (median of ${RUNS})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
