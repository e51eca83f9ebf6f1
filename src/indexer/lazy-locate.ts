/**
 * `locate` on an index that a lazy build (`BuildOptions.lazy`) left partly parsed: every
 * file's words are indexed, tree-sitter has run only where earlier queries needed it. Most
 * of a cold index is tree-sitter (about 70% on the sphinx tree, BENCHMARKS.md "Cold and warm
 * locate"), and a query needs the symbols of a few hundred files at most:
 *
 *   1. candidates — the best lexical hits of the query's words, the files holding each
 *      code-like identifier it names, the paths it names, open and recent files — are parsed;
 *   2. their graph neighbours — files sharing a rare name with the best of them (what the
 *      graph would link them to once parsed) — are parsed;
 *   3. `locate` ranks as on a full index.
 *
 * On an index with nothing pending this is `locate` itself, so a fully indexed repository
 * ranks exactly as before.
 */
import { forEachReferenceName } from "./references.ts";
import type { RepoIndex } from "./repo-index.ts";
import { analyzeQuery, locate, type LocateOptions, type LocatedFile } from "./retrieve.ts";
import { identifiersIn, looksLikeIdentifier, stem, STOPWORDS } from "./text.ts";

export interface LazyLocateOptions extends LocateOptions {
  readonly signal?: AbortSignal;
}

export interface LazyLocateResult {
  readonly files: LocatedFile[];
  /** Files parsed for this query (0 on a complete index). */
  readonly parsed: number;
}

// Measured on the sphinx tree (test/bench/locate-cold.ts): enough that the top 10 of a full
// index are parsed before the final ranking, few enough that a cold query parses a tenth of
// a 2,000-file tree.
const LEXICAL_CANDIDATES = 60;
const PER_IDENTIFIER = 20;
const NEIGHBOUR_SOURCES = 20;
/** A name found in more files than this links everything to everything (graph.ts drops such names too). */
const MAX_SHARED = 8;
const MAX_NEIGHBOURS = 150;

/** Parses what ranking `query` needs, then ranks like `locate`. */
export async function locateLazily(index: RepoIndex, query: string, options: LazyLocateOptions = {}): Promise<LazyLocateResult> {
  const { signal, ...locateOptions } = options;
  if (index.pendingFiles().length === 0) return { files: locate(index, query, locateOptions), parsed: 0 };
  let parsed = await index.complete(candidateFiles(index, query, locateOptions), signal);
  parsed += await index.complete(neighbourFiles(index, query, locateOptions), signal);
  return { files: locate(index, query, locateOptions), parsed };
}

/** Files that may rank for `query` on lexical evidence, named identifiers and paths, or focus. */
export function candidateFiles(index: RepoIndex, query: string, options: LocateOptions = {}): Set<string> {
  const analysis = analyzeQuery(index, query);
  const out = new Set<string>(analysis.paths);
  for (const path of best(index.tables.bm25(analysis.terms), LEXICAL_CANDIDATES)) out.add(path);
  // Which file defines a named identifier is unknown until it is parsed: the files holding
  // the word do include it, and the definer usually holds it most.
  for (const token of new Set(identifiersIn(query))) {
    if (token.length < 3 || !looksLikeIdentifier(token)) continue;
    for (const path of best(holders(index, token), PER_IDENTIFIER)) out.add(path);
  }
  for (const path of [...(options.openFiles ?? []), ...(options.recentFiles ?? [])]) out.add(index.relative(path));
  return out;
}

/**
 * Pending files that share a rare name (referenced or defined) with the best-ranked parsed
 * files, best files first: the edges the graph would give them once parsed.
 */
export function neighbourFiles(index: RepoIndex, query: string, options: LocateOptions = {}): string[] {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name) || name.length < 3) return;
    seen.add(name);
    const files = holders(index, name);
    if (files.size > MAX_SHARED) return;
    for (const path of files.keys()) if (index.files.get(path)?.symbolsPending) out.add(path);
  };
  for (const file of locate(index, query, { ...options, top: NEIGHBOUR_SOURCES })) {
    const record = index.files.get(file.path);
    if (!record || record.symbolsPending) continue;
    for (const d of record.definitions) visit(d.name);
    forEachReferenceName(record.references, visit);
    if (out.size >= MAX_NEIGHBOURS) break;
  }
  return [...out].slice(0, MAX_NEIGHBOURS);
}

/** Files whose words hold an identifier as a whole word, with its BM25 score. */
function holders(index: RepoIndex, identifier: string): Map<string, { score: number }> {
  const whole = identifier.toLowerCase().replace(/[_$]/g, "");
  if (whole.length < 2 || STOPWORDS.has(whole)) return new Map();
  return index.tables.bm25(new Map([[stem(whole), 1]]));
}

function best(hits: ReadonlyMap<string, { score: number }>, k: number): string[] {
  return [...hits.entries()].sort((a, b) => b[1].score - a[1].score).slice(0, k).map(([path]) => path);
}
