/**
 * Reading an issue text the way a developer does before searching: which parts are prose
 * and which are code or logs, which paths it names (traceback frames and `file:line`
 * references above all), which modules its snippets import. Pure text work: resolving the
 * paths against a repository is done in path-match.ts.
 */

/** A path written in the text, with what came with it. */
export interface PathReference {
  /** As written, with `\` turned into `/` and a drive letter or URL scheme dropped. */
  readonly path: string;
  /** One-based line, for traceback frames and `file:line` references. */
  readonly line?: number;
  /** The function a traceback frame names (`File "…", line N, in func`, `at func (…)`). */
  readonly func?: string;
  /** A traceback frame or a `file:line` reference: the strongest evidence there is. */
  readonly frame: boolean;
  /**
   * For stack frames, how close to where the error was raised, 0..1 (1: the innermost
   * frame: last in a Python traceback, first in a JavaScript stack).
   */
  readonly depth?: number;
  /** Written inside a link: a reference, or a template's boilerplate, not a pointer. */
  readonly inUrl?: boolean;
}

/** An issue text split by evidence type. */
export interface QueryEvidence {
  /** The first line (the issue title). */
  readonly title: string;
  /** Text outside code blocks, tracebacks and inline code. */
  readonly prose: string;
  /** `inline code` spans of the prose: names the author chose to mark as code. */
  readonly inline: readonly string[];
  /** Fenced and indented blocks, `>>>` lines, traceback lines: examples and logs. */
  readonly code: string;
  readonly paths: readonly PathReference[];
  /** Dotted module names from import statements and qualified names (`pkg.core.numbers`). */
  readonly modules: readonly string[];
  /**
   * Issues and pull requests of the same repository the title and prose link to (`#1404`,
   * `gh-1404`; not `owner/repo#12`, a link to another repository, nor numbers in code).
   */
  readonly references: readonly number[];
}

const FENCE = /^\s*(```|~~~)/;
const PY_FRAME = /File "([^"]+)", line (\d+)(?:, in ([\w<>.$]+))?/g;
// A frame's function name (`Object.<anonymous>`, `async Promise.all`) is short: unbounded, the
// name was looked for from every "at" of a line to its end (a line of 85,000 "at" words took
// tens of seconds).
const JS_FRAME = /\bat (?:(?:async )?([\w$.<>[\] ]{1,200}?) \()?((?:[A-Za-z]:)?[^\s()'"]+?\.[A-Za-z]{1,5}):(\d+)(?::\d+)?\)?/g;
const FILE_LINE = /((?:[A-Za-z]:)?[\w@.\-/\\]*[\w\-]\.[A-Za-z][A-Za-z0-9]{0,4})(?::(\d+)|#L(\d+)|\((\d+)\)|, line (\d+))/g;
const PATH_TOKEN = /(?:[A-Za-z]:)?[\w@.\-/\\]*[\w\-]\.[A-Za-z][A-Za-z0-9]{0,4}\b|[\w.\-]+(?:[/\\][\w.\-]+)+/g;
const IMPORT_MODULE = /(?:^|\s)(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))|require\(\s*['"]([^'"]+)['"]\s*\)|from\s+['"]([^'"]+)['"]/gm;
const DOTTED = /\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*){2,}\b/g;

// One `hearth locate` or fix reads the same issue text about seven times (each ranking's
// analyzeQuery, the lazy build's candidates, the entities): the last few readings are kept,
// by the text that is read (a bounded copy, not a pasted log of megabytes).
const recent = new Map<string, QueryEvidence>();
const RECENT_READINGS = 4;

/** Splits an issue text into prose, inline code, code blocks, paths and modules. */
export function parseQueryEvidence(query: string): QueryEvidence {
  const text = boundQuery(query);
  const known = recent.get(text);
  if (known) return known;
  const read = readEvidence(text);
  if (recent.size >= RECENT_READINGS) recent.delete(recent.keys().next().value!);
  recent.set(text, read);
  return read;
}

/** parseQueryEvidence for a bounded text; frozen, as a reading is shared. */
function readEvidence(text: string): QueryEvidence {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const prose: string[] = [];
  const code: string[] = [];
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (FENCE.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (isVersionLine(line) || (!fenced && isChecklistLine(line))) continue;
    if (fenced || isCodeLine(line, lines[i - 1])) code.push(line);
    else prose.push(line);
  }
  const inline: string[] = [];
  const proseText = withoutUrls(prose.join("\n")).replace(/`([^`\n]+)`/g, (_, span: string) => (inline.push(span), " "));
  const codeText = withoutUrls(code.join("\n"));
  const title = withoutUrls(lines[0] ?? "");
  const read = { title, prose: proseText, inline, code: codeText, paths: pathReferences(text), modules: modulesIn(text), references: issueReferences(`${title}\n${proseText}`) };
  for (const list of [read.inline, read.paths, read.modules, read.references]) Object.freeze(list);
  return Object.freeze(read);
}

/** The longest word, path or name read from a query; the longest run of spaces or tabs kept. */
const MAX_RUN = 400;
const MAX_BLANKS = 64;
/**
 * The most of a query that is read: its beginning and its end, half each. An issue is a few
 * thousand characters (GitHub takes 65,536; the real-issue set's longest is 25,000); a log
 * pasted whole can be megabytes, and every reading of it costs time linear in its length, many
 * times over (a 10 MB traceback: 100 s for `hearth locate`).
 */
export const MAX_QUERY_CHARS = 256 * 1024;

/**
 * The query's first and last MAX_QUERY_CHARS / 2 characters (the title and what it says
 * first; the end of a log, where Python prints the innermost frame and the error), cut
 * between lines where a line ends near the cut, and never inside a surrogate pair. A query
 * no longer than that is returned as it is.
 */
function headAndTail(text: string): string {
  if (text.length <= MAX_QUERY_CHARS) return text;
  const half = MAX_QUERY_CHARS / 2;
  let end = text.lastIndexOf("\n", half - 1) + 1;
  if (end < half / 2) end = isLowSurrogate(text, half) ? half - 1 : half;
  const from = text.length - (half - 1);
  let start = text.indexOf("\n", from) + 1;
  if (start === 0 || start > from + half / 2) start = isLowSurrogate(text, from) ? from + 1 : from;
  const head = text.slice(0, end);
  return `${head}${head.endsWith("\n") ? "" : "\n"}${text.slice(start)}`;
}

/** Whether the character at `at` is the second half of a surrogate pair (a cut there would split it). */
function isLowSurrogate(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  const before = text.charCodeAt(at - 1);
  return c >= 0xdc00 && c <= 0xdfff && before >= 0xd800 && before <= 0xdbff;
}

/**
 * The query with each run of non-blank characters cut to MAX_RUN and each run of spaces and
 * tabs to MAX_BLANKS, then to MAX_QUERY_CHARS (headAndTail). A pasted blob (base64, a
 * minified line) has no words to search for, and the name and path patterns read a long run
 * once from each of its characters: a 500,000-character word took minutes. Linear in the
 * query's length.
 */
export function boundQuery(query: string): string {
  return headAndTail(boundRuns(query));
}

function boundRuns(text: string): string {
  const out: string[] = [];
  let start = 0;
  let runStart = 0;
  let blanks = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : -1;
    const blank = c === 32 || c === 9;
    const boundary = c === -1 || c === 10 || c === 13 || blank !== blanks;
    if (!boundary) continue;
    const limit = blanks ? MAX_BLANKS : MAX_RUN;
    if (i - runStart > limit) {
      out.push(text.slice(start, runStart + limit));
      start = i;
    }
    runStart = c === 10 || c === 13 ? i + 1 : i;
    blanks = blank;
  }
  if (start === 0) return text;
  out.push(text.slice(start));
  return out.join("");
}

// `#1404` or `gh-1404` after a space or an opening bracket: GitHub links it to this
// repository's issue or pull request. `owner/repo#12` and `#L57` are not such links. In an
// issue's prose `#1`…`#9` is more often "step #1" than a link; a commit message's `(#7)` is one.
const ISSUE_REFERENCE = /(?<![\w/#&.-])(?:#|gh-)(\d{1,7})\b/gi;

/** The issue and pull request numbers a text links to, once each; `oneDigit` also reads `#7`. */
export function issueReferences(text: string, oneDigit = false): number[] {
  const numbers = [...text.matchAll(ISSUE_REFERENCE)].filter((m) => oneDigit || m[1]!.length >= 2).map((m) => Number(m[1]));
  return [...new Set(numbers)];
}

// Links and badges (host names, user names, query strings) are not about the code; the
// paths inside them are read from the whole text by pathReferences.
function withoutUrls(text: string): string {
  return text.replace(/\b(?:https?|ftp):\/\/[^\s)\]>"'`]+/g, " ");
}

// Environment listings ("numpy: 1.23.4", "- OS: Ubuntu 22.04", "pytest==7.1.2") describe
// the reporter's machine, not the code: their words would pull in whatever prints them.
// A listing line is an optional bullet, a name of up to 40 characters, a separator, a version
// or None, and an optional closing '|'. As one regular expression (three blank runs beside
// each other) a line of 1,600 mixed blanks (no-break spaces between spaces, which the bound
// on blank runs does not cut) and a '*' took 0.3 s, of 100,000 hours: the few places where
// the name can end are found here, and the value is matched from each, at one of the two
// places where it can end (before the trailing blanks, or before a last '|' and its blanks).
function isVersionLine(line: string): boolean {
  const end = line.trimEnd().length;
  const ends = line[end - 1] === "|" ? [end, line.slice(0, end - 1).trimEnd().length] : [end];
  const separators = [...versionNameEnds(line)].filter((at) => /[:=|]/.test(line[at] ?? ""));
  for (const e of ends) {
    const body = line.slice(0, e);
    for (const at of separators) {
      VERSION_VALUE.lastIndex = at;
      if (VERSION_VALUE.test(body)) return true;
    }
  }
  return false;
}

// A separator, then None or a version (`v?\d+(\.\d+)+\S*`, `\d+\.\d+\S* (…)`) to the end.
const VERSION_VALUE = /(?::|==|\|)\s*(?:None|v?\d+\.\d\S*|\d+\.\d\S* \(.*\))$/y;
const VERSION_NAME_CHAR = /[\w .\-()/]/;

/** Where a listing's name (after blanks and an optional -, * or | bullet) can end, its blanks after it skipped. */
function versionNameEnds(line: string): Set<number> {
  const out = new Set<number>();
  const from = (start: number, blanksBefore: string): void => {
    // A name of spaces alone, taken from the blanks before `start`.
    if (blanksBefore.includes(" ")) out.add(start);
    for (let q = start + 1; q <= start + 40 && q <= line.length && VERSION_NAME_CHAR.test(line[q - 1]!); q++) out.add(skipBlanks(line, q));
  };
  const first = skipBlanks(line, 0);
  from(first, line.slice(0, first));
  if (first < line.length && "-*|".includes(line[first]!)) {
    const after = skipBlanks(line, first + 1);
    from(after, line.slice(first + 1, after));
  }
  return out;
}

function skipBlanks(line: string, at: number): number {
  while (at < line.length && /\s/.test(line[at]!)) at++;
  return at;
}

// An issue template's checklist ("- [x] Please include a minimal example…", "- [ ] I
// searched the existing issues") is the same in every issue of a repository.
function isChecklistLine(line: string): boolean {
  return /^\s*[-*]\s+\[[ xX]\]\s/.test(line);
}

// Indented lines after a blank or another indented line (markdown code), REPL lines and
// traceback lines are code even outside fences: authors paste them that way.
function isCodeLine(line: string, previous: string | undefined): boolean {
  if (/^\s*(>>>|\.\.\.|\$ |In \[\d+\]:|Out\[\d+\]:)/.test(line)) return true;
  if (/^\s*(Traceback \(most recent call last\)|File "|at .+:\d+)/.test(line)) return true;
  if (/^(\s{4,}|\t)\S/.test(line) && (previous === undefined || previous.trim() === "" || /^(\s{4,}|\t)/.test(previous))) return true;
  return false;
}

/** Every path the text names: frames and file:line references first, then bare paths. */
export function pathReferences(text: string): PathReference[] {
  const out: PathReference[] = [];
  const seen = new Set<string>();
  const push = (ref: PathReference): void => {
    const key = `${ref.path}:${ref.line ?? ""}`;
    if (ref.path === "" || seen.has(key)) return;
    seen.add(key);
    out.push(ref);
  };
  const py = [...text.matchAll(PY_FRAME)];
  py.forEach((m, i) => push({ path: cleanPath(m[1]!), line: Number(m[2]), ...(m[3] ? { func: m[3] } : {}), frame: true, depth: py.length > 1 ? i / (py.length - 1) : 1 }));
  const js = [...text.matchAll(JS_FRAME)].filter((m) => !/^[a-z]+:\/\/[^/]*$/i.test(m[2]!));
  js.forEach((m, i) => push({ path: cleanPath(m[2]!), line: Number(m[3]), ...(m[1] ? { func: m[1].trim().split(/[. ]/).pop()! } : {}), frame: true, depth: js.length > 1 ? 1 - i / (js.length - 1) : 1 }));
  const scan = forPathScan(text);
  for (const m of scan.matchAll(FILE_LINE)) {
    const line = Number(m[2] ?? m[3] ?? m[4] ?? m[5]);
    if (!isUrlHost(text, m.index!, m[1]!)) push({ path: cleanPath(m[1]!), line, frame: true });
  }
  const framed = new Set(out.map((r) => r.path));
  for (const m of scan.matchAll(PATH_TOKEN)) {
    const path = cleanPath(m[0]);
    if (!framed.has(path) && /[/.]/.test(path)) push({ path, frame: false, ...(m[0].includes("://") || insideUrl(text, m.index!) ? { inUrl: true } : {}) });
  }
  return out;
}

/**
 * `text` for the path patterns to read, the same length: each run of 64 or more path
 * characters (`[\w@.\-/\\]`) that holds no `.`, `/` or `\` is blanked. A path (`[…]*[\w-]\.ext`,
 * `a/b`) is made of path characters and holds one of those, so the same paths are found at
 * the same places; but a pattern reads a run it cannot match once from each of its
 * characters, and the 400-character words of a pasted blob (hex, a hash list) made every
 * reading of a quarter-megabyte issue half a second. Short runs stay: a line number
 * (`x.py:12`) is one. Linear: only a run's first character passes the lookbehind.
 */
export function forPathScan(text: string): string {
  return text.replace(LONG_RUN, (run) => " ".repeat(run.length));
}
const LONG_RUN = /(?<![\w@.\-/\\])[\w@-]{64,}(?![\w@.\-/\\])/g;

// "http://example.com:8080" is a host and port, not a file and line; a path inside a URL
// (".../blob/main/src/x.py#L12") is still a path.
function isUrlHost(text: string, at: number, match: string): boolean {
  return /[a-z]+:\/\/[^\s/]*$/i.test(text.slice(Math.max(0, at - 100), at + match.length));
}

function insideUrl(text: string, at: number): boolean {
  return /[a-z]+:\/\/\S*$/i.test(text.slice(Math.max(0, at - 300), at));
}

function cleanPath(raw: string): string {
  return raw
    .replace(/\\/g, "/")
    .replace(/^[A-Za-z]:/, "")
    .replace(/^[a-z]+:\/\//, "")
    .replace(/^\.?\/+/, "")
    .replace(/[.:,]+$/, "");
}

/** Module names from imports (`from a.b import c`, `require('x/y')`) and dotted names. */
export function modulesIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(IMPORT_MODULE)) {
    const name = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (name && !name.startsWith(".")) found.add(name);
  }
  for (const m of text.matchAll(DOTTED)) {
    if (/\.(com|org|io|net|html?|py|js|ts)$/.test(m[0])) continue;
    // An element of a list of strings (`extensions = ['a.b.c', …]`, INSTALLED_APPS) is
    // configuration: every project's conf lists the same modules.
    // (`mock.patch('a.b.c')` names one: a call's parenthesis follows a name.)
    if (/(?:[[,]|(?<![\w$])\()\s*['"]$/.test(text.slice(Math.max(0, m.index! - 12), m.index))) continue;
    found.add(m[0]);
  }
  return [...found];
}
