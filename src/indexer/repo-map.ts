import { maskSecrets } from "../protocol/secret-values.ts";
import { identifierWeight, pageRank } from "./graph.ts";
import type { RepoIndex } from "./repo-index.ts";
import { liftOverBase, querySeeds, type FocusHints } from "./retrieve.ts";
import { shownLine, shownPath } from "./text.ts";
import type { Definition } from "./types.ts";

/** Counts tokens of a text; the loaded model's tokenizer when there is one. */
export type TokenCounter = (text: string) => number;

/**
 * Estimate for when no tokenizer is loaded: code averages about 3.5 characters per token
 * with BPE vocabularies of Qwen's size (more for prose, less for dense punctuation).
 */
export const estimateTokens: TokenCounter = (text) => Math.ceil(text.length / 3.5);

export interface RepoMapOptions extends FocusHints {
  /** The token budget the map must fit in. */
  readonly tokens: number;
  readonly countTokens?: TokenCounter;
  /** Issue or chat text: identifiers and paths in it pull their files up. */
  readonly query?: string;
}

export interface RepoMap {
  readonly text: string;
  readonly tokens: number;
  /** Files shown, in rank order. */
  readonly files: string[];
  readonly definitions: number;
}

/** One candidate line of the map: a definition, or a file without definitions. */
export interface RepoMapEntry {
  readonly path: string;
  readonly def?: Definition;
  readonly score: number;
}

// Kinds that carry a file's interface; properties and enumerators would crowd them out.
const MAP_KINDS = new Set([
  "function", "method", "class", "interface", "type", "struct", "enum", "union", "module",
  "trait", "macro", "implementation", "prototype", "constant",
]);

/**
 * A map of the repository: files ranked by personalized PageRank, each with the
 * signatures of its most referenced definitions, as many as fit in `tokens`. The number
 * of entries is found by binary search on the rendered text's token count.
 */
export function buildRepoMap(index: RepoIndex, options: RepoMapOptions): RepoMap {
  return fitRepoMap(rankedEntries(index, options, entryLimit(options.tokens)), options);
}

/** Every entry renders to a few tokens at least, which bounds how many can fit. */
export function entryLimit(tokens: number): number {
  return Math.ceil(tokens / 3);
}

/** The largest prefix of ranked entries whose rendering fits the budget. */
export function fitRepoMap(entries: readonly RepoMapEntry[], options: Pick<RepoMapOptions, "tokens" | "countTokens">): RepoMap {
  const count = options.countTokens ?? estimateTokens;
  let lo = 0;
  let hi = Math.min(entries.length, entryLimit(options.tokens));
  let best = { text: "", tokens: 0, files: [] as string[], definitions: 0 };
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const rendered = render(entries.slice(0, mid));
    const tokens = rendered.text === "" ? 0 : count(rendered.text);
    if (tokens <= options.tokens) {
      best = { ...rendered, tokens };
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** Definitions (and bare files) in descending importance, the best `limit`. */
export function rankedEntries(index: RepoIndex, options: FocusHints & { query?: string }, limit = Infinity): RepoMapEntry[] {
  const graph = index.graph();
  const { seeds, analysis } = querySeeds(index, options.query, options);
  const mentioned = new Set(analysis?.identifiers ?? []);
  // With a focus, rank by how much the focus lifts a file over its query-free rank, as
  // locate does: otherwise the modules everything imports (errors, types) top every map.
  const ranks = seeds.size > 0 ? liftOverBase(pageRank(graph, seeds), index.baseRanks()) : pageRank(graph, seeds);
  const entries: RepoMapEntry[] = [];
  graph.paths.forEach((path, i) => {
    const record = index.files.get(path);
    if (!record) return;
    const defs = record.definitions.filter((d) => MAP_KINDS.has(d.kind));
    if (defs.length === 0) {
      entries.push({ path, score: ranks[i]! * 0.1 });
      return;
    }
    for (const def of defs) entries.push({ path, def, score: ranks[i]! * definitionWeight(index, def, mentioned) });
  });
  entries.sort((a, b) => b.score - a.score);
  return entries.length > limit ? entries.slice(0, limit) : entries;
}

// Within a file, a definition that other files use matters more; so does one the query names.
function definitionWeight(index: RepoIndex, def: Definition, mentioned: ReadonlySet<string>): number {
  const users = index.tables.referrers.get(def.name)?.size ?? 0;
  const definers = index.tables.definers.get(def.name)?.size ?? 1;
  let w = (1 + Math.log1p(users)) * Math.sqrt(identifierWeight(def.name, definers));
  if (mentioned.has(def.name)) w *= 10;
  if (def.scope === undefined) w *= 1.5;
  return w;
}

function render(entries: readonly RepoMapEntry[]): { text: string; files: string[]; definitions: number } {
  const byFile = new Map<string, Definition[]>();
  for (const e of entries) {
    const list = byFile.get(e.path) ?? [];
    if (e.def) list.push(e.def);
    byFile.set(e.path, list);
  }
  const lines: string[] = [];
  let definitions = 0;
  for (const [path, defs] of byFile) {
    lines.push(defs.length > 0 ? `${shownPath(path)}:` : shownPath(path));
    defs.sort((a, b) => a.startLine - b.startLine);
    // A constant's signature can hold a token (`GITHUB_TOKEN = "ghp_…"`): the map is in the model's prompt.
    for (const d of defs) lines.push(`${String(d.startLine + 1).padStart(5)}│ ${d.scope ? "  " : ""}${shownLine(maskSecrets(d.signature).text)}`);
    definitions += defs.length;
  }
  return { text: lines.length > 0 ? lines.join("\n") + "\n" : "", files: [...byFile.keys()], definitions };
}
