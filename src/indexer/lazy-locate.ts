/**
 * `locate` on an index that a lazy build (`BuildOptions.lazy`) left partly parsed: every
 * file's words are indexed, tree-sitter has run only where earlier queries needed it. Most
 * of a cold index is tree-sitter (about 70% on the sphinx tree, BENCHMARKS.md "Cold and warm
 * locate"), and a query needs the symbols of a few hundred files at most:
 *
 *   1. candidates — the best lexical hits among source files, the files holding each
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
import { readIssue } from "./issue-templates.ts";
import { analyzeQuery, DEFAULT_WEIGHTS, locate, type LocateOptions, type LocatedFile } from "./retrieve.ts";
import { parseQueryEvidence } from "./query-evidence.ts";
import { identifiersIn, looksLikeIdentifier, stem, STOPWORDS } from "./text.ts";

export interface LazyLocateOptions extends LocateOptions {
  readonly signal?: AbortSignal;
  /** How many rare-name neighbours of the best files to parse (default 150; for tuning). */
  readonly maxNeighbours?: number;
}

export interface LazyLocateResult {
  readonly files: LocatedFile[];
  /** Files parsed for this query (0 on a complete index). */
  readonly parsed: number;
}

// Measured on the sphinx tree (1,789 files) with its 25 real issues of the retrieval
// evaluation set (test/bench/locate-cold.ts, BENCHMARKS.md "Cold and warm locate"): a cold
// query parses ~290 files; the top 10 overlaps a full index's by 94%, the top 1 is the same
// in 84%. At most 40 neighbours instead of 150 parsed ~100 fewer files for 89% overlap.
const LEXICAL_CANDIDATES = 40;
const PER_IDENTIFIER = 20;
const PER_SNIPPET_NAME = 3;
const MAX_SNIPPET_FILES = 60;
const NEIGHBOUR_SOURCES = 20;
/** A name found in more files than this links everything to everything (graph.ts drops such names too). */
const MAX_SHARED = 8;
const MAX_NEIGHBOURS = 150;

/** Parses what ranking `query` needs, then ranks like `locate`. */
export async function locateLazily(index: RepoIndex, query: string, options: LazyLocateOptions = {}): Promise<LazyLocateResult> {
  const { signal, maxNeighbours, ...locateOptions } = options;
  if (index.pendingFiles().length === 0) return { files: locate(index, query, locateOptions), parsed: 0 };
  let parsed = await index.complete(candidateFiles(index, query, locateOptions), signal);
  parsed += await index.complete(neighbourFiles(index, query, locateOptions, maxNeighbours), signal);
  let files = locate(index, query, locateOptions);
  // A file that made the list on its words alone is parsed too (its entities, its own
  // definitions' weight), and the list ranked once more.
  const late = await index.complete(files.filter((f) => f.score > 0).map((f) => f.path), signal);
  if (late > 0) files = locate(index, query, locateOptions);
  return { files, parsed: parsed + late };
}

/** Files that may rank for `query` on lexical evidence, named identifiers and paths, or focus. */
export function candidateFiles(index: RepoIndex, query: string, options: LocateOptions = {}): Set<string> {
  // The issue as locate reads it: a template's FAQ names files nothing will rank by.
  query = readIssue(index.root, query, { ...DEFAULT_WEIGHTS, ...options.weights });
  const analysis = analyzeQuery(index, query);
  const out = new Set<string>(analysis.paths);
  // A file that prints a message the issue quotes, or that an issue it links changed, is
  // found by its words or the history: it is as much a pointer as a named path.
  for (const [path, evidence] of analysis.evidence) if (evidence.some((e) => e.kind === "quote" || e.kind === "linked")) out.add(path);
  // Among source files (documentation has nothing to parse): the same files on every run,
  // so a query asked again parses nothing new.
  for (const path of best(sourceOnly(index, index.tables.bm25(analysis.terms)), LEXICAL_CANDIDATES)) out.add(path);
  // Which file defines a name the query uses is unknown until it is parsed: the files
  // holding the word do include it, and the definer usually holds it most. Names written as
  // code in the prose (inline code, calls, camelCase…) get more room than names that only
  // occur in a pasted example or log.
  const text = parseQueryEvidence(query);
  const named = new Set<string>();
  for (const span of text.inline) for (const token of identifiersIn(span)) named.add(token);
  for (const token of identifiersIn(`${text.title}\n${text.prose}`)) if (looksLikeIdentifier(token)) named.add(token);
  for (const m of `${text.title}\n${text.prose}`.matchAll(/([A-Za-z_$][\w$]*)\s*\(|\.([A-Za-z_$][\w$]*)/g)) named.add(m[1] ?? m[2]!);
  for (const token of named) if (token.length >= 3) for (const path of best(sourceOnly(index, holders(index, token)), PER_IDENTIFIER)) out.add(path);
  // A pasted log or example can hold hundreds of names: the rarest say the most.
  const snippetNames = [...new Set(identifiersIn(text.code))].filter((t) => t.length >= 3 && !named.has(t)).map((t) => ({ t, files: sourceOnly(index, holders(index, t)) }));
  snippetNames.sort((a, b) => a.files.size - b.files.size);
  const fromSnippets = new Set<string>();
  for (const { files } of snippetNames) {
    if (files.size === 0) continue;
    for (const path of best(files, PER_SNIPPET_NAME)) fromSnippets.add(path);
    if (fromSnippets.size >= MAX_SNIPPET_FILES) break;
  }
  for (const path of fromSnippets) out.add(path);
  for (const path of [...(options.openFiles ?? []), ...(options.recentFiles ?? [])]) out.add(index.relative(path));
  return out;
}

/**
 * Pending files that share a rare name (referenced or defined) with the best-ranked parsed
 * files, best files first: the edges the graph would give them once parsed.
 */
export function neighbourFiles(index: RepoIndex, query: string, options: LocateOptions = {}, limit = MAX_NEIGHBOURS): string[] {
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
    if (out.size >= limit) break;
  }
  return [...out].slice(0, limit);
}

/** Files whose words hold an identifier as a whole word, with its BM25 score. */
function holders(index: RepoIndex, identifier: string): Map<string, { score: number }> {
  const whole = identifier.toLowerCase().replace(/[_$]/g, "");
  if (whole.length < 2 || STOPWORDS.has(whole)) return new Map();
  return index.tables.bm25(new Map([[stem(whole), 1]]));
}

/** The hits in files with a grammar (what a parse can add to). */
function sourceOnly(index: RepoIndex, hits: ReadonlyMap<string, { score: number }>): Map<string, { score: number }> {
  const out = new Map<string, { score: number }>();
  for (const [path, hit] of hits) if (index.files.get(path)?.language) out.set(path, hit);
  return out;
}

function best(hits: ReadonlyMap<string, { score: number }>, k: number): string[] {
  return [...hits.entries()].sort((a, b) => b[1].score - a[1].score).slice(0, k).map(([path]) => path);
}
