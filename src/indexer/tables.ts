import { forEachTerm } from "./text.ts";
import type { FileRecord } from "./types.ts";

// Field weights for lexical search: a term in a path or a definition name says more about
// what a file is for than the same term in its body.
const PATH_WEIGHT = 4;
const DEFINITION_WEIGHT = 2;
const BM25_K1 = 1.2;
const BM25_B = 0.75;

/**
 * The lookup tables derived from file records, kept up to date one file at a time so that
 * an edit costs time proportional to that file, not to the repository:
 * name → defining files, name → referencing files (with counts), and BM25 postings.
 */
export class SymbolTables {
  readonly definers = new Map<string, Set<string>>();
  readonly referrers = new Map<string, Map<string, number>>();
  private readonly postings = new Map<string, Map<string, number>>();
  private readonly docLength = new Map<string, number>();
  private readonly docTerms = new Map<string, string[]>();
  private totalLength = 0;
  /** Bumped on every change, so derived structures (the graph) know when to rebuild. */
  version = 0;

  add(record: FileRecord): void {
    this.version++;
    for (const d of record.definitions) addToSet(this.definers, d.name, record.path);
    for (const r of record.references) {
      let m = this.referrers.get(r.name);
      if (!m) this.referrers.set(r.name, (m = new Map()));
      m.set(record.path, (m.get(record.path) ?? 0) + 1);
    }
    const terms = documentTerms(record);
    let length = 0;
    for (const [term, tf] of terms) {
      let p = this.postings.get(term);
      if (!p) this.postings.set(term, (p = new Map()));
      p.set(record.path, tf);
      length += tf;
    }
    this.docLength.set(record.path, length);
    this.docTerms.set(record.path, [...terms.keys()]);
    this.totalLength += length;
  }

  remove(record: FileRecord): void {
    this.version++;
    for (const d of record.definitions) deleteFromSet(this.definers, d.name, record.path);
    for (const r of record.references) {
      const m = this.referrers.get(r.name);
      if (!m) continue;
      m.delete(record.path);
      if (m.size === 0) this.referrers.delete(r.name);
    }
    for (const term of this.docTerms.get(record.path) ?? []) {
      const p = this.postings.get(term);
      p?.delete(record.path);
      if (p?.size === 0) this.postings.delete(term);
    }
    this.totalLength -= this.docLength.get(record.path) ?? 0;
    this.docLength.delete(record.path);
    this.docTerms.delete(record.path);
  }

  get documentCount(): number {
    return this.docLength.size;
  }

  /** Inverse document frequency of a term (0 when no file has it). */
  idf(term: string): number {
    const df = this.postings.get(term)?.size ?? 0;
    if (df === 0) return 0;
    const n = this.docLength.size;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /**
   * BM25 scores of every file containing at least one query term, with each term's
   * contribution kept for the "why" shown to the user.
   */
  bm25(queryTerms: ReadonlyMap<string, number>): Map<string, { score: number; terms: Map<string, number> }> {
    const out = new Map<string, { score: number; terms: Map<string, number> }>();
    const avg = this.totalLength / Math.max(1, this.docLength.size);
    for (const [term, qtf] of queryTerms) {
      const p = this.postings.get(term);
      if (!p) continue;
      const idf = this.idf(term);
      for (const [path, tf] of p) {
        const len = this.docLength.get(path) ?? avg;
        const s = (idf * qtf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * len) / avg));
        let hit = out.get(path);
        if (!hit) out.set(path, (hit = { score: 0, terms: new Map() }));
        hit.score += s;
        hit.terms.set(term, s);
      }
    }
    return out;
  }
}

/** Weighted term frequencies of one file: body words, plus boosted path and definition terms. */
export function documentTerms(record: FileRecord): Map<string, number> {
  const terms = new Map<string, number>();
  const add = (t: string, n: number): void => void terms.set(t, (terms.get(t) ?? 0) + n);
  for (let i = 0; i < record.words.length; i++) add(record.words[i]!, record.wordCounts[i] ?? 1);
  forEachTerm(record.path.replace(/[/.\\-]/g, " "), (t) => add(t, PATH_WEIGHT));
  for (const d of record.definitions) forEachTerm(d.name, (t) => add(t, DEFINITION_WEIGHT));
  return terms;
}

function addToSet(map: Map<string, Set<string>>, key: string, value: string): void {
  let s = map.get(key);
  if (!s) map.set(key, (s = new Set()));
  s.add(value);
}

function deleteFromSet(map: Map<string, Set<string>>, key: string, value: string): void {
  const s = map.get(key);
  if (!s) return;
  s.delete(value);
  if (s.size === 0) map.delete(key);
}
