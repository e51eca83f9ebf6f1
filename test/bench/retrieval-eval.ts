/**
 * Retrieval on real issues: for each case in test/bench/retrieval-eval/<owner>__<name>.json
 * (a real issue text, the commit it was fixed on, the files and lines the fix changed), does
 * Hearth's `locate` put every file the fix changed in its top k? Plain BM25 over the same
 * files, in the same run, is the reference.
 *
 *   node --import tsx test/bench/retrieval-eval.ts [--repo owner/name] [--split tune|holdout]
 *        [--verbose] [--no-history] [--mirrors DIR] [--cache DIR] [--data DIR] [--weights '{"identifier":0.8}']
 *        [--compare '[{"frame":1.5},{"neighbour":0.3}]']
 * Each case's history is the mirror's up to its base (commit messages by file, files changed
 * together: `RepoIndex.loadHistory`); `--no-history` ranks without it.
 * `--compare` ranks every case again with each set of weight overrides (one index build, so
 * weights can be tried cheaply) and prints file and entity Acc@1/5/10 for each (entities over
 * that set's top files, the issue read as its weights say). `--raw-entities` also ranks the
 * entities of the main run's files on the issue's raw text (templates and kind tags kept: how
 * locateEntities read it before 2026-12-07's readIssue) and prints that line.
 *
 * Histories come from the `fetch` tool's mirrors (DIR/<owner>+<name>/repo, default
 * /work/.mirror). Each repository gets one work tree in the cache folder (default
 * ~/.cache/hearth-retrieval/<owner>__<name>), moved from base to base in commit order by
 * rewriting only changed files (work-tree.ts; the mirror is only read), and one RepoIndex
 * kept across its cases with its cache file there: a move re-parses only the files that
 * changed, a rerun almost nothing.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ENTITY_KINDS, RepoIndex, locate, locateEntities, type Definition, type LocatedFile, type LocateWeights } from "../../src/indexer/index.ts";
import { PlainBm25 } from "./plain-bm25.ts";
import { WorkTree } from "./work-tree.ts";

const QUERIES = fileURLToPath(new URL("../../src/indexer/queries", import.meta.url));
const DATA = fileURLToPath(new URL("./retrieval-eval", import.meta.url));
const TOP = 50;
/** How many of locate's files locateEntities looks into (what `hearth locate` does). */
const ENTITY_FILES = 10;

/**
 * The repositories whose misses the weights were decided on (`--split tune`); the rest,
 * including every repository added later, are held out (`--split holdout`). About half the
 * cases of each language: the two JavaScript sets looked at first, then by size.
 */
export const TUNING_REPOS: ReadonlySet<string> = new Set<string>([
  "anuraghazra/github-readme-stats",
  "iamkun/dayjs",
  "axios/axios",
  "expressjs/express",
  "chartjs/Chart.js",
  "pydata/xarray",
  "pytest-dev/pytest",
  "pallets/flask",
]);

interface EvalCase {
  readonly id: string;
  readonly base: string;
  readonly text: string;
  readonly files: readonly string[];
  readonly lines?: Readonly<Record<string, readonly (readonly [number, number])[]>>;
}

interface EvalRepo {
  readonly repo: string;
  readonly language: string;
  readonly cases: readonly EvalCase[];
}

/**
 * Ranks of one case: the worst rank over the answer files, and over the answer entities
 * (-1: some answer not in the top 50; undefined: the fix changed no function or class).
 */
interface CaseResult {
  readonly language: string;
  /** File ranks under each `--compare` weight set. */
  readonly variants: number[];
  /** Entity ranks under each `--compare` weight set (when the fix changed an entity). */
  readonly entityVariants?: number[];
  /** Entity ranks on the raw issue text (`--raw-entities`). */
  readonly rawEntities?: number;
  readonly hearth: number;
  readonly plain: number;
  readonly hearthEntities?: number;
  readonly plainEntities?: number;
}

interface Args {
  repo?: string;
  split?: "tune" | "holdout";
  verbose: boolean;
  noHistory: boolean;
  rawEntities: boolean;
  mirrors: string;
  cache: string;
  data: string;
  weights?: Partial<LocateWeights>;
  compare: Partial<LocateWeights>[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { verbose: false, noHistory: false, rawEntities: false, mirrors: "/work/.mirror", cache: join(homedir(), ".cache", "hearth-retrieval"), data: DATA, compare: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`'${a}' needs a value: see the usage at the top of test/bench/retrieval-eval.ts.`);
      return v;
    };
    if (a === "--verbose") args.verbose = true;
    else if (a === "--no-history") args.noHistory = true;
    else if (a === "--raw-entities") args.rawEntities = true;
    else if (a === "--repo") args.repo = value();
    else if (a === "--mirrors") args.mirrors = value();
    else if (a === "--cache") args.cache = value();
    else if (a === "--data") args.data = value();
    else if (a === "--weights") args.weights = JSON.parse(value()) as Partial<LocateWeights>;
    else if (a === "--compare") args.compare = JSON.parse(value()) as Partial<LocateWeights>[];
    else if (a === "--split") {
      const s = value();
      if (s !== "tune" && s !== "holdout") throw new Error(`'--split' takes tune or holdout, not '${s}'.`);
      args.split = s;
    } else throw new Error(`Unknown option '${a}': see the usage at the top of test/bench/retrieval-eval.ts.`);
  }
  return args;
}

function loadRepos(args: Args): EvalRepo[] {
  const repos = readdirSync(args.data)
    .filter((f) => /^[\w.-]+__[\w.-]+\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(args.data, f), "utf8")) as EvalRepo)
    .filter((r) => typeof r.repo === "string" && Array.isArray(r.cases));
  return repos.filter(
    (r) =>
      (args.repo === undefined || r.repo === args.repo) &&
      (args.split === undefined || (args.split === "tune") === TUNING_REPOS.has(r.repo)),
  );
}

/** The mirror's git directory, or undefined when it has not been fetched. */
function mirrorOf(mirrors: string, repo: string): string | undefined {
  const dir = join(mirrors, repo.replace("/", "+"));
  for (const gitDir of [join(dir, "repo"), dir]) if (existsSync(join(gitDir, "HEAD")) && existsSync(join(gitDir, "objects"))) return gitDir;
  return undefined;
}

/**
 * Plain BM25 on the same files as the index, and on their functions and classes (each one
 * a document of its lines, keyed "path:line"); only files whose hash changed are re-read.
 */
class PlainReference {
  readonly files = new PlainBm25();
  readonly entities = new PlainBm25();
  private readonly hashes = new Map<string, string>();
  private readonly entityKeys = new Map<string, string[]>();

  sync(index: RepoIndex): void {
    for (const path of [...this.files.paths()]) if (!index.files.has(path)) this.drop(path);
    for (const [path, record] of index.files) {
      if (this.hashes.get(path) === record.hash) continue;
      this.drop(path);
      const text = readFileSync(join(index.root, path), "utf8");
      this.files.add(path, text);
      this.hashes.set(path, record.hash);
      const lines = text.split("\n");
      const keys: string[] = [];
      for (const d of record.definitions) {
        if (!ENTITY_KINDS.has(d.kind)) continue;
        const key = entityKey(path, d);
        this.entities.add(key, lines.slice(d.startLine, d.endLine + 1).join("\n"));
        keys.push(key);
      }
      this.entityKeys.set(path, keys);
    }
  }

  private drop(path: string): void {
    this.files.remove(path);
    this.hashes.delete(path);
    for (const key of this.entityKeys.get(path) ?? []) this.entities.remove(key);
    this.entityKeys.delete(path);
  }
}

/** An entity as "path:first line" (one-based), the same for answers, Hearth and BM25. */
function entityKey(path: string, d: Definition): string {
  return `${path}:${d.startLine + 1}`;
}

/** Worst rank over the answers in a ranked list, -1 when one of them is missing. */
function worstRank(ranked: readonly string[], answers: readonly string[]): number {
  let worst = 0;
  for (const a of answers) {
    const r = ranked.indexOf(a);
    if (r < 0) return -1;
    worst = Math.max(worst, r);
  }
  return worst;
}

/** The functions / classes / methods enclosing a fix's changed lines (innermost), as entity keys. */
export function answerEntities(index: RepoIndex, c: EvalCase): string[] {
  const out = new Set<string>();
  for (const [path, ranges] of Object.entries(c.lines ?? {})) {
    const defs = (index.files.get(path)?.definitions ?? []).filter((d) => ENTITY_KINDS.has(d.kind));
    for (const [from, to] of ranges) {
      // Lines in the data are 1-based; definitions are 0-based.
      const overlapping = defs.filter((d) => d.startLine <= to - 1 && d.endLine >= from - 1);
      for (const d of innermost(overlapping)) out.add(entityKey(path, d));
    }
  }
  return [...out];
}

function innermost(defs: readonly Definition[]): Definition[] {
  return defs.filter((d) => !defs.some((o) => o !== d && o.startLine >= d.startLine && o.endLine <= d.endLine && (o.startLine > d.startLine || o.endLine < d.endLine)));
}

function describe(results: readonly LocatedFile[]): string {
  return results
    .slice(0, 5)
    .map((r, i) => `      ${i + 1}. ${r.path} (${r.score.toFixed(2)}) ${r.reasons.join("; ")}`)
    .join("\n");
}

async function evaluateRepo(repo: EvalRepo, args: Args, out: CaseResult[]): Promise<boolean> {
  const gitDir = mirrorOf(args.mirrors, repo.repo);
  if (!gitDir) {
    process.stderr.write(`Fetch github:${repo.repo} first: its history is not in ${args.mirrors} (or pass --mirrors DIR).\n`);
    return false;
  }
  const dir = join(args.cache, repo.repo.replace("/", "__"));
  const tree = new WorkTree(gitDir, dir);
  const cases = repo.cases.map((c) => ({ c, t: tree.commitTime(c.base) })).sort((a, b) => a.t - b.t).map((x) => x.c);
  // The work tree has no .git: the history is the mirror's, up to each case's base.
  const index = new RepoIndex({ root: tree.root, queriesDir: QUERIES, storageDir: join(dir, "storage"), history: false });
  const plain = new PlainReference();
  const started = performance.now();
  try {
    for (const c of cases) {
      tree.checkout(c.base);
      await index.build();
      if (!args.noHistory) await index.loadHistory({ gitDir, rev: c.base });
      index.graph(true); // a fresh graph for every base: results must not depend on timing
      plain.sync(index);
      const results = locate(index, c.text, { top: TOP, ...(args.weights ? { weights: args.weights } : {}) });
      const hearth = worstRank(results.map((r) => r.path), c.files);
      const plainRank = worstRank(plain.files.rank(c.text).slice(0, TOP), c.files);
      const entities = answerEntities(index, c);
      const variantFiles = args.compare.map((weights) => locate(index, c.text, { top: TOP, weights: { ...args.weights, ...weights } }));
      const variants = variantFiles.map((files) => worstRank(files.map((r) => r.path), c.files));
      const result: CaseResult = { language: repo.language, hearth, plain: plainRank, variants };
      if (entities.length > 0) {
        const entityRank = (files: readonly LocatedFile[], weights: Partial<LocateWeights> | undefined): number =>
          worstRank(locateEntities(index, c.text, files.slice(0, ENTITY_FILES), { top: TOP, ...(weights ? { weights } : {}) }).map((e) => `${e.path}:${e.line}`), entities);
        Object.assign(result, {
          hearthEntities: entityRank(results, args.weights),
          plainEntities: worstRank(plain.entities.rank(c.text).slice(0, TOP), entities),
          entityVariants: variantFiles.map((files, v) => entityRank(files, { ...args.weights, ...args.compare[v] })),
          ...(args.rawEntities ? { rawEntities: entityRank(results, { ...args.weights, templateLines: 0, titleTags: 0 }) } : {}),
        });
      }
      out.push(result);
      if (args.verbose) {
        const ranks = c.files.map((f) => `${f}@${rankText(results.findIndex((r) => r.path === f))}`).join(" ");
        const raw = result.rawEntities === undefined ? "" : ` raw ${rankText(result.rawEntities)}`;
        const ents = result.hearthEntities === undefined ? "" : `  entities ${rankText(result.hearthEntities)} (bm25 ${rankText(result.plainEntities!)}${raw})`;
        const entityCompared = result.entityVariants && result.entityVariants.length > 0 ? ` entities ${result.entityVariants.map(rankText).join(" ")}` : "";
        const compared = variants.length > 0 ? `  compare ${variants.map(rankText).join(" ")}${entityCompared}` : "";
        process.stdout.write(`${hearth >= 0 && hearth < 5 ? "hit " : "MISS"} ${c.id}  hearth ${rankText(hearth)}  bm25 ${rankText(plainRank)}${ents}${compared}  ${ranks}\n`);
        if (!(hearth >= 0 && hearth < 5)) process.stdout.write(`${describe(results)}\n`);
      }
    }
  } finally {
    await index.close();
  }
  process.stderr.write(`${repo.repo}: ${cases.length} cases in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  return true;
}

function rankText(r: number): string {
  return r < 0 ? `>${TOP}` : String(r + 1);
}

function accuracy(ranks: readonly number[]): string {
  if (ranks.length === 0) return "— | — | —";
  const at = (k: number): string => `${((100 * ranks.filter((r) => r >= 0 && r < k).length) / ranks.length).toFixed(0)}%`;
  return `${at(1)} | ${at(5)} | ${at(10)}`;
}

function table(results: readonly CaseResult[]): string {
  const rows = [
    "| language | what | cases | Hearth Acc@1 | @5 | @10 | plain BM25 Acc@1 | @5 | @10 |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  const groups = [...new Set(results.map((r) => r.language))].sort().map((l) => [l, results.filter((r) => r.language === l)] as const);
  for (const [name, rs] of [...groups, ["all", results] as const]) {
    rows.push(`| ${name} | files | ${rs.length} | ${accuracy(rs.map((r) => r.hearth))} | ${accuracy(rs.map((r) => r.plain))} |`);
    const es = rs.filter((r) => r.hearthEntities !== undefined);
    rows.push(`| ${name} | entities | ${es.length} | ${accuracy(es.map((r) => r.hearthEntities!))} | ${accuracy(es.map((r) => r.plainEntities!))} |`);
  }
  return rows.join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const repos = loadRepos(args);
  if (repos.length === 0) throw new Error(`No evaluation data matches: check ${args.data} and the --repo / --split options.`);
  const results: CaseResult[] = [];
  let evaluated = 0;
  for (const repo of repos) if (await evaluateRepo(repo, args, results)) evaluated++;
  const languages = [...new Set(results.map((r) => r.language))].sort();
  const withEntities = results.filter((r) => r.hearthEntities !== undefined);
  args.compare.forEach((weights, v) => {
    const line = (rs: readonly CaseResult[]): string => accuracy(rs.map((r) => r.variants[v]!));
    const byLanguage = languages.map((l) => `${l} ${line(results.filter((r) => r.language === l))}`);
    process.stdout.write(`compare ${JSON.stringify(weights)}: all ${line(results)} · ${byLanguage.join(" · ")}; entities ${accuracy(withEntities.map((r) => r.entityVariants![v]!))}\n`);
  });
  if (args.rawEntities) {
    const line = (rs: readonly CaseResult[]): string => accuracy(rs.map((r) => r.rawEntities!));
    const byLanguage = languages.map((l) => `${l} ${line(withEntities.filter((r) => r.language === l))}`);
    process.stdout.write(`entities on the raw issue text: all ${line(withEntities)} · ${byLanguage.join(" · ")}\n`);
  }
  process.stdout.write(`\n${results.length} cases from ${evaluated} repositories (${repos.length - evaluated} not fetched).\n\n${table(results)}\n`);
}

await main();
