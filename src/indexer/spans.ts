/**
 * What lies inside a definition of one file — other definitions, references — found by a
 * binary search over the file's lines instead of a pass over the whole file for each
 * definition. Those passes made the entities of a file quadratic in its definitions: two
 * generated modules of 30,000 one-line functions took 28 s. What lies inside depends only on
 * the lines, so each span is looked at once: 20,000 functions on one generated line would
 * each see the other 19,999 and their references.
 */
import type { Definition } from "./types.ts";

interface Lines {
  readonly line: number;
}

/** One file's definitions (of the kinds given) and references, ordered by line. */
export class FileSpans<R extends Lines> {
  private readonly defs: Definition[];
  /** Indices of the references, by line and then by their order in the file's record. */
  private readonly order: number[];
  private readonly members = new Map<string, boolean>();
  private readonly inside = new Map<string, readonly R[]>();

  constructor(definitions: readonly Definition[], kinds: ReadonlySet<string>, private readonly references: readonly R[]) {
    this.defs = definitions.filter((d) => kinds.has(d.kind)).sort((a, b) => a.startLine - b.startLine);
    this.order = references.map((_, i) => i).sort((a, b) => references[a]!.line - references[b]!.line || a - b);
  }

  /**
   * Whether a definition of those kinds lies inside `def`'s lines, on a span other than its
   * own (a class with methods; not the copy of itself a grammar may report).
   */
  hasMembers(def: Definition): boolean {
    const key = spanKey(def);
    let has = this.members.get(key);
    if (has === undefined) this.members.set(key, (has = this.findMembers(def)));
    return has;
  }

  private findMembers(def: Definition): boolean {
    const defs = this.defs;
    for (let i = lowerBound(defs.length, (k) => defs[k]!.startLine >= def.startLine); i < defs.length && defs[i]!.startLine <= def.endLine; i++) {
      const d = defs[i]!;
      if (d.endLine <= def.endLine && (d.startLine > def.startLine || d.endLine < def.endLine)) return true;
    }
    return false;
  }

  /** The references on `def`'s lines, in the record's order. */
  referencesIn(def: Definition): readonly R[] {
    const key = spanKey(def);
    let refs = this.inside.get(key);
    if (refs === undefined) this.inside.set(key, (refs = this.findReferences(def)));
    return refs;
  }

  private findReferences(def: Definition): R[] {
    const { order, references } = this;
    const inside: number[] = [];
    for (let i = lowerBound(order.length, (k) => references[order[k]!]!.line >= def.startLine); i < order.length && references[order[i]!]!.line <= def.endLine; i++) inside.push(order[i]!);
    return inside.sort((a, b) => a - b).map((i) => references[i]!);
  }
}

/** A definition's lines, as a key: definitions on the same lines hold the same things. */
export function spanKey(def: Definition): string {
  return `${def.startLine}:${def.endLine}`;
}

/** The first of `0..length` for which `atOrAfter` holds (it holds for all after it), or `length`. */
function lowerBound(length: number, atOrAfter: (i: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (atOrAfter(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
