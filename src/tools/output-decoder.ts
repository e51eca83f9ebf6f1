/**
 * One output stream's bytes as text: UTF-8, or UTF-16 when the stream starts as UTF-16 —
 * a BOM (PowerShell's `>` writes UTF-16LE with one; `cat` of such a file), or a NUL beside
 * most letters, a space or line break among them (Windows tools run from WSL, `wsl.exe -l`,
 * `cmd.exe /u`). Read as UTF-8,
 * that text reached the model as letters between NULs, and with a BOM under a note that
 * blamed Latin-1. Decided on the stream's first bytes (up to 64 of them held while they
 * look like UTF-16 with no space yet); a character split across reads stays whole either way.
 */
import { StringDecoder } from "node:string_decoder";

export type OutputEncoding = "utf8" | "utf16le" | "utf16be";

export class OutputDecoder {
  /** Chosen at the first bytes; undefined until then. */
  encoding: OutputEncoding | undefined;
  private decoder: StringDecoder | undefined;
  /** UTF-16BE: a byte whose pair is in the next read. */
  private odd: Buffer | undefined;

  /** First bytes that look like UTF-16 with no space yet: held until they say which (at most SNIFF_BYTES). */
  private held: Buffer | undefined;

  write(bytes: Buffer): string {
    return this.decode(bytes, false);
  }

  /** The rest: held first bytes, an incomplete trailing character as U+FFFD. */
  end(): string {
    const held = this.held ? this.decode(Buffer.alloc(0), true) : "";
    return held + (this.decoder?.end() ?? "");
  }

  private decode(bytes: Buffer, final: boolean): string {
    if (!this.decoder) {
      const seen = this.held ? Buffer.concat([this.held, bytes]) : bytes;
      if (seen.length === 0) return "";
      const sniffed = sniff(seen, final);
      this.held = sniffed ? undefined : seen;
      if (!sniffed) return "";
      const [encoding, bom] = sniffed;
      [this.encoding, this.decoder] = [encoding, new StringDecoder(encoding === "utf8" ? "utf8" : "utf16le")];
      bytes = seen.subarray(bom);
    }
    return this.decoder.write(this.encoding === "utf16be" ? this.swapped(bytes) : bytes);
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

/**
 * The encoding the first bytes of a stream show, and the length of its BOM; undefined (unless
 * `final`) while fewer than SNIFF_BYTES look like UTF-16 with no space yet: a tool writing a
 * word at a time gives its first word in a read of its own.
 */
function sniff(bytes: Buffer, final: boolean): [OutputEncoding, number] | undefined {
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
  if (le >= enough && leSpace) return ["utf16le", 0];
  if (be >= enough && beSpace) return ["utf16be", 0];
  return !final && bytes.length < SNIFF_BYTES && (le >= enough || be >= enough) ? undefined : ["utf8", 0];
}

/** Space, tab, CR or LF. */
function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}
