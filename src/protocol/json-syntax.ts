/**
 * Where a JSON text first goes wrong, as a line and column a person can go to. V8's own
 * message gives an offset ("at position 37") or none at all, and quotes the text around the
 * error with its newlines in it ("Unexpected token 'u', "{\n"a": u..." is not valid JSON"),
 * so a file's error printed as it came spread over several lines and named no line.
 */

/** The first syntax error in `text`: 1-based line and column (in UTF-16 units, as editors count), and what is wrong. */
export interface JsonSyntaxError {
  readonly line: number;
  readonly column: number;
  readonly problem: string;
}

/** Options: `jsonc` reads the text as VS Code's JSON with comments (// and block comments, trailing commas). */
export interface JsonSyntaxOptions {
  readonly jsonc?: boolean;
}

/** `FILE:LINE:COLUMN: what is wrong` for a text JSON.parse refused; one line whatever the text holds. */
export function jsonErrorLine(file: string, text: string, options: JsonSyntaxOptions = {}): string {
  const error = jsonSyntaxError(text, options);
  if (error) return `${file}:${error.line}:${error.column}: ${error.problem}`;
  return `${file}: not valid JSON`;
}

/** The first syntax error in `text`, or undefined where it is valid JSON (JSONC with `jsonc`). Iterative: a deeply nested text cannot overflow the stack. */
export function jsonSyntaxError(text: string, options: JsonSyntaxOptions = {}): JsonSyntaxError | undefined {
  const scanner = new Scanner(text, options.jsonc === true);
  const at = scanner.scan();
  return at === undefined ? undefined : { ...lineAndColumn(text, at.offset), problem: at.problem };
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** A character as the problem names it: printable ASCII as itself, anything else as its code (a message stays ASCII and on one line). */
function shownChar(c: string | undefined): string {
  if (c === undefined) return "the end of the file";
  if (/^[\x21-\x7e]$/.test(c)) return `'${c}'`;
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

interface Failure {
  readonly offset: number;
  readonly problem: string;
}

class Scanner {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly jsonc: boolean,
  ) {}

  scan(): Failure | undefined {
    // What each open container expects next: "value" after '[' / ',' / ':', "key" after '{' / ',', "after" once an item ends.
    const open: ("[" | "{")[] = [];
    let expect: "value" | "key" | "after" = "value";
    let first = true; // right after '[' or '{', where the container may close at once
    for (;;) {
      const skipped = this.skipSpace();
      if (skipped) return skipped;
      const c = this.text[this.i];
      const container = open[open.length - 1];
      if (expect === "after") {
        if (container === undefined) return c === undefined ? undefined : this.fail(`${shownChar(c)} after the end of the JSON value`);
        if (c === ",") {
          this.i++;
          expect = container === "[" ? "value" : "key";
          first = false;
          if (this.jsonc && this.closesNext(container)) expect = "after";
          continue;
        }
        if ((container === "[" && c === "]") || (container === "{" && c === "}")) {
          this.i++;
          open.pop();
          continue;
        }
        return this.fail(`expected ',' or '${container === "[" ? "]" : "}"}', found ${shownChar(c)}`);
      }
      if (first && container !== undefined && c === (container === "[" ? "]" : "}")) {
        this.i++;
        open.pop();
        expect = "after";
        first = false;
        continue;
      }
      first = false;
      if (expect === "key") {
        if (c !== '"') return this.fail(`expected a property name in double quotes, found ${shownChar(c)}`);
        const bad = this.string();
        if (bad) return bad;
        const space = this.skipSpace();
        if (space) return space;
        if (this.text[this.i] !== ":") return this.fail(`expected ':' after the property name, found ${shownChar(this.text[this.i])}`);
        this.i++;
        expect = "value";
        continue;
      }
      if (c === "[" || c === "{") {
        this.i++;
        open.push(c);
        expect = c === "[" ? "value" : "key";
        first = true;
        continue;
      }
      const bad = this.scalar(c);
      if (bad) return bad;
      expect = "after";
    }
  }

  /** With JSONC, whether only space and comments stand between here and `container`'s close (a trailing comma). */
  private closesNext(container: "[" | "{"): boolean {
    const saved = this.i;
    const skipped = this.skipSpace();
    const closes = skipped === undefined && this.text[this.i] === (container === "[" ? "]" : "}");
    if (!closes) this.i = saved;
    return closes;
  }

  private skipSpace(): Failure | undefined {
    for (;;) {
      const c = this.text[this.i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.i++;
      else if (this.jsonc && c === "/" && this.text[this.i + 1] === "/") {
        const end = this.text.indexOf("\n", this.i);
        this.i = end === -1 ? this.text.length : end;
      } else if (this.jsonc && c === "/" && this.text[this.i + 1] === "*") {
        const end = this.text.indexOf("*/", this.i + 2);
        if (end === -1) return this.fail("a comment that is never closed (no */)");
        this.i = end + 2;
      } else return undefined;
    }
  }

  private scalar(c: string | undefined): Failure | undefined {
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    for (const word of ["true", "false", "null"]) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return undefined;
      }
    }
    if (c === undefined) return this.fail("the file ends where a value is expected");
    return this.fail(`expected a value (a string in double quotes, a number, true, false, null, [ or {), found ${shownChar(c)}`);
  }

  private string(): Failure | undefined {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) {
        this.i = start;
        return this.fail("a string that is never closed (no closing \")");
      }
      if (c === '"') {
        this.i++;
        return undefined;
      }
      if (c < " ") return this.fail(`${c === "\n" ? "a line break" : `the control character ${shownChar(c)}`} inside a string (write it as an escape, such as \\n)`);
      if (c === "\\") {
        const next = this.text[this.i + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) return this.fail("\\u must be followed by four hexadecimal digits");
          this.i += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) return this.fail(`the escape \\${next === undefined ? "" : shownChar(next).replace(/^'|'$/g, "")} is not one JSON has (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`);
        this.i += 2;
        continue;
      }
      this.i++;
    }
  }

  private number(): Failure | undefined {
    const pattern = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    pattern.lastIndex = this.i;
    const match = pattern.exec(this.text);
    if (!match || match[0] === "-") return this.fail(`a number is not written as JSON writes one, found ${shownChar(this.text[this.i + (match?.[0].length ?? 0)])}`);
    this.i += match[0].length;
    const next = this.text[this.i];
    if (next !== undefined && /[0-9.eE]/.test(next)) return this.fail(`a number is not written as JSON writes one (no leading zeros, digits after a '.' and an 'e'), found ${shownChar(next)}`);
    return undefined;
  }

  private fail(problem: string): Failure {
    return { offset: this.i, problem };
  }
}
