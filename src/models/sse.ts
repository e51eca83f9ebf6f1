/**
 * Lines of a server-sent-events body, split in linear time with a bound on line length.
 * A server can send a `data:` line that never ends; re-scanning or re-concatenating the
 * whole buffer for every chunk (`buffer += chunk; buffer.indexOf("\n")`) costs quadratic
 * CPU on it. Here each byte is scanned once, a line's pieces are joined once, and a line
 * longer than the limit is refused as soon as it is.
 */
import { namedCharset } from "./http-limits.ts";

/** A line (without its end) grew past the limit. */
export class LineTooLongError extends Error {
  override name = "LineTooLongError";
  constructor(readonly limitBytes: number) {
    super(`a line is longer than ${limitBytes} bytes`);
  }
}

const NEWLINE = 0x0a;

/**
 * Splits bytes into text lines (UTF-8, or an encoding `streamEncoding` accepted); `\n` and
 * `\r\n` both end a line.
 */
export class LineReader {
  private pieces: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly decoder: TextDecoder;
  /** Bytes looked at for a line end so far: equals the bytes pushed (the linearity the tests hold). */
  scannedBytes = 0;

  constructor(private readonly maxLineBytes: number, encoding = "utf-8") {
    this.decoder = new TextDecoder(encoding);
  }

  /** The complete lines that `chunk` finishes; throws LineTooLongError for an over-long line. */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      this.scannedBytes += end + 1 - start;
      this.hold(chunk.subarray(start, end));
      lines.push(this.takeLine());
      start = end + 1;
    }
    this.scannedBytes += chunk.length - start;
    if (start < chunk.length) this.hold(chunk.subarray(start));
    return lines;
  }

  /** The last line if the body ended without a line end. */
  end(): string | undefined {
    return this.pendingBytes > 0 ? this.takeLine() : undefined;
  }

  private hold(piece: Uint8Array): void {
    this.pendingBytes += piece.length;
    if (this.pendingBytes > this.maxLineBytes) throw new LineTooLongError(this.maxLineBytes);
    // A copy: the chunk's memory belongs to the body stream.
    if (piece.length > 0) this.pieces.push(piece.slice());
  }

  private takeLine(): string {
    const bytes = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces, this.pendingBytes);
    this.pieces = [];
    this.pendingBytes = 0;
    const line = this.decoder.decode(bytes);
    return line.endsWith("\r") ? line.slice(0, -1) : line;
  }
}

/**
 * The encoding to read an event stream in, from its `Content-Type`: UTF-8 unless a
 * `charset` names another. Event streams are UTF-8 by the standard, but a server or proxy
 * that says Latin-1 sends Latin-1 bytes, which read as UTF-8 turn every accented letter into
 * U+FFFD. An encoding whose bytes for `\n` and `data:` are ASCII's is read as itself;
 * undefined for one that is not (UTF-16: a newline is two bytes) or that no decoder knows.
 */
export function streamEncoding(contentType: string | null): { readonly encoding?: string; readonly named: string } {
  const charset = namedCharset(contentType);
  return charset.encoding?.startsWith("utf-16") ? { named: charset.named } : charset;
}

/** One line of an event stream, classified (https://html.spec.whatwg.org/#event-stream-interpretation). */
export type SseLine =
  | { readonly kind: "data"; readonly data: string }
  /** An empty line (end of an event), a `:` comment (keep-alive) or another field. */
  | { readonly kind: "other" };

/** What an event-stream line carries; only `data:` lines carry the answer. */
export function classifySseLine(line: string): SseLine {
  if (!line.startsWith("data:")) return { kind: "other" };
  const data = line.slice(5);
  return { kind: "data", data: data.startsWith(" ") ? data.slice(1) : data };
}
