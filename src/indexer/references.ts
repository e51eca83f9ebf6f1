/**
 * A file's references, packed. They are most of an index (about 3 per definition, ~1M on a
 * 20,000-file tree), and as objects each costs a heap object with five fields — in memory,
 * in every structured clone from a parse thread and in the cache. Packed, a file's
 * references are one table of distinct strings and one Uint32Array.
 */
import type { Reference } from "./types.ts";

/** A file's references: `rows` holds REFERENCE_FIELDS numbers per reference, in source order. */
export interface PackedReferences {
  /** The distinct names, kinds and scopes the rows point into. */
  readonly strings: readonly string[];
  /** Per reference: name, kind, scope + 1 (0: none) as indexes into `strings`, then line, column. */
  readonly rows: Uint32Array;
}

export const REFERENCE_FIELDS = 5;

export function packReferences(references: readonly Reference[]): PackedReferences {
  const strings: string[] = [];
  const indexOf = new Map<string, number>();
  const intern = (s: string): number => {
    let i = indexOf.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      indexOf.set(s, i);
    }
    return i;
  };
  const rows = new Uint32Array(references.length * REFERENCE_FIELDS);
  references.forEach((r, k) => {
    const o = k * REFERENCE_FIELDS;
    rows[o] = intern(r.name);
    rows[o + 1] = intern(r.kind);
    rows[o + 2] = r.scope === undefined ? 0 : intern(r.scope) + 1;
    rows[o + 3] = r.line;
    rows[o + 4] = r.col;
  });
  return { strings, rows };
}

export function referenceCount(packed: PackedReferences): number {
  return packed.rows.length / REFERENCE_FIELDS;
}

/** The references as objects, in source order; only those named `name` when given. */
export function unpackReferences(packed: PackedReferences, name?: string): Reference[] {
  const { strings, rows } = packed;
  const only = name === undefined ? -1 : strings.indexOf(name);
  if (name !== undefined && only < 0) return [];
  const out: Reference[] = [];
  for (let o = 0; o < rows.length; o += REFERENCE_FIELDS) {
    if (only >= 0 && rows[o] !== only) continue;
    const scope = rows[o + 2]!;
    out.push({
      name: strings[rows[o]!]!,
      kind: strings[rows[o + 1]!]!,
      line: rows[o + 3]!,
      col: rows[o + 4]!,
      ...(scope > 0 ? { scope: strings[scope - 1]! } : {}),
    });
  }
  return out;
}

/** Calls `visit` with the name of every reference, in source order. */
export function forEachReferenceName(packed: PackedReferences, visit: (name: string) => void): void {
  const { strings, rows } = packed;
  for (let o = 0; o < rows.length; o += REFERENCE_FIELDS) visit(strings[rows[o]!]!);
}
