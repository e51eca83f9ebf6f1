/**
 * What a scan of one folder of many small files (a generated dataset nobody listed in
 * .gitignore) costs with the file calls in flight bounded (64, the default) and with none
 * (every stat of the folder at once, as before), side by side on the same tree. Each scan
 * runs in a process of its own, so its peak RSS is its own.
 *   node --import tsx test/bench/scan-load.ts [--files N] [--runs N]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_LIMITS } from "../../src/indexer/index.ts";
import { scanRepository } from "../../src/indexer/scan.ts";

interface Run {
  ms: number;
  rssMb: number;
  files: number;
}

async function child(root: string, maxCallsInFlight: number): Promise<void> {
  const start = performance.now();
  const scan = await scanRepository(root, { ...DEFAULT_LIMITS, maxFiles: Infinity, maxCallsInFlight });
  const run: Run = { ms: performance.now() - start, rssMb: process.resourceUsage().maxRSS / 1024, files: scan.files.length };
  process.stdout.write(JSON.stringify(run));
}

function measure(root: string, maxCallsInFlight: number): Run {
  const out = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", root, String(maxCallsInFlight)], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`the scan failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as Run;
}

function parseArgs(argv: readonly string[]): { files: number; runs: number } {
  const args = { files: 200_000, runs: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, "");
    const value = Number(argv[i + 1]);
    if ((key === "files" || key === "runs") && Number.isInteger(value) && value > 0) args[key] = value;
    else throw new Error(`Unknown or invalid argument ${JSON.stringify(argv[i])}: use --files N and --runs N.`);
  }
  return args;
}

if (process.argv[2] === "--child") await child(process.argv[3]!, Number(process.argv[4]));
else {
  const args = parseArgs(process.argv.slice(2));
  const base = mkdtempSync(join(tmpdir(), "hearth-scan-load-"));
  try {
    mkdirSync(join(base, "src"));
    writeFileSync(join(base, "src/app.py"), "def main(): pass\n");
    mkdirSync(join(base, "data"));
    for (let i = 0; i < args.files; i++) writeFileSync(join(base, "data", `s${i}.json`), `{"i":${i}}\n`);
    const rows: string[] = [];
    for (let r = 0; r < args.runs; r++) {
      // Alternated, so that neither always scans a colder cache.
      for (const [label, max] of (r % 2 === 0 ? [["all at once (before)", Infinity], ["at most 64 in flight", 64]] : [["at most 64 in flight", 64], ["all at once (before)", Infinity]]) as [string, number][]) {
        const run = measure(base, max);
        if (run.files !== args.files + 1) throw new Error(`${label}: ${run.files} files kept, expected ${args.files + 1}`);
        rows.push(`| ${r + 1} | ${label} | ${(run.ms / 1000).toFixed(2)} s | ${run.rssMb.toFixed(0)} MB |`);
      }
    }
    console.log(`one folder of ${args.files} small files beside src/; Node ${process.version}; each scan in its own process`);
    console.log("| run | stats in flight | scan | peak RSS |");
    console.log("|---|---|---|---|");
    for (const row of rows) console.log(row);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
