/**
 * One output stream's bytes as text: UTF-8, or UTF-16 when the stream starts as UTF-16 —
 * a BOM (PowerShell's `>` writes UTF-16LE with one; `cat` of such a file), or a NUL beside
 * most letters, a space or line break among them (Windows tools run from WSL, `wsl.exe -l`,
 * `cmd.exe /u`). Read as UTF-8,
 * that text reached the model as letters between NULs, and with a BOM under a note that
 * blamed Latin-1. Decided on the stream's first bytes; a character split across reads
 * stays whole either way.
 */
import { StringDecoder } from "node:string_decoder";

export type OutputEncoding = "utf8" | "utf16le" | "utf16be";

export class OutputDecoder {
  /** Chosen at the first bytes; undefined until then. */
  encoding: OutputEncoding | undefined;
  private decoder: StringDecoder | undefined;
  /** UTF-16BE: a byte whose pair is in the next read. */
  private odd: Buffer | undefined;

  write(bytes: Buffer): string {
    if (!this.decoder) {
      if (bytes.length === 0) return "";
      const [encoding, bom] = sniff(bytes);
      [this.encoding, this.decoder] = [encoding, new StringDecoder(encoding === "utf8" ? "utf8" : "utf16le")];
      bytes = bytes.subarray(bom);
    }
    return this.decoder.write(this.encoding === "utf16be" ? this.swapped(bytes) : bytes);
  }

  /** The rest: an incomplete trailing character as U+FFFD. */
  end(): string {
    return this.decoder?.end() ?? "";
  }

  /** Big-endian pairs as little-endian ones, a split pair carried to the next read. */
  private swapped(bytes: Buffer): Buffer {
    const all = this.odd ? Buffer.concat([this.odd, bytes]) : Buffer.from(bytes);
    const even = all.length - (all.length % 2);
    this.odd = even < all.length ? all.subarray(even) : undefined;
    return all.subarray(0, even).swap16();
  }
}

/** Bytes looked at to recognize UTF-16 without a BOM. */
const SNIFF_BYTES = 64;

/** The encoding the first bytes of a stream show, and the length of its BOM. */
function sniff(bytes: Buffer): [OutputEncoding, number] {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return ["utf16le", 2];
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return ["utf16be", 2];
  const pairs = Math.floor(Math.min(bytes.length, SNIFF_BYTES) / 2);
  let [le, be, leSpace, beSpace] = [0, 0, false, false];
  for (let i = 0; i < pairs * 2; i += 2) {
    if (bytes[i] !== 0 && bytes[i + 1] === 0) [le, leSpace] = [le + 1, leSpace || isSpace(bytes[i])];
    else if (bytes[i] === 0 && bytes[i + 1] !== 0) [be, beSpace] = [be + 1, beSpace || isSpace(bytes[i + 1])];
  }
  // Text in UTF-8 holds no NUL; a few letters of UTF-16 hold one each, outside CJK mostly. A
  // NUL-separated list of one-letter names (ls | tr '\n' '\0', git ls-files -z) does too, but
  // text has a space or a line break among its first letters, and such a list has none.
  const enough = Math.max(2, pairs * 0.75);
  return le >= enough && leSpace ? ["utf16le", 0] : be >= enough && beSpace ? ["utf16be", 0] : ["utf8", 0];
}

/** Space, tab, CR or LF. */
function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}
