/**
 * Cold and warm `hearth locate`, the lazy path (words of every file, tree-sitter only for
 * what ranking needs: `BuildOptions.lazy` + `locateLazily`) beside the old path (index every
 * file, then `locate`), in the same run, on a real Python project: sphinx at the fetched
 * mirror's HEAD (about 2,000 files).
 *   node --import tsx test/bench/locate-cold.ts [--mirror DIR] [--queries N] [--runs N]
 *
 * Timing: each measurement is a child process (its own JIT, heap and parse threads — two,
 * the worker entry bundled as the CLI ships it), timed from opening the index to the
 * answer (files + entities) and to the end (cache written, threads closed). Both paths read
 * the same files first from a warm page cache (one read pass before any timing).
 *
 * Agreement: for the real sphinx issues of the retrieval evaluation set
 * (test/bench/retrieval-eval/sphinx-doc__sphinx.json; their fixes' files are the answers
 * where those files still exist at HEAD), the top 10 of the lazy path from an all-pending
 * index (what a cold `hearth locate` starts from) beside the top 10 of a fully indexed tree,
 * and Acc@1/5/10 of both.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RepoIndex, locate, locateEntities, locateLazily, scanRepository, DEFAULT_LIMITS, type RepoIndexOptions } from "../../src/indexer/index.ts";
import { readHistory } from "../../src/indexer/history.ts";

const QUERIES_DIR = fileURLToPath(new URL("../../src/indexer/queries", import.meta.url));
// The worker entry bundled as the CLI ships it (out/indexer-worker.mjs), built from these
// sources into node_modules/.cache so the native grammars resolve from node_modules.
const WORKER = fileURLToPath(new URL("../../node_modules/.cache/hearth-bench/indexer-worker.mjs", import.meta.url));
const DEFAULT_MIRROR = "/work/.mirror/sphinx-doc+sphinx/repo";
const EVAL_SET = fileURLToPath(new URL("./retrieval-eval/sphinx-doc__sphinx.json", import.meta.url));

interface Query {
  readonly id: string;
  readonly text: string;
  readonly files: string[];
}

interface ChildResult {
  readonly answerMs: number;
  readonly totalMs: number;
  readonly files: number;
  readonly parsed: number;
  readonly top: string[];
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function git(mirror: string, args: string[]): string {
  const r = spawnSync("git", ["--git-dir", mirror, ...args], { encoding: "utf8", maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/**
 * The tree at HEAD, extracted into `dir`, as a repository whose HEAD is the mirror's (its
 * objects borrowed, nothing copied): `hearth locate` reads the history as it does in a
 * user's clone.
 */
function materialize(mirror: string, dir: string): string {
  const head = git(mirror, ["rev-parse", "HEAD"]).trim();
  const archive = spawnSync("sh", ["-c", `git --git-dir='${mirror}' archive HEAD | tar -x -C '${dir}'`], { encoding: "utf8" });
  if (archive.status !== 0) throw new Error(archive.stderr);
  const gitDir = join(dir, ".git");
  git(gitDir, ["init", "-q", dir]);
  writeFileSync(join(gitDir, "objects", "info", "alternates"), `${join(mirror, "objects")}\n`);
  git(gitDir, ["update-ref", "HEAD", head]);
  return head;
}

/** The evaluation set's sphinx issues; answers kept where the file still exists at HEAD. */
function issueQueries(tree: string, count: number): Query[] {
  const data = JSON.parse(readFileSync(EVAL_SET, "utf8")) as { cases: { id: string; text: string; files: string[] }[] };
  return data.cases.slice(0, count).map((c) => ({ id: c.id, text: c.text, files: c.files.filter((f) => existsSync(join(tree, f))) }));
}

// ── child: one timed run ──────────────────────────────────────────────────────────────

async function child(mode: "full" | "lazy", tree: string, storageDir: string, query: string): Promise<ChildResult> {
  const options: RepoIndexOptions = { root: tree, queriesDir: QUERIES_DIR, storageDir, workers: { script: WORKER, count: 2 } };
  const started = performance.now();
  const index = new RepoIndex(options);
  const report = await index.build(mode === "lazy" ? { lazy: true } : {});
  const builtMs = performance.now() - started;
  const files = mode === "lazy" ? await locateLazily(index, query, { top: 10 }) : { files: locate(index, query, { top: 10 }), parsed: 0 };
  locateEntities(index, query, files.files, { top: 10 });
  const answerMs = performance.now() - started;
  process.stderr.write(`${mode}: build ${builtMs.toFixed(0)} ms (cache ${report.cache}, ${report.parsed} read), rank ${(answerMs - builtMs).toFixed(0)} ms (${files.parsed} parsed)\n`);
  await index.saveIfChanged();
  await index.close();
  return { answerMs, totalMs: performance.now() - started, files: report.files, parsed: mode === "lazy" ? files.parsed : report.parsed, top: files.files.map((f) => f.path) };
}

function runChild(mode: "full" | "lazy", tree: string, storageDir: string, query: string): ChildResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", mode, tree, storageDir], { input: query, encoding: "utf8", maxBuffer: 64 << 20 });
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  if (r.status !== 0 || !line) throw new Error(`child ${mode} failed: ${r.stderr.slice(-2000)}`);
  process.stderr.write(r.stderr);
  return JSON.parse(line) as ChildResult;
}

// ── parent ────────────────────────────────────────────────────────────────────────────

async function agreement(tree: string, queries: readonly Query[]): Promise<string[]> {
  const full = new RepoIndex({ root: tree, queriesDir: QUERIES_DIR, workers: { script: WORKER, count: 2 } });
  await full.build();
  // An all-pending cache: what a cold `hearth locate` starts from (word counts only).
  const pendingCache = mkdtempSync(join(tmpdir(), "hearth-bench-pending-"));
  try {
    const seed = new RepoIndex({ root: tree, queriesDir: QUERIES_DIR, storageDir: pendingCache });
    await seed.build({ lazy: true });
    await seed.save();
    await seed.close();
    const hits = { full: [0, 0, 0], lazy: [0, 0, 0] };
    let sameTop1 = 0;
    let overlap = 0;
    let parsed = 0;
    const answerable = queries.filter((q) => q.files.length > 0).length;
    for (const q of queries) {
      const dir = mkdtempSync(join(tmpdir(), "hearth-bench-q-"));
      try {
        cpSync(pendingCache, dir, { recursive: true });
        const lazy = new RepoIndex({ root: tree, queriesDir: QUERIES_DIR, storageDir: dir, workers: { script: WORKER, count: 2 } });
        await lazy.build({ lazy: true });
        const got = await locateLazily(lazy, q.text, { top: 10 });
        await lazy.close();
        const expected = locate(full, q.text, { top: 10 }).map((f) => f.path);
        const lazyTop = got.files.map((f) => f.path);
        parsed += got.parsed;
        if (lazyTop[0] === expected[0]) sameTop1++;
        overlap += lazyTop.filter((p) => expected.includes(p)).length / Math.max(1, expected.length);
        if (q.files.length > 0) for (const [which, top] of [["full", expected], ["lazy", lazyTop]] as const) {
          [1, 5, 10].forEach((k, i) => {
            if (q.files.every((f) => top.slice(0, k).includes(f))) hits[which][i]!++;
          });
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const pct = (n: number, of = queries.length) => `${Math.round((100 * n) / of)}%`;
    return [
      `| ranking (${answerable} sphinx issues whose fix's files exist at HEAD) | Acc@1 | Acc@5 | Acc@10 |`,
      "|---|---|---|---|",
      `| full index, then \`locate\` (old path) | ${hits.full.map((n) => pct(n, answerable)).join(" | ")} |`,
      `| lazy: words, then candidates + neighbours parsed (\`locateLazily\`) | ${hits.lazy.map((n) => pct(n, answerable)).join(" | ")} |`,
      "",
      `Lazy vs full over all ${queries.length} issues: same top-1 in ${pct(sameTop1)}; top-10 overlap ${Math.round((100 * overlap) / queries.length)}%; ` +
        `${Math.round(parsed / queries.length)} files parsed per cold query on average (of ${full.files.size.toLocaleString("en")}).`,
    ];
  } finally {
    await full.close();
    rmSync(pendingCache, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function bundleWorker(): Promise<void> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL("../../src/indexer/worker-entry.ts", import.meta.url))],
    outfile: WORKER,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["tree-sitter", "tree-sitter-*"],
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    logLevel: "warning",
  });
}

async function main(): Promise<void> {
  await bundleWorker();
  const mirror = flag("mirror") ?? DEFAULT_MIRROR;
  if (!existsSync(mirror)) {
    console.error(`No mirror at ${mirror}. Fetch github:sphinx-doc/sphinx first (the fetch tool), or pass --mirror DIR.`);
    process.exit(2);
  }
  const runs = Number(flag("runs") ?? 3);
  const queryCount = Number(flag("queries") ?? 25);
  const root = mkdtempSync(join(tmpdir(), "hearth-bench-locate-"));
  try {
    const tree = join(root, "tree");
    mkdirSync(tree);
    const head = materialize(mirror, tree);
    const queries = issueQueries(tree, queryCount);
    // Warm the page cache for both paths alike.
    const scan = await scanRepository(tree, DEFAULT_LIMITS);
    for (const f of scan.files) readFileSync(f.absPath);
    const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(`Tree: sphinx ${head.slice(0, 10)}, ${scan.files.length.toLocaleString("en")} files scanned; ${queries.length} issues; load ${load()}`);

    // The history read every build does beside its scan (one `git log`), on its own.
    const historyMs: number[] = [];
    let commits = 0;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      commits = (await readHistory({ cwd: tree }))?.commitCount ?? 0;
      historyMs.push(performance.now() - started);
    }
    if (commits === 0) throw new Error("The bench tree has no history: check materialize().");

    const rows: Record<string, number[]> = {};
    const add = (key: string, ms: number) => void (rows[key] ??= []).push(ms);
    let files = 0;
    let parsedCold = 0;
    let parsedWarm = 0;
    for (let run = 0; run < runs; run++) {
      const [q, other] = [queries[run % queries.length]!, queries[(run + 1) % queries.length]!];
      for (const mode of run % 2 === 0 ? (["full", "lazy"] as const) : (["lazy", "full"] as const)) {
        const cache = join(root, `cache-${mode}-${run}`);
        const cold = runChild(mode, tree, cache, q.text);
        const warm = runChild(mode, tree, cache, q.text);
        const warmOther = runChild(mode, tree, cache, other.text);
        files = cold.files;
        add(`${mode} cold answer`, cold.answerMs);
        add(`${mode} cold total`, cold.totalMs);
        add(`${mode} warm answer`, warm.answerMs);
        add(`${mode} warm other answer`, warmOther.answerMs);
        if (mode === "lazy") {
          parsedCold += cold.parsed;
          parsedWarm += warmOther.parsed;
        }
        rmSync(cache, { recursive: true, force: true });
      }
      console.error(`run ${run + 1}/${runs} done (load ${load()})`);
    }
    const per1000 = (key: string) => (median(rows[key]!) / 1000 / (files / 1000)).toFixed(2);
    const secs = (key: string) => (median(rows[key]!) / 1000).toFixed(2);
    const lines = [
      `| ${files.toLocaleString("en")} files indexed, median of ${runs} | lazy (\`hearth locate\` now) | full index first (old path) | ratio |`,
      "|---|---|---|---|",
      ...[
        ["cold: answer (files + entities)", "cold answer"],
        ["cold: until exit (cache written)", "cold total"],
        ["warm, same query", "warm answer"],
        ["warm, another query", "warm other answer"],
      ].map(([label, key]) => `| ${label} | ${secs(`lazy ${key}`)} s (${per1000(`lazy ${key}`)} s per 1,000 files) | ${secs(`full ${key}`)} s (${per1000(`full ${key}`)} s per 1,000 files) | ${(median(rows[`full ${key}`]!) / median(rows[`lazy ${key}`]!)).toFixed(2)}× |`),
      "",
      `History read (one \`git log\`, beside the scan in every build): ${commits.toLocaleString("en")} commits in ${(median(historyMs) / 1000).toFixed(2)} s, median of 3.`,
      "",
      `Files parsed by tree-sitter: cold lazy ${Math.round(parsedCold / runs)} (full: ${files.toLocaleString("en")}); a warm run with another query ${Math.round(parsedWarm / runs)} more.`,
      "",
      ...(await agreement(tree, queries)),
      "",
      `Load average at the end: ${load()}.`,
    ];
    console.log(lines.join("\n"));
    writeFileSync(join(tmpdir(), "hearth-locate-cold.md"), lines.join("\n") + "\n");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") {
  const [, , , mode, tree, storageDir] = process.argv;
  const query = readFileSync(0, "utf8");
  const result = await child(mode as "full" | "lazy", tree!, storageDir!, query);
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
} else {
  await main();
}
