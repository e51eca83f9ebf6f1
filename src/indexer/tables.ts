import { forEachReferenceName } from "./references.ts";
import { forEachTerm } from "./text.ts";
import type { Definition, FileRecord } from "./types.ts";

// Field weights for lexical search: a term in a path or a definition name says more about
// what a file is for than the same term in its body.
const PATH_WEIGHT = 4;
const DEFINITION_WEIGHT = 2;
const BM25_K1 = 1.2;
const BM25_B = 0.75;

interface Postings {
  readonly docs: number[];
  readonly tfs: number[];
}

/**
 * The lookup tables derived from file records, kept up to date one file at a time so that
 * an edit costs time proportional to that file, not to the repository:
 * name → defining files, name → referencing files (with counts), and BM25 postings.
 * Postings are append-only arrays of document ids; a changed file gets a new id and its
 * old id is marked dead (skipped by queries, dropped when dead ids pile up).
 */
export class SymbolTables {
  readonly definers = new Map<string, Set<string>>();
  readonly referrers = new Map<string, Map<string, number>>();
  private postings = new Map<string, Postings>();
  private docPaths: (string | undefined)[] = [];
  private docLengths: number[] = [];
  private readonly idOf = new Map<string, number>();
  // Live records by path: compaction re-reads their terms.
  private readonly recordOf = new Map<string, FileRecord>();
  private totalLength = 0;
  private dead = 0;
  private readonly names = new Map<string, string>();
  /** Bumped on every change, so derived structures (the graph) know when to rebuild. */
  version = 0;

  add(record: FileRecord): void {
    this.version++;
    this.internNames(record);
    for (const d of record.definitions) addToSet(this.definers, d.name, record.path);
    forEachReferenceName(record.references, (name) => {
      let m = this.referrers.get(name);
      if (!m) this.referrers.set(name, (m = new Map()));
      m.set(record.path, (m.get(record.path) ?? 0) + 1);
    });
    this.recordOf.set(record.path, record);
    this.index(record);
  }

  remove(record: FileRecord): void {
    this.version++;
    for (const d of record.definitions) deleteFromSet(this.definers, d.name, record.path);
    forEachReferenceName(record.references, (name) => {
      const m = this.referrers.get(name);
      if (!m) return;
      m.delete(record.path);
      if (m.size === 0) this.referrers.delete(name);
    });
    const id = this.idOf.get(record.path);
    if (id === undefined) return;
    this.idOf.delete(record.path);
    this.recordOf.delete(record.path);
    this.docPaths[id] = undefined;
    this.totalLength -= this.docLengths[id]!;
    if (++this.dead > 1000 && this.dead > this.docPaths.length / 2) this.compact();
  }

  get documentCount(): number {
    return this.idOf.size;
  }

  /** The files whose words hold `term` (stemmed, as `forEachTerm` gives it); undefined when more than `limit` do. */
  filesWith(term: string, limit: number): string[] | undefined {
    const p = this.postings.get(term);
    if (!p) return [];
    const out: string[] = [];
    for (const id of p.docs) {
      const path = this.docPaths[id];
      if (path === undefined) continue;
      if (out.length === limit) return undefined;
      out.push(path);
    }
    return out;
  }

  /** Inverse document frequency of a term (0 when no file has it). */
  idf(term: string): number {
    const p = this.postings.get(term);
    if (!p) return 0;
    let df = 0;
    for (const id of p.docs) if (this.docPaths[id] !== undefined) df++;
    if (df === 0) return 0;
    return bm25Idf(this.idOf.size, df);
  }

  /**
   * BM25 scores of every file containing at least one query term, with each term's
   * contribution kept for the "why" shown to the user.
   */
  bm25(queryTerms: ReadonlyMap<string, number>): Map<string, { score: number; terms: Map<string, number> }> {
    const out = new Map<string, { score: number; terms: Map<string, number> }>();
    const avg = this.totalLength / Math.max(1, this.idOf.size);
    for (const [term, qtf] of queryTerms) {
      const p = this.postings.get(term);
      if (!p) continue;
      const idf = this.idf(term);
      for (let k = 0; k < p.docs.length; k++) {
        const id = p.docs[k]!;
        const path = this.docPaths[id];
        if (path === undefined) continue;
        const tf = p.tfs[k]!;
        const s = idf * qtf * bm25Tf(tf, this.docLengths[id]!, avg);
        let hit = out.get(path);
        if (!hit) out.set(path, (hit = { score: 0, terms: new Map() }));
        hit.score += s;
        hit.terms.set(term, s);
      }
    }
    return out;
  }

  private index(record: FileRecord): void {
    const id = this.docPaths.length;
    let length = 0;
    const words = record.words === "" ? [] : record.words.split(" ");
    for (let i = 0; i < words.length; i++) {
      const term = words[i]!;
      const tf = record.wordCounts[i] ?? 1;
      let p = this.postings.get(term);
      if (!p) this.postings.set(term, (p = { docs: [], tfs: [] }));
      p.docs.push(id);
      p.tfs.push(tf);
      length += tf;
    }
    this.docPaths.push(record.path);
    this.docLengths.push(length);
    this.idOf.set(record.path, id);
    this.totalLength += length;
  }

  // Records arrive as fresh copies from the parse threads (structured clone): pointing their
  // names at one shared string per name keeps a large index's heap in bounds.
  private internNames(record: FileRecord): void {
    const intern = (name: string): string => {
      const canonical = this.names.get(name);
      if (canonical !== undefined) return canonical;
      this.names.set(name, name);
      return name;
    };
    for (const item of record.definitions as readonly { name: string }[]) item.name = intern(item.name);
    const strings = record.references.strings as string[];
    for (let i = 0; i < strings.length; i++) strings[i] = intern(strings[i]!);
  }

  // Rebuilds the postings from the live documents' terms, dropping dead ids.
  private compact(): void {
    this.postings = new Map();
    this.docPaths = [];
    this.docLengths = [];
    this.idOf.clear();
    this.totalLength = 0;
    this.dead = 0;
    for (const record of this.recordOf.values()) this.index(record);
  }
}

/** BM25's inverse document frequency of a term `df` of `docs` documents hold. */
export function bm25Idf(docs: number, df: number): number {
  return Math.log(1 + (docs - df + 0.5) / (df + 0.5));
}

/** BM25's saturated term frequency for a document of `length` terms (average `avgLength`). */
export function bm25Tf(tf: number, length: number, avgLength: number): number {
  return (tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * length) / avgLength));
}

/**
 * The weighted terms of a file, computed once in the parse worker and stored in the record:
 * body terms, plus boosted path and definition-name terms.
 */
export function weightTerms(path: string, body: Map<string, number>, definitions: readonly Definition[]): Map<string, number> {
  const add = (t: string, n: number): void => void body.set(t, (body.get(t) ?? 0) + n);
  forEachTerm(path.replace(/[/.\\-]/g, " "), (t) => add(t, PATH_WEIGHT));
  for (const d of definitions) forEachTerm(d.name, (t) => add(t, DEFINITION_WEIGHT));
  return body;
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
