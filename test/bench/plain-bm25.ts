/**
 * Plain BM25 over whole file text — the reference the retrieval benches compare Hearth
 * with: lower-cased alphanumeric tokens, no identifier splitting, no stemming, no field
 * weights, no graph. Documents can be replaced and removed, so a bench that moves one work
 * tree from commit to commit keeps it current on the changed files only.
 */
export class PlainBm25 {
  private readonly docs = new Map<string, { tf: Map<string, number>; len: number }>();
  private readonly df = new Map<string, number>();
  private totalLength = 0;

  /** Adds a file, or replaces its text when it is already there. */
  add(path: string, text: string): void {
    this.remove(path);
    const tf = new Map<string, number>();
    let len = 0;
    for (const t of text.toLowerCase().match(/[a-z0-9_]+/g) ?? []) {
      tf.set(t, (tf.get(t) ?? 0) + 1);
      len++;
    }
    for (const t of tf.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    this.docs.set(path, { tf, len });
    this.totalLength += len;
  }

  /** Forgets a file; returns whether it was there. */
  remove(path: string): boolean {
    const doc = this.docs.get(path);
    if (!doc) return false;
    for (const t of doc.tf.keys()) {
      const n = this.df.get(t)! - 1;
      if (n === 0) this.df.delete(t);
      else this.df.set(t, n);
    }
    this.totalLength -= doc.len;
    this.docs.delete(path);
    return true;
  }

  has(path: string): boolean {
    return this.docs.has(path);
  }

  paths(): IterableIterator<string> {
    return this.docs.keys();
  }

  /** Files sharing at least one term with the query, best first (k1 = 1.2, b = 0.75). */
  rank(query: string): string[] {
    const terms = new Set(query.toLowerCase().match(/[a-z0-9_]+/g) ?? []);
    const n = this.docs.size;
    const avg = this.totalLength / Math.max(1, n);
    const scored: { path: string; score: number }[] = [];
    for (const [path, d] of this.docs) {
      let score = 0;
      for (const t of terms) {
        const tf = d.tf.get(t);
        if (!tf) continue;
        const df = this.df.get(t)!;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        score += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * d.len) / avg));
      }
      if (score > 0) scored.push({ path, score });
    }
    return scored.sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : 1)).map((s) => s.path);
  }
}
