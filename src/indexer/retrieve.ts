import { pushPageRank, type FileGraph } from "./graph.ts";
import type { RepoIndex } from "./repo-index.ts";
import { identifiersIn, looksLikeIdentifier, stem, termsOfWord } from "./text.ts";

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
  /** Added when the file defines an identifier the query names. */
  readonly identifier: number;
  /** Added when the query names the file's path. */
  readonly path: number;
  /** Multiplier for documentation (.md, .txt, …): issues are fixed in code. */
  readonly docs: number;
  /** Multiplier for type declarations (.d.ts) and tests, unless the query talks about tests. */
  readonly secondary: number;
}

/** One ranked file for a query, with the evidence behind its rank. */
export interface LocatedFile {
  readonly path: string;
  readonly score: number;
  /** Human-readable reasons, strongest first: "defines parseFlags", "terms: cache, stale", … */
  readonly reasons: string[];
}

/** What a query mentions, for seeding and for the reasons. */
export interface QueryAnalysis {
  readonly terms: Map<string, number>;
  /** For each term, the query word it came from (terms are stemmed: "charg" ← "charges"). */
  readonly surface: Map<string, string>;
  /** Identifiers from the query that some file defines. */
  readonly identifiers: string[];
  /** Files whose path (or a path suffix ≥ 2 segments, or a unique base name) the query names. */
  readonly paths: string[];
}

/** The score blend, tuned on the retrieval evaluation set (test/bench/indexer-eval.ts). */
export const DEFAULT_WEIGHTS: LocateWeights = {
  graph: 0.2,
  identifier: 0.6,
  path: 1.0,
  docs: 0.4,
  secondary: 0.7,
};
const BM25_SEEDS = 15;
const DOC_FILE = /\.(md|mdx|markdown|rst|txt|adoc)$/i;
const SECONDARY_FILE = /\.d\.[cm]?ts$|(^|\/)(tests?|__tests__|spec)\/|[._-](test|spec)\.[a-z]+$|_test\.go$/i;

/** Breaks a query into terms, defined identifiers it mentions, and file paths it names. */
export function analyzeQuery(index: RepoIndex, query: string): QueryAnalysis {
  const terms = new Map<string, number>();
  const surface = new Map<string, string>();
  const identifiers = new Set<string>();
  for (const token of identifiersIn(query)) {
    for (const t of termsOfWord(token)) {
      terms.set(t, (terms.get(t) ?? 0) + 1);
      // A stem of the whole word shows as the word; a part of a compound as itself.
      if (!surface.has(t)) surface.set(t, stem(token.toLowerCase().replace(/[_$]/g, "")) === t ? token.toLowerCase() : t);
    }
    // An English word that happens to be defined somewhere ("format") is not a mention;
    // a compound identifier ("formatDate", "MAX_SIZE") is.
    if (token.length >= 3 && looksLikeIdentifier(token) && index.tables.definers.has(token)) identifiers.add(token);
  }
  return { terms, surface, identifiers: [...identifiers], paths: mentionedPaths(index, query) };
}

function mentionedPaths(index: RepoIndex, query: string): string[] {
  const tokens = new Set(query.match(/[\w@.\-/]+\.[A-Za-z0-9]+|[\w.\-]+\/[\w.\-/]+/g) ?? []);
  if (tokens.size === 0) return [];
  const found: string[] = [];
  for (const path of index.files.keys()) {
    const base = path.slice(path.lastIndexOf("/") + 1);
    for (const t of tokens) {
      const clean = t.replace(/^\.?\/+/, "").replace(/[.:,]+$/, "");
      if (path === clean || (clean.includes("/") && path.endsWith("/" + clean)) || base === clean) {
        found.push(path);
        break;
      }
    }
  }
  return found.length > 20 ? [] : found;
}

/**
 * Ranks files for a natural-language query (an issue, a question): BM25 over identifiers,
 * paths and comments, blended with personalized PageRank seeded from the best lexical
 * hits, the files defining identifiers the query names, named paths and open files.
 */
export function locate(index: RepoIndex, query: string, options: LocateOptions = {}): LocatedFile[] {
  const w = { ...DEFAULT_WEIGHTS, ...options.weights };
  const mentionsTests = /\btest|\bspec\b/i.test(query);
  const analysis = analyzeQuery(index, query);
  const lexical = index.tables.bm25(analysis.terms);
  let maxLexical = 1e-9;
  for (const h of lexical.values()) maxLexical = Math.max(maxLexical, h.score);
  const seeds = seedWeights(index, analysis, lexical, maxLexical, options);
  const ranks = seeds.size > 0 ? liftOverBase(pushPageRank(index.graph(), seeds), index.baseRanks()) : undefined;
  const graph = index.graph();
  const maxRank = ranks ? ranks.reduce((m, r) => Math.max(m, r), 1e-12) : 1;
  const definedHere = definersOf(index, analysis.identifiers);
  const candidates = new Set<string>([...lexical.keys(), ...definedHere.keys(), ...analysis.paths]);
  // The graph may be a few edits old: only files that still exist are candidates.
  if (ranks) for (const i of topIndices(ranks, 50)) if (index.files.has(graph.paths[i]!)) candidates.add(graph.paths[i]!);
  const scored: Scored[] = [];
  for (const path of candidates) {
    const hit = lexical.get(path);
    const i = graph.indexOf.get(path);
    const graphScore = ranks && i !== undefined ? ranks[i]! / maxRank : 0;
    const names = definedHere.get(path) ?? [];
    const pathHit = analysis.paths.includes(path);
    const score =
      prior(path, w, mentionsTests) *
      ((hit ? hit.score / maxLexical : 0) +
        w.graph * graphScore +
        (names.length > 0 ? w.identifier : 0) +
        (pathHit ? w.path : 0));
    scored.push({ path, score, terms: hit?.terms, names, pathHit, graphScore });
  }
  scored.sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : 1));
  // Reasons only for what is returned: the neighbour search walks edges.
  const best = new Set(scored.slice(0, 5).map((s) => s.path));
  return scored.slice(0, options.top ?? 10).map((s) => ({ path: s.path, score: s.score, reasons: reasonsFor(s, graph, best, analysis.surface) }));
}

interface Scored {
  readonly path: string;
  readonly score: number;
  readonly terms: Map<string, number> | undefined;
  readonly names: readonly string[];
  readonly pathHit: boolean;
  readonly graphScore: number;
}

// Personalized rank over the query-free rank: a file everything imports (a types module,
// options.d.ts) has a high rank for every query; what matters is how much the query raised it.
const HUB_DAMPING = 0.5;
export function liftOverBase(ranks: Float64Array, base: Float64Array): Float64Array {
  const out = new Float64Array(ranks.length);
  for (let i = 0; i < ranks.length; i++) out[i] = ranks[i]! / Math.pow(base[i]! * ranks.length, HUB_DAMPING);
  return out;
}

function prior(path: string, w: LocateWeights, mentionsTests: boolean): number {
  if (DOC_FILE.test(path)) return w.docs;
  if (!mentionsTests && SECONDARY_FILE.test(path)) return w.secondary;
  return 1;
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
  for (const path of definersOf(index, analysis?.identifiers ?? []).keys()) add(path, 1);
  for (const path of analysis?.paths ?? []) add(path, 2);
  for (const path of focus.openFiles ?? []) add(index.relative(path), 1);
  (focus.recentFiles ?? []).forEach((path, k) => add(index.relative(path), 1 / (1 + k)));
  return seeds;
}

/** path → identifiers (from `names`) that the file defines; skips names defined everywhere. */
function definersOf(index: RepoIndex, names: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of names) {
    const files = index.tables.definers.get(name);
    if (!files || files.size > 5) continue;
    for (const f of files) out.set(f, [...(out.get(f) ?? []), name]);
  }
  return out;
}

function reasonsFor(s: Scored, graph: FileGraph, best: ReadonlySet<string>, surface: ReadonlyMap<string, string>): string[] {
  const reasons: string[] = [];
  if (s.pathHit) reasons.push("path named in the query");
  if (s.names.length > 0) reasons.push(`defines ${s.names.slice(0, 5).join(", ")}`);
  if (s.terms && s.terms.size > 0) {
    const top = [...s.terms.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([t]) => surface.get(t) ?? t);
    reasons.push(`terms: ${top.join(", ")}`);
  }
  if (s.graphScore >= 0.05) {
    const neighbour = strongestNeighbour(graph, s.path, best);
    reasons.push(neighbour ? `graph: ${neighbour}` : `graph: near the matching files (${s.graphScore.toFixed(2)})`);
  }
  return reasons;
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
