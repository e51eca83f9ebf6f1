/**
 * Reads the runtime's stdout as LSP frames and nothing else. Only the connection writes there,
 * but native code can too (a library's printf is out of reach of the runtime's console
 * redirect): one such line before a frame was read by vscode-jsonrpc as a header ("Header must
 * provide a Content-Length property"), and every message after it was lost — each request to the
 * runtime waited for good. Whole frames (`Content-Length: N` headers, a blank line, N bytes of a JSON object) pass
 * on; whatever comes between frames is handed back as stray bytes, for the log.
 * Both of the runtime's clients (the extension, the CLI) read its output through `runtimeOutput`.
 */
import { Disposable, type MessageReader, ReadableStreamMessageReader } from "vscode-languageserver-protocol/node";
import { pairSafeEnd } from "./plain-text.ts";

const HEADER_START = new TextEncoder().encode("Content-Length: ");
const HEADER_END = new TextEncoder().encode("\r\n\r\n");
const OPEN_BRACE = "{".charCodeAt(0);
/** Longer headers are not the runtime's (it writes one `Content-Length` line). */
const MAX_HEADER_BYTES = 1024;

export interface StdoutPiece {
  /** Whole frames, as they came, for the protocol's reader. */
  readonly frames: Uint8Array;
  /** What came between frames: not the protocol's. */
  readonly stray: Uint8Array;
}

export class StdoutFrames {
  private buffer: Uint8Array = new Uint8Array(0);
  /** Pieces not yet joined to the buffer: a large frame's pieces are joined once, when it is whole. */
  private pieces: Uint8Array[] = [];
  private size = 0;
  /** The bytes the frame under way needs in all (0: not known). */
  private want = 0;

  /** Takes the next piece of stdout; returns what is whole so far. */
  push(chunk: Uint8Array): StdoutPiece {
    this.pieces.push(chunk);
    this.size += chunk.length;
    if (this.size < this.want) return { frames: new Uint8Array(0), stray: new Uint8Array(0) };
    this.buffer = concat([this.buffer, ...this.pieces]);
    this.pieces = [];
    this.want = 0;
    const frames: Uint8Array[] = [];
    const stray: Uint8Array[] = [];
    for (;;) {
      const start = indexOf(this.buffer, HEADER_START, 0);
      // Without a header in sight, all but what could be the start of one is stray.
      const strayEnd = start < 0 ? this.buffer.length - partialHeaderAtEnd(this.buffer) : start;
      if (strayEnd > 0) stray.push(this.take(strayEnd));
      if (start < 0) break;
      const frame = this.frameLength();
      if (frame === "wait") break;
      if (frame === "stray") stray.push(this.take(1)); // not a header after all: look for the next one
      else frames.push(this.take(frame));
    }
    this.size = this.buffer.length;
    return { frames: concat(frames), stray: concat(stray) };
  }

  /**
   * Once stdout has ended: what was held back is no frame now. A header's worth or less (the
   * start of a `Content-Length: ` a stray line ended with) is stray; the body of a frame cut
   * short (the runtime killed as it wrote a large answer) is dropped, not logged.
   */
  end(): Uint8Array {
    const held = this.want > 0 ? new Uint8Array(0) : concat([this.buffer, ...this.pieces]);
    this.buffer = new Uint8Array(0);
    this.pieces = [];
    this.size = this.want = 0;
    return held;
  }

  /** The length of the frame the buffer starts with, "wait" for more bytes, or "stray" if it is no frame. */
  private frameLength(): number | "wait" | "stray" {
    const end = indexOf(this.buffer.subarray(0, MAX_HEADER_BYTES + HEADER_END.length), HEADER_END, 0);
    if (end < 0) return this.buffer.length > MAX_HEADER_BYTES ? "stray" : "wait";
    const header = new TextDecoder().decode(this.buffer.subarray(0, end));
    const match = /^Content-Length: (\d{1,10})(\r\nContent-Type: [^\r\n]*)?$/.exec(header);
    if (!match) return "stray";
    // The runtime's bodies are JSON objects: a "header" followed by anything else is a stray line
    // that looks like one (a fake length of 10 digits held every later byte back, waiting for 10 GB).
    const body = end + HEADER_END.length;
    if (this.buffer.length === body) return "wait";
    if (this.buffer[body] !== OPEN_BRACE) return "stray";
    const length = body + Number(match[1]);
    if (this.buffer.length >= length) return length;
    this.want = length;
    return "wait";
  }

  private take(bytes: number): Uint8Array {
    const taken = this.buffer.subarray(0, bytes);
    this.buffer = this.buffer.subarray(bytes);
    return taken;
  }
}

/** The longest line held back waiting for its line break; a longer one goes to the log in pieces. */
const MAX_LINE_CHARS = 64 * 1024;
/** How far back from the end a longer line's cut looks for a space, and what it keeps without one (a key is shorter). */
const CUT_LOOKBACK_CHARS = 1024;

/**
 * Text given as a pipe cuts it, handed on a line at a time: the Hearth log hides the server's
 * key in what it is given at once, and a key cut between two pieces matched nothing. A line
 * longer than {@link MAX_LINE_CHARS} goes on in pieces, cut after a space near its end where
 * there is one, else {@link CUT_LOOKBACK_CHARS} before its end (a key the pipe cut is held
 * whole); `end` hands on the last line without its line break.
 */
export class TextLines {
  private held = "";

  constructor(private readonly write: (text: string) => void) {}

  push(text: string): void {
    const lineEnd = text.lastIndexOf("\n");
    if (lineEnd >= 0) {
      this.write(this.held + text.slice(0, lineEnd + 1));
      this.held = text.slice(lineEnd + 1);
    } else this.held += text;
    if (this.held.length <= MAX_LINE_CHARS) return;
    const space = this.held.slice(-CUT_LOOKBACK_CHARS).search(/\s\S*$/);
    const cut = space < 0 ? pairSafeEnd(this.held, this.held.length - CUT_LOOKBACK_CHARS) : this.held.length - CUT_LOOKBACK_CHARS + space + 1;
    this.write(this.held.slice(0, cut));
    this.held = this.held.slice(cut);
  }

  end(): void {
    if (this.held) this.write(this.held);
    this.held = "";
  }
}

/**
 * `text` given the stream's bytes, decoded as one text across its pieces (a pipe may cut a
 * character in two), a line at a time; what is left goes once the stream ends or closes,
 * after `more`: what else was held back for the log until then.
 */
function textOf(stream: NodeJS.ReadableStream, text: (text: string) => void, more: () => Uint8Array = () => new Uint8Array(0)): (bytes: Uint8Array) => void {
  const decoder = new TextDecoder();
  const lines = new TextLines(text);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    lines.push(decoder.decode(more(), { stream: true }));
    lines.push(decoder.decode());
    lines.end();
  };
  stream.once("end", end);
  stream.once("close", end);
  return (bytes) => {
    if (!ended && bytes.length) lines.push(decoder.decode(bytes, { stream: true }));
  };
}

/**
 * A runtime's output as its clients read it: a reader of the whole frames on `stdout`, for the
 * protocol connection, and `text` given its stderr and what else came on stdout, each decoded
 * as one text across its pieces (a pipe may cut a character in two). Node's streams, taken by
 * their events (protocol/ imports no Node module); the frames go to vscode-jsonrpc as Buffers.
 */
export function runtimeOutput(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream, text: (text: string) => void): MessageReader {
  stderr.on("data", textOf(stderr, text));
  const frames = new StdoutFrames();
  const stray = textOf(stdout, text, () => frames.end());
  const on = (event: string, listener: Parameters<NodeJS.ReadableStream["on"]>[1]) => {
    stdout.on(event, listener);
    return Disposable.create(() => stdout.off(event, listener));
  };
  return new ReadableStreamMessageReader({
    onData: (listener) =>
      on("data", (chunk: Uint8Array) => {
        const piece = frames.push(chunk);
        stray(piece.stray);
        const whole = piece.frames;
        if (whole.length) listener(Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength));
      }),
    onClose: (listener) => on("close", listener),
    onError: (listener) => on("error", listener),
    onEnd: (listener) => on("end", listener),
  });
}

/** How many bytes at the end of `buffer` could begin a header the next piece completes. */
function partialHeaderAtEnd(buffer: Uint8Array): number {
  for (let n = Math.min(HEADER_START.length - 1, buffer.length); n > 0; n--) {
    if (indexOf(buffer.subarray(buffer.length - n), HEADER_START.subarray(0, n), 0) === 0) return n;
  }
  return 0;
}

function indexOf(buffer: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i <= buffer.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (buffer[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const filled = parts.filter((part) => part.length > 0);
  if (filled.length === 1) return filled[0]!;
  const joined = new Uint8Array(filled.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of filled) joined.set(part, at), (at += part.length);
  return joined;
}
