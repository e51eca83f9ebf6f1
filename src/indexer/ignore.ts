/**
 * A .gitignore matcher: the pattern rules of gitignore(5) — comments, `!` negation,
 * trailing `/` for directories, anchoring when a slash appears, `*`, `?`, `[…]`, `**` —
 * applied with "last match wins" from the repository root down to the file's directory.
 */

interface Rule {
  readonly regex: RegExp;
  readonly negate: boolean;
  readonly dirOnly: boolean;
}

/** The rules of one ignore file, relative to the directory that holds it. */
export class IgnoreRules {
  private constructor(
    /** Repository-relative directory of the ignore file ("" for the root). */
    readonly base: string,
    private readonly rules: readonly Rule[],
  ) {}

  /** Parses the text of a .gitignore / .hearthignore found in `base`. */
  static parse(base: string, text: string): IgnoreRules {
    const rules: Rule[] = [];
    for (const raw of text.split(/\r?\n/)) {
      const rule = parseLine(raw);
      if (rule) rules.push(rule);
    }
    return new IgnoreRules(base, rules);
  }

  /** true: ignored, false: re-included by a negation, undefined: no rule matched. */
  match(relPath: string, isDir: boolean): boolean | undefined {
    const local = this.base === "" ? relPath : relPath.slice(this.base.length + 1);
    let result: boolean | undefined;
    for (const rule of this.rules) {
      if (rule.dirOnly && !isDir) continue;
      if (rule.regex.test(local)) result = !rule.negate;
    }
    return result;
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

function parseLine(raw: string): Rule | null {
  let line = raw.replace(/(?<!\\)\s+$/, "");
  if (line === "" || line.startsWith("#")) return null;
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
  const body = globToRegex(line);
  const regex = new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`);
  return { regex, negate, dirOnly };
}

function globToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*" && glob[i + 1] === "*") {
      const atStart = i === 0 || glob[i - 1] === "/";
      const slashAfter = glob[i + 2] === "/";
      if (atStart && slashAfter) {
        out += "(?:.*/)?";
        i += 2;
      } else {
        out += ".*";
        i += 1;
      }
    } else if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else if (ch === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) out += "\\[";
      else {
        let cls = glob.slice(i + 1, close).replace(/\\/g, "\\\\");
        if (cls.startsWith("!")) cls = "^" + cls.slice(1);
        out += `[${cls}]`;
        i = close;
      }
    } else if (ch === "\\" && i + 1 < glob.length) {
      out += escapeRegex(glob[++i]!);
    } else out += escapeRegex(ch);
  }
  return out;
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}
