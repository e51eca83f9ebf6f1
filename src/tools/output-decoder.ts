/**
 * One output stream's bytes as text: UTF-8, and UTF-16 where the stream turns to it — a BOM
 * (PowerShell's `>` writes UTF-16LE with one; `cat` of such a file), or a NUL beside most
 * letters, a space or line break among them (Windows tools run from WSL, `wsl.exe -l`,
 * `cmd.exe /u`). Read as UTF-8, that text reached the model as letters between NULs. The
 * UTF-16 may start after UTF-8 (`echo start; cat notes.txt`, in the same read or a later
 * one), and UTF-8 may follow it (`…; echo done`): a read of UTF-16LE text whose end, after
 * its last NUL, is UTF-8 ending in a line break (which UTF-16 writes with a NUL) goes back
 * to UTF-8. A NUL-separated list (`find -print0`, `git ls-files -z`) has no space among
 * NUL-paired letters, and binary output no run of them: both stay as they are. Bytes that
 * look like UTF-16 with no space yet are held (SPACE_WINDOW at most) until they say which
 * or the output ends; a character split across reads stays whole either way.
 */
import { StringDecoder } from "node:string_decoder";
import { isUtf8 } from "node:buffer";

export type OutputEncoding = "utf8" | "utf16le" | "utf16be";

export class OutputDecoder {
  /** The encoding read now. */
  encoding: OutputEncoding = "utf8";
  /** Some of the stream was UTF-16 (said after the output). */
  utf16 = false;
  private decoder = new StringDecoder("utf8");
  /** UTF-16BE: a byte whose pair is in the next read. */
  private odd: Buffer | undefined;
  /** Bytes that look like UTF-16 with no space yet: held until they say which (at most SPACE_WINDOW). */
  private held: Buffer | undefined;
  /** UTF-8 that was not (binary output): no UTF-16 is looked for in it any more. */
  private binary = false;
  /** The UTF-8 read so far ends a line (or there is none): UTF-16 may start at the next read. */
  private lineStart = true;

  write(bytes: Buffer): string {
    return this.encoding === "utf8" ? this.utf8(bytes, false) : this.fromUtf16(bytes);
  }

  /** The rest: held bytes, an incomplete trailing character as U+FFFD. */
  end(): string {
    const held = this.held ? this.utf8(Buffer.alloc(0), true) : "";
    return held + this.decoder.end() + (this.odd ? "\uFFFD" : "");
  }

  /** UTF-8, up to where UTF-16 starts. */
  private utf8(bytes: Buffer, final: boolean): string {
    const all = this.held ? Buffer.concat([this.held, bytes]) : bytes;
    this.held = undefined;
    const found = this.binary ? undefined : findUtf16(all, final, this.lineStart);
    if (found === undefined) return this.text(all);
    if (found.hold) {
      this.held = all.subarray(found.at);
      return this.text(all.subarray(0, found.at));
    }
    const before = this.text(all.subarray(0, found.at - found.bom)) + this.decoder.end();
    [this.encoding, this.utf16, this.decoder] = [found.encoding, true, new StringDecoder("utf16le")];
    return before + this.fromUtf16(all.subarray(found.at));
  }

  private text(bytes: Buffer): string {
    const text = this.decoder.write(bytes);
    this.binary ||= text.includes("\uFFFD");
    if (bytes.length > 0) this.lineStart = bytes[bytes.length - 1] === 0x0a || bytes[bytes.length - 1] === 0x0d;
    return text;
  }

  /** UTF-16, up to where the read goes back to UTF-8. */
  private fromUtf16(bytes: Buffer): string {
    const back = utf8After(bytes, this.encoding);
    const part = back < 0 ? bytes : bytes.subarray(0, back);
    let text = this.decoder.write(this.encoding === "utf16be" ? this.swapped(part) : part);
    if (back < 0) return text;
    text += this.decoder.end() + (this.odd ? "\uFFFD" : "");
    [this.encoding, this.decoder, this.odd] = ["utf8", new StringDecoder("utf8"), undefined];
    return text + this.text(bytes.subarray(back));
  }

  /** Big-endian pairs as little-endian ones, a split pair carried to the next read. */
  private swapped(bytes: Buffer): Buffer {
    const all = this.odd ? Buffer.concat([this.odd, bytes]) : Buffer.from(bytes);
    const even = all.length - (all.length % 2);
    this.odd = even < all.length ? all.subarray(even) : undefined;
    return all.subarray(0, even).swap16();
  }
}

/** Bytes looked at to see whether a NUL sits beside most letters. */
const SNIFF_BYTES = 64;
/** Bytes looked through for a space among such letters (a path, a rule of '=' comes first). */
const SPACE_WINDOW = 1024;

interface Utf16Start {
  readonly at: number;
  readonly encoding: OutputEncoding;
  /** Bytes of a BOM before `at`. */
  readonly bom: number;
  /** Not known yet: hold from `at`. */
  readonly hold?: boolean;
}

/**
 * Where UTF-16 starts in UTF-8 `bytes`: at a BOM that starts them, or where their first NUL
 * stands beside most printable letters with a space among them (little-endian first: what
 * Windows writes), at a line's start — `echo start; cat notes.txt`; a binary file's first
 * NUL comes after bytes of its own (an OpenType font: OTTO, then 00 0A, read as 'O\n').
 * `lineStart`: the UTF-8 before `bytes` ended a line. A hold while such letters have no
 * space yet, unless `final`.
 */
function findUtf16(bytes: Buffer, final: boolean, lineStart: boolean): Utf16Start | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { at: 2, encoding: "utf16le", bom: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { at: 2, encoding: "utf16be", bom: 2 };
  const nul = bytes.indexOf(0);
  if (nul < 0) return undefined;
  for (const [at, encoding] of [[nul - 1, "utf16le"], [nul, "utf16be"]] as const) {
    if (at < 0) continue;
    const bom = encoding === "utf16le" ? bytes[at - 2] === 0xff && bytes[at - 1] === 0xfe : bytes[at - 2] === 0xfe && bytes[at - 1] === 0xff;
    const start = bom ? at - 2 : at;
    if (!(start === 0 ? lineStart : bytes[start - 1] === 0x0a || bytes[start - 1] === 0x0d)) continue;
    const seen = looksUtf16(bytes.subarray(at), encoding === "utf16le" ? 0 : 1, final);
    if (seen === "no") continue;
    return { at, encoding, bom: bom ? 2 : 0, hold: seen === "not yet" };
  }
  return undefined;
}

/**
 * Whether `bytes` start as UTF-16 with the letter at `letter` (0: little-endian) of each
 * pair: a NUL beside most of the first letters, printable ones (binary output has NULs
 * beside control bytes), and a space or line break among them within SPACE_WINDOW — text
 * has one, a NUL-separated list of one-letter names (ls | tr '\n' '\0') none.
 */
function looksUtf16(bytes: Buffer, letter: 0 | 1, final: boolean): "yes" | "no" | "not yet" {
  let [pairs, letters] = [0, 0];
  // Up to the first line's end: what follows a short line may be UTF-8 again (echo done).
  for (let i = 0; i + 1 < Math.min(bytes.length, SNIFF_BYTES); i += 2) {
    pairs++;
    if (bytes[i + 1 - letter] !== 0 || !isPrintable(bytes[i + letter])) continue;
    letters++;
    if (bytes[i + letter] === 0x0a) break;
  }
  if (letters < Math.max(2, pairs * 0.75)) return "no";
  const window = Math.min(bytes.length, SPACE_WINDOW) - 1;
  for (let i = 0; i < window; i += 2) if (bytes[i + 1 - letter] === 0 && isSpace(bytes[i + letter])) return "yes";
  return !final && bytes.length < SPACE_WINDOW ? "not yet" : "no";
}

/**
 * Where a read of UTF-16 goes back to UTF-8, or -1: its end after its last NUL is UTF-8 text
 * and ends in a line break, which UTF-16LE writes with a NUL — `echo done` after the UTF-16
 * output. UTF-8 between two stretches of UTF-16 in one read is not looked for.
 */
function utf8After(bytes: Buffer, encoding: OutputEncoding): number {
  // Little-endian only: in UTF-16BE a read ending in 上 (4E 0A) would read as "N\n".
  if (encoding !== "utf16le" || bytes[bytes.length - 1] !== 0x0a) return -1;
  const from = bytes.lastIndexOf(0) + 1;
  const end = bytes.subarray(from);
  // Not a line break's first byte alone (a read that ends inside its pair, 0A | 00), nor
  // letters whose second bytes are control bytes (Cyrillic's 04, Greek's 03, then 0A).
  return end.length > 1 && !end.some(isControl) && isUtf8(end) ? from : -1;
}

/** A C0 control byte that text does not hold (not a tab, CR, LF or ESC). */
function isControl(byte: number): boolean {
  return byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x1b;
}

/** A letter's byte of Latin text in UTF-16: printable ASCII, a tab, CR, LF, or Latin-1. */
function isPrintable(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x20 && byte < 0x7f) || byte >= 0xa0 || isSpace(byte));
}

/** Space, tab, CR or LF. */
function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}
