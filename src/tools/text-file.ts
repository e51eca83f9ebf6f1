/**
 * Text files as the editing tools see them: decoded without losing a byte, split into
 * lines that keep their own line endings, and encoded back exactly. UTF-16 with a BOM is
 * read and written as UTF-16; a file that is not valid UTF-8 is decoded one char per byte as
 * Windows-1252 (Latin-1 with its characters for 0x80–0x9F: ” for 0x94, not a C1 control), so
 * untouched bytes round-trip.
 */
import { createHash } from "node:crypto";
import { jsonSyntaxError } from "../protocol/json-syntax.ts";
import { countOf, mostlyLoneCr } from "../protocol/plain-text.ts";
import { visibleText } from "../protocol/visible-text.ts";
import { ToolError } from "./tool.ts";
import { notebookShapeProblem } from "./notebook-shape.ts";

export { pairSafeEnd, pairSafeStart } from "../protocol/plain-text.ts";

/** "latin1": not UTF-8, a byte per character, read and written as Windows-1252 (`windows1252Text`). */
export type TextEncodingName = "utf8" | "latin1" | "utf16le" | "utf16be";

/** A decoded text file. `text` is the exact content (CRLF kept), without a BOM. */
export interface TextFile {
  readonly text: string;
  readonly encoding: TextEncodingName;
  readonly bom: boolean;
  /** The line ending most lines use; new lines get this one. */
  readonly eol: Eol;
  /**
   * A latin1 file whose other non-ASCII bytes are UTF-8 text (a UTF-8 file with a Latin-1
   * line pasted in, a character cut off): how many bytes are not UTF-8, the first one's line,
   * and its first UTF-8 character read both ways — a Windows-1252 file's letters can pair as
   * UTF-8 by chance ('CAFÉ”' is C9 94, UTF-8's 'ɔ'), so it may be that file instead.
   */
  readonly strayBytes?: {
    readonly count: number;
    readonly line: number;
    readonly values: readonly number[];
    readonly character: { readonly utf8: string; readonly windows1252: string; readonly line: number };
  };
}

/** A line ending: LF, CR LF, or a lone CR (classic Mac files, Excel's "CSV (Macintosh)"). */
export type Eol = "\n" | "\r\n" | "\r";

/** One line and the ending it had ("" for a last line without a newline). */
export interface Line {
  readonly text: string;
  readonly eol: string;
}

const PROBE_BYTES = 8192;
const UTF8_BOM = [0xef, 0xbb, 0xbf];
/** How git-crypt's encrypted files begin: "\0GITCRYPT\0". */
const GIT_CRYPT_HEADER = [0x00, 0x47, 0x49, 0x54, 0x43, 0x52, 0x59, 0x50, 0x54, 0x00];
const UTF16_BOMS = { utf16le: [0xff, 0xfe], utf16be: [0xfe, 0xff] } as const;

/** Git's rule: a NUL byte in the first 8 KB means binary (UTF-16 files too; decodeText reads those with a BOM). */
export function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, PROBE_BYTES).includes(0);
}

/**
 * Decodes bytes for editing: UTF-16 with a BOM (little- or big-endian), else UTF-8 (with or
 * without a BOM), else latin1. Throws `binary-file` for binary content and
 * `unsupported-encoding` for what looks like UTF-16 without a BOM.
 */
export function decodeText(bytes: Uint8Array, path: string): TextFile {
  const utf16 = decodeUtf16(bytes);
  if (utf16) return utf16;
  if (isBinary(bytes)) {
    if (looksUtf16(bytes)) {
      throw new ToolError(
        "unsupported-encoding",
        `"${path}" looks like UTF-16 text without a byte-order mark, which cannot be edited safely (nothing in the file says how to read it). ` +
          "Ask the user to convert it, or convert it with run_command (iconv -f UTF-16LE -t UTF-8, or UTF-16BE) into a new file",
      );
    }
    // A locked git-crypt checkout's encrypted file (.env, secrets.py): "binary" alone had the model tell the user it was corrupt.
    if (GIT_CRYPT_HEADER.every((b, i) => bytes[i] === b)) {
      throw new ToolError("binary-file", `"${path}" is encrypted by git-crypt and this checkout is locked (its key is not applied here), so it cannot be read or edited as text; if the task needs it, ask the user to unlock the checkout (git-crypt unlock)`);
    }
    throw new ToolError("binary-file", `"${path}" is a binary file; it cannot be read or edited as text`);
  }
  const bom = UTF8_BOM.every((b, i) => bytes[i] === b);
  const body = bom ? bytes.subarray(3) : bytes;
  let text: string;
  let encoding: TextEncodingName = "utf8";
  try {
    // ignoreBOM: the BOM is already off; a second one is text and must round-trip.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    text = windows1252Text(Buffer.from(body).toString("latin1"));
    const stray = strayUtf8Bytes(body);
    return { text, encoding: "latin1", bom, eol: dominantEol(text), ...(stray && { strayBytes: stray }) };
  }
  return { text, encoding, bom, eol: dominantEol(text) };
}

/** How many of `bytes` are not part of a UTF-8 character, and how many UTF-8 characters of two bytes or more they hold. */
function utf8Shape(bytes: Uint8Array): { stray: number; characters: number; first: number; firstCharacter: number; values: number[] } {
  let [stray, characters, first, firstCharacter] = [0, 0, -1, -1];
  const values: number[] = [];
  const strict = new TextDecoder("utf-8", { fatal: true });
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x80) continue;
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    const sequence = bytes.subarray(i, i + length);
    let whole = length > 0 && sequence.length === length && sequence.every((c, k) => k === 0 || (c & 0xc0) === 0x80);
    if (whole) {
      try {
        strict.decode(sequence); // overlong forms and surrogates have the right shape and are not UTF-8
      } catch {
        whole = false;
      }
    }
    if (whole) {
      if (firstCharacter === -1) firstCharacter = i;
      characters++;
      i += length - 1;
    } else {
      if (first === -1) first = i;
      stray++;
      values.push(b);
    }
  }
  return { stray, characters, first, firstCharacter, values };
}

/** A file not valid UTF-8 with at least as many UTF-8 characters as other non-ASCII bytes (Latin-1 text rarely holds one: Ã then ©): its stray bytes. */
function strayUtf8Bytes(body: Uint8Array): TextFile["strayBytes"] {
  const { stray, characters, first, firstCharacter, values } = utf8Shape(body);
  if (characters === 0 || characters < stray) return undefined;
  const lineAt = (at: number) => {
    let line = 1;
    for (let i = body.indexOf(0x0a); i !== -1 && i < at; i = body.indexOf(0x0a, i + 1)) line++;
    return line;
  };
  const bytes = body.subarray(firstCharacter, firstCharacter + (body[firstCharacter]! >= 0xf0 ? 4 : body[firstCharacter]! >= 0xe0 ? 3 : 2));
  const character = { utf8: new TextDecoder("utf-8").decode(bytes), windows1252: windows1252Text(Buffer.from(bytes).toString("latin1")), line: lineAt(firstCharacter) };
  return { count: stray, line: lineAt(first), values, character };
}

/**
 * Windows-1252's characters for bytes 0x80–0x9F (the rest is Latin-1; the five it leaves
 * undefined stay as they are). Node's TextDecoder("windows-1252") decodes as Latin-1.
 */
const WINDOWS_1252_C1 = "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

/** Text read a byte per character (latin1) as Windows-1252 has those bytes. */
export function windows1252Text(latin1: string): string {
  return latin1.replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!);
}

const WINDOWS_1252_C1_CHARACTER = new RegExp(`[${WINDOWS_1252_C1}]`, "g");
// A C1 control Windows-1252 defines a character for (U+0094) would be written as a byte that reads back as that character (”).
const NOT_WINDOWS_1252 = new RegExp(`[^\\x00-\\x7f\\xa0-\\xff${WINDOWS_1252_C1}]`, "u");

/** The first character of `text` Windows-1252 has no byte for; undefined when it has one for each. */
export function notWindows1252(text: string): string | undefined {
  return NOT_WINDOWS_1252.exec(text)?.[0];
}

/** `windows1252Text`'s inverse: Windows-1252 text (see `notWindows1252`) as its bytes, a character per byte (latin1). */
export function windows1252Latin1(text: string): string {
  return text.replace(WINDOWS_1252_C1_CHARACTER, (c) => String.fromCharCode(0x80 + WINDOWS_1252_C1.indexOf(c)));
}

/** Windows-1252 text (see `notWindows1252`) as its bytes. */
export function windows1252Bytes(text: string): Buffer {
  return Buffer.from(windows1252Latin1(text), "latin1");
}

/**
 * What a file with stray bytes is, in both readings, after its name: "is not valid UTF-8 (1
 * byte is not, line 3) yet holds UTF-8 characters ('é' in UTF-8, 'Ã©' in Windows-1252 (line
 * 1)): a UTF-8 file with a stray byte, or a Windows-1252 (Latin-1) file whose letters pair
 * as UTF-8 by chance".
 */
export function strayBytesPhrase(stray: NonNullable<TextFile["strayBytes"]>): string {
  const one = stray.count === 1;
  const [utf8, windows1252] = [visibleText(stray.character.utf8, true), visibleText(stray.character.windows1252, true)];
  const line = stray.character.line;
  return (
    `is not valid UTF-8 (${stray.count} byte${one ? " is" : "s are"} not, ${one ? "" : "the first on "}line ${stray.line}) yet holds UTF-8 characters ` +
    `('${utf8}' in UTF-8, '${windows1252}' in Windows-1252 (line ${line})): a UTF-8 file with ${one ? "a stray byte" : "stray bytes"}, ` +
    "or a Windows-1252 (Latin-1) file whose letters pair as UTF-8 by chance"
  );
}

/**
 * The text of a file as the editor shows it by default: UTF-16 where a byte-order mark says
 * so, else UTF-8 (a Latin-1 file shows U+FFFD there too). For the left side of a diff whose
 * right side is the editor's file: read otherwise, every line would differ.
 */
export function editorText(bytes: Uint8Array): string {
  return decodeUtf16(bytes)?.text ?? new TextDecoder().decode(bytes);
}

/**
 * A file that starts with a UTF-16 BOM and decodes without error or NUL characters (those
 * make it binary, or UTF-32: FF FE 00 00); undefined otherwise.
 */
function decodeUtf16(bytes: Uint8Array): TextFile | undefined {
  for (const encoding of ["utf16le", "utf16be"] as const) {
    const [a, b] = UTF16_BOMS[encoding];
    if (bytes[0] !== a || bytes[1] !== b) continue;
    let text: string;
    try {
      text = new TextDecoder(encoding === "utf16le" ? "utf-16le" : "utf-16be", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(2));
    } catch {
      return undefined;
    }
    return text.includes("\0") ? undefined : { text, encoding, bom: true, eol: dominantEol(text) };
  }
  return undefined;
}

/**
 * Mostly ASCII as UTF-16 in the first 8 KB: in three pairs of bytes out of four one is zero
 * (always the same one), never both. Not with a BOM: such a file that did not decode is binary.
 */
function looksUtf16(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, PROBE_BYTES) & ~1;
  if (n < 16 || Object.values(UTF16_BOMS).some(([a, b]) => bytes[0] === a && bytes[1] === b)) return false;
  let low = 0;
  let high = 0;
  for (let i = 0; i < n; i += 2) {
    const [x, y] = [bytes[i]!, bytes[i + 1]!];
    if (x === 0 && y === 0) return false;
    if (y === 0 && x < 0x80) low++;
    if (x === 0 && y < 0x80) high++;
  }
  return Math.min(low, high) === 0 && Math.max(low, high) >= (n / 2) * 0.75;
}

/**
 * A UTF-8 file with stray bytes is kept a byte per character (latin1), so a new 'ï' would be
 * written as one Latin-1 byte: one more broken character where the editor reads UTF-8.
 * Refused unless the new text's bytes add no stray byte (ASCII, or text as read_file showed it):
 * each byte value stray in it no more often than in the file — not their number alone, which an
 * edit taking the stray byte out and writing a new 'è' keeps.
 */
function refuseNewStrayBytes(stray: NonNullable<TextFile["strayBytes"]>, text: string, path: string): void {
  if (notWindows1252(text) === undefined && !addsStrayByte(stray.values, utf8Shape(windows1252Bytes(text)).values)) return;
  throw new ToolError(
    "unsupported-encoding",
    `"${path}" ${strayBytesPhrase(stray)}. Hearth keeps its bytes one per character, and cannot tell which bytes a new non-ASCII ` +
      "character should be: in the first reading its Latin-1 byte would be one more broken character. Nothing was written. " +
      "Write such characters as an escape the language allows (\\u00e9 in a string), or ask the user which the file is: " +
      "a UTF-8 file's stray bytes repaired (the editor shows them as \uFFFD), or a Windows-1252 file converted to UTF-8 (iconv -f WINDOWS-1252 -t UTF-8), makes it writable",
  );
}

/** Whether `after` holds a stray byte value more often than `before` does. */
function addsStrayByte(before: readonly number[], after: readonly number[]): boolean {
  const left = new Map<number, number>();
  for (const b of before) left.set(b, (left.get(b) ?? 0) + 1);
  return after.some((b) => {
    const n = left.get(b) ?? 0;
    left.set(b, n - 1);
    return n <= 0;
  });
}

/** Encodes text the way `file` was encoded. Throws when latin1 cannot hold a new character. */
export function encodeText(file: Pick<TextFile, "encoding" | "bom" | "strayBytes">, text: string, path: string): Uint8Array {
  if (file.strayBytes !== undefined) refuseNewStrayBytes(file.strayBytes, text, path);
  const foreign = file.encoding === "latin1" ? notWindows1252(text) : undefined;
  if (foreign !== undefined) {
    const code = `U+${foreign.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    throw new ToolError(
      "unsupported-encoding",
      `"${path}" is not UTF-8 (kept as Windows-1252 bytes, one per character), and the new text has "${visibleText(foreign, true)}" (${code}), which it cannot hold. ` +
        "Write such characters as an escape the language allows (\\u20ac in a string), or ask the user to convert the file to UTF-8 first",
    );
  }
  if (file.encoding === "utf16le" || file.encoding === "utf16be") {
    const body = Buffer.from(text, "utf16le");
    if (file.encoding === "utf16be") body.swap16();
    return Buffer.concat([Buffer.from(UTF16_BOMS[file.encoding]), body]);
  }
  const body = file.encoding === "latin1" ? windows1252Bytes(text) : Buffer.from(text, file.encoding);
  return file.bom ? Buffer.concat([Buffer.from(UTF8_BOM), body]) : body;
}

/** The line ending most lines use ("\n" when there are none). */
export function dominantEol(text: string): Eol {
  if (mostlyLoneCr(text)) return "\r";
  const total = countOf(text, "\n");
  const crlf = countOf(text, "\r\n");
  return crlf > 0 && crlf * 2 >= total ? "\r\n" : "\n";
}

/**
 * Splits text into lines with their endings; the last line has eol "" (and is dropped when
 * empty). A lone CR ends a line only in a file whose lines mostly end so (a stray CR in an
 * LF file stays part of its line, as git, grep and search see it).
 */
export function splitLines(text: string): Line[] {
  if (dominantEol(text) === "\r") return splitAtAnyEol(text);
  const lines: Line[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl === -1) break;
    const cr = nl > start && text[nl - 1] === "\r";
    lines.push({ text: text.slice(start, cr ? nl - 1 : nl), eol: cr ? "\r\n" : "\n" });
    start = nl + 1;
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: "" });
  return lines;
}

function splitAtAnyEol(text: string): Line[] {
  const lines: Line[] = [];
  const eol = /\r\n|\r|\n/g;
  let start = 0;
  for (let m = eol.exec(text); m; m = eol.exec(text)) {
    lines.push({ text: text.slice(start, m.index), eol: m[0] });
    start = m.index + m[0].length;
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: "" });
  return lines;
}

export function joinLines(lines: readonly Line[]): string {
  let out = "";
  for (const line of lines) out += line.text + line.eol;
  return out;
}

/** Text with every CRLF turned into LF (what the model writes and matches against). */
export function toLf(text: string): string {
  return text.replace(/\r\n/g, "\n");
}

/**
 * Refuses new text that would turn a notebook or JSON file that parsed into one that does
 * not: VS Code and Jupyter cannot open a notebook whose JSON is broken (all its cells gone
 * from view), npm cannot read such a package.json. A file that never parsed (JSON with
 * comments, tsconfig.json) is not checked. A notebook that parses after must also still be
 * a notebook, if it was one (notebook-shape.ts).
 */
export function checkJsonKept(path: string, before: string, after: string): void {
  if (!/\.(ipynb|json)$/i.test(path)) return;
  const problem = jsonProblem(after);
  if (problem === undefined) return checkNotebookKept(path, before, after);
  if (jsonProblem(before) !== undefined) return;
  const kind = /\.ipynb$/i.test(path) ? "a notebook, whose file is JSON" : "a JSON file";
  throw new ToolError("invalid-input", `"${path}" would no longer be valid JSON (${problem}); nothing was written. It is ${kind}: keep strings quoted and escaped (a newline in a cell's source is "\\n"), commas between items and none after the last`);
}

/** As checkJsonKept, for a notebook that was one (notebook-shape.ts) and would parse but be one no longer. */
function checkNotebookKept(path: string, before: string, after: string): void {
  // A new file (no text before) or one that never parsed was no notebook to keep.
  if (!/\.ipynb$/i.test(path) || jsonProblem(before) !== undefined || notebookShapeProblem(JSON.parse(before)) !== undefined) return;
  const problem = notebookShapeProblem(JSON.parse(after));
  if (problem === undefined) return;
  throw new ToolError("invalid-input", `"${path}" would no longer be a notebook Jupyter and VS Code open as written: ${problem}; nothing was written. Keep each cell's "cell_type", "metadata" and "source" (a list of lines, each but the last ending in "\\n"), and a code cell's "outputs" and "execution_count"`);
}

/** Where `text` stops being JSON ("line 3, column 14: expected a value ..."), one line: V8's message quotes the text around the error with its line breaks and often names no place. */
function jsonProblem(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const found = jsonSyntaxError(text);
    if (found) return `line ${found.line}, column ${found.column}: ${found.problem}`;
    return error instanceof Error ? error.message : String(error);
  }
}

/** sha1 of content, hex: what read tracking compares. */
export function contentHash(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}


