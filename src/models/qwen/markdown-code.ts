/**
 * Follows the answer's Markdown, as it is emitted, to tell whether what comes next is code: a
 * bare `<function=…>` call there is an example the model shows, not a call to run.
 *
 * Fenced code: a line that starts (after any indentation, block quote's `>` or, outside a
 * block, list item's marker: `- ```xml`) with three or more backticks or tildes opens one —
 * backticks with no backtick after them on the line — and a line of at least as many of the
 * same character, with nothing but whitespace after them, closes it.
 *
 * Indented code (CommonMark's rule): a line indented by 4 or more columns (a tab reaches the
 * next multiple of 4) after a blank line or after another such line; in a list, 4 more than
 * the item's content, since less only continues the item; never in a block quote or a fence.
 * A line right after a paragraph's line continues the paragraph. Blank lines count only after
 * some text: a call the model starts its answer with, indented, is still a call. A list runs
 * from a line starting with an item's marker (`-`, `*`, `+`, `1.`, `1)` and a space) to a line
 * after a blank one that is no item and is indented less than the item's content.
 */
export class MarkdownCode {
  private open: { char: string; length: number } | undefined;
  /** Where the line is: its indentation, a list item's marker, a run of fence characters from its start, or past them. */
  private at: "indent" | "marker" | "run" | "rest" = "indent";
  private run = { char: "", length: 0 };
  /** The line so far opens or closes a fence when it ends. */
  private toggles = false;
  /** The line's indentation in columns, counted until its first other character. */
  private column = 0;
  /** The line has had a character other than whitespace. */
  private started = false;
  /** The column of the line's first other character. */
  private firstColumn = 0;
  /** The marker being read (`at` is "marker"), and whether the line starts a list item. */
  private marker = "";
  private item = false;
  /** The line is a line of an indented code block. */
  private code = false;
  private seenText = false;
  /** The previous line was blank (after some text) / was indented code (blank lines between kept). */
  private afterBlank = false;
  private afterCode = false;
  /** In a list: the content column of its latest item. */
  private listContent: number | undefined;

  /** Whether text that comes now is code (a fence line not yet ended counts as ended). */
  get inside(): boolean {
    const toggles = this.at === "run" ? this.runToggles() : this.toggles;
    if (toggles ? this.open === undefined : this.open !== undefined) return true;
    return this.started ? this.code : this.startsCode();
  }

  /** Whether text that comes after `space` (whitespace not fed yet, which may never be) is code. */
  insideAfter(space: string): boolean {
    if (!space) return this.inside;
    const probe: MarkdownCode = Object.assign(Object.create(MarkdownCode.prototype) as MarkdownCode, this);
    probe.run = { ...this.run };
    probe.feed(space);
    return probe.inside;
  }

  feed(text: string): void {
    for (const ch of text) {
      if (ch === "\n") this.endLine();
      else if (this.at === "indent") this.indentChar(ch);
      else if (this.at === "marker") this.markerChar(ch);
      else if (this.at === "run" && ch === this.run.char) this.run.length++;
      else {
        if (this.at === "run") this.toggles = this.runToggles();
        this.at = "rest";
        // A closing fence has nothing after it; an opening backtick fence's info string no backtick.
        if (this.toggles && (this.open ? !/\s/.test(ch) : ch === "`" && this.run.char === "`")) this.toggles = false;
      }
    }
  }

  private indentChar(ch: string): void {
    if (ch === " " || ch === "\r") this.column += ch === " " ? 1 : 0;
    else if (ch === "\t") this.column += 4 - (this.column % 4);
    else if (!this.started && this.startsCode()) {
      this.started = this.code = true;
      this.at = "rest";
    } else {
      if (!this.started) this.firstColumn = this.column;
      this.started = true;
      if (ch === "`" || ch === "~") {
        this.run = { char: ch, length: 1 };
        this.at = "run";
      } else if (this.open === undefined && "-*+0123456789".includes(ch)) {
        this.marker = ch;
        this.at = "marker";
      } else if (ch !== ">") this.at = "rest";
    }
  }

  private markerChar(ch: string): void {
    if (ch === " " || ch === "\t") {
      if (!this.item && /^([-*+]|[0-9]{1,9}[.)])$/.test(this.marker)) {
        this.item = true;
        this.listContent = this.column + this.marker.length + 1;
      }
      this.at = "indent";
    } else if ("0123456789.)".includes(ch) && this.marker.length < 10) this.marker += ch;
    else this.at = "rest";
  }

  /** A character other than whitespace here would start a line of indented code. */
  private startsCode(): boolean {
    if (this.open !== undefined || this.started) return false;
    return this.column >= (this.listContent ?? 0) + 4 && (this.afterBlank || this.afterCode);
  }

  private runToggles(): boolean {
    if (this.run.length < 3) return false;
    return this.open === undefined || (this.run.char === this.open.char && this.run.length >= this.open.length);
  }

  private endLine(): void {
    if (this.at === "run" ? this.runToggles() : this.toggles) this.open = this.open ? undefined : { ...this.run };
    if (this.started) {
      if (this.listContent !== undefined && this.afterBlank && !this.item && !this.code && this.firstColumn < this.listContent) this.listContent = undefined;
      this.seenText = true;
      this.afterCode = this.code;
    }
    this.afterBlank = !this.started && this.seenText;
    this.at = "indent";
    this.toggles = false;
    this.column = this.firstColumn = 0;
    this.started = this.item = this.code = false;
  }
}
