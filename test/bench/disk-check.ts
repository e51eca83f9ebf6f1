/**
 * What the runtime's check of the disk (every 5 minutes, for changes no watcher event named)
 * costs on an unchanged tree, and what the first start after the cache began keeping ctimes
 * costs (a cache whose records have none: each file hashed once, none parsed), against the
 * first full build of the same tree in the same run. Also the longest the event loop went
 * without a turn in each (what a request queued meanwhile waits, parses running on this thread
 * between yields). One process, one generated tree of small TypeScript files.
 *   node --import tsx test/bench/disk-check.ts [--files N]
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { RepoIndex } from "../../src/indexer/index.ts";
import { tempDir } from "../fixtures/temp.ts";

const QUERIES_DIR = join(import.meta.dirname, "../../src/indexer/queries");

interface Measure {
  readonly label: string;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly stallMs: number;
  readonly parsed: number;
}

async function measure(label: string, index: RepoIndex): Promise<Measure> {
  let stallMs = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 1);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const report = await index.build();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  clearInterval(ticker);
  return { label, wallMs, cpuMs: (used.user + used.system) / 1000, stallMs, parsed: report.parsed };
}

/** A cache as a Hearth before ctimes were kept wrote it: the same records without `ctimeMs`. */
function dropCtimes(storageDir: string): void {
  const name = readdirSync(storageDir).find((n) => n.endsWith(".bin"));
  if (!name) throw new Error(`no cache was written in ${storageDir}`);
  const file = join(storageDir, name);
  const data = deserialize(readFileSync(file)) as { files: { ctimeMs?: number }[] };
  for (const record of data.files) delete record.ctimeMs;
  writeFileSync(file, serialize(data));
}

function parseFiles(argv: readonly string[]): number {
  const at = argv.indexOf("--files");
  const n = at >= 0 ? Number(argv[at + 1]) : 10_000;
  if (!Number.isInteger(n) || n < 100) throw new Error("--files takes a whole number of at least 100");
  return n;
}

async function main(): Promise<void> {
  const files = parseFiles(process.argv.slice(2));
  const root = tempDir("hearth-bench-disk-check-tree-");
  const storageDir = tempDir("hearth-bench-disk-check-cache-");
  try {
    for (let d = 0; d < files / 100; d++) {
      mkdirSync(join(root, `d${d}`));
      for (let f = 0; f < 100; f++) writeFileSync(join(root, `d${d}`, `f${f}.ts`), `export function fn_${d}_${f}(x: number): number {\n  return x + ${f};\n}\n`);
    }
    // A minute ahead: the files just written count as settled, as a tree's files are at a check.
    const open = () => new RepoIndex({ root, queriesDir: QUERIES_DIR, history: false, storageDir, now: () => Date.now() + 60_000 });
    const index = open();
    const rows = [await measure("first build (reference: every file parsed)", index)];
    rows.push(await measure("the 5-minute check, unchanged tree (same index)", index));
    rows.push(await measure("start from the cache, unchanged tree", open()));
    dropCtimes(storageDir);
    rows.push(await measure("first start after the upgrade (a cache without ctimes)", open()));
    rows.push(await measure("the start after that", open()));
    const reference = rows[0]!;
    console.log(`disk check on ${files.toLocaleString("en-US")} files, Node ${process.version}, load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
    console.log("| measure | wall | CPU | files parsed | longest stall | wall / first build |");
    console.log("|---|---|---|---|---|---|");
    for (const r of rows) console.log(`| ${r.label} | ${r.wallMs.toFixed(0)} ms | ${r.cpuMs.toFixed(0)} ms | ${r.parsed} | ${r.stallMs.toFixed(0)} ms | ${(r.wallMs / reference.wallMs).toFixed(3)}× |`);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(storageDir, { recursive: true, force: true });
  }
}

await main();
