import type { RepoIndex } from "./repo-index.ts";
import { unpackReferences } from "./references.ts";
import type { Definition, Reference } from "./types.ts";

/** A definition with the file it is in. */
export interface DefinitionHit extends Definition {
  readonly path: string;
}

/** A reference with the file it is in. */
export interface ReferenceHit extends Reference {
  readonly path: string;
}

/**
 * Definitions named `name`. Exact matches first; when there are none, a case-insensitive
 * match (the model often writes `parseflags` for `parseFlags`); when there are none either, a
 * name written qualified as its language writes it — `Store.Get` (Go), `Circle::area` (Rust),
 * `Outer.Builder` (Java), `ns::Parser::parse` (C++) — by its last part in the scope before it,
 * or anywhere where nothing has that scope (`com.acme.Outer`).
 */
export function findDefinitions(index: RepoIndex, name: string, limit = 50): DefinitionHit[] {
  const hits = namedDefinitions(index, name, limit);
  const parts = name.split(/::|\.|->/).filter((p) => p !== "");
  if (hits.length > 0 || parts.length < 2) return hits;
  const last = namedDefinitions(index, parts.at(-1)!, Number.MAX_SAFE_INTEGER);
  const scope = parts.at(-2)!;
  const scoped = last.filter((d) => d.scope === scope);
  return (scoped.length > 0 ? scoped : last).slice(0, limit);
}

function namedDefinitions(index: RepoIndex, name: string, limit: number): DefinitionHit[] {
  let paths = index.tables.definers.get(name);
  let match = (n: string): boolean => n === name;
  if (!paths) {
    const lower = name.toLowerCase();
    match = (n) => n.toLowerCase() === lower;
    paths = new Set();
    for (const [n, files] of index.tables.definers) if (match(n)) for (const f of files) paths.add(f);
  }
  const hits: DefinitionHit[] = [];
  for (const path of [...paths].sort()) {
    for (const d of index.files.get(path)?.definitions ?? []) if (match(d.name)) hits.push({ ...d, path });
  }
  return hits.slice(0, limit);
}

/** References to `name` across the repository, by file then position. */
export function findReferences(index: RepoIndex, name: string, limit = 200): ReferenceHit[] {
  const hits: ReferenceHit[] = [];
  for (const path of [...(index.tables.referrers.get(name)?.keys() ?? [])].sort()) {
    const references = index.files.get(path)?.references;
    for (const r of references ? unpackReferences(references, name) : []) {
      hits.push({ ...r, path });
      if (hits.length >= limit) return hits;
    }
  }
  return hits;
}

/** Definitions in one file, in source order (an outline). */
export function fileOutline(index: RepoIndex, path: string): DefinitionHit[] {
  const rel = index.relative(path);
  return (index.files.get(rel)?.definitions ?? []).map((d) => ({ ...d, path: rel }));
}

/** What `searchMentions` finds: files and symbol definitions for an @-mention. */
export interface MentionHits {
  readonly files: string[];
  readonly symbols: { readonly name: string; readonly kind: string; readonly path: string; readonly line: number }[];
}

/**
 * Files and symbols matching what the user typed after "@", best first: a match at the
 * start of a file's base name or a symbol's name beats one inside it; shorter wins ties.
 * Case-insensitive. An empty query lists nothing (the UI shows its own hints then).
 */
export function searchMentions(index: RepoIndex, query: string, limit = 8): MentionHits {
  const q = folded(query.trim());
  if (!q) return { files: [], symbols: [] };
  const fileScore = (path: string): number => {
    const lower = folded(path);
    const base = lower.slice(lower.lastIndexOf("/") + 1);
    if (base.startsWith(q)) return 0;
    if (base.includes(q)) return 1;
    return lower.includes(q) ? 2 : -1;
  };
  const files = [...index.files.keys()]
    .map((path) => ({ path, score: fileScore(path) }))
    .filter((f) => f.score >= 0)
    .sort((a, b) => a.score - b.score || a.path.length - b.path.length || a.path.localeCompare(b.path))
    .slice(0, limit)
    .map((f) => f.path);
  const names = [...index.tables.definers.keys()]
    .map((name) => ({ name, lower: folded(name) }))
    .filter((n) => n.lower.includes(q))
    .sort((a, b) => Number(!a.lower.startsWith(q)) - Number(!b.lower.startsWith(q)) || a.name.length - b.name.length || a.name.localeCompare(b.name))
    .slice(0, limit);
  const symbols: MentionHits["symbols"][number][] = [];
  for (const { name } of names) {
    for (const hit of findDefinitions(index, name, 2)) {
      symbols.push({ name: hit.name, kind: hit.kind, path: hit.path, line: hit.line });
    }
    if (symbols.length >= limit) break;
  }
  return { files, symbols: symbols.slice(0, limit) };
}

/**
 * Lower case, and composed (NFC) where not ASCII: a name made on macOS is decomposed on disk
 * (é as e + U+0301), while a keyboard types it composed, and the two never matched. Also the
 * names a macOS or Windows disk takes for one file (repo-index.ts listedSpelling).
 */
export function folded(text: string): string {
  return (/[^\x00-\x7f]/.test(text) ? text.normalize("NFC") : text).toLowerCase();
}
