/**
 * Messages an issue quotes that a file holds word for word: the error a log or a
 * traceback printed ("Using pytest.skip outside of a test is not allowed"), a warning the
 * reporter copied, a line of the project's own code pasted into the report. The file that
 * prints a message is where a fix to it starts, and no word-by-word ranking sees a phrase.
 */
import { readIndexedFile } from "./indexed-file.ts";
import type { QueryEvidence } from "./query-evidence.ts";
import type { RepoIndex } from "./repo-index.ts";
import { stem, STOPWORDS } from "./text.ts";

/** Words in a row that make a quote: shorter runs ("is not allowed to") are everyone's. */
const QUOTE_WORDS = 5;
/** Of them, this many must be content words (three letters or more, not stopwords). */
const CONTENT_WORDS = 3;
/** A run whose rarest word more files hold than this is too common to check. */
const MAX_CANDIDATES = 40;
/** A run more files hold than this is boilerplate (a license line, a common call). */
const MAX_HOLDERS = 3;
/** How many files one query reads at most, and how many runs it checks. */
const MAX_READS = 400;
const MAX_RUNS = 20_000;

/**
 * Lines the language runtime prints in every traceback: a project that formats tracebacks
 * (pytest, a test runner) holds them too, but they say nothing about what went wrong.
 */
const RUNTIME_LINES = /traceback \(most recent call last\)|during handling of the above exception|the above exception was the direct cause/i;

/** A file that holds a run of the words, with the run and how many files hold it. */
export interface QuotedIn {
  readonly phrase: string;
  readonly holders: number;
}

/**
 * What the issue quotes rather than says: its logs and examples, inline code, `>` quotes and
 * "quoted" text. A message it quotes points at the file that prints it; its own sentences
 * may match any comment word for word (a test's "trailing comma at the end of …").
 */
export function quotedLines(text: QueryEvidence): string[] {
  const lines = [...text.code.split("\n"), ...text.inline];
  for (const line of `${text.title}\n${text.prose}`.split("\n")) {
    if (/^\s*>/.test(line)) lines.push(line);
    else lines.push(...quotedSpans(line));
  }
  return lines;
}

/** A quote of at least this many characters is a message; a shorter one is a word or a name. */
const MIN_QUOTE = 20;

/**
 * The "…" and “…” spans of a line, as `/"([^"]{20,})"|“([^”]{20,})”/g` reads
 * them, in linear time: that pattern looked for a closing quote from every opening one, so a
 * line of many unclosed “ (120,000 in a quarter of a megabyte) took a minute.
 */
function quotedSpans(line: string): string[] {
  const out: string[] = [];
  // The next closing quote of each kind at or after a position; positions only grow, so each is looked for once.
  const found = new Map<string, number>();
  const next = (quote: string, from: number): number => {
    const known = found.get(quote);
    if (known === -1 || (known !== undefined && known >= from)) return known;
    const at = line.indexOf(quote, from);
    found.set(quote, at);
    return at;
  };
  for (let i = 0; i < line.length; i++) {
    const close = line[i] === '"' ? '"' : line[i] === "\u201c" ? "\u201d" : undefined;
    if (close === undefined) continue;
    const end = next(close, i + 1);
    if (end === -1 || end - i - 1 < MIN_QUOTE) continue;
    out.push(line.slice(i + 1, end));
    i = end;
  }
  return out;
}

/**
 * Letters-only lower-case words: how a quote and a file are compared (`%s`, quotes, `+` and
 * line breaks between string parts drop out). Letters of any script: a message in French or
 * Russian is words, as the index reads them (text.ts).
 */
export function wordsOf(text: string): string[] {
  const lower = text.toLowerCase();
  return lower.match(/[^\u0000-\u007f]/.test(lower) ? /[\p{L}\p{M}]+/gu : /[a-z]+/g) ?? [];
}

/**
 * For each file that holds a run of QUOTE_WORDS of the words in a row (in one line
 * of the issue), the longest such run. Runs are checked only in the few files that hold
 * their rarest word, so a query reads at most MAX_READS files.
 */
export function quotedPhrases(index: RepoIndex, lines: readonly string[]): Map<string, QuotedIn> {
  const texts = new Map<string, string | undefined>();
  const textOf = (path: string): string | undefined => {
    if (texts.has(path)) return texts.get(path);
    let text: string | undefined;
    if (texts.size < MAX_READS) {
      // Gone since indexing, or now no regular file or too large to read: it quotes nothing.
      const read = readIndexedFile(index.root, path, index.limits.maxFileBytes);
      text = read.ok ? ` ${wordsOf(read.bytes.toString("utf8")).join(" ")} ` : undefined;
    }
    texts.set(path, text);
    return text;
  };
  const holdersOf = new Map<string, string[] | undefined>();
  const filesWith = (word: string): string[] | undefined => {
    const term = stem(word);
    if (!holdersOf.has(term)) holdersOf.set(term, index.tables.filesWith(term, MAX_CANDIDATES));
    return holdersOf.get(term);
  };
  const out = new Map<string, QuotedIn>();
  const seen = new Set<string>();
  for (const line of lines) {
    if (RUNTIME_LINES.test(line)) continue;
    const words = wordsOf(line);
    for (let i = 0; i + QUOTE_WORDS <= words.length; i++) {
      const run = words.slice(i, i + QUOTE_WORDS);
      const phrase = run.join(" ");
      if (seen.has(phrase)) continue;
      if (seen.size >= MAX_RUNS) return out;
      seen.add(phrase);
      const content = run.filter((w) => w.length >= 3 && !STOPWORDS.has(w));
      if (content.length < CONTENT_WORDS) continue;
      // Check the run only in the files that hold its rarest word.
      let candidates: string[] | undefined;
      for (const w of content) {
        const files = filesWith(w);
        if (files && (!candidates || files.length < candidates.length)) candidates = files;
      }
      if (!candidates || candidates.length === 0) continue;
      const holders = candidates.filter((path) => textOf(path)?.includes(` ${phrase} `));
      if (holders.length === 0 || holders.length > MAX_HOLDERS) continue;
      // Grow the run while the same files hold the next word too: the reason shows the whole quote.
      let end = i + QUOTE_WORDS;
      while (end < words.length && holders.every((path) => textOf(path)!.includes(` ${words.slice(i, end + 1).join(" ")} `))) end++;
      const whole = words.slice(i, end).join(" ");
      for (let k = i + 1; k + QUOTE_WORDS <= end; k++) seen.add(words.slice(k, k + QUOTE_WORDS).join(" "));
      for (const path of holders) {
        const before = out.get(path);
        if (!before || whole.length > before.phrase.length) out.set(path, { phrase: whole, holders: holders.length });
      }
    }
  }
  return out;
}
