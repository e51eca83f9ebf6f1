import type { RepoIndex } from "./repo-index.ts";
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
 * match (the model often writes `parseflags` for `parseFlags`).
 */
export function findDefinitions(index: RepoIndex, name: string, limit = 50): DefinitionHit[] {
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
    for (const r of index.files.get(path)?.references ?? []) {
      if (r.name !== name) continue;
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
