/**
 * A command's output as a terminal would leave it, for a reader that is not a terminal:
 * programs that colour their output ($FORCE_COLOR, pytest --color=yes, jest, npm, tools
 * that ignore TERM=dumb) or draw progress bars fill a tool result with ESC [ … m, cursor
 * moves, hyperlinks and carriage-return redraws — tokens the model pays for and may copy
 * into files. `TerminalText` removes the control sequences (CSI, OSC — links, titles —,
 * DCS/APC/PM/SOS strings, two-byte escapes) and applies what a line's redraws did (\r, \b,
 * erase in line, cursor to column), so a line shows its last state. The text is kept.
 *
 * It reads its input once, character state by state (no regular expression that could
 * backtrack on a hostile run of ESC [ without a final byte), across chunk boundaries; a
 * sequence longer than any real one is given up and shown as text, and the line it holds
 * back for redraws is bounded, so memory stays small whatever a command prints.
 */
import { pairSafeEnd, pairSafeStart } from "./text-file.ts";

/** Longest CSI parameter run, and longest OSC/DCS string, before the sequence is taken for text. */
const MAX_CSI = 256;
const MAX_STRING = 4096;
/** Characters of the current line held back for a redraw; a longer line is passed on. */
const MAX_LINE = 8192;

const ESC = "\x1b";
const BEL = "\x07";
/** What needs more than passing the text on: ESC, CR and backspace. */
const SPECIAL = /[\x1b\r\b]/g;
/**
 * Every whole CSI but erase in line (K) and cursor to column (G), which act on the line.
 * Bounded, and its classes do not overlap: no backtracking, each ESC looked at once.
 */
const INERT_CSI = /\x1b\[[0-?]{0,256}[ -/]{0,16}[@-FH-JL-~]/g;

type State = "text" | "escape" | "intermediate" | "csi" | "string" | "string-escape";

export class TerminalText {
  private state: State = "text";
  /** The sequence being read (ESC included), shown as text if it is given up. */
  private seq = "";
  /** The current line, not yet passed on, and the cursor in it. */
  private line = "";
  private col = 0;
  /** A CR ended the last chunk: CR LF is a line end kept as it is, anything else a redraw. */
  private pendingCr = false;
  /** Part of the current line was passed on: a redraw of it starts a line of its own. */
  private broken = false;
  /** Whether anything was removed or redrawn (said once after the output). */
  changed = false;

  /** The text of `chunk` that is final now (whole lines, or a long line's start). */
  write(chunk: string): string {
    if (chunk.includes(ESC)) {
      // Most sequences (colours) change nothing but themselves: removed at once, natively.
      const length = chunk.length;
      chunk = chunk.replace(INERT_CSI, "");
      this.changed ||= chunk.length !== length;
    }
    let out = "";
    let at = 0;
    while (at < chunk.length) {
      if (this.pendingCr) {
        this.pendingCr = false;
        if (chunk[at] === "\n") {
          out += this.endLine("\r\n");
          at++;
          continue;
        }
        out += this.carriageReturn();
      }
      if (this.state !== "text") {
        at = this.sequence(chunk, at, (text) => (out += this.text(text)));
        continue;
      }
      SPECIAL.lastIndex = at;
      const next = SPECIAL.exec(chunk)?.index ?? chunk.length;
      if (next > at) out += this.text(chunk.slice(at, next));
      if (next === chunk.length) break;
      const c = chunk[next];
      at = next + 1;
      if (c === ESC) [this.state, this.seq, this.changed] = ["escape", ESC, true];
      else if (c === "\b") this.backspace();
      else if (chunk[at] === "\n") (out += this.endLine("\r\n"), at++);
      else if (at === chunk.length) this.pendingCr = true;
      else out += this.carriageReturn();
    }
    return out;
  }

  /**
   * The current line so far, passed on now: the other stream writes (after it, as on a
   * terminal, where the two share the cursor), so the order of the two is kept.
   */
  flush(): string {
    const line = this.line;
    [this.line, this.col] = ["", 0];
    return line;
  }

  /** A CR that is not a line end: the cursor goes back to the line's start. */
  private carriageReturn(): string {
    this.col = 0;
    this.changed ||= this.line !== "" || this.broken;
    if (!this.broken) return "";
    return this.endLine("\n");
  }

  /** The rest, at the end of the output: the last line as it stands, a cut-off sequence as text. */
  end(): string {
    const held = this.state === "text" ? "" : this.seq.slice(1);
    this.state = "text";
    const rest = this.text(held) + this.line;
    [this.line, this.col, this.pendingCr] = ["", 0, false];
    return rest;
  }

  /** Plain text written at the cursor: appended, or over the line after a redraw. */
  private text(text: string): string {
    let out = "";
    while (this.col < this.line.length && text !== "") {
      const nl = text.indexOf("\n");
      const part = nl < 0 ? text : text.slice(0, nl);
      // Half an emoji left by a shorter redraw goes with its other half (never a lone surrogate).
      this.line = this.line.slice(0, this.col) + part + this.line.slice(pairSafeStart(this.line, this.col + part.length));
      this.col += part.length;
      if (nl < 0) return out + this.passLong();
      out += this.endLine("\n");
      text = text.slice(nl + 1);
    }
    const last = text.lastIndexOf("\n");
    if (last >= 0) {
      out += this.line + text.slice(0, last + 1);
      this.line = text.slice(last + 1);
      this.broken = false;
    } else {
      this.line += text;
    }
    this.col = this.line.length;
    return out + this.passLong();
  }

  /**
   * A line over MAX_LINE is passed on, and a redraw of it shows as a line of its own: held,
   * every short redraw of it would copy it whole (a quadratic cost), however it grew.
   */
  private passLong(): string {
    if (this.line.length <= MAX_LINE) return "";
    this.broken = true;
    return this.flush();
  }

  private endLine(ending: string): string {
    const line = this.line + ending;
    [this.line, this.col, this.broken] = ["", 0, false];
    return line;
  }

  private backspace(): void {
    if (this.col === 0) return;
    this.col -= /[\uDC00-\uDFFF]/.test(this.line[this.col - 1] ?? "") && this.col > 1 ? 2 : 1;
    this.changed = true;
  }

  /**
   * Reads a sequence from `at` in `chunk` and returns where it stopped: at the end of the
   * sequence, the chunk, or the character that gave it up (`giveUp` gets its text).
   */
  private sequence(chunk: string, at: number, giveUp: (text: string) => void): number {
    while (at < chunk.length) {
      const c = chunk[at] ?? "";
      const code = c.charCodeAt(0);
      if (c === ESC && this.state !== "string") {
        // A new escape ends one not finished: a terminal does the same.
        [this.state, this.seq, this.changed] = ["escape", ESC, true];
        at++;
        continue;
      }
      switch (this.state) {
        case "escape":
          if (c === "[") this.state = "csi";
          else if (c === "]" || c === "P" || c === "X" || c === "^" || c === "_") this.state = "string";
          else if (code >= 0x20 && code <= 0x2f) this.state = "intermediate";
          else if (code >= 0x30 && code <= 0x7e) return this.done(at);
          else return this.given(at, giveUp);
          break;
        case "intermediate":
          if (code >= 0x30 && code <= 0x7e) return this.done(at);
          if (code < 0x20 || code > 0x2f) return this.given(at, giveUp);
          break;
        case "csi":
          if (code >= 0x40 && code <= 0x7e) return (this.csi(c, this.seq.slice(2)), this.done(at));
          if (code < 0x20 || code > 0x3f || this.seq.length > MAX_CSI) return this.given(at, giveUp);
          break;
        case "string":
          if (c === BEL || c === "\u009c") return this.done(at);
          if (c === ESC) this.state = "string-escape";
          else if (c === "\n" || this.seq.length > MAX_STRING) return this.given(at, giveUp);
          break;
        case "string-escape":
          if (c === "\\") return this.done(at);
          // Not ST: the ESC starts a new sequence.
          [this.state, this.seq] = ["escape", ESC];
          continue;
      }
      this.seq += c;
      at++;
    }
    return at;
  }

  private done(at: number): number {
    [this.state, this.seq, this.changed] = ["text", "", true];
    return at + 1;
  }

  /** Not a sequence after all: what was read of it, but the ESC, is text; `at` is read again as text. */
  private given(at: number, giveUp: (text: string) => void): number {
    const text = this.seq.slice(1);
    [this.state, this.seq, this.changed] = ["text", "", true];
    giveUp(text);
    return at;
  }

  /** A finished CSI: erase in line and cursor to column act on the line; the rest only goes. */
  private csi(final: string, params: string): void {
    if ((final !== "K" && final !== "G") || !/^\d*$/.test(params)) return;
    const n = Number(params);
    if (final === "G") this.col = pairSafeEnd(this.line, Math.min(Math.max(n, 1) - 1, this.line.length));
    else if (n === 0) this.line = this.line.slice(0, this.col);
    else if (n === 2) [this.line, this.col] = ["", 0];
  }
}
