/**
 * Indexer benchmark: Hearth's indexer next to Universal Ctags on the same tree, in one run.
 *   node --import tsx test/bench/indexer.ts [--tree DIR]... [--synthetic N] [--skip-real]
 * Default tree: this checkout's node_modules plus the VS Code sources inside the
 * code-server package the e2e setup installs (~/.cache/hearth-e2e/code-server), when present.
 * Prints a Markdown table; figures are ratios measured side by side, never assertions.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, homedir, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./indexer-child.ts", import.meta.url));
const SOURCE_EXT = /\.(ts|tsx|js|jsx|mjs|cjs|py|go|rs|java|c|h|cc|cpp|hpp)$/;

interface ChildResult {
  wallMs: number;
  maxRssMb: number;
  report: { files: number; parsed: number; reused: number; cacheBytes: number; definitions: number; references: number; cache: string; parseTimeouts: number; skippedByReason: Record<string, number> };
  updateP50Ms?: number;
  updateP95Ms?: number;
  queryAfterUpdateP50Ms?: number;
  queryAfterUpdateP95Ms?: number;
}

/**
 * Bundles the worker entry the way the extension build should (ESM, native packages external),
 * into node_modules/.cache so that `require("tree-sitter")` resolves from there.
 */
async function bundleWorker(): Promise<string> {
  const esbuild = await import("esbuild");
  const outfile = fileURLToPath(new URL("../../node_modules/.cache/hearth-bench/indexer-worker.mjs", import.meta.url));
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL("../../src/indexer/worker-entry.ts", import.meta.url))],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["tree-sitter", "tree-sitter-*"],
    banner: { js: "import { createRequire as __cr } from 'node:module';\nconst require = __cr(import.meta.url);" },
    logLevel: "warning",
  });
  return outfile;
}

let workerBundle = "";

function runChild(mode: string, root: string, storage: string): ChildResult {
  const env = { ...process.env, HEARTH_BENCH_WORKER: workerBundle };
  const out = execFileSync(process.execPath, ["--import", "tsx", CHILD, mode, root, storage], { env, encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out.trim().split("\n").pop()!) as ChildResult;
}

function timeCtags(root: string, work: string): { wallMs: number; tags: number; maxRssMb: number } {
  const tagsFile = join(work, "tags");
  const started = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", "ctags", "-R", "--links=yes", "-f", tagsFile, root], { encoding: "utf8", maxBuffer: 1 << 28 });
  const wallMs = performance.now() - started;
  const rssKb = Number(r.stderr.trim().split("\n").pop());
  const tags = Number(execFileSync("wc", ["-l", tagsFile], { encoding: "utf8" }).trim().split(" ")[0]);
  return { wallMs, tags, maxRssMb: rssKb / 1024 };
}

function countSourceFiles(dir: string, seen = new Set<string>()): number {
  let n = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() || e.isSymbolicLink()) {
      try {
        if (!statSync(p).isDirectory()) {
          if (SOURCE_EXT.test(e.name)) n++;
          continue;
        }
      } catch {
        continue;
      }
      if (e.name === ".git" || seen.has(p)) continue;
      seen.add(p);
      n += countSourceFiles(p, seen);
    } else if (SOURCE_EXT.test(e.name)) n++;
  }
  return n;
}

/** A tree of N small files in 9 languages that reference each other, to prove scale. */
function makeSynthetic(root: string, files: number): void {
  const exts = ["ts", "js", "py", "go", "rs", "java", "c", "cpp", "tsx"];
  for (let i = 0; i < files; i++) {
    const dir = join(root, `pkg${Math.floor(i / 1000)}`, `mod${Math.floor(i / 100) % 10}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    const ext = exts[i % exts.length]!;
    writeFileSync(join(dir, `file${i}.${ext}`), synthetic(ext, i, files));
  }
}

function synthetic(ext: string, i: number, n: number): string {
  const other = (i * 7919) % n;
  switch (ext) {
    case "py":
      return `# module ${i}\nclass Service${i}:\n    def handle_${i}(self, request):\n        return helper_${other}(request)\n\ndef helper_${i}(x):\n    return x + ${i}\n`;
    case "go":
      return `package p${i}\n\n// Service${i} handles things.\ntype Service${i} struct{ n int }\n\nfunc (s *Service${i}) Handle${i}() int { return Helper${other}(s.n) }\n\nfunc Helper${i}(x int) int { return x + ${i} }\n`;
    case "rs":
      return `pub struct Service${i} { n: u32 }\nimpl Service${i} {\n    pub fn handle_${i}(&self) -> u32 { helper_${other}(self.n) }\n}\npub fn helper_${i}(x: u32) -> u32 { x + ${i} }\n`;
    case "java":
      return `public class Service${i} {\n    public int handle${i}(int x) { return Helper${other}.apply(x); }\n}\n`;
    case "c":
    case "cpp":
      return `#include "service.h"\nstruct service_${i} { int n; };\nint helper_${i}(int x) { return helper_${other}(x) + ${i}; }\n`;
    default:
      return `/** Service ${i}. */\nexport class Service${i} {\n  handle${i}(x: number): number { return helper${other}(x); }\n}\nexport function helper${i}(x: number): number { return x + ${i}; }\n`;
  }
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`;
}

function benchTree(label: string, root: string, work: string, withIncremental: boolean): string[] {
  const sources = countSourceFiles(root);
  const ctags = timeCtags(root, work);
  const storage = join(work, "storage");
  rmSync(storage, { recursive: true, force: true });
  const cold = runChild("cold", root, storage);
  const restart = runChild(withIncremental ? "incremental" : "restart", root, storage);
  const ratio = cold.wallMs / ctags.wallMs;
  const rows = [
    `| ${label}: source files in tree | ${sources.toLocaleString("en")} | |`,
    `| full index wall time | ${fmt(cold.wallMs)} (${cold.report.files.toLocaleString("en")} files indexed, ${(cold.report.files / (cold.wallMs / 1000)).toFixed(0)} files/s) | ctags -R: ${fmt(ctags.wallMs)} (${ctags.tags.toLocaleString("en")} tags) |`,
    withIncremental ? `| ratio to ctags -R (target ≤ 2×) | **${ratio.toFixed(2)}×** | 1× |` : `| ratio to ctags -R (no target: the tree must finish) | ${ratio.toFixed(2)}× | 1× |`,
    `| symbols | ${cold.report.definitions.toLocaleString("en")} definitions, ${cold.report.references.toLocaleString("en")} references (${cold.report.parseTimeouts} files over the parse time limit) | ${ctags.tags.toLocaleString("en")} tags |`,
    `| skipped | ${Object.entries(cold.report.skippedByReason).map(([k, v]) => `${k} ${v}`).join(", ") || "none"} | ctags indexes every file |`,
    `| peak RSS (process incl. 2 workers) | ${cold.maxRssMb.toFixed(0)} MB | ctags: ${ctags.maxRssMb.toFixed(0)} MB |`,
    `| cache size | ${(cold.report.cacheBytes / 1e6).toFixed(1)} MB | tags file: ${(statSync(join(work, "tags")).size / 1e6).toFixed(1)} MB |`,
    `| restart on unchanged tree (parsed ${restart.report.parsed}) | ${fmt(restart.wallMs)} | |`,
  ];
  if (withIncremental && restart.updateP50Ms !== undefined) {
    rows.push(`| one-file update p50 / p95 (target p95 ≤ 20 ms) | ${fmt(restart.updateP50Ms)} / **${fmt(restart.updateP95Ms!)}** | |`);
    rows.push(`| locate query right after an update p50 / p95 | ${fmt(restart.queryAfterUpdateP50Ms!)} / ${fmt(restart.queryAfterUpdateP95Ms!)} | |`);
  }
  return rows;
}

async function main(): Promise<void> {
  workerBundle = await bundleWorker();
  const args = process.argv.slice(2);
  const trees = args.flatMap((a, i) => (args[i - 1] === "--tree" ? [resolve(a)] : []));
  const syntheticIdx = args.indexOf("--synthetic");
  const syntheticFiles = syntheticIdx >= 0 ? Number(args[syntheticIdx + 1]) : 100_000;
  const work = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  try {
    const rows = ["| measure | Hearth indexer | reference (same run) |", "|---|---|---|"];
    if (!args.includes("--skip-real")) {
      const real = join(work, "real");
      mkdirSync(real);
      const defaults = [fileURLToPath(new URL("../../node_modules", import.meta.url)), join(homedir(), ".cache/hearth-e2e/code-server")];
      (trees.length > 0 ? trees : defaults).filter(existsSync).forEach((t, i) => symlinkSync(t, join(real, `tree${i}`)));
      rows.push(...benchTree("real tree", real, work, true));
    }
    if (syntheticFiles > 0) {
      const synth = join(work, "synthetic");
      const t = performance.now();
      makeSynthetic(synth, syntheticFiles);
      process.stderr.write(`synthetic tree of ${syntheticFiles} files written in ${fmt(performance.now() - t)}\n`);
      rows.push(...benchTree(`synthetic ${syntheticFiles.toLocaleString("en")}-file tree`, synth, work, false));
    }
    const load = loadavg().map((l) => l.toFixed(1)).join(" / ");
    rows.push(`| machine | ${cpus().length} cores, load average at the end ${load} (1/5/15 min) | |`);
    process.stdout.write(rows.join("\n") + "\n");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
