/**
 * The first failures' details of a test run, kept while its output streams by: a runner
 * that prints every failure's details in one list and then a one-line summary of each
 * (pytest: "==== FAILURES ====", a "____ test_x ____" section per failure, then "FAILED
 * test_x - …" lines) gets its details cut from the middle of long output — with `-v`, or a
 * suite of tens of thousands of tests, the head holds only the progress lines and the tail
 * only the one-liners, while the assertion and the last frames are what the model needs.
 * runShell shows the first few sections that fell in the cut middle (see OutputCollector).
 */
import { pairSafeStart } from "./text-file.ts";

/** How a runner lays out its list of failures. */
export interface SectionRule {
  /** Text the line opening the list holds, looked for with indexOf (cheap in gigabytes of output). */
  readonly listWords: readonly string[];
  opensList(line: string): boolean;
  opensSection(line: string): boolean;
  endsList(line: string): boolean;
}

/** One failure's details: where it was in the output, its header, and its last lines. */
export interface Section {
  readonly start: number;
  end: number;
  readonly header: string;
  body: string;
  /** Characters of the body's start left out (the end has the assertion and the last frames). */
  cut: number;
}

/** Sections kept, and characters of each one's body. */
const MAX_SECTIONS = 3;
const MAX_BODY = 1500;
/** A line longer than this is no list opener or section header. */
const MAX_MARK_LINE = 400;

/**
 * Reads the output as it comes (pieces that split lines anywhere) and keeps the first
 * MAX_SECTIONS sections of the list, with their positions in the output. Until the list
 * opens, only indexOf runs on each piece; after the last section kept, nothing.
 */
export class FirstSections {
  readonly found: Section[] = [];
  private state: "seeking" | "list" | "done" = "seeking";
  /** Output read so far, in characters. */
  private pos = 0;
  /** The current line's text so far (its end, past MAX_MARK_LINE when `long`), and where it started. */
  private partial = "";
  private partialStart = 0;
  private long = false;
  private current: Section | undefined;

  constructor(private readonly rule: SectionRule) {}

  push(text: string): void {
    if (this.state === "done") return;
    let from = 0;
    while (from < text.length && !this.finished()) {
      if (this.state === "seeking" && !this.long) {
        const jump = this.nextCandidate(text, from);
        if (jump < 0) return this.rest(text, from);
        from = jump;
      }
      const nl = text.indexOf("\n", from);
      if (nl < 0) return this.rest(text, from);
      this.addToLine(text.slice(from, nl));
      this.endLine(this.pos + nl + 1);
      from = nl + 1;
    }
    this.pos += text.length;
  }

  /** Whether the sections kept are all read (a method: the state changes under the loop that asks). */
  private finished(): boolean {
    return this.state === "done";
  }

  /** Closes the section still open at the end of the output. */
  end(): void {
    if (this.partial !== "" && this.state === "list") this.line(this.partial, this.partialStart, this.long);
    this.close(this.pos);
    this.state = "done";
  }

  /**
   * Where the line holding the next list word starts in `text` (or `from`, when the current
   * line holds one already), or -1; lines before it are skipped unread.
   */
  private nextCandidate(text: string, from: number): number {
    const held = this.partial + text.slice(from, from + MAX_MARK_LINE);
    if (this.partial !== "" && this.rule.listWords.some((w) => held.slice(0, held.indexOf("\n") + 1 || undefined).includes(w))) return from;
    let hit = -1;
    for (const word of this.rule.listWords) {
      const at = text.indexOf(word, from);
      if (at >= 0 && (hit < 0 || at < hit)) hit = at;
    }
    if (hit < 0) return -1;
    const start = text.lastIndexOf("\n", hit) + 1;
    if (start > from) [this.partial, this.partialStart, this.long] = ["", this.pos + start, false];
    return Math.max(start, from);
  }

  /** The rest of a piece, past its last line end: part of the current line. */
  private rest(text: string, from: number): void {
    const last = text.lastIndexOf("\n");
    if (last >= from) {
      // Only in "seeking": the lines before are skipped, the new line starts after the last \n.
      [this.partial, this.partialStart, this.long] = ["", this.pos + last + 1, false];
      from = last + 1;
    }
    this.addToLine(text.slice(from));
    this.pos += text.length;
  }

  private addToLine(text: string): void {
    this.partial += text;
    const max = this.state === "list" ? 2 * MAX_BODY : MAX_MARK_LINE;
    if (this.partial.length > max) [this.partial, this.long] = [this.partial.slice(-max), true];
  }

  private endLine(next: number): void {
    const [text, long, start] = [this.partial.replace(/\r$/, ""), this.long, this.partialStart];
    [this.partial, this.partialStart, this.long] = ["", next, false];
    if (this.state === "list") this.line(text, start, long);
    else if (!long && this.rule.opensList(text)) this.state = "list";
  }

  /** A whole line of the list; a `long` one (only its end in `text`) is part of a body, never a mark. */
  private line(text: string, start: number, long: boolean): void {
    if (!long && this.rule.endsList(text)) return void (this.close(start), (this.state = "done"));
    if (!long && this.rule.opensSection(text)) {
      this.close(start);
      if (this.found.length === MAX_SECTIONS) return void (this.state = "done");
      this.current = { start, end: start, header: text, body: "", cut: 0 };
      this.found.push(this.current);
      return;
    }
    if (!this.current) return;
    this.current.body += `${long ? "…" : ""}${text}\n`;
    if (this.current.body.length > 2 * MAX_BODY) [this.current.body, this.current.cut] = lastChars(this.current.body, this.current.cut);
  }

  private close(end: number): void {
    if (this.current) this.current.end = end;
    this.current = undefined;
  }
}

/** A section as shown: its header, what was left out of its start, its last lines. */
export function showSection(section: Section): string {
  const [body, cut] = section.body.length > MAX_BODY ? lastChars(section.body, section.cut) : [section.body, section.cut];
  return `${section.header}\n${cut > 0 ? `[… ${cut} characters of this failure omitted …]\n` : ""}${body}`;
}

/** The last MAX_BODY characters of `body`, from a line start where there is one, and the count left out. */
function lastChars(body: string, cut: number): [string, number] {
  const nl = body.indexOf("\n", body.length - MAX_BODY - 1);
  const from = nl >= 0 && nl < body.length - 1 ? nl + 1 : pairSafeStart(body, body.length - MAX_BODY);
  return [body.slice(from), cut + from];
}
