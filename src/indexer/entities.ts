/**
 * Entities for a query: the functions, methods and classes in the files `locate` ranked,
 * each scored by its file's rank and by its own evidence in the issue text — a traceback
 * frame that runs through it, its qualified name (`Class.method`), its plain name, its
 * name's words, the identifiers its body uses, a named symbol that calls it. This is what
 * `hearth locate` lists under the files and what the agent's first prompt shows as code.
 */
import { readIndexedFile } from "./indexed-file.ts";
import { sourceText } from "./parse-file.ts";
import { boundQuery, forPathScan, parseQueryEvidence } from "./query-evidence.ts";
import { quotedLines, quotedPhrases, wordsOf, type QuotedIn } from "./quotes.ts";
import { unpackReferences } from "./references.ts";
import type { RepoIndex } from "./repo-index.ts";
import { readIssue } from "./issue-templates.ts";
import { isAboutTests, TEST_FILE } from "./query-analysis.ts";
import { DEFAULT_WEIGHTS, type LocatedFile, type LocateWeights } from "./retrieve.ts";
import { FileSpans, spanKey } from "./spans.ts";
import { bm25Tf } from "./tables.ts";
import { clip, identifiersIn, sourceLines, looksLikeIdentifier, splitIdentifier, stem, termsOfWord, STOPWORDS } from "./text.ts";
import type { Definition, FileRecord } from "./types.ts";

/** One ranked definition for a query, with the evidence behind its rank. */
export interface LocatedEntity {
  /** Repository-relative path of the file that defines it. */
  readonly path: string;
  /** One-based first and last line of the whole definition (decorators and doc comments as the grammar spans them). */
  readonly line: number;
  readonly endLine: number;
  readonly name: string;
  /** function, method, class, struct, interface, … (the tags query's kind). */
  readonly kind: string;
  /** The enclosing class / impl / namespace, when there is one. */
  readonly scope?: string;
  readonly score: number;
  /** Human-readable reasons, strongest first: "traceback frame numbers.py:412 in add", "named as Float.add", … */
  readonly reasons: string[];
}

export interface EntityOptions {
  /** How many entities to return (default 10). */
  readonly top?: number;
  /**
   * How the issue is read, and how much a test's definitions count (`locate`'s weights of the
   * same names; their defaults): pass what `locate` was given, so entities rank by the text
   * and the priors the files were ranked by.
   */
  readonly weights?: Partial<Pick<LocateWeights, "templateLines" | "titleTags" | "secondary">>;
}

/** Kinds that hold code a fix changes; fields, constants and type aliases would crowd them out. */
export const ENTITY_KINDS: ReadonlySet<string> = new Set([
  "function", "method", "class", "struct", "interface", "enum", "union", "trait", "implementation", "module",
]);

// Evidence weights: a frame or a qualified name pins one definition; a bare name may be
// shared; words only suggest. The file's rank decides among entities without evidence.
const W = {
  file: 0.5,
  frame: 2.0,
  frameLine: 1.0,
  qualified: 1.6,
  named: 1.0,
  namedWord: 0.3,
  snippetName: 0.4,
  nameWords: 0.6,
  body: 0.5,
  text: 1.0,
  quote: 1.0,
  calledFrom: 0.3,
};

/** What the issue text says that can point at a definition. */
interface EntityEvidence {
  /** Traceback / stack frames and `path:line` mentions, in text order. */
  readonly frames: readonly Frame[];
  /** `Class.method`, `Type::fn`, `Class#method` pairs: "Class method". */
  readonly qualified: ReadonlySet<string>;
  /** Identifiers as written, and those written like code (backticks, a call, camelCase…). */
  readonly names: ReadonlySet<string>;
  /** Names the title, prose or inline code write as code (backticks, a call, camelCase…). */
  readonly codeNames: ReadonlySet<string>;
  /** Names written as code only in a pasted example, log or traceback: weaker evidence. */
  readonly snippetNames: ReadonlySet<string>;
  /** Stemmed query terms. */
  readonly terms: ReadonlySet<string>;
}

interface Frame {
  readonly path?: string;
  readonly line?: number;
  readonly name?: string;
}

/**
 * Ranks the definitions in `files` (the output of `locate`, best first) for `query`.
 * Only entities of files that rank are considered; the best `top` are returned, best first.
 */
export function locateEntities(index: RepoIndex, query: string, files: readonly LocatedFile[], options: EntityOptions = {}): LocatedEntity[] {
  // Past the template's lines and the title's kind tag, as `locate` read it.
  const w = { ...DEFAULT_WEIGHTS, ...options.weights };
  query = readIssue(index.root, query, w);
  const maxFile = files.reduce((m, f) => Math.max(m, f.score), 1e-9);
  // Where the issue is not about tests, a test's own evidence counts as its file's prior does
  // (LocateWeights.secondary): a test named in the issue's words checks the code the fix changes.
  const aboutTests = isAboutTests(parseQueryEvidence(query).title);
  const prior = (path: string): number => (!aboutTests && TEST_FILE.test(path) ? w.secondary : 1);
  const out: LocatedEntity[] = scoredDefinitions(index, query, files).map(({ file, rank, record, def, score, reasons }) => ({
    path: record.path,
    line: def.startLine + 1,
    endLine: def.endLine + 1,
    name: def.name,
    kind: def.kind,
    ...(def.scope ? { scope: def.scope } : {}),
    score: W.file * (file.score / maxFile) + prior(record.path) * score,
    reasons: [...reasons, `in file #${rank + 1}`],
  }));
  out.sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
  return onePerSpan(out).slice(0, options.top ?? 10);
}

interface ScoredDefinition {
  readonly file: LocatedFile;
  /** The file's place in `files`, zero-based. */
  readonly rank: number;
  readonly record: FileRecord;
  readonly def: Definition;
  /** Its own evidence in the issue text. */
  readonly score: number;
  readonly reasons: string[];
}

/** Every entity definition of the files (those with a score), with its own evidence. */
function scoredDefinitions(index: RepoIndex, query: string, files: readonly LocatedFile[]): ScoredDefinition[] {
  const evidence = entityEvidence(boundQuery(query));
  const callers = callersOfNamed(index, files, evidence);
  const sharing = new Map<string, number>();
  for (const file of files) for (const d of index.files.get(file.path)?.definitions ?? []) if (ENTITY_KINDS.has(d.kind)) sharing.set(d.name, (sharing.get(d.name) ?? 0) + 1);
  // A file listed without any evidence (score 0: it only filled the list) has no entities to offer.
  const ranked = files.flatMap((file, rank) => {
    const record = index.files.get(file.path);
    return record && file.score > 0 ? [{ file, rank, record, ...fileLines(index, record.path) }] : [];
  });
  const text = textScores(index, ranked, evidence.terms);
  const quotes = ranked.length > 0 ? quotedPhrases(index, quotedLines(parseQueryEvidence(query))) : new Map<string, QuotedIn>();
  const out: ScoredDefinition[] = [];
  for (const { file, rank, record, lines, unread } of ranked) {
    const spans = new FileSpans(record.definitions, ENTITY_KINDS, unpackReferences(record.references));
    const quote = quotes.get(record.path);
    const holds = new Map<string, boolean>();
    const holdsQuote = (def: Definition, phrase: string): boolean => {
      const key = spanKey(def);
      let found = holds.get(key);
      if (found === undefined) holds.set(key, (found = holdsPhrase(lines, def, phrase)));
      return found;
    };
    for (const def of record.definitions) {
      if (!ENTITY_KINDS.has(def.kind)) continue;
      const scored = scoreEntity(index, record, def, spans, text.get(def) ?? 0, evidence, callers, sharing);
      // Its lines are the index's: what is there now cannot be shown or searched.
      if (unread) scored.reasons.push(`its file was not read now (${unread})`);
      // The definition that holds a message the issue quotes is the one that printed it.
      if (quote && holdsQuote(def, quote.phrase)) {
        scored.score += W.quote * (spans.hasMembers(def) ? CONTAINER_BODY : 1);
        scored.reasons.unshift(`quotes "${clip(quote.phrase, 60)}"`);
      }
      out.push({ file, rank, record, def, ...scored });
    }
  }
  return out;
}

/**
 * The first (best) entity of each span: a grammar can report one node twice
 * (`res.redirect = function redirect` is an assignment and a named function), and the
 * copy would take a place in the list.
 */
function onePerSpan(sorted: readonly LocatedEntity[]): LocatedEntity[] {
  const seen = new Set<string>();
  return sorted.filter((e) => {
    const key = `${e.path}:${e.line}:${e.endLine}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Frames, qualified names, identifiers and terms of an issue text. */
function entityEvidence(query: string): EntityEvidence {
  const names = new Set(identifiersIn(query));
  // A folded <details> block holds what the reporter pasted (an environment report, a log):
  // its names, even those in its summary line (`xr.show_versions()`), are an example's.
  const folded: string[] = [];
  const parts = parseQueryEvidence(query.replace(/<details\b[\s\S]*?(?:<\/details>|$)/gi, (block) => (folded.push(block), "\n")));
  const codeNames = codeNamesIn(`${parts.title}\n${parts.prose}\n${parts.inline.map((t) => `\`${t}\``).join(" ")}`);
  const snippetNames = new Set([...codeNamesIn(`${parts.code}\n${folded.join("\n")}`)].filter((n) => !codeNames.has(n)));
  const qualified = new Set<string>();
  for (const m of query.matchAll(/[A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)+/g)) {
    const parts = m[0].split(/\.|::|#/);
    for (let i = 1; i < parts.length; i++) qualified.add(`${parts[i - 1]} ${parts[i]}`);
  }
  const terms = new Set<string>();
  for (const token of names) for (const t of termsOfWord(token)) terms.add(t);
  return { frames: framesIn(query), qualified, names, codeNames, snippetNames, terms };
}

function codeNamesIn(raw: string): Set<string> {
  // A path or file name (`docs/index.rst`, index.html) names a file, not its definitions.
  // Found in forPathScan's copy (a blob's words are read once), cut from the text itself.
  let text = "";
  let from = 0;
  for (const m of forPathScan(raw).matchAll(/[\w.\-]*[\w-](?:\/[\w.\-]+)+|[\w\-]+\.[A-Za-z][A-Za-z0-9]{0,4}\b(?!\s*\()/g)) {
    text += `${raw.slice(from, m.index)} `;
    from = m.index + m[0].length;
  }
  text += raw.slice(from);
  const out = new Set<string>();
  for (const name of identifiersIn(text)) if (looksLikeIdentifier(name)) out.add(name);
  for (const m of text.matchAll(/`([^`\n]+)`|([A-Za-z_$][\w$]*)\s*\(/g)) for (const id of identifiersIn(m[1] ?? m[2] ?? "")) out.add(id);
  return out;
}

/**
 * How much naming `name` singles a definition out: 1 for a name one definition of the
 * ranked files has, 1/√n for one n of them share, half that for a dunder (`__init__`).
 */
function nameStrength(name: string, sharing: ReadonlyMap<string, number>): number {
  return (1 / Math.sqrt(sharing.get(name) ?? 1)) * (/^__\w+__$/.test(name) ? 0.5 : 1);
}

/**
 * Stack frames: Python's `File "p", line N, in f`, Node's `at f (p:N:C)` / `at p:N:C`,
 * Java's `at a.b.C.m(C.java:N)`, and bare `path.ext:N` mentions.
 */
function framesIn(query: string): Frame[] {
  const frames: { at: number; frame: Frame }[] = [];
  // The characters a pattern read already: a later pattern does not read them again. A
  // mark per character keeps this linear for a log of many thousand frames.
  const taken = new Uint8Array(query.length);
  const add = (at: number, length: number, frame: Frame): void => {
    if (taken.subarray(at, at + length).includes(1)) return;
    taken.fill(1, at, at + length);
    frames.push({ at, frame });
  };
  for (const m of query.matchAll(/File "([^"\n]+)", line (\d+)(?:, in ([<\w$>]+))?/g)) add(m.index, m[0].length, frame(m[1], m[2], m[3]));
  for (const m of query.matchAll(/\bat (?:async )?([\w$.<>]+) \(([^()\s]+?):(\d+)(?::\d+)?\)/g)) add(m.index, m[0].length, frame(m[2], m[3], m[1]));
  for (const m of query.matchAll(/\bat ([\w$.]+)\(([\w$.-]+):(\d+)\)/g)) add(m.index, m[0].length, frame(m[2], m[3], m[1]));
  for (const m of forPathScan(query).matchAll(/([\w@.\\/-]*[\w-]\.[A-Za-z][A-Za-z0-9]{0,5}):(\d+)/g)) add(m.index, m[0].length, frame(m[1], m[2], undefined));
  const ordered = frames.sort((a, b) => a.at - b.at).map((f) => f.frame);
  // A frame written again (a recursion, a log pasted twice) says nothing new: it keeps its
  // last place. A trace longer than MAX_FRAMES keeps its ends, where the entry point and
  // the innermost frames are.
  const last = new Map<string, number>();
  ordered.forEach((f, i) => last.set(`${f.path ?? ""}\0${f.line ?? ""}\0${f.name ?? ""}`, i));
  const distinct = [...last.values()].sort((a, b) => a - b).map((i) => ordered[i]!);
  return distinct.length <= MAX_FRAMES ? distinct : [...distinct.slice(0, MAX_FRAMES / 2), ...distinct.slice(-MAX_FRAMES / 2)];
}
const MAX_FRAMES = 1000;

function frame(path: string | undefined, line: string | undefined, name: string | undefined): Frame {
  // `in <module>` / `at Object.<anonymous>` name no definition; `a.b.C.m` names m in C.
  const last = name && !name.includes("<") ? name.split(".").pop() : undefined;
  return { ...(path ? { path: path.replace(/\\/g, "/") } : {}), ...(line ? { line: Number(line) } : {}), ...(last ? { name: last } : {}) };
}

/** Does a frame's path (absolute, or from another checkout) name this repository file? */
function samePath(framePath: string, path: string): boolean {
  return framePath === path || framePath.endsWith("/" + path) || (path.endsWith("/" + framePath) && framePath.includes("/"));
}

function scoreEntity(
  index: RepoIndex,
  record: FileRecord,
  def: Definition,
  spans: FileSpans<{ name: string; line: number }>,
  text: number,
  evidence: EntityEvidence,
  callers: ReadonlyMap<string, string>,
  sharing: ReadonlyMap<string, number>,
): { score: number; reasons: string[] } {
  let score = 0;
  const reasons: string[] = [];
  const frameHit = frameEvidence(record, def, evidence.frames);
  if (frameHit) {
    score += frameHit.score;
    reasons.push(frameHit.reason);
  }
  // A class's name and body are its methods' too: the issue says which method, not the class.
  const own = spans.hasMembers(def) ? CONTAINER_BODY : 1;
  score += nameEvidence(index, def, evidence, sharing, own === 1 ? 1 : CONTAINER_NAME, reasons);
  const body = bodyEvidence(index, def, spans, evidence.terms);
  if (body.coverage > 0) {
    score += W.body * body.coverage * own;
    reasons.push(`uses: ${body.matched.slice(0, 5).join(", ")}`);
  }
  if (text > 0) {
    score += W.text * text * own;
    reasons.push("its text has the issue's words");
  }
  const caller = callers.get(def.name);
  if (caller && caller !== def.name) {
    score += W.calledFrom * nameStrength(caller, sharing);
    reasons.push(`called from ${caller}`);
  }
  return { score, reasons };
}

/**
 * What the issue says about a definition's name: written with its scope (`Class.method`),
 * written as code, only in an example, as a plain word; else its name's words. `share` scales
 * what names a definition with members (a class), whose name its methods' callers write too.
 */
function nameEvidence(index: RepoIndex, def: Definition, evidence: EntityEvidence, sharing: ReadonlyMap<string, number>, share: number, reasons: string[]): number {
  let score = 0;
  const before = reasons.length;
  if (def.scope && evidence.qualified.has(`${def.scope} ${def.name}`)) {
    score += W.qualified;
    reasons.push(`named as ${def.scope}.${def.name}`);
  } else if (evidence.codeNames.has(def.name)) {
    score += W.named * nameStrength(def.name, sharing) * share;
    reasons.push(`named in the issue`);
  } else if (evidence.snippetNames.has(def.name)) {
    score += W.snippetName * nameStrength(def.name, sharing) * share;
    reasons.push(`in the issue's example`);
  } else if (evidence.names.has(def.name) && !STOPWORDS.has(def.name.toLowerCase())) {
    score += W.namedWord * nameStrength(def.name, sharing) * share;
    reasons.push(`its name is a word of the issue`);
  }
  // A name the issue writes has its words there too: they are the same evidence, counted once.
  if (reasons.length > before) return score;
  const words = nameWords(index, def.name, evidence.terms);
  if (words.fraction > 0) {
    score += W.nameWords * words.fraction * share;
    reasons.push(`name matches: ${words.matched.join(", ")}`);
  }
  return score;
}

/**
 * BM25 of each definition's own text (identifiers, comments, docstrings, strings) for the
 * query's terms, among the definitions of the ranked files, over the best one's: a long
 * function holds many of an issue's words by its length alone, BM25 weighs how often each
 * occurs against the length.
 */
function textScores(index: RepoIndex, ranked: readonly { record: FileRecord; lines: readonly string[] }[], terms: ReadonlySet<string>): Map<Definition, number> {
  const docs: { def: Definition; counts: Map<string, number>; length: number }[] = [];
  for (const { record, lines } of ranked) {
    // Definitions on the same lines have the same text (a generated line of many functions).
    const bySpan = new Map<string, { counts: Map<string, number>; length: number }>();
    // Read at its first definition: a ranked file with none (a README, a config) is not read.
    let fileTerms: LineTerms | undefined;
    for (const def of record.definitions) {
      if (!ENTITY_KINDS.has(def.kind)) continue;
      const key = spanKey(def);
      let counted = bySpan.get(key);
      if (!counted) bySpan.set(key, (counted = (fileTerms ??= new LineTerms(lines, terms)).counts(def.startLine, def.endLine)));
      docs.push({ def, ...counted });
    }
  }
  const average = Math.max(1, docs.reduce((sum, d) => sum + d.length, 0) / Math.max(1, docs.length));
  const scores = new Map<Definition, number>();
  let best = 1e-9;
  for (const { def, counts, length } of docs) {
    let score = 0;
    for (const [term, n] of counts) score += index.tables.idf(term) * bm25Tf(n, length, average);
    scores.set(def, score);
    best = Math.max(best, score);
  }
  for (const [def, score] of scores) scores.set(def, score / best);
  return scores;
}

/**
 * How often each query term occurs in a definition's lines, and how many words they have,
 * from one read of the file: each term's places (its nth word of the file) and the words
 * before each line, so a definition costs a lookup a term. Reading each definition's lines
 * read nested ones again for each around them: 2,000 nested classes (a generated file)
 * took hearth locate 16 s, 10,000 more than 10 minutes.
 */
export class LineTerms {
  /** Words (identifiers) before each line; one more entry than lines. */
  private readonly before: number[] = [0];
  /** Each term's places: the word it is in (nth of the file) and its hit's order among all. */
  private readonly places = new Map<string, { words: number[]; hits: number[] }>();

  constructor(lines: readonly string[], terms: ReadonlySet<string>) {
    let words = 0;
    let hits = 0;
    for (const line of lines) {
      for (const word of identifiersIn(line)) {
        for (const t of termsOfWord(word)) {
          if (!terms.has(t)) continue;
          let at = this.places.get(t);
          if (!at) this.places.set(t, (at = { words: [], hits: [] }));
          at.words.push(words);
          at.hits.push(hits++);
        }
        words++;
      }
      this.before.push(words);
    }
  }

  /** As reading lines startLine..endLine (zero-based, within the file) would count them. */
  counts(startLine: number, endLine: number): { counts: Map<string, number>; length: number } {
    const counts = new Map<string, number>();
    const last = Math.min(endLine, this.before.length - 2);
    if (startLine > last) return { counts, length: 0 };
    const from = this.before[startLine]!;
    const to = this.before[last + 1]!;
    // In the order the terms first occur in the lines, as the counting read met them.
    const found: { term: string; n: number; first: number }[] = [];
    for (const [term, at] of this.places) {
      const lo = firstAtLeast(at.words, from);
      const n = firstAtLeast(at.words, to) - lo;
      if (n > 0) found.push({ term, n, first: at.hits[lo]! });
    }
    found.sort((a, b) => a.first - b.first);
    for (const { term, n } of found) counts.set(term, n);
    return { counts, length: to - from };
  }
}

/** The first index of a sorted list whose value is at least `value` (the length when none). */
function firstAtLeast(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether a definition's lines hold `phrase` (letters-only words, as quotes.ts compares them). */
function holdsPhrase(lines: readonly string[], def: Definition, phrase: string): boolean {
  return ` ${wordsOf(lines.slice(def.startLine, def.endLine + 1).join("\n")).join(" ")} `.includes(` ${phrase} `);
}

/**
 * A file's lines, read once per query; none when it is gone since indexing, or is now no
 * regular file or over the index's size limit (`unread` says which: readIndexedFile).
 */
function fileLines(index: RepoIndex, path: string): { lines: string[]; unread?: string } {
  const read = readIndexedFile(index.root, path, index.limits.maxFileBytes);
  if (read.ok) return { lines: sourceLines(sourceText(read.bytes)) };
  return read.reason === "gone" ? { lines: [] } : { lines: [], unread: read.detail };
}

/** The share of the query terms' idf weight that `found` holds. */
function idfCoverage(index: RepoIndex, terms: ReadonlySet<string>, found: { has(term: string): boolean }): number {
  let total = 0;
  let hit = 0;
  for (const t of terms) {
    const w = index.tables.idf(t);
    total += w;
    if (found.has(t)) hit += w;
  }
  return total > 0 ? hit / total : 0;
}

/** The share of body evidence a definition with member definitions keeps. */
const CONTAINER_BODY = 0.3;
/**
 * The share of name evidence it keeps: a class named in an issue is nearly never what the
 * fix changes (2 of 199 answers on the real-issue set are classes), one of its methods is.
 */
const CONTAINER_NAME = 0.5;

/**
 * The strongest frame for a definition: one that names it and whose line falls inside it
 * in this file, then one that names it with this file's path, then one that only names it;
 * a frame without a name (`numbers.py:412`) counts for the innermost definition around its
 * line. A later frame counts a little more (Python prints the innermost frame last).
 */
function frameEvidence(record: FileRecord, def: Definition, frames: readonly Frame[]): { score: number; reason: string } | undefined {
  let best: { score: number; reason: string } | undefined;
  frames.forEach((f, i) => {
    const inFile = f.path !== undefined && samePath(f.path, record.path);
    const inside = inFile && f.line !== undefined && f.line - 1 >= def.startLine && f.line - 1 <= def.endLine;
    const named = f.name === def.name;
    if (!named && !(inside && f.name === undefined && innermostAt(record, f.line! - 1, frames) === def)) return;
    const score = (named ? W.frame * (inFile || !f.path ? 1 : 0.6) : 0) + (inside ? W.frameLine : 0) + 0.05 * (i / Math.max(1, frames.length));
    const where = f.path ? `${f.path.slice(f.path.lastIndexOf("/") + 1)}${f.line ? `:${f.line}` : ""}` : "";
    const reason = named ? `traceback frame ${where ? `${where} ` : ""}in ${def.name}` : `line ${where} named in the issue`;
    if (!best || score > best.score) best = { score, reason };
  });
  return best;
}

/**
 * Each query's (its frames') innermost definition of a file at a row, found once: looked up
 * for each definition around a frame's line, nested definitions (10,000 classes each inside
 * the last) made it a walk of all of them for each, 20,000² a frame: a traceback of three
 * lines into such a file took hearth locate 18 s.
 */
const innermostFound = new WeakMap<readonly Frame[], Map<FileRecord, Map<number, Definition | undefined>>>();

/** The smallest entity definition of a file spanning a zero-based row. */
function innermostAt(record: FileRecord, row: number, frames: readonly Frame[]): Definition | undefined {
  let files = innermostFound.get(frames);
  if (!files) innermostFound.set(frames, (files = new Map()));
  let rows = files.get(record);
  if (!rows) files.set(record, (rows = new Map()));
  if (!rows.has(row)) rows.set(row, smallestAround(record, row));
  return rows.get(row);
}

function smallestAround(record: FileRecord, row: number): Definition | undefined {
  let best: Definition | undefined;
  for (const d of record.definitions) {
    if (!ENTITY_KINDS.has(d.kind) || row < d.startLine || row > d.endLine) continue;
    if (!best || d.endLine - d.startLine < best.endLine - best.startLine) best = d;
  }
  return best;
}

/** Which of a name's words (stemmed, not stopwords) the query has, weighted by rarity. */
function nameWords(index: RepoIndex, name: string, terms: ReadonlySet<string>): { fraction: number; matched: string[] } {
  const parts = [...new Set(splitIdentifier(name).filter((p) => p.length >= 2 && !STOPWORDS.has(p)))];
  if (parts.length === 0) return { fraction: 0, matched: [] };
  let total = 0;
  let hit = 0;
  const matched: string[] = [];
  // A word most files use ("build", "render") matches little: the matched share is scaled
  // by how rare the matched words are against the rarest possible (idf of a one-file word).
  const ceiling = Math.log(1 + Math.max(1, index.tables.documentCount));
  for (const p of parts) {
    const w = Math.max(0.1, index.tables.idf(stem(p)));
    total += w;
    if (terms.has(stem(p))) {
      hit += w;
      matched.push(p);
    }
  }
  return { fraction: (hit / total) * Math.min(1, hit / Math.max(1, matched.length) / ceiling), matched };
}

// By the references a span holds (spans.ts gives definitions on the same lines one list, made
// for one query's FileSpans): a generated line of 20,000 functions is read once, not 20,000 times.
const bodies = new WeakMap<readonly object[], { coverage: number; matched: string[] }>();

/**
 * How much of the query's vocabulary the definition's body uses (its references' words),
 * weighted by rarity: a function that touches `cache` and `evict` when the issue is about
 * cache eviction.
 */
function bodyEvidence(index: RepoIndex, def: Definition, spans: FileSpans<{ name: string; line: number }>, terms: ReadonlySet<string>): { coverage: number; matched: string[] } {
  if (terms.size === 0) return { coverage: 0, matched: [] };
  const refs = spans.referencesIn(def);
  let body = bodies.get(refs);
  if (!body) bodies.set(refs, (body = usedTerms(index, refs, terms)));
  return body;
}

function usedTerms(index: RepoIndex, refs: readonly { name: string }[], terms: ReadonlySet<string>): { coverage: number; matched: string[] } {
  const used = new Map<string, string>();
  for (const r of refs) {
    for (const t of termsOfWord(r.name)) if (terms.has(t) && !used.has(t)) used.set(t, r.name);
  }
  if (used.size === 0) return { coverage: 0, matched: [] };
  const matched = [...used.keys()].sort((a, b) => index.tables.idf(b) - index.tables.idf(a)).map((t) => used.get(t)!);
  return { coverage: idfCoverage(index, terms, used), matched: [...new Set(matched)] };
}

/** name → a symbol the issue names whose body calls it, across the ranked files. */
function callersOfNamed(index: RepoIndex, files: readonly LocatedFile[], evidence: EntityEvidence): Map<string, string> {
  const callers = new Map<string, string>();
  if (evidence.codeNames.size === 0) return callers;
  for (const f of files) {
    const record = index.files.get(f.path);
    if (!record) continue;
    for (const r of unpackReferences(record.references)) {
      if (r.scope !== undefined && r.kind === "call" && evidence.codeNames.has(r.scope) && !callers.has(r.name)) callers.set(r.name, r.scope);
    }
  }
  return callers;
}
