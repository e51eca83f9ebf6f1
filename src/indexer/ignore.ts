/**
 * A .gitignore matcher: the pattern rules of gitignore(5) — comments, `!` negation,
 * trailing `/` for directories, anchoring when a slash appears, `*`, `?`, `[…]`, `**` —
 * applied with "last match wins" from the repository root down to the file's directory.
 */

import { type GlobStep, ONE_CHAR, charAt, globAutomaton, globMatches, globStepsTaken, plainChar } from "../protocol/glob.ts";

interface Rule {
  /** `name`: the path's last name, found once for all the rules; `charge` is told the work of a test run past the plain-text check. */
  readonly test: (path: string, name: string, charge?: (work: number) => void) => boolean;
  readonly negate: boolean;
  readonly dirOnly: boolean;
  /** A pattern without wildcards: the one name (unanchored) or path (anchored) it matches. */
  readonly literal?: { readonly text: string; readonly anchored: boolean };
  /** A name pattern of one `*` and then plain text (`*.log`): the ending it matches. */
  readonly ending?: string;
}

/** One step of a pattern: one character (`literal` when plain), or a run (`*`, `**`, `**` + `/`). */
type Token = GlobStep;

/**
 * The work (characters × pattern steps) an ignore file's wildcard lines may cost before they
 * are given up: beyond `WORK_FREE`, at most `WORK_PER_PATH` a path on average. Thousands of
 * crafted lines such as `**\/*s*r*c*\/**\/*.*t*s*[!a]`, every one holding the plain text of
 * `src/x.ts`, cost 70 ms a path; ordinary lists cost a few hundred a path.
 */
const WORK_FREE = 50_000_000;
const WORK_PER_PATH = 20_000;

/** The rules of one ignore file, relative to the directory that holds it. */
export class IgnoreRules {
  private work = 0;
  private paths = 0;
  /**
   * The path at which the wildcard lines were given up, having cost more than their share
   * (`WORK_FREE`): from there on only plain names and `*.ext` endings apply. The scan says so.
   */
  gaveUpAt: string | undefined;
  /**
   * The work its matches have done: each rule looked at, and each step of the automata run
   * (`globStepsTaken`). Tests bound it to catch a slow matcher without timing it.
   */
  steps = 0;
  private readonly charge = (work: number): void => {
    this.work += work;
  };
  /**
   * Rules without wildcards by the name or path they match, `*.ext` rules by the ending, and
   * the others in order: a generated ignore file of tens of thousands of plain names or
   * endings is looked up, not run rule by rule against every path of the repository.
   */
  private readonly byName = new Map<string, number[]>();
  private readonly byPath = new Map<string, number[]>();
  private readonly byEnding = new Map<string, number[]>();
  /** The lengths of the endings in `byEnding`, each once. */
  private readonly endingLengths: number[] = [];
  private readonly patterns: number[] = [];

  /** The number of wildcard lines (neither a plain name nor a `*.ext` ending): those given up on. */
  get wildcardLines(): number {
    return this.patterns.length;
  }

  private constructor(
    /** Repository-relative directory of the ignore file ("" for the root). */
    readonly base: string,
    private readonly rules: readonly Rule[],
  ) {
    const add = (map: Map<string, number[]>, key: string, i: number): void => {
      const list = map.get(key);
      if (list) list.push(i);
      else map.set(key, [i]);
    };
    rules.forEach((rule, i) => {
      if (rule.literal) add(rule.literal.anchored ? this.byPath : this.byName, rule.literal.text, i);
      else if (rule.ending !== undefined) {
        add(this.byEnding, rule.ending, i);
        if (!this.endingLengths.includes(rule.ending.length)) this.endingLengths.push(rule.ending.length);
      } else this.patterns.push(i);
    });
  }

  /** Parses the text of a .gitignore / .hearthignore found in `base`. */
  static parse(base: string, text: string): IgnoreRules {
    const rules: Rule[] = [];
    for (const raw of text.split(/\r?\n/)) {
      const rule = parseLine(raw);
      if (rule) rules.push(rule);
    }
    return new IgnoreRules(base, rules);
  }

  /** true: ignored, false: re-included by a negation, undefined: no rule matched. The last matching rule wins. */
  match(relPath: string, isDir: boolean): boolean | undefined {
    const local = this.base === "" ? relPath : relPath.slice(this.base.length + 1);
    const applies = (i: number): boolean => !this.rules[i]!.dirOnly || isDir;
    let last = -1;
    const name = local.slice(local.lastIndexOf("/") + 1);
    const lists = [this.byName.get(name), this.byPath.get(local)];
    for (const length of this.endingLengths) if (length <= name.length) lists.push(this.byEnding.get(name.slice(name.length - length)));
    for (const list of lists) {
      this.steps += 1 + (list?.length ?? 0);
      for (const i of list ?? []) if (i > last && applies(i)) last = i;
    }
    this.paths++;
    if (this.gaveUpAt === undefined && this.work > WORK_FREE && this.work > this.paths * WORK_PER_PATH) this.gaveUpAt = relPath;
    // Patterns from the last back: only one after the last literal match can change the answer.
    for (let k = this.gaveUpAt === undefined ? this.patterns.length - 1 : -1; k >= 0 && this.patterns[k]! > last; k--) {
      const i = this.patterns[k]!;
      const before = globStepsTaken();
      const matched = applies(i) && this.rules[i]!.test(local, name, this.charge);
      this.steps += 1 + globStepsTaken() - before;
      if (matched) {
        last = i;
        break;
      }
    }
    return last < 0 ? undefined : !this.rules[last]!.negate;
  }
}

/** Whether `relPath` is ignored under a stack of rule sets ordered root first. */
export function isIgnored(stack: readonly IgnoreRules[], relPath: string, isDir: boolean): boolean {
  let ignored = false;
  for (const rules of stack) {
    const m = rules.match(relPath, isDir);
    if (m !== undefined) ignored = m;
  }
  return ignored;
}

/**
 * A .gitignore line without its trailing spaces, but an escaped one (`a\ ` keeps its last space), as git reads it. Counted, not
 * /(?<!\\) +$/, which from each space of a run scanned to its end: a checkout's line of 1 MB of spaces then a letter held
 * the index (and list_files, search) some 10 minutes.
 */
export function withoutTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === " ") end--;
  return line.slice(0, end > 0 && line[end - 1] === "\\" ? end + 1 : end);
}

function parseLine(raw: string): Rule | null {
  // Only spaces, as git (and a CR ending the file's last line): a tab or a no-break space at the end is part of the pattern.
  let line = withoutTrailingSpaces(raw.replace(/\r$/, ""));
  if (line === "" || line.startsWith("#")) return null;
  // A lone `\` at the end escapes nothing: git matches nothing with the line. Counted, not a
  // regular expression, which would try again from each of a long run of backslashes.
  let backslashes = 0;
  while (line[line.length - 1 - backslashes] === "\\") backslashes++;
  if (backslashes % 2 === 1) return null;
  let negate = false;
  if (line.startsWith("!")) {
    negate = true;
    line = line.slice(1);
  } else if (line.startsWith("\\!") || line.startsWith("\\#")) line = line.slice(1);
  let dirOnly = false;
  if (line.endsWith("/")) {
    dirOnly = true;
    line = line.slice(0, -1);
  }
  const anchored = line.includes("/");
  if (line.startsWith("/")) line = line.slice(1);
  if (line === "") return null;
  let tokens: Token[];
  try {
    tokens = globTokens(line);
  } catch {
    return null; // a class git matches nothing with (never closed, `[z-a]`, an unknown `[:name:]`)
  }
  const plain = (from: number): boolean => tokens.slice(from).every((t) => t.kind === "char" && t.literal !== undefined);
  const text = (from: number): string => tokens.slice(from).map((t) => (t.kind === "char" ? t.literal : "")).join("");
  const literal = plain(0) ? { text: text(0), anchored } : undefined;
  const ending = !anchored && tokens.length > 1 && tokens[0]!.kind === "name" && plain(1) ? text(1) : undefined;
  return { test: lazyMatcher(line, anchored), negate, dirOnly, ...(literal ? { literal } : {}), ...(ending !== undefined ? { ending } : {}) };
}

/**
 * The line's test, built at its first use: most lines of a long generated file are names or
 * endings, looked up and never tested (110,000 `*.eN` lines took 450 MB built at once).
 */
function lazyMatcher(line: string, anchored: boolean): Rule["test"] {
  let test: Rule["test"] | undefined;
  return (path, name, charge) => (test ??= matcher(globTokens(utf8Bytes(line)), anchored, true))(path, name, charge);
}

/**
 * The UTF-8 bytes of `text`, one character each: git matches an ignore line's bytes against a
 * path's, so its `?` or class is one byte (`??.md` ignores é.md, `c?.css` does not ignore cé.css).
 */
function utf8Bytes(text: string): string {
  return /[^\x00-\x7f]/.test(text) ? Buffer.from(text, "utf8").toString("latin1") : text;
}

/**
 * A glob (`*`, `?`, `[…]`, `**`, `\` escaping the next character) as a test of slash-separated
 * paths: of the whole path when `anchored`, else from its start or after any slash. Linear
 * in the path's length whatever the pattern (see matcher). Throws for a class git matches
 * nothing with (see classStep).
 */
export function globTest(glob: string, anchored: boolean): (path: string) => boolean {
  const test = matcher(globTokens(glob), anchored);
  return (path) => test(path, path.slice(path.lastIndexOf("/") + 1));
}

/**
 * The tokens as a test of a path, run as the shared automaton (`protocol/glob.ts`): one pass
 * over the subject, where a backtracking regular expression takes time exponential in the
 * number of runs (`*a*a*a*a…b` against a long name of a's). `bytes`: the tokens were read
 * from the line's UTF-8 bytes (`utf8Bytes`), and the path is matched as its bytes too.
 */
function matcher(tokens: readonly Token[], anchored: boolean, bytes = false): (path: string, name: string, charge?: (work: number) => void) => boolean {
  const words = literalWords(tokens);
  // An unanchored pattern holds no slash: without a `**` it can match only the last name.
  const lastName = !anchored && !tokens.some((t) => t.kind === "any");
  // Else unanchored, it may start at the path's beginning or after any slash.
  const automaton = globAutomaton(anchored || lastName ? tokens : [{ kind: "dirs" }, ...tokens]);
  return (path, name, charge) => {
    const subject = bytes ? utf8Bytes(lastName ? name : path) : lastName ? name : path;
    if (!holdsInOrder(subject, words)) return false;
    charge?.(subject.length * (tokens.length + 1));
    return globMatches(automaton, subject);
  };
}

/**
 * The pattern's plain text between its wildcards, in order: a path it matches holds each, in
 * that order, so one that lacks them is answered by a few `indexOf`s instead of the automaton
 * or the regular expression (a generated .gitignore of thousands of many-star lines took
 * 120 ms for each path, one of 110,000 `*.e1`, `*.e2`, … lines 1.2 s).
 */
function literalWords(tokens: readonly Token[]): string[] {
  const words: string[] = [];
  let word = "";
  for (const t of tokens) {
    if (t.kind === "char" && t.literal !== undefined) word += t.literal;
    else if (word) {
      words.push(word);
      word = "";
    }
  }
  if (word) words.push(word);
  return words;
}

function holdsInOrder(path: string, words: readonly string[]): boolean {
  let from = 0;
  for (const word of words) {
    const at = path.indexOf(word, from);
    if (at < 0) return false;
    from = at + word.length;
  }
  return true;
}

/** The pattern's steps; throws for a class git matches nothing with (see classStep). */
function globTokens(glob: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*" && glob[i + 1] === "*") {
      // Special only as a whole name (git): `a**b`, `q/**z` hold a plain `*`.
      const atStart = i === 0 || glob[i - 1] === "/";
      const slashAfter = glob[i + 2] === "/";
      if (atStart && slashAfter) {
        out.push({ kind: "dirs" });
        i += 2;
      } else if (atStart && i + 2 === glob.length) {
        out.push({ kind: "any" });
        i += 1;
      } else {
        out.push({ kind: "name" });
        i += 1;
      }
    } else if (ch === "*") out.push({ kind: "name" });
    else if (ch === "?") out.push(ONE_CHAR);
    else if (ch === "[") {
      const { step, end } = classStep(glob, i);
      out.push(step);
      i = end;
    } else if (ch === "\\" && i + 1 < glob.length) {
      const escaped = charAt(glob, i + 1);
      out.push(plainChar(escaped));
      i += escaped.length;
    } else {
      const plain = charAt(glob, i);
      out.push(plainChar(plain));
      i += plain.length - 1;
    }
  }
  return out;
}

/** POSIX classes git's wildmatch knows, by name. */
const POSIX_CLASSES: ReadonlyMap<string, RegExp> = new Map([
  ["alnum", /[A-Za-z0-9]/], ["alpha", /[A-Za-z]/], ["blank", /[ \t]/], ["cntrl", /[\0-\x1f\x7f]/], ["digit", /[0-9]/],
  ["graph", /[!-~]/], ["lower", /[a-z]/], ["print", /[ -~]/], ["punct", /[!-\/:-@[-`{-~]/], ["space", /[ \t\n\v\f\r]/],
  ["upper", /[A-Z]/], ["xdigit", /[0-9A-Fa-f]/],
]);

/**
 * The class that starts at `glob[start]` (`[`), as git's wildmatch reads it: `!` or `^` first
 * negates, a `]` first is itself, `\` escapes, `a-z` ranges, `[:digit:]` POSIX classes; never
 * the slash. Throws where git matches nothing with the line: never closed, a range out of
 * order (`[z-a]`), an unknown POSIX class. `end`: the index of its `]`.
 */
function classStep(glob: string, start: number): { step: Token; end: number } {
  let i = start + 1;
  const negated = glob[i] === "!" || glob[i] === "^";
  if (negated) i++;
  const tests: ((c: string) => boolean)[] = [];
  for (let first = true; first || glob[i] !== "]"; first = false) {
    if (i >= glob.length) throw new Error("a class never closed");
    if (glob[i] === "[" && glob[i + 1] === ":") {
      const close = glob.indexOf(":]", i + 2);
      const posix = close < 0 ? undefined : POSIX_CLASSES.get(glob.slice(i + 2, close));
      if (!posix) throw new Error("an unknown POSIX class");
      tests.push((c) => posix.test(c));
      i = close + 2;
      continue;
    }
    const [low, afterLow] = classChar(glob, i);
    if (glob[afterLow] === "-" && afterLow + 1 < glob.length && glob[afterLow + 1] !== "]") {
      const [high, afterHigh] = classChar(glob, afterLow + 1);
      if (high < low) throw new Error("a range out of order");
      tests.push((c) => c >= low && c <= high);
      i = afterHigh;
    } else {
      tests.push((c) => c === low);
      i = afterLow;
    }
  }
  return { step: { kind: "char", test: (c) => c !== "/" && tests.some((t) => t(c)) !== negated }, end: i };
}

/** One character of a class at `i` (`\` escaping the next), and the index after it. */
function classChar(glob: string, i: number): [string, number] {
  if (glob[i] === "\\" && i + 1 < glob.length) return [glob[i + 1]!, i + 2];
  if (i >= glob.length) throw new Error("a class never closed");
  return [glob[i]!, i + 1];
}
