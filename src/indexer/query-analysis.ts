/**
 * What an issue text says about a repository, by kind of evidence: traceback frames and
 * `file:line` references, paths and modules it names, definitions it names in prose, names
 * its examples use, and the words it is written in. `locate` weighs each kind differently
 * (frame > named definition > name in a snippet > topic words > numbers).
 */
import { PathMatcher } from "./path-match.ts";
import { parseQueryEvidence, type QueryEvidence } from "./query-evidence.ts";
import type { RepoIndex } from "./repo-index.ts";
import { identifiersIn, looksLikeIdentifier, stem, termsOfWord } from "./text.ts";

/** A kind of evidence that points at one file. */
export type EvidenceKind = "frame" | "path" | "module" | "named" | "snippet";

/** One piece of evidence for a file, with the text its reason shows. */
export interface FileEvidence {
  readonly kind: EvidenceKind;
  /** "pkg/core/numbers.py:412", "pkg.core.numbers", "Derivative", … */
  readonly text: string;
  /**
   * How much the evidence says, 0..1 (1 when absent): a name defined in n files points at
   * each with 1/√n, and a name most files use (the project's own `Prism`, `app`) names no
   * place in particular.
   */
  readonly strength?: number;
  /** A path named only inside a link (a template's boilerplate, a reference). */
  readonly inUrl?: boolean;
}

/** What a query mentions, for scoring, seeding and the reasons. */
export interface QueryAnalysis {
  /** Query terms with their weights (prose counts more than code and logs, numbers least). */
  readonly terms: Map<string, number>;
  /** For each term, the query word it came from (terms are stemmed: "charg" ← "charges"). */
  readonly surface: Map<string, string>;
  /** Identifiers from the query that some file defines (prose mentions and snippet names). */
  readonly identifiers: string[];
  /** Files the query names: by a frame, a path or a module. */
  readonly paths: string[];
  /** Evidence by file. */
  readonly evidence: Map<string, FileEvidence[]>;
  /** Whether the issue is about tests: it names a test file, or its title speaks of tests. */
  readonly aboutTests: boolean;
}

/** Weights of the text's parts in the lexical query. */
const SECTION_WEIGHT = { title: 2, prose: 1, inline: 1, code: 0.4 };
/** Terms with digits (`float16`, `v2`, `64`) come mostly from logs and version tables. */
const NUMBER_WEIGHT = 0.25;
/** A name defined in more files than this says nothing about which one. */
export const MAX_DEFINERS = 5;
/** More named files than this: a listing pasted into the issue, not a pointer. */
const MAX_NAMED_PATHS = 20;

/** Tests, fixtures and stories (component examples): code a fix rarely has to change. */
export const TEST_FILE =
  /(^|\/)(tests?|testing|__tests__|__mocks__|spec|specs|fixtures?|stories)\/|(^|\/)test_[^/]*\.py$|(^|\/)conftest\.py$|[._-](test|spec|stories)\.[a-z]+$|_test\.(go|py)$/i;

/** Breaks a query into weighted terms, named identifiers, named files and their evidence. */
export function analyzeQuery(index: RepoIndex, query: string): QueryAnalysis {
  const text = parseQueryEvidence(query);
  const evidence = new Map<string, FileEvidence[]>();
  const add = (path: string, e: FileEvidence): void => {
    const list = evidence.get(path);
    if (!list) evidence.set(path, [e]);
    else if (!list.some((o) => o.kind === e.kind && o.text === e.text)) list.push(e);
  };
  addPathEvidence(index, text, add);
  const { terms, surface } = weightedTerms(text);
  const identifiers = addNameEvidence(index, text, add);
  const paths = [...evidence].filter(([, es]) => es.some((e) => e.kind === "frame" || e.kind === "path" || e.kind === "module")).map(([p]) => p);
  const aboutTests = paths.some((p) => TEST_FILE.test(p)) || /\b(tests?|testing|specs?)\b/i.test(text.title);
  return { terms, surface, identifiers, paths, evidence, aboutTests };
}

function addPathEvidence(index: RepoIndex, text: QueryEvidence, add: (path: string, e: FileEvidence) => void): void {
  const matcher = new PathMatcher(index.files.keys());
  const named: [string, FileEvidence][] = [];
  for (const ref of text.paths) {
    for (const path of matcher.resolve(ref.path, ref.frame ? 1 : 2)) {
      // The innermost frames are nearest the fault; outer ones still count for most.
      if (ref.frame) add(path, { kind: "frame", text: ref.line !== undefined ? `${path}:${ref.line}` : path, strength: 0.6 + 0.4 * (ref.depth ?? 1) });
      else named.push([path, { kind: "path", text: path, ...(ref.inUrl ? { inUrl: true } : {}) }]);
    }
  }
  for (const name of text.modules) for (const path of matcher.resolveModule(name)) named.push([path, { kind: "module", text: name }]);
  // A tree listing or a long log names everything: then naming a file means nothing.
  if (new Set(named.map(([p]) => p)).size <= MAX_NAMED_PATHS) for (const [path, e] of named) add(path, e);
}

/**
 * Query terms weighted by where they occur: the title most, prose and inline code, then
 * code blocks and logs; terms with digits least. Repeats add up with diminishing returns.
 */
function weightedTerms(text: QueryEvidence): { terms: Map<string, number>; surface: Map<string, string> } {
  const raw = new Map<string, number>();
  const surface = new Map<string, string>();
  const addText = (part: string, weight: number): void => {
    for (const token of identifiersIn(part)) {
      for (const t of termsOfWord(token)) {
        raw.set(t, (raw.get(t) ?? 0) + (/\d/.test(t) ? weight * NUMBER_WEIGHT : weight));
        // A stem of the whole word shows as the word; a part of a compound as itself.
        if (!surface.has(t)) surface.set(t, stem(token.toLowerCase().replace(/[_$]/g, "")) === t ? token.toLowerCase() : t);
      }
    }
  };
  addText(text.title, SECTION_WEIGHT.title);
  addText(text.prose, SECTION_WEIGHT.prose);
  addText(text.inline.join(" "), SECTION_WEIGHT.inline);
  addText(text.code, SECTION_WEIGHT.code);
  const terms = new Map<string, number>();
  for (const [t, w] of raw) terms.set(t, w <= 1 ? w : 1 + Math.log(w));
  return { terms, surface };
}

/**
 * Names the text uses that the index defines. Any defined token is an identifier when the
 * text writes it as code (in backticks, a snippet, followed by `(`, with a capital or case
 * change); an ordinary lower-case word in prose ("format") counts only when the text also
 * uses it as code. Prose and inline mentions are "named"; names only in snippets are
 * "snippet" evidence, which counts for less.
 */
function addNameEvidence(index: RepoIndex, text: QueryEvidence, add: (path: string, e: FileEvidence) => void): string[] {
  const codeTokens = new Set(identifiersIn(text.code + " " + text.inline.join(" ")));
  const prose = `${text.title}\n${text.prose}`;
  // Written as code in prose: called, a member access, or capitalised mid-sentence.
  const codeLike = new Set<string>();
  for (const m of prose.matchAll(/([A-Za-z_$][\w$]*)\s*\(|([A-Za-z_$][\w$]*)\.[A-Za-z_$]|\.([A-Za-z_$][\w$]*)|[a-z,;:]\s+([A-Z][\w$]*)/g)) {
    codeLike.add(m[1] ?? m[2] ?? m[3] ?? m[4]!);
  }
  const named = new Set<string>();
  for (const token of identifiersIn(prose)) {
    if (token.length < 3) continue;
    // A plain lower-case word ("code", "list") that an example also uses stays a word in the
    // prose; it counts there only when called or accessed like code.
    const plainWord = /^[a-z]+$/.test(token);
    if (looksLikeIdentifier(token) || codeLike.has(token) || (!plainWord && codeTokens.has(token))) named.add(token);
  }
  for (const span of text.inline) for (const token of identifiersIn(span)) if (token.length >= 3) named.add(token);
  const found: string[] = [];
  const mark = (name: string, kind: "named" | "snippet"): void => {
    const files = index.tables.definers.get(name);
    if (!files || files.size > MAX_DEFINERS) return;
    found.push(name);
    const users = index.tables.referrers.get(name)?.size ?? 0;
    const strength = (1 / Math.sqrt(files.size)) * Math.max(0, 1 - users / Math.max(1, index.files.size));
    for (const path of files) add(path, { kind, text: name, strength });
  };
  for (const name of named) mark(name, "named");
  for (const name of codeTokens) if (name.length >= 3 && !named.has(name) && !isKeywordLike(name)) mark(name, "snippet");
  return found;
}

// Snippet tokens that are language words or builtins name a definition only by accident.
function isKeywordLike(token: string): boolean {
  return /^(self|cls|this|print|len|str|int|list|dict|set|tuple|range|type|object|None|True|False|assert|lambda|console|require|module|exports|window|document|Promise|Error|Array|Object|String|Number|JSON|Math)$/.test(token);
}
