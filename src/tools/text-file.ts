/**
 * Text files as the editing tools see them: decoded without losing a byte, split into
 * lines that keep their own line endings, and encoded back exactly. A file that is not
 * valid UTF-8 is decoded as latin1 (one char per byte) so untouched bytes round-trip.
 */
import { createHash } from "node:crypto";
import { ToolError } from "./tool.ts";

export type TextEncodingName = "utf8" | "latin1";

/** A decoded text file. `text` is the exact content (CRLF kept), without a BOM. */
export interface TextFile {
  readonly text: string;
  readonly encoding: TextEncodingName;
  readonly bom: boolean;
  /** The line ending most lines use; new lines get this one. */
  readonly eol: "\n" | "\r\n";
}

/** One line and the ending it had ("" for a last line without a newline). */
export interface Line {
  readonly text: string;
  readonly eol: string;
}

const PROBE_BYTES = 8192;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** Git's rule: a NUL byte in the first 8 KB means binary. UTF-16 files count as binary too. */
export function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, PROBE_BYTES).includes(0);
}

/** Decodes bytes for editing; throws `binary-file` for binary content. */
export function decodeText(bytes: Uint8Array, path: string): TextFile {
  if (isBinary(bytes)) throw new ToolError("binary-file", `"${path}" is a binary file; it cannot be read or edited as text`);
  const bom = UTF8_BOM.every((b, i) => bytes[i] === b);
  const body = bom ? bytes.subarray(3) : bytes;
  let text: string;
  let encoding: TextEncodingName = "utf8";
  try {
    // ignoreBOM: the BOM is already off; a second one is text and must round-trip.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    text = Buffer.from(body).toString("latin1");
    encoding = "latin1";
  }
  return { text, encoding, bom, eol: dominantEol(text) };
}

/** Encodes text the way `file` was encoded. Throws when latin1 cannot hold a new character. */
export function encodeText(file: Pick<TextFile, "encoding" | "bom">, text: string, path: string): Uint8Array {
  if (file.encoding === "latin1" && /[^\x00-\xff]/.test(text)) {
    throw new ToolError("unsupported-encoding", `"${path}" is not UTF-8 (kept as latin1 bytes); the new text has characters it cannot hold`);
  }
  const body = Buffer.from(text, file.encoding);
  return file.bom ? Buffer.concat([Buffer.from(UTF8_BOM), body]) : body;
}

/** The line ending most lines use ("\n" when there are none). */
export function dominantEol(text: string): "\n" | "\r\n" {
  const total = countOf(text, "\n");
  const crlf = countOf(text, "\r\n");
  return crlf > 0 && crlf * 2 >= total ? "\r\n" : "\n";
}

/** Splits text into lines with their endings; the last line has eol "" (and is dropped when empty). */
export function splitLines(text: string): Line[] {
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

export function joinLines(lines: readonly Line[]): string {
  let out = "";
  for (const line of lines) out += line.text + line.eol;
  return out;
}

/** Text with every CRLF turned into LF (what the model writes and matches against). */
export function toLf(text: string): string {
  return text.replace(/\r\n/g, "\n");
}

/** sha1 of content, hex: what read tracking compares. */
export function contentHash(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}
