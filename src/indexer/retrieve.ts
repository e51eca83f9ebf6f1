import { pushPageRank, type FileGraph } from "./graph.ts";
import type { RepoIndex } from "./repo-index.ts";
import type { RepoHistory } from "./history.ts";
import { clip } from "./text.ts";
import { readIssue } from "./issue-templates.ts";
import { analyzeQuery, TEST_FILE, type EvidenceKind, type FileEvidence, type QueryAnalysis } from "./query-analysis.ts";

export { analyzeQuery, type QueryAnalysis } from "./query-analysis.ts";

/** What the user is looking at: the seeds of personalized PageRank. */
export interface FocusHints {
  /** Files open in the editor (repository-relative or absolute). */
  readonly openFiles?: readonly string[];
  /** Recently edited files, most recent first. */
  readonly recentFiles?: readonly string[];
}

export interface LocateOptions extends FocusHints {
  /** How many files to return (default 10). */
  readonly top?: number;
  /** Overrides of the score blend (for evaluation and tuning). */
  readonly weights?: Partial<LocateWeights>;
}

/** How lexical, graph and mention evidence combine; defaults in DEFAULT_WEIGHTS. */
export interface LocateWeights {
  /** Weight of the normalized personalized PageRank score. */
  readonly graph: number;
  /** Added when a traceback frame or a `file:line` reference names the file. */
  readonly frame: number;
  /** Added when the query names the file's path. */
  readonly path: number;
  /** Added when an import or dotted name in the query names the file's module. */
  readonly module: number;
  /** Added when the file defines an identifier the query names in prose or inline code. */
  readonly identifier: number;
  /**
   * Added when the file defines the very one the query means of a name it qualifies: a
   * method of the class it names (`DataArray.where`), or the package-level definition of a
   * name it qualifies by the package (`xr.where`), where other files define the name too.
   */
  readonly qualified: number;
  /** Added when the file defines a name used only in the query's code snippets. */
  readonly snippet: number;
  /** Added when the file holds a run of words the issue quotes (an error message, a log line). */
  readonly quote: number;
  /** Added when a commit naming an issue the query links to (`#6461`) changed the file. */
  readonly linked: number;
  /** Added when a word of the title is a part of the file's name (`YAML` → `prism-yaml.js`). */
  readonly filename: number;
  /** Added when the file's name is the locale code of a language the title names (`Spanish` → `es-mx.js`). */
  readonly locale: number;
  /** Multiplier for documentation (.md, .txt, …): issues are fixed in code. */
  readonly docs: number;
  /** Multiplier for other files without a grammar (configuration, data, CI files). */
  readonly nonCode: number;
  /** Multiplier for type declarations (.d.ts), tests (unless the issue is about tests) and code in docs / examples / demos folders. */
  readonly secondary: number;
  /** Share of a top JavaScript file's score given to its type declarations. */
  readonly companion: number;
  /** Share of a top file's score given to the types beside it (`propTypes.js`, `types.ts`). */
  readonly typesBeside: number;
  /** Share of a top file's score given to its folder's `__init__.py` / `index.js`. */
  readonly packageIndex: number;
  /** Share of a top file's score given to the files it uses, by edge weight over its strongest edge. */
  readonly neighbour: number;
  /** Weight of the normalized BM25 score of the messages of the commits that changed the file. */
  readonly history: number;
  /** Share of a top file's score given to the files that changed with it, by the share of its commits they were in. */
  readonly cochange: number;
  /** Seed weight, in personalized PageRank, of each of the 10 files whose commit messages match best (times its normalized match). */
  readonly historySeed: number;
  /**
   * Weight of the normalized BM25 score of the title alone: the title says in a line what
   * the issue is about, and a long body (a log, an example, a template) can drown its words.
   */
  readonly title: number;
  /**
   * Added, times 1 / (1 + age / RECENT_COMMITS), to a file by how recently a commit changed
   * it (its age: how many commits came since): an issue often follows the change that
   * caused it, and code that has just changed is where the new bugs are.
   */
  readonly recent: number;
  /**
   * Added, times its commit's match over the best one's, to a file that matches the issue
   * otherwise and that one of the LIKE_COMMITS past commits whose messages match the title
   * best changed: a fix like an earlier change ("Add the hide_border option to the cards")
   * is often made in the same files.
   */
  readonly pastChange: number;
  /**
   * Read an issue past the lines of its repository's issue templates (issue-templates.ts) of
   * at least this many words (0: not at all); what the reporter wrote as code stays.
   */
  readonly templateLines: number;
  /** 1: the title's leading tag that only names the issue's kind (`[Bug]`, `[Feature Request]`) is left out. */
  readonly titleTags: number;
}

/** One ranked file for a query, with the evidence behind its rank. */
export interface LocatedFile {
  readonly path: string;
  readonly score: number;
  /** Human-readable reasons, strongest first: "traceback frame pkg/a.py:12", "defines parseFlags", "terms: cache, stale", … */
  readonly reasons: string[];
}

/** The score blend, tuned on the real-issue evaluation set (test/bench/retrieval-eval.ts). */
export const DEFAULT_WEIGHTS: LocateWeights = {
  graph: 0.2,
  frame: 2.4,
  path: 2.0,
  module: 0.6,
  identifier: 0.6,
  qualified: 1.2,
  snippet: 0.25,
  filename: 0.8,
  locale: 0.8,
  quote: 1.6,
  linked: 1.6,
  docs: 0.15,
  nonCode: 0.15,
  secondary: 0.5,
  companion: 0.8,
  typesBeside: 0.8,
  packageIndex: 0.4,
  neighbour: 0.6,
  history: 0.5,
  cochange: 0.6,
  historySeed: 2,
  title: 1,
  recent: 0.6,
  pastChange: 0.3,
  templateLines: 3,
  titleTags: 1,
};
const BM25_SEEDS = 15;
/** A file changed this many commits ago gets half the recency weight (see LocateWeights.recent). */
const RECENT_COMMITS = 50;
/** How many past commits like the issue's title lend their files the `pastChange` weight. */
const LIKE_COMMITS = 3;
const HISTORY_SEEDS = 10;
const DOC_FILE = /\.(md|mdx|markdown|rst|txt|adoc)$/i;
const DECLARATION_FILE = /\.d\.[cm]?ts$/i;
const EVIDENCE_SEED: Record<EvidenceKind, number> = { frame: 2, path: 2, module: 1, named: 1, qualified: 1, snippet: 0.5, filename: 0.5, quote: 1, linked: 1 };
/**
 * Third-party code copied into the repository (`static/jquery-3.5.1.js`, `vendor/`,
 * `*.min.js`): it defines every common name and is not where a project fixes its bugs.
 */
const VENDORED = /(^|\/)(vendor|vendors|third[_-]?party|external|extern)\/|[-.]v?\d+\.\d+(\.\d+)*(\.min)?\.[cm]?js$|\.min\.[cm]?js$/i;
/**
 * A JavaScript file this large is a build or a copied library (`pdfjs/web/viewer.js`, a
 * runtime bundled into the project's resources), not code written here: the evaluation's
 * repositories have no hand-written one.
 */
const BUNDLE_BYTES = 200 * 1024;
function isBundle(index: RepoIndex, path: string): boolean {
  return /\.[cm]?js$/.test(path) && (index.files.get(path)?.size ?? 0) >= BUNDLE_BYTES;
}

/**
 * Documentation and example folders: a bare file name found there is likely the reporter's
 * own file, and code there shows how the project is used (none of the real-issue set's 313
 * answer files is in one).
 */
const EXAMPLE_DIR = /(^|\/)(docs?|examples?|samples?|demos?)\//i;

/**
 * Ranks files for a natural-language query (an issue, a question): BM25 over identifiers,
 * paths and comments and over each file's commit messages (index.history), blended with
 * personalized PageRank seeded from the best lexical and history hits, the files the
 * query's evidence points at (frames, paths, named definitions) and open files; then each
 * top file lifts its companions (type declarations, package index, the files it uses, the
 * files that change with it), which multi-file fixes change together.
 */
export function locate(index: RepoIndex, query: string, options: LocateOptions = {}): LocatedFile[] {
  const w = { ...DEFAULT_WEIGHTS, ...options.weights };
  const analysis = analyzeQuery(index, readIssue(index.root, query, w));
  const lexical = index.tables.bm25(analysis.terms);
  let maxLexical = 1e-9;
  for (const h of lexical.values()) maxLexical = Math.max(maxLexical, h.score);
  const titled = w.title > 0 ? index.tables.bm25(analysis.titleTerms) : new Map<string, { score: number; terms: Map<string, number> }>();
  let maxTitled = 1e-9;
  for (const h of titled.values()) maxTitled = Math.max(maxTitled, h.score);
  const past = w.history > 0 && index.history ? index.history.score(analysis.terms, (p) => index.files.has(p)) : new Map<string, number>();
  let maxPast = 1e-9;
  for (const s of past.values()) maxPast = Math.max(maxPast, s);
  const seeds = seedWeights(index, analysis, lexical, maxLexical, options);
  // Files past fixes like this one changed point at a place in the graph: what they use too.
  for (const [path, score] of largest(past, HISTORY_SEEDS)) seeds.set(path, (seeds.get(path) ?? 0) + (w.historySeed * score) / maxPast);
  const graph = index.graph();
  const ranks = seeds.size > 0 ? liftOverBase(receivedRank(graph, pushPageRank(graph, seeds), seeds), index.baseRanks()) : undefined;
  const maxRank = ranks ? ranks.reduce((m, r) => Math.max(m, r), 1e-12) : 1;
  const like = w.pastChange > 0 && index.history ? changedLike(index, index.history, analysis.titleTerms) : new Map<string, LikeChange>();
  const candidates = new Set<string>([...lexical.keys(), ...analysis.evidence.keys(), ...past.keys()]);
  // The graph may be a few edits old: only files that still exist are candidates.
  if (ranks) for (const i of topIndices(ranks, 50)) if (index.files.has(graph.paths[i]!)) candidates.add(graph.paths[i]!);
  const scored: Scored[] = [];
  for (const path of candidates) {
    const hit = lexical.get(path);
    const i = graph.indexOf.get(path);
    const graphScore = ranks && i !== undefined ? ranks[i]! / maxRank : 0;
    const evidence = analysis.evidence.get(path) ?? [];
    const historyScore = (past.get(path) ?? 0) / maxPast;
    const titleHit = titled.get(path);
    const titleScore = (titleHit?.score ?? 0) / maxTitled;
    const matched = (hit ? hit.score / maxLexical : 0) + w.title * titleScore + w.graph * graphScore + evidenceScore(evidence, w) + w.history * historyScore;
    // Recency ranks what matches the issue; it does not make a file match.
    const age = w.recent > 0 && matched > 0 ? index.history?.age(path) : undefined;
    // A past change like this one ranks what matches the issue; it does not make a file match either.
    const likeChange = matched > 0 ? like.get(path) : undefined;
    const raw = matched + (age === undefined ? 0 : w.recent / (1 + age / RECENT_COMMITS)) + (likeChange ? w.pastChange * likeChange.share : 0);
    const weight = prior(index, path, evidence, w, analysis.aboutTests);
    // A test the issue points at (its traceback, `test_x.py#L57`) is held down itself, but
    // the code it tests is what the pointer is about: it lifts what it uses at full score.
    const pointedTest = weight < 1 && TEST_FILE.test(path) && evidence.some((e) => e.kind === "frame" || (e.kind === "path" && !e.bare));
    const titleTerms = titleHit && titleScore >= TITLE_REASON ? titleHit.terms : undefined;
    scored.push({ path, score: weight * raw, terms: hit?.terms, evidence, graphScore, historyScore, ...(titleTerms ? { titleTerms } : {}), ...(pointedTest ? { liftScore: raw } : {}), ...(age !== undefined ? { age } : {}), ...(likeChange ? { likeChange: likeChange.subject } : {}) });
  }
  // Type declarations are what a companion lift is for: they keep its full share.
  const liftPrior = (path: string): number => (DECLARATION_FILE.test(path) ? 1 : prior(index, path, analysis.evidence.get(path) ?? [], w, analysis.aboutTests));
  const ranked = liftCompanions(index, graph, scored, w, liftPrior);
  // Reasons only for what is returned: the neighbour search walks edges.
  const best = new Set(ranked.slice(0, 5).map((s) => s.path));
  const subjectOf = (path: string): string | undefined => index.history?.bestSubject(path, analysis.terms);
  return ranked.slice(0, options.top ?? 10).map((s) => ({ path: s.path, score: s.score, reasons: reasonsFor(s, graph, best, analysis.surface, subjectOf) }));
}

interface LikeChange {
  /** The commit's match of the title over the best commit's (0..1]. */
  readonly share: number;
  readonly subject: string;
}

/** The files of the LIKE_COMMITS commits whose messages match the title best, each with its best such commit. */
function changedLike(index: RepoIndex, history: RepoHistory, titleTerms: ReadonlyMap<string, number>): Map<string, LikeChange> {
  const out = new Map<string, LikeChange>();
  const commits = history.changesLike(titleTerms, LIKE_COMMITS);
  const best = commits[0]?.score ?? 0;
  for (const c of commits) {
    for (const path of c.files) if (index.files.has(path) && !out.has(path)) out.set(path, { share: c.score / best, subject: c.subject });
  }
  return out;
}

/** Each kind of evidence counts once, at its strongest (see FileEvidence.strength). */
function evidenceScore(evidence: readonly FileEvidence[], w: LocateWeights): number {
  const weightOf: Record<EvidenceKind, number> = { frame: w.frame, path: w.path, module: w.module, named: w.identifier, qualified: w.qualified, snippet: w.snippet, filename: w.filename, quote: w.quote, linked: w.linked };
  const best = new Map<EvidenceKind, number>();
  for (const e of evidence) {
    // A locale code is a file name of its own weight.
    const value = (e.locale !== undefined ? w.locale : weightOf[e.kind]) * (e.strength ?? 1);
    best.set(e.kind, Math.max(best.get(e.kind) ?? 0, value));
  }
  let sum = 0;
  for (const value of best.values()) sum += value;
  return sum;
}

// Files the issue names by path keep full weight: the reporter pointed at them. A link to a
// file (in a template, a reference) does not count as pointing, nor does a bare file name
// that is only a test's, a doc's or a configuration file's (often the reporter's own
// `setup.cfg`); a test named in the body of an issue not about tests is its reproduction.
function prior(index: RepoIndex, path: string, evidence: readonly FileEvidence[], w: LocateWeights, aboutTests: boolean): number {
  const secondary = DECLARATION_FILE.test(path) || (!aboutTests && TEST_FILE.test(path));
  const plain = !secondary && !DOC_FILE.test(path) && !EXAMPLE_DIR.test(path) && index.files.get(path)?.language !== null;
  const pointed = evidence.some((e) => e.kind === "frame" || (e.kind === "path" && !e.inUrl && (plain || !e.bare)));
  if (VENDORED.test(path) || isBundle(index, path)) return pointed ? w.secondary : w.nonCode;
  if (pointed) return secondary ? w.secondary : 1;
  if (DOC_FILE.test(path)) return w.docs;
  if (index.files.get(path)?.language === null) return w.nonCode;
  // Example and demo code shows how the project is used; its fixes go into the project.
  if (EXAMPLE_DIR.test(path)) return w.secondary;
  if (DECLARATION_FILE.test(path) || (!aboutTests && TEST_FILE.test(path))) return w.secondary;
  return 1;
}

interface Scored {
  readonly path: string;
  score: number;
  readonly terms: Map<string, number> | undefined;
  readonly evidence: readonly FileEvidence[];
  readonly graphScore: number;
  /** The file's commit messages' match, over the best file's (0..1). */
  readonly historyScore: number;
  /** The title's terms the file holds, when it matches the title well (for the reason). */
  readonly titleTerms?: Map<string, number>;
  /** Set when a better-ranked file lifted this one: "type declarations of lib/a.js". */
  companionOf?: string;
  /** The score this file lifts its companions with when not its own (a test the issue points at). */
  readonly liftScore?: number;
  /** How many commits came after the newest one that changed the file (RepoHistory.age). */
  readonly age?: number;
  /** The subject of the past change like the issue that changed the file (LIKE_COMMITS). */
  readonly likeChange?: string;
}

/**
 * The personalized rank a file received from its neighbours: its own seed's share and the
 * rank of a file without any edge are the lexical evidence again (counted once already),
 * not evidence from the graph.
 */
function receivedRank(graph: FileGraph, ranks: Float64Array, seeds: ReadonlyMap<string, number>): Float64Array {
  let total = 0;
  for (const [path, w] of seeds) if (graph.indexOf.has(path) && w > 0) total += w;
  const linked = new Uint8Array(ranks.length);
  for (let i = 0; i < ranks.length; i++) {
    if (graph.offsets[i + 1]! > graph.offsets[i]!) linked[i] = 1;
  }
  for (let k = 0; k < graph.targets.length; k++) linked[graph.targets[k]!] = 1;
  const out = new Float64Array(ranks.length);
  for (let i = 0; i < ranks.length; i++) {
    const seed = seeds.get(graph.paths[i]!) ?? 0;
    out[i] = linked[i] ? Math.max(0, ranks[i]! - (1 - PAGERANK_DAMPING) * (total > 0 ? seed / total : 0)) : 0;
  }
  return out;
}
const PAGERANK_DAMPING = 0.85;

// Personalized rank over the query-free rank: a file everything imports (a types module,
// options.d.ts) has a high rank for every query; what matters is how much the query raised it.
const HUB_DAMPING = 0.5;
export function liftOverBase(ranks: Float64Array, base: Float64Array): Float64Array {
  const out = new Float64Array(ranks.length);
  for (let i = 0; i < ranks.length; i++) out[i] = ranks[i]! / Math.pow(base[i]! * ranks.length, HUB_DAMPING);
  return out;
}

/**
 * Personalization for PageRank from what the user is looking at and what a query says:
 * the best lexical hits (by normalized score), files defining named identifiers, named
 * paths, open files and recent edits. Shared by `locate` and the repo map.
 */
export function querySeeds(index: RepoIndex, query: string | undefined, focus: FocusHints): { seeds: Map<string, number>; analysis?: QueryAnalysis } {
  if (query === undefined || query.trim() === "") return { seeds: seedWeights(index, undefined, new Map(), 1, focus) };
  const analysis = analyzeQuery(index, query);
  const lexical = index.tables.bm25(analysis.terms);
  let maxLexical = 1e-9;
  for (const h of lexical.values()) maxLexical = Math.max(maxLexical, h.score);
  return { seeds: seedWeights(index, analysis, lexical, maxLexical, focus), analysis };
}

function seedWeights(
  index: RepoIndex,
  analysis: QueryAnalysis | undefined,
  lexical: Map<string, { score: number }>,
  maxLexical: number,
  focus: FocusHints,
): Map<string, number> {
  const seeds = new Map<string, number>();
  const add = (path: string, w: number): void => void seeds.set(path, (seeds.get(path) ?? 0) + w);
  const best = [...lexical.entries()].sort((a, b) => b[1].score - a[1].score).slice(0, BM25_SEEDS);
  for (const [path, hit] of best) add(path, hit.score / maxLexical);
  for (const [path, evidence] of analysis?.evidence ?? []) add(path, Math.max(...evidence.map((e) => EVIDENCE_SEED[e.kind])));
  for (const path of focus.openFiles ?? []) add(index.relative(path), 1);
  (focus.recentFiles ?? []).forEach((path, k) => add(index.relative(path), 1 / (1 + k)));
  return seeds;
}

/** A file's match of the title counts as a reason from this share of the best match on. */
const TITLE_REASON = 0.5;
/** A file's commit messages count as a reason from this share of the best match on. */
const HISTORY_REASON = 0.3;

function reasonsFor(s: Scored, graph: FileGraph, best: ReadonlySet<string>, surface: ReadonlyMap<string, string>, subjectOf: (path: string) => string | undefined): string[] {
  const reasons: string[] = [];
  const texts = (kind: EvidenceKind): string[] => s.evidence.filter((e) => e.kind === kind).map((e) => e.text);
  const frames = texts("frame");
  if (frames.length > 0) reasons.push(`traceback frame ${frames.slice(0, 3).join(", ")}`);
  if (texts("path").length > 0) reasons.push("path named in the query");
  if (texts("module").length > 0) reasons.push(`module ${texts("module")[0]} named`);
  const defines = [...texts("qualified"), ...texts("named")];
  if (defines.length > 0) reasons.push(`defines ${defines.slice(0, 5).join(", ")}`);
  if (texts("snippet").length > 0) reasons.push(`defines ${texts("snippet").slice(0, 5).join(", ")} (used in the example)`);
  if (texts("quote").length > 0) reasons.push(`quotes "${clip(texts("quote")[0]!, 60)}"`);
  if (texts("linked").length > 0) reasons.push(`changed for ${clip(texts("linked")[0]!, 70)}`);
  const fileName = s.evidence.find((e) => e.kind === "filename");
  if (fileName?.locale !== undefined) reasons.push(`file name is the locale code of "${fileName.text}" in the title (${fileName.locale})`);
  else if (fileName !== undefined) reasons.push(`file name matches "${fileName.text}" in the title`);
  if (s.companionOf) reasons.push(s.companionOf);
  if (s.titleTerms && s.titleTerms.size > 0) {
    const words = [...s.titleTerms.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([t]) => surface.get(t) ?? t);
    reasons.push(`title words: ${words.join(", ")}`);
  }
  if (s.terms && s.terms.size > 0) {
    const top = [...s.terms.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([t]) => surface.get(t) ?? t);
    reasons.push(`terms: ${top.join(", ")}`);
  }
  // The commit the messages' match names is often the past change like this one: it is said once.
  const subject = s.historyScore >= HISTORY_REASON ? subjectOf(s.path) : undefined;
  if (subject !== undefined) reasons.push(`history: "${clip(subject, 78)}"`);
  if (s.likeChange !== undefined && s.likeChange !== subject) reasons.push(`changed by a past change like this one: "${clip(s.likeChange, 78)}"`);
  if (s.age !== undefined && s.age < RECENT_COMMITS) reasons.push(s.age === 0 ? "last changed in the newest commit" : `last changed ${s.age} commit${s.age === 1 ? "" : "s"} ago`);
  if (s.graphScore >= 0.05) {
    const neighbour = strongestNeighbour(graph, s.path, best);
    reasons.push(neighbour ? `graph: ${neighbour}` : `graph: near the matching files (${s.graphScore.toFixed(2)})`);
  }
  return reasons;
}

const COMPANION_PARENTS = 3;
const PACKAGE_INDEX = /^(__init__\.py|index\.[cm]?[jt]sx?)$/;

/**
 * Sorts by score after lifting the companions of the best few files (and of tests the issue
 * points at) — files a fix to them usually changes too: the type declarations of a JavaScript module (`a.d.ts` beside `a.js`,
 * or a declaration file named after it elsewhere), the package index that re-exports it,
 * and the files it uses (its callees and constants, by edge weight), each times its own
 * prior (a test or a copied library is lifted less).
 */
function liftCompanions(index: RepoIndex, graph: FileGraph, scored: Scored[], w: LocateWeights, priorOf: (path: string) => number): Scored[] {
  const byScore = (a: Scored, b: Scored): number => b.score - a.score || (a.path < b.path ? -1 : 1);
  scored.sort(byScore);
  if (w.companion <= 0 && w.typesBeside <= 0 && w.packageIndex <= 0 && w.neighbour <= 0 && w.cochange <= 0) return scored;
  const byPath = new Map(scored.map((s) => [s.path, s]));
  const parents = [...scored.slice(0, COMPANION_PARENTS), ...scored.slice(COMPANION_PARENTS).filter((s) => s.liftScore !== undefined)];
  for (const parent of parents) {
    const parentScore = parent.liftScore ?? parent.score;
    const companions: [string, string, number][] = companionsOf(index, parent.path).map(([p, why]) => [p, why, why === "package index of" ? w.packageIndex : why === "types of" ? w.typesBeside : w.companion]);
    if (w.neighbour > 0) for (const [p, share] of usedFiles(graph, parent.path)) if (index.files.has(p)) companions.push([p, "used by", w.neighbour * share]);
    if (w.cochange > 0 && index.history) {
      for (const [p, share] of index.history.coChanged(parent.path)) if (index.files.has(p)) companions.push([p, "changed together with", w.cochange * share]);
    }
    for (const [path, why, weight] of companions) {
      let s = byPath.get(path);
      if (!s) byPath.set(path, (s = { path, score: 0, terms: undefined, evidence: [], graphScore: 0, historyScore: 0 }));
      // A companion keeps its own kind's weight: a copied library a top file calls into is not lifted like its own module.
      const lifted = weight * parentScore * priorOf(path);
      if (lifted > s.score) (s.score = lifted), (s.companionOf = `${why} ${parent.path}`);
    }
  }
  return [...byPath.values()].sort(byScore);
}

/** The files `path` uses, each with its edge weight over the strongest of its edges. */
function usedFiles(graph: FileGraph, path: string): [string, number][] {
  const i = graph.indexOf.get(path);
  if (i === undefined) return [];
  let max = 0;
  for (let k = graph.offsets[i]!; k < graph.offsets[i + 1]!; k++) max = Math.max(max, graph.weights[k]!);
  const out: [string, number][] = [];
  for (let k = graph.offsets[i]!; k < graph.offsets[i + 1]!; k++) out.push([graph.paths[graph.targets[k]!]!, graph.weights[k]! / max]);
  return out;
}

function companionsOf(index: RepoIndex, path: string): [string, string][] {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  const stemName = base.replace(/\.[^.]+$/, "");
  const out: [string, string][] = [];
  if (!DECLARATION_FILE.test(path) && /\.[cm]?jsx?$/.test(path)) {
    // `lib/a.js` → `lib/a.d.ts`, or `types/…/a.d.ts`; an index module goes by its folder's name.
    const name = PACKAGE_INDEX.test(base) ? dir.slice(0, -1).split("/").pop() : stemName;
    const besideDeclarations: string[] = [];
    for (const other of index.files.keys()) {
      if (!DECLARATION_FILE.test(other)) continue;
      const otherBase = other.slice(other.lastIndexOf("/") + 1).replace(DECLARATION_FILE, "");
      // A folder's index.d.ts declares the modules beside it.
      const beside = other.startsWith(dir) && !other.slice(dir.length).includes("/");
      if (otherBase === name || (beside && (otherBase === stemName || otherBase === "index"))) out.push([other, "type declarations of"]);
      else if (beside) besideDeclarations.push(other);
    }
    // The one declaration file of a folder (`cards/types.d.ts`) declares what is beside it.
    if (besideDeclarations.length === 1 && !out.some(([p]) => DECLARATION_FILE.test(p))) out.push([besideDeclarations[0]!, "type declarations of"]);
  }
  if (/\.[cm]?[jt]sx?$/.test(path) && !DECLARATION_FILE.test(path)) {
    // A component's run-time prop types (`propTypes.js`) and a module's types (`types.ts`) beside it.
    for (const candidate of [`${stemName}.propTypes.js`, "propTypes.js", "prop-types.js", `${stemName}.types.ts`, "types.ts"]) {
      const typesPath = dir + candidate;
      if (typesPath !== path && index.files.has(typesPath)) out.push([typesPath, "types of"]);
    }
  }
  if (!PACKAGE_INDEX.test(base)) {
    for (const candidate of ["__init__.py", "index.js", "index.ts", "index.mjs"]) {
      const indexPath = dir + candidate;
      if (indexPath !== path && index.files.has(indexPath) && sameLanguage(path, candidate)) out.push([indexPath, "package index of"]);
    }
  }
  return out;
}

function sameLanguage(a: string, b: string): boolean {
  return a.endsWith(".py") === b.endsWith(".py");
}

/** "uses X" / "used by X" for the strongest edge between `path` and one of the best hits. */
function strongestNeighbour(graph: FileGraph, path: string, best: ReadonlySet<string>): string | undefined {
  const i = graph.indexOf.get(path);
  if (i === undefined) return undefined;
  let found: { text: string; weight: number } | undefined;
  const consider = (text: string, weight: number): void => {
    if (!found || weight > found.weight) found = { text, weight };
  };
  for (let k = graph.offsets[i]!; k < graph.offsets[i + 1]!; k++) {
    const other = graph.paths[graph.targets[k]!]!;
    if (best.has(other)) consider(`uses ${other}`, graph.weights[k]!);
  }
  for (const other of best) {
    const j = graph.indexOf.get(other);
    if (j === undefined || other === path) continue;
    for (let k = graph.offsets[j]!; k < graph.offsets[j + 1]!; k++) if (graph.targets[k] === i) consider(`used by ${other}`, graph.weights[k]!);
  }
  return found?.text;
}

/** The k entries with the largest values, largest first. */
function largest(scores: ReadonlyMap<string, number>, k: number): [string, number][] {
  return [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
}

/** Indices of the k largest values, without sorting the whole array. */
function topIndices(values: Float64Array, k: number): number[] {
  const top: number[] = [];
  let floor = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (top.length === k && v <= floor) continue;
    top.push(i);
    top.sort((a, b) => values[b]! - values[a]!);
    if (top.length > k) top.pop();
    if (top.length === k) floor = values[top[k - 1]!]!;
  }
  return top;
}
