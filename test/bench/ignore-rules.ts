/**
 * What a long .gitignore costs a scan: a generated one of plain names (a build that lists
 * every file it writes) beside the same rules written as patterns, in the same run, on the
 * same tree. Plain names are looked up (`IgnoreRules`); patterns run one by one against
 * every path, which is what every rule cost before.
 *   node --import tsx test/bench/ignore-rules.ts [--rules N] [--files N] [--runs N]
 *
 * `[g]enerated_1.js` matches exactly what `generated_1.js` does, but as a pattern.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LIMITS } from "../../src/indexer/index.ts";
import { scanRepository } from "../../src/indexer/scan.ts";

interface Args {
  rules: number;
  files: number;
  runs: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { rules: 20_000, files: 2_000, runs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    const key = argv[i]?.replace(/^--/, "");
    if ((key === "rules" || key === "files" || key === "runs") && Number.isInteger(value) && value > 0) (args[key] = value), i++;
    else throw new Error(`Unknown or invalid argument ${JSON.stringify(argv[i])}: use --rules N, --files N and --runs N.`);
  }
  return args;
}

/** A tree of `files` source files in 20 folders, and a .gitignore of `rules` names (every tenth file's among them). */
function makeTree(root: string, args: Args, asPatterns: boolean): void {
  for (let d = 0; d < 20; d++) mkdirSync(join(root, `pkg${d}`), { recursive: true });
  for (let i = 0; i < args.files; i++) writeFileSync(join(root, `pkg${i % 20}`, `${i % 10 === 0 ? "generated" : "module"}_${i}.js`), `export const v${i} = ${i};\n`);
  const names = Array.from({ length: args.rules }, (_, i) => `generated_${i}.js`);
  const lines = asPatterns ? names.map((n) => `[${n[0]}]${n.slice(1)}`) : names;
  writeFileSync(join(root, ".gitignore"), ["*.log", "/dist", ...lines, "!generated_0.js"].join("\n") + "\n");
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeScan(root: string, runs: number): Promise<{ ms: number; files: number }> {
  const times: number[] = [];
  let files = 0;
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const scan = await scanRepository(root, DEFAULT_LIMITS);
    times.push(performance.now() - start);
    files = scan.files.length;
  }
  return { ms: median(times), files };
}

const args = parseArgs(process.argv.slice(2));
const base = mkdtempSync(join(tmpdir(), "hearth-ignore-bench-"));
try {
  const plain = join(base, "plain");
  const patterns = join(base, "patterns");
  makeTree(plain, args, false);
  makeTree(patterns, args, true);
  const a = await timeScan(plain, args.runs);
  const b = await timeScan(patterns, args.runs);
  if (a.files !== b.files) throw new Error(`the two rule files kept different files: ${a.files} and ${b.files}`);
  console.log(`${args.files} files, a .gitignore of ${args.rules} rules; median of ${args.runs} scans; ${a.files} files kept by both`);
  console.log(`| rules written as | scan | × plain names |`);
  console.log(`|---|---|---|`);
  console.log(`| plain names (looked up) | ${a.ms.toFixed(0)} ms | 1.00× |`);
  console.log(`| patterns (run one by one, as every rule was before) | ${b.ms.toFixed(0)} ms | ${(b.ms / a.ms).toFixed(2)}× |`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
