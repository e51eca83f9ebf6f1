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

/** Longest CSI parameter run, and longest OSC/DCS string, before the sequence is taken for text. */
const MAX_CSI = 256;
const MAX_STRING = 4096;
/** Characters of the current line held back for a redraw; a longer line is passed on. */
const MAX_LINE = 8192;

const ESC = "\x1b";
const BEL = "\x07";
/** What needs more than passing the text on: ESC, CR and backspace. */
const SPECIAL = /[\x1b\r\b]/g;
/** What ends a run of lines of text that end in CR. */
const STOP = /[\x1b\b\n]/g;
/**
 * Every whole CSI but erase in line (K) and cursor to column (G), which act on the line.
 * Bounded, and its classes do not overlap: no backtracking, each ESC looked at once.
 */
const INERT_CSI = /\x1b\[[0-?]{0,256}[ -/]{0,16}[@-FH-JL-~]/g;

type State = "text" | "escape" | "intermediate" | "csi" | "string" | "string-escape";

const isHigh = (unit: number | undefined): boolean => unit !== undefined && unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number | undefined): boolean => unit !== undefined && unit >= 0xdc00 && unit <= 0xdfff;

/**
 * The line a redraw may still write over, as UTF-16 code units in place: a redraw of one
 * character over a long line changes one unit, where rebuilding a string copied the whole
 * line (an 8,000-character line and a million one-character redraws after it took seconds).
 */
class LineBuffer {
  private units = new Uint16Array(256);
  length = 0;

  /** Writes `text` from `at` (at most `length`), over what is there and past its end. */
  write(at: number, text: string): void {
    const end = at + text.length;
    // Half an emoji left by a shorter redraw goes with its other half (never a lone surrogate).
    const orphan = end < this.length && isLow(this.units[end]) && isHigh(this.units[end - 1]);
    if (end > this.units.length) {
      const grown = new Uint16Array(Math.max(end, this.units.length * 2));
      grown.set(this.units.subarray(0, this.length));
      this.units = grown;
    }
    for (let i = 0; i < text.length; i++) this.units[at + i] = text.charCodeAt(i);
    this.length = Math.max(this.length, end);
    if (orphan) this.cut(end, 1);
  }

  /** Removes `count` units from `at`. */
  private cut(at: number, count: number): void {
    this.units.copyWithin(at, at + count, this.length);
    this.length -= count;
  }

  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  /** `at`, or one before it where it would split a surrogate pair. */
  pairSafe(at: number): number {
    return at > 0 && at < this.length && isLow(this.units[at]) && isHigh(this.units[at - 1]) ? at - 1 : at;
  }

  /** Whether the unit before `at` is the second half of a pair (a backspace there takes two). */
  pairBefore(at: number): boolean {
    return at > 1 && isLow(this.units[at - 1]) && isHigh(this.units[at - 2]);
  }

  /** The line as text (its first `length` units), emptied. */
  take(length = this.length): string {
    const text = this.text(Math.min(length, this.length));
    this.length = 0;
    return text;
  }

  /** The first `length` units as text. */
  text(length = this.length): string {
    let text = "";
    for (let at = 0; at < length; at += 8192) text += String.fromCharCode(...this.units.subarray(at, Math.min(at + 8192, length)));
    return text;
  }
}

export class TerminalText {
  private state: State = "text";
  /** The sequence being read (ESC included), shown as text if it is given up. */
  private seq = "";
  /** The current line, not yet passed on, and the cursor in it. */
  private readonly line = new LineBuffer();
  private col = 0;
  /** A CR ended the last chunk: CR LF is a line end kept as it is, anything else a redraw. */
  private pendingCr = false;
  /** Part of the current line was passed on: a redraw of it starts a line of its own. */
  private broken = false;
  /** How the current line's lone CRs read (see `carriageReturn`). */
  private readonly frames = new Frames();
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
      const lines = this.passTextLines(chunk, at);
      if (lines > at) (out += chunk.slice(at, lines), (at = lines));
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
   * A CR that is not followed by LF: a redraw (the cursor goes back to the line's start), or
   * the end of a line of text whose lines end so (a classic-Mac file, an Excel for Mac CSV).
   * A program redrawing a line covers what it redraws — as long or longer, padded, or erased
   * first —, else a terminal would show the old line's end; lines of text get shorter
   * soon. So the line's states are held (up to MAX_LINE characters) until one does not
   * cover the one before: then every CR of the line ends a line, kept as it is. A line that
   * ends with every state covered is a progress bar and shows its last state.
   */
  private carriageReturn(): string {
    const frames = this.frames;
    this.col = 0;
    if (frames.textLines) return `${this.line.take()}\r`;
    if (this.broken) return ((this.changed = true), this.endLine("\n"));
    if (frames.empty()) return "";
    if (frames.earlier !== undefined && !frames.covers()) return `${this.asTextLines()}\r`;
    frames.hold(this.line);
    if (frames.chars > MAX_LINE) (frames.redraws(), (this.changed = true));
    return "";
  }

  /**
   * Where whole lines of text that end in CR stop, from `at` (`at` when there are none):
   * passed on as they are, a CR at a time through the line would cost ten times as much.
   * Not a CR before LF (CR LF ends the line), nor one that ends the read (LF may follow).
   */
  private passTextLines(chunk: string, at: number): number {
    if (!this.frames.textLines || this.line.length > 0 || this.broken) return at;
    STOP.lastIndex = at;
    const stop = STOP.exec(chunk)?.index ?? chunk.length;
    let end = stop > at ? chunk.lastIndexOf("\r", stop - 1) : -1;
    if (end === stop - 1 && end >= at) end = end > at ? chunk.lastIndexOf("\r", end - 1) : -1;
    return end >= at ? end + 1 : at;
  }

  /** The line's states so far were lines of text ending in CR: shown as such, and its next CRs too. */
  private asTextLines(): string {
    const text = (this.frames.earlier ?? []).map((state) => `${state}\r`).join("") + this.line.take(this.frames.reach);
    this.frames.textLines = true;
    this.frames.earlier = undefined;
    return text;
  }

  /** The current line at its end: its last state, or its lines of text. */
  private lastState(): string {
    const frames = this.frames;
    let line: string;
    if (frames.earlier !== undefined && !frames.empty() && !frames.covers()) line = this.asTextLines();
    else {
      this.changed ||= frames.earlier !== undefined;
      line = this.line.take();
    }
    this.frames.reset();
    return line;
  }

  /** The rest, at the end of the output: the last line as it stands, a cut-off sequence as text. */
  end(): string {
    const held = this.state === "text" ? "" : this.seq.slice(1);
    this.state = "text";
    // A CR that ends the output redraws nothing: the line, and those before it, are text that ends so.
    const cr = !this.pendingCr ? "" : this.frames.undecided() && !this.broken ? `${this.asTextLines()}\r` : this.carriageReturn();
    // Only a held sequence is written: writing "" would take the line as written to its end,
    // and a shorter last state as covering the one before ('Bob,25' over 'Alice,30,Paris').
    const rest = (held === "" ? "" : this.text(held)) + cr + this.lastState();
    [this.col, this.pendingCr] = [0, false];
    return rest;
  }

  /** Plain text written at the cursor: appended, or over the line after a redraw. */
  private text(text: string): string {
    let out = "";
    while (this.col < this.line.length && text !== "") {
      const nl = text.indexOf("\n");
      const part = nl < 0 ? text : text.slice(0, nl);
      this.line.write(this.col, part);
      this.col += part.length;
      this.frames.wrote(this.col);
      if (nl < 0) return out + this.passLong();
      out += this.endLine("\n");
      text = text.slice(nl + 1);
    }
    const last = text.lastIndexOf("\n");
    if (last >= 0) {
      this.frames.wrote(this.line.length + text.indexOf("\n"));
      out += this.lastState() + text.slice(0, last + 1);
      text = text.slice(last + 1);
      this.broken = false;
    }
    // A line too long to hold goes on at once, not through the buffer.
    if (this.line.length + text.length > MAX_LINE) {
      this.frames.wrote(this.line.length + text.length);
      const line = this.lastState() + text;
      this.col = 0;
      this.broken = true;
      return out + line;
    }
    this.line.write(this.line.length, text);
    this.col = this.line.length;
    this.frames.wrote(this.col);
    return out + this.passLong();
  }

  /**
   * A line over MAX_LINE is passed on, and a redraw of it shows as a line of its own: held,
   * every short redraw of it would copy it whole (a quadratic cost), however it grew.
   */
  private passLong(): string {
    if (this.line.length <= MAX_LINE) return "";
    this.broken = true;
    this.col = 0;
    return this.lastState();
  }

  private endLine(ending: string): string {
    const line = this.lastState() + ending;
    [this.col, this.broken] = [0, false];
    return line;
  }

  private backspace(): void {
    if (this.col === 0) return;
    this.col -= this.line.pairBefore(this.col) ? 2 : 1;
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
    if (final === "G") this.col = this.line.pairSafe(Math.min(Math.max(n, 1) - 1, this.line.length));
    else if (n === 0) (this.line.truncate(this.col), (this.frames.erased = true));
    else if (n === 2) (this.line.take(), (this.col = 0), (this.frames.erased = true));
  }
}

/**
 * The states of a line redrawn with lone CRs, held while it is not known whether they are
 * a progress bar's (each covers the one before) or lines of text that end in CR.
 */
class Frames {
  /** The line's earlier states; undefined before its first lone CR, or once decided. */
  earlier: string[] | undefined;
  chars = 0;
  /** The length of the state before this one. */
  private before = 0;
  /** The furthest column written since the last CR, and whether the line was erased since. */
  reach = 0;
  erased = false;
  /** Its CRs end lines of text. */
  textLines = false;
  /** Known to be redraws: nothing more is held. */
  private redrawn = false;

  wrote(col: number): void {
    this.reach = Math.max(this.reach, col);
  }

  /** Not yet known whether the line's CRs redraw it or end lines. */
  undecided(): boolean {
    return !this.textLines && !this.redrawn;
  }

  /** Nothing was written since the last CR (\r\r, a CR before the first character). */
  empty(): boolean {
    return this.reach === 0 && !this.erased;
  }

  /** Whether the state since the last CR covers the one before, as a redraw does. */
  covers(): boolean {
    return this.redrawn || this.erased || this.reach >= this.before;
  }

  /**
   * The line's state at a CR; the next one is measured against its length. Its CR counts
   * too: states erased empty (ESC [2K, then CR, for ever) add no characters but are held.
   */
  hold(line: LineBuffer): void {
    if (!this.redrawn) (this.earlier ??= []).push(line.text());
    this.chars += line.length + 1;
    [this.before, this.reach, this.erased] = [line.length, 0, false];
  }

  /** More redraws than a line of text would be: a progress bar, whose states are not kept. */
  redraws(): void {
    [this.earlier, this.redrawn] = [[], true];
  }

  reset(): void {
    [this.earlier, this.chars, this.before, this.reach, this.erased, this.textLines, this.redrawn] = [undefined, 0, 0, 0, false, false, false];
  }
}

/**
 * A message a person gives (a paste into the chat's box, a prompt piped into `hearth chat`)
 * as a terminal shows it, when it holds a terminal's control codes (ESC, a backspace, a lone
 * CR; NUL, which a terminal ignores, is left out); undefined when it holds none.
 */
export function terminalShown(text: string): string | undefined {
  if (!/[\x1b\b\0]|\r(?!\n)/.test(text)) return undefined;
  const terminal = new TerminalText();
  return (terminal.write(text) + terminal.end()).replace(/\0/g, "");
}
