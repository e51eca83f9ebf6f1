/**
 * What an issue text says about a repository, by kind of evidence: traceback frames and
 * `file:line` references, paths and modules it names, definitions it names in prose, names
 * its examples use, and the words it is written in. `locate` weighs each kind differently
 * (frame > named definition > name in a snippet > topic words > numbers).
 */
import { PathMatcher } from "./path-match.ts";
import { boundQuery, parseQueryEvidence, type QueryEvidence } from "./query-evidence.ts";
import { localeCodesOf, localeOfStem } from "./locale-names.ts";
import { quotedLines, quotedPhrases } from "./quotes.ts";
import type { RepoIndex } from "./repo-index.ts";
import { identifiersIn, looksLikeIdentifier, stem, STOPWORDS, termsOfWord } from "./text.ts";

/** A kind of evidence that points at one file. */
export type EvidenceKind = "frame" | "path" | "module" | "named" | "qualified" | "snippet" | "filename" | "quote" | "linked";

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
  /** A path written as a bare file name (`setup.cfg`): it may be the reporter's own file. */
  readonly bare?: boolean;
  /** For a file name that is a locale code of the language the title names (`es` for "Spanish"): the code. */
  readonly locale?: string;
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
  /** The title's own terms: what the issue is about in a line, ranked apart from a long body's words. */
  readonly titleTerms: Map<string, number>;
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

/** Whether an issue's title says it is about tests (then tests are not held down). */
export function isAboutTests(title: string): boolean {
  return /\b(tests?|testing|specs?)\b/i.test(title);
}

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
  const project = projectNames(index);
  const identifiers = addNameEvidence(index, text, qualifiedNames(query, project), project, add);
  addFileNameEvidence(index, text, project, add);
  addLocaleEvidence(index, text, add);
  for (const [path, q] of quotedPhrases(index, quotedLines(text))) add(path, { kind: "quote", text: q.phrase, strength: 1 / Math.sqrt(q.holders) });
  addLinkedEvidence(index, text, add);
  const paths = [...evidence].filter(([, es]) => es.some((e) => e.kind === "frame" || e.kind === "path" || e.kind === "module")).map(([p]) => p);
  // A test file named in the body is often the reporter's reproduction; the title says what the issue is about.
  const aboutTests = isAboutTests(text.title);
  const titleTerms = weightedTerms({ ...text, prose: "", inline: [], code: "" }).terms;
  return { terms, surface, identifiers, paths, evidence, aboutTests, titleTerms };
}

/**
 * An issue that links an earlier one (`a regression from #6461`, `see gh-8164`) points at
 * what that one's fix changed: the code files of the commits whose messages name it, each
 * by 1/√(their count). Tests and files gone since do not count.
 */
function addLinkedEvidence(index: RepoIndex, text: QueryEvidence, add: (path: string, e: FileEvidence) => void): void {
  for (const n of text.references) {
    for (const commit of index.history?.commitsNaming(n) ?? []) {
      const files = commit.files.filter((f) => index.files.get(f)?.language != null && !TEST_FILE.test(f));
      for (const f of files) add(f, { kind: "linked", text: `#${n}: ${commit.subject}`, strength: 1 / Math.sqrt(files.length) });
    }
  }
}

function addPathEvidence(index: RepoIndex, text: QueryEvidence, add: (path: string, e: FileEvidence) => void): void {
  const matcher = new PathMatcher(index.files.keys());
  const named: [string, FileEvidence][] = [];
  for (const ref of text.paths) {
    for (const path of matcher.resolve(ref.path, ref.frame ? 1 : 2)) {
      // The innermost frames are nearest the fault; outer ones still count for most.
      if (ref.frame) add(path, { kind: "frame", text: ref.line !== undefined ? `${path}:${ref.line}` : path, strength: 0.6 + 0.4 * (ref.depth ?? 1) });
      else named.push([path, { kind: "path", text: path, ...(ref.inUrl ? { inUrl: true } : {}), ...(!ref.path.includes("/") ? { bare: true } : {}) }]);
    }
  }
  const modules = new Map<string, string>();
  for (const name of text.modules) for (const path of matcher.resolveModule(name)) if (!modules.has(path)) modules.set(path, name);
  // A list of modules (a conf.py's `extensions = [...]`, an import block) names each less:
  // one or two named modules are pointers, a dozen are a configuration.
  const moduleStrength = Math.min(1, 1.5 / Math.sqrt(Math.max(1, modules.size)));
  for (const [path, name] of modules) named.push([path, { kind: "module", text: name, strength: moduleStrength }]);
  // A tree listing or a long log names everything: then naming a file means nothing.
  if (new Set(named.map(([p]) => p)).size <= MAX_NAMED_PATHS) for (const [path, e] of named) add(path, e);
}

/** A title word naming a file in at most this many code files names the component. */
const MAX_FILENAME_FILES = 3;

/**
 * Titles name the component an issue is about ("YAML: comments break highlighting",
 * "[Meter] …", "autodoc: …", "Incorrect strings for D"): a title word that is a whole part
 * of few code files' names (`prism-yaml.js`, `StyledMeter.js`, `prism-d.js`), or has its
 * stem (`mocked` → `mock.py`), points at them. Tests and docs do not count.
 */
function addFileNameEvidence(index: RepoIndex, text: QueryEvidence, project: ReadonlySet<string>, add: (path: string, e: FileEvidence) => void): void {
  // The title word each file-name stem stands for.
  const words = new Map<string, string>();
  const candidates = identifiersIn(text.title);
  candidates.push(...spelledNames(text.title));
  const letters = new Set(text.title.split(/[\s,:;()[\]]+/).filter((w) => SINGLE_LETTER_NAME.test(w)).map((w) => w.toLowerCase()));
  for (const token of candidates) {
    const word = token.toLowerCase();
    const named = word.length >= 3 || letters.has(word);
    if (named && !STOPWORDS.has(word) && !/^\d+$/.test(word)) words.set(fileNameStem(word), word);
  }
  // The project's own name is in every title it gets (`pytest` → `src/pytest.py`).
  for (const name of project) words.delete(fileNameStem(name));
  if (words.size === 0) return;
  const byWord = new Map<string, string[]>();
  for (const [path, record] of index.files) {
    if (record.language === null || TEST_FILE.test(path)) continue;
    const stemName = path.slice(path.lastIndexOf("/") + 1).replace(/\.[^.]+$/, "");
    const parts = new Set(stemName.split(/[-_.]|(?<=[a-z0-9])(?=[A-Z])/).map((p) => fileNameStem(p.toLowerCase())));
    for (const part of parts) {
      const word = words.get(part);
      if (word === undefined) continue;
      const list = byWord.get(word);
      if (list) list.push(path);
      else byWord.set(word, [path]);
    }
  }
  for (const [word, files] of byWord) {
    if (files.length > MAX_FILENAME_FILES) continue;
    for (const path of files) add(path, { kind: "filename", text: word, strength: 1 / Math.sqrt(files.length) });
  }
}

/** A language's locale files: a project has one per country at most (`ar`, `ar-dz`, …, `ar-tn`). */
const MAX_LOCALE_FILES = 12;

/**
 * A language the title names ("Spanish days should be lowercase", "Arabic locales: …")
 * points at the code files named by its locale code: `es.js`, `es-mx.js`, `es_AR.js`.
 */
function addLocaleEvidence(index: RepoIndex, text: QueryEvidence, add: (path: string, e: FileEvidence) => void): void {
  const languages = new Map<string, string>();
  for (const word of identifiersIn(text.title)) {
    for (const code of localeCodesOf(word) ?? []) languages.set(code, word);
  }
  if (languages.size === 0) return;
  const byWord = new Map<string, { code: string; path: string }[]>();
  for (const [path, record] of index.files) {
    if (record.language === null || TEST_FILE.test(path)) continue;
    const code = localeOfStem(path.slice(path.lastIndexOf("/") + 1).replace(/\.[^.]+$/, ""));
    const word = code === undefined ? undefined : languages.get(code);
    if (word === undefined) continue;
    const list = byWord.get(word);
    if (list) list.push({ code: code!, path });
    else byWord.set(word, [{ code: code!, path }]);
  }
  for (const [word, files] of byWord) {
    if (files.length > MAX_LOCALE_FILES) continue;
    for (const { code, path } of files) add(path, { kind: "filename", text: word, locale: code, strength: 1 / Math.sqrt(files.length) });
  }
}

/**
 * Names written with punctuation (`VB.NET`, `C++`, `C#`, `Objective-C`) as one word, spelt
 * as file names and code spell them (`vbnet`, `cpp`, `csharp`).
 */
function spelledNames(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\s+/)) {
    const chunk = raw.replace(/^[[(]+|[\]):,;!?]+$/g, "");
    if (/^[A-Za-z][\w.+#-]*[\w+#]$/.test(chunk) && /[.+#-]/.test(chunk)) out.push(chunk.replace(/\+\+/g, "pp").replace(/#/g, "sharp").replace(/[^A-Za-z0-9]/g, "").toLowerCase());
  }
  return out;
}

/** A capital letter on its own names a language (`D`, `R`, `C`); "A" and "I" are words. */
const SINGLE_LETTER_NAME = /^[B-HJ-Z]$/;

/**
 * Words and file-name parts meet without their inflection (`mocked` → `mock`, `styles` →
 * `style`), but an agent noun stays a name of its own (`rendered` is not `Renderer`).
 */
function fileNameStem(word: string): string {
  for (const [ending, replacement] of INFLECTIONS) {
    // `class`, `status`, `axis`, `used` and `string` are not inflected.
    if (!word.endsWith(ending) || (ending === "s" && /[sui]s$/.test(word))) continue;
    const base = word.slice(0, -ending.length) + replacement;
    if (base.length < (ending === "ing" || ending === "ed" ? 4 : 3)) continue;
    // `mapped` → `map`, `running` → `run`.
    return /([b-df-hj-np-tv-z])\1$/.test(base) && !/(ss|ll|ff|zz)$/.test(base) ? base.slice(0, -1) : base;
  }
  return word;
}
const INFLECTIONS: [string, string][] = [["ies", "y"], ["sses", "ss"], ["ches", "ch"], ["shes", "sh"], ["xes", "x"], ["ing", ""], ["ed", ""], ["s", ""]];

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
  // `C++` in a title is `cpp` in the code that handles it.
  addText(spelledNames(text.title).join(" "), SECTION_WEIGHT.title);
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
function addNameEvidence(index: RepoIndex, text: QueryEvidence, qualified: QualifiedNames, project: ReadonlySet<string>, add: (path: string, e: FileEvidence) => void): string[] {
  const codeTokens = new Set(identifiersIn(text.code + " " + text.inline.join(" ")));
  const prose = `${text.title}\n${text.prose}`;
  // Written as code in prose: called, a member access, or capitalised mid-sentence.
  const codeLike = new Set<string>();
  // A call is written `name(`: "running (if applicable)" is prose. A capital counts after a
  // lower-case word on the same line; the lookbehind keeps a match that ends just before it
  // ("… twice\n\nWith Sphinx") from swallowing the letter it needs. The capital is looked for
  // before the lookbehind: tried first, the lookbehind read the blanks behind every position,
  // and prose left blank by many inline spans took half a minute.
  for (const m of prose.matchAll(/([A-Za-z_$][\w$]*)\(|([A-Za-z_$][\w$]*)\.[A-Za-z_$]|\.([A-Za-z_$][\w$]*)|(?=[A-Z])(?<=[a-z,;:][ \t]+)([A-Z][\w$]*)/g)) {
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
  // A span of one name (`sympify`) names it; in a command or phrase (`quarto check`,
  // `:param str x:`) only what is written as code does.
  for (const span of text.inline) {
    const tokens = identifiersIn(span);
    const called = tokens.length > 1 ? calledOrAccessed(span) : new Set<string>();
    for (const token of tokens) {
      if (token.length < 3) continue;
      if (tokens.length === 1 || looksLikeIdentifier(token) || called.has(token)) named.add(token);
    }
  }
  const found: string[] = [];
  const mark = (name: string, kind: "named" | "snippet"): void => {
    const files = index.tables.definers.get(name);
    if (!files) return;
    const users = index.tables.referrers.get(name)?.size ?? 0;
    // The project's own name (`Sphinx`, `Prism`, `quarto`) is in every issue it gets.
    const own = project.has(name.toLowerCase()) ? PROJECT_NAME_SHARE : 1;
    const strength = (n: number): number => own * (1 / Math.sqrt(n)) * Math.max(0, 1 - users / Math.max(1, index.files.size));
    // `xr.where`, `DataArray.where`: of the files defining `where`, the ones defining the one meant.
    const meant = definersMeant(index, name, files, qualified.names.get(name));
    if (meant.size > 0 && meant.size <= MAX_DEFINERS) {
      found.push(name);
      for (const [path, as] of meant) add(path, { kind: "qualified", text: as, strength: strength(meant.size) });
    }
    // Written only so (`xr.where`, never a bare `where` or `da.where`), it means no other.
    if (files.size > MAX_DEFINERS || (meant.size > 0 && qualified.names.get(name)!.uses >= (qualified.uses.get(name) ?? 0))) return;
    if (meant.size === 0) found.push(name);
    for (const path of files) if (!meant.has(path)) add(path, { kind, text: name, strength: strength(files.size) });
  };
  for (const name of named) mark(name, "named");
  for (const name of codeTokens) if (name.length >= 3 && !named.has(name) && !isKeywordLike(name)) mark(name, "snippet");
  return found;
}

/** The names the text writes qualified, and how often it writes each identifier at all (qualified or not). */
interface QualifiedNames {
  readonly names: ReadonlyMap<string, Qualifiers>;
  readonly uses: ReadonlyMap<string, number>;
}

/** How the text qualifies a name: by a class (`DataArray.where`), or by the project's package or its alias (`xr.where`). */
interface Qualifiers {
  readonly classes: Set<string>;
  /** How many times the text writes the name so qualified. */
  uses: number;
  /** The package's own name or alias as written (`xr`), when the text qualifies the name by it. */
  packageAs?: string;
}

/**
 * The names the text writes qualified, `q.name`, by what qualifies them. A qualifier is the
 * project's package when it is one of the project's names or the text imports that package
 * under it (`import xarray as xr`); any other capitalised qualifier may be a class. A
 * lower-case qualifier that is neither (`da.where`, `self.where`) is an instance: which
 * `where` it calls the text does not say.
 */
function qualifiedNames(query: string, project: ReadonlySet<string>): QualifiedNames {
  // A folded <details> block is an environment report (`xr.show_versions()` in every xarray issue): no pointer.
  const all = boundQuery(query).replace(/<details\b[\s\S]*?(?:<\/details>|$)/gi, "\n");
  // `src`, `lib`, `test` are top-level folders of many projects, not a package a snippet calls into (`test.skip`).
  const packages = new Set([...project].filter((name) => !/^(src|lib|libs|test|tests|testing|spec|docs?|scripts?|examples?|packages|tools|bin|build|dist|types|vendor|public|static|assets|config|utils?)$/.test(name)));
  for (const m of all.matchAll(/\bimport[ \t]+([A-Za-z_][\w.]*)[ \t]+as[ \t]+([A-Za-z_]\w*)/g)) {
    if (project.has(m[1]!.split(".")[0]!.toLowerCase())) packages.add(m[2]!);
  }
  const names = new Map<string, Qualifiers>();
  // The lookbehind starts a qualifier only where a word starts: a long run without a dot is read once.
  for (const m of all.matchAll(/(?<![\w$])([A-Za-z_$][\w$]*)\.(?=([A-Za-z_$][\w$]*))/g)) {
    const [, q, name] = m as unknown as [string, string, string];
    const isPackage = packages.has(q) || packages.has(q.toLowerCase());
    if (!isPackage && !/^[A-Z]/.test(q)) continue;
    let entry = names.get(name);
    if (!entry) names.set(name, (entry = { classes: new Set(), uses: 0 }));
    entry.uses++;
    if (isPackage) entry.packageAs ??= q;
    else entry.classes.add(q);
  }
  const uses = new Map<string, number>();
  for (const token of identifiersIn(all)) uses.set(token, (uses.get(token) ?? 0) + 1);
  return { names, uses };
}

/**
 * Of the files defining `name`, those defining the one the text's qualifiers mean — a method
 * of a named class, or a module-level definition where the package qualifies it — with the
 * qualified name each shows. Empty when the text does not qualify the name, or no definition
 * matches how it does.
 */
function definersMeant(index: RepoIndex, name: string, files: ReadonlySet<string>, qualifiers: Qualifiers | undefined): Map<string, string> {
  const meant = new Map<string, string>();
  if (!qualifiers) return meant;
  for (const path of files) {
    for (const d of index.files.get(path)?.definitions ?? []) {
      if (d.name !== name) continue;
      if (d.scope !== undefined && qualifiers.classes.has(d.scope)) meant.set(path, `${d.scope}.${name}`);
      else if (d.scope === undefined && qualifiers.packageAs !== undefined) meant.set(path, `${qualifiers.packageAs}.${name}`);
      if (meant.has(path)) break;
    }
  }
  return meant.size < files.size ? meant : new Map();
}

/**
 * The names a span writes called or accessed: each `name` for which `\bname\s*[(.]` is in it,
 * found in one reading of the span. A pattern made for each of its words read the span once a
 * word: an inline span of 60,000 words took minutes.
 */
function calledOrAccessed(span: string): Set<string> {
  const out = new Set<string>();
  const word = (c: string | undefined): boolean => c !== undefined && /\w/.test(c);
  for (const m of span.matchAll(/(?<![\w$])[\w$]+(?=\s*[(.])/g)) {
    // Each part of the run that starts at a word boundary (`a` and `$a` in `x$a(`) is written so.
    for (let i = 0; i < m[0].length; i++) if (word(span[m.index + i]) !== word(span[m.index + i - 1])) out.add(m[0].slice(i));
  }
  return out;
}

/** What a definition named like the project itself still says. */
const PROJECT_NAME_SHARE = 0.25;

/** The project's names: the parts of the workspace folder's name and its top-level folders (`sphinx-doc__sphinx`, `sphinx/`). */
function projectNames(index: RepoIndex): Set<string> {
  const names = new Set<string>();
  const folder = index.root.replace(/[\\/]+$/, "").split(/[\\/]/).pop() ?? "";
  for (const part of folder.toLowerCase().split(/[-_.\s]+/)) if (part.length >= 3) names.add(part);
  for (const path of index.files.keys()) {
    const slash = path.indexOf("/");
    if (slash > 0) names.add(path.slice(0, slash).toLowerCase());
  }
  return names;
}

// Snippet tokens that are language words or builtins name a definition only by accident.
function isKeywordLike(token: string): boolean {
  return /^(self|cls|this|print|len|str|int|list|dict|set|tuple|range|type|object|None|True|False|assert|lambda|console|require|module|exports|window|document|Promise|Error|Array|Object|String|Number|JSON|Math)$/.test(token);
}
