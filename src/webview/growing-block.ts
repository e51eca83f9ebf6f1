/**
 * The last block of a streaming reply, grown in place. `StreamedMarkdown` keeps the blocks
 * before the last one, but the last block is parsed and rendered whole at each frame: a model
 * writing a 10,000-row table, a file-long code block, a list of thousands of items or a long
 * paragraph made each frame cost the whole block, quadratic over the reply, and the page froze.
 * These grow instead: each frame reads only what may still change (the rows that arrived, the
 * text after the fence, the items from the one being written, the paragraph from its last
 * settled line or word), and the page keeps what it shows of the rest. When what arrived may
 * end the block (a blank line, a closing fence, a line that starts another block) or change
 * what is kept (a list turning loose), the block is rendered from its tokens again, as any last
 * block. What the page shows is what rendering the whole text at once shows, at every frame.
 */
import type { Token, Tokens, TokensList } from "marked";
import type { Post } from "./host.ts";
import { type CodeBlock, closesFence, codeBlockOf, decorated, lexMarkdown, openFence, tokensFragment } from "./markdown.ts";

export interface GrowingBlock {
  /**
   * Shows the block as it is in `source` (the text so far, the block at its end, what it held
   * at the last frame and more); false when it cannot tell the block from what arrived (the
   * block may have ended): the caller renders it from its tokens.
   */
  grow(source: string): boolean;
}

/**
 * A growing block for `token`, the last block of `source`, from `start`, shown by `nodes`;
 * undefined when it is neither a table with rows nor a fence left open.
 */
export function growingBlock(token: Token, start: number, source: string, nodes: readonly ChildNode[], post: Post): GrowingBlock | undefined {
  if (token.type === "table") {
    const tbody = nodes[0]?.firstChild?.nodeName === "TABLE" ? (nodes[0] as Element).querySelector("tbody") : null;
    const headerEnd = source.indexOf("\n", start);
    const delimiterEnd = source.indexOf("\n", headerEnd + 1);
    if (!tbody || headerEnd < 0 || delimiterEnd < 0) return undefined;
    // A row's cells depend on the header's count and the delimiter row only: the header is read
    // as that many empty cells, and not rendered (a header of 1,000 columns cost a frame 300 ms).
    const header = `${"| ".repeat((token as Tokens.Table).header.length)}|\n`;
    return new GrowingTable(header + source.slice(headerEnd + 1, delimiterEnd + 1), delimiterEnd + 1, tbody, post);
  }
  if (token.type === "list") {
    const list = nodes[0]?.nodeName === "UL" || nodes[0]?.nodeName === "OL" ? (nodes[0] as Element) : undefined;
    const bullet = /^( {0,3})([*+-]|\d{1,9}([.)]))/.exec(source.slice(start, start + 16));
    if (!list || !bullet) return undefined;
    // An item that stands for the ones kept, before the first item lexed (see GrowingList).
    const stand = `${bullet[1]}${bullet[3] ? `1${bullet[3]}` : bullet[2]} x\n`;
    return new GrowingList(stand, start, (token as Tokens.List).loose, list, post);
  }
  if (token.type === "paragraph") {
    const paragraph = nodes[0]?.nodeName === "P" ? (nodes[0] as Element) : undefined;
    return paragraph && new GrowingParagraph(start, paragraph, post);
  }
  const fence = openFence(token);
  const block = codeBlockOf(nodes[0]);
  const opener = token.raw.indexOf("\n");
  if (fence === undefined || !block || opener < 0) return undefined;
  return new GrowingCode(fence, start + opener + 1, source, block);
}

/**
 * A table: its rows are lines, each rendered on its own (a row's cells depend on the header
 * and the delimiter row only). Each frame renders the header with the lines that arrived, and
 * moves their rows into the table; the row still being written is rendered again at each frame.
 */
class GrowingTable implements GrowingBlock {
  /** The row still being written: its <tr> and line break, rendered again at each frame (none at first: every row is). */
  private current: ChildNode[] = [];
  private first = true;

  constructor(
    /** The header and delimiter lines. */
    private readonly head: string,
    /** Where the first line not yet moved into the table starts. */
    private next: number,
    private readonly tbody: Element,
    private readonly post: Post,
  ) {
  }

  grow(source: string): boolean {
    const rest = source.slice(this.next);
    const lines = rest.slice(0, rest.lastIndexOf("\n") + 1);
    const count = lines.split("\n").length - 1;
    const writing = rest.slice(lines.length).trim() !== "";
    const tokens = lexMarkdown(this.head + rest);
    const table = tokens?.length === 1 && tokens[0]!.type === "table" ? (tokens[0] as Tokens.Table) : undefined;
    // A line that is no row (blank, a heading, a quote…) ends the table: rendered from its tokens from here.
    if (!table || Object.keys(tokens!.links).length > 0 || table.rows.length !== count + (writing ? 1 : 0) || table.rows.length === 0) return false;
    table.header = [];
    const fragment = tokensFragment(tokens!);
    const rows = fragment && decorated(fragment, this.post).querySelector("tbody");
    if (!rows) return false;
    const nodes = [...rows.childNodes];
    // Each row is its <tr> and the line break after it.
    let cut = nodes.length;
    for (let i = 0, seen = 0; i < nodes.length; i++) if (nodes[i]!.nodeName === "TR" && seen++ === count) cut = i;
    if (this.first) {
      // The rows shown now are rendered again at the first frame, from the lines after the head.
      this.tbody.replaceChildren(...nodes);
      this.first = false;
    } else if (this.current.length === 2 && nodes.length >= 2) {
      // The row being written is updated in place (a DOM removes a node at a cost that can grow with its siblings).
      (this.current[0] as Element).replaceChildren(...nodes[0]!.childNodes);
      this.tbody.append(...nodes.slice(2));
      nodes.splice(0, 2, ...this.current);
    } else {
      for (const node of this.current) node.remove();
      this.tbody.append(...nodes);
    }
    this.current = nodes.slice(cut);
    this.next += lines.length;
    return true;
  }
}

/**
 * A list: an item is finished once the next one's first line is complete (nothing written
 * after can take it back), and an item's nodes depend on its own lines and on whether the list
 * is loose. Each frame lexes the items from the first unfinished one, after an item that
 * stands for the ones kept (the same bullet and indent; a blank line after it when the list is
 * loose, so these render loose too), and moves the finished ones' <li> in. A list turning
 * loose renders it from its tokens (every item gains a paragraph); so does anything that is no
 * item of this list.
 */
class GrowingList implements GrowingBlock {
  /** The items not finished: each <li> with the line break after it, rendered again at each frame. */
  private current: ChildNode[] = [];
  private first = true;

  constructor(
    /** The stand-in item, without the blank line a loose list adds. */
    private readonly stand: string,
    /** Where the first item not finished starts. */
    private next: number,
    private readonly loose: boolean,
    private readonly list: Element,
    private readonly post: Post,
  ) {
  }

  grow(source: string): boolean {
    const prefix = this.first ? "" : this.stand + (this.loose ? "\n" : "");
    const tokens = lexMarkdown(prefix + source.slice(this.next));
    const list = tokens?.[0]?.type === "list" ? (tokens[0] as Tokens.List) : undefined;
    // Anything after the list but blank lines, a link reference definition, a list turning loose: from its tokens.
    if (!list || tokens!.slice(1).some((t) => t.type !== "space") || hasLinks(tokens!) || list.loose !== this.loose) return false;
    const items = prefix ? list.items.slice(1) : list.items;
    if (items.length === 0 || (prefix && list.items[0]!.raw !== prefix)) return false;
    let finished = 0;
    let end = this.next;
    for (let i = 0, at = this.next; i < items.length - 1; i++) {
      at += items[i]!.raw.length;
      if (!source.includes("\n", at)) break;
      finished = i + 1;
      end = at;
    }
    const fragment = tokensFragment(tokens!);
    const rendered = fragment && decorated(fragment, this.post).firstElementChild;
    if (rendered?.nodeName !== this.list.nodeName) return false;
    // Each item is its <li> and the line break after it.
    const nodes: ChildNode[] = [];
    for (const li of rendered.children) if (li.nodeName === "LI") nodes.push(li, ...(li.nextSibling?.nodeType === Node.TEXT_NODE ? [li.nextSibling] : []));
    if (prefix) nodes.splice(0, nodes[1]?.nodeName === "LI" ? 1 : 2);
    if (nodes.filter((n) => n.nodeName === "LI").length !== items.length) return false;
    if (this.first) {
      this.list.replaceChildren(...(rendered.firstChild && rendered.firstChild.nodeName !== "LI" ? [rendered.firstChild] : []), ...nodes);
      this.first = false;
    } else {
      replaceTail(this.list, this.current, nodes);
    }
    let cut = 0;
    for (let seen = 0; cut < nodes.length; cut++) if (nodes[cut]!.nodeName === "LI" && seen++ === finished) break;
    this.current = nodes.slice(cut);
    this.next = end;
    return true;
  }
}

/**
 * A paragraph: its inline text is settled up to a point when nothing before that point can
 * still pair with what comes after (a backquote, a bracket, a `<`, an emphasis delimiter that
 * can open), and the point starts a line or a word. The first line of what follows is read as a
 * line of the paragraph (a stand-in line before it) and must be read the same there: a point
 * starts a complete line that cannot be a table's delimiter row (its header is the line before),
 * or a word, a letter after a space, in a line with no `|` before it (a table's header counts its
 * cells on the whole line). Each frame lexes the paragraph from the last such point and renders
 * what is settled once. A line that ends the paragraph (a blank one, a heading, a list, a table's
 * delimiter row, a setext underline) renders it from its tokens.
 */
class GrowingParagraph implements GrowingBlock {
  /** Where the text not settled starts. */
  private next: number;
  /** The nodes of the text not settled, rendered again at each frame. */
  private current: ChildNode[] = [];
  private first = true;

  constructor(
    private readonly start: number,
    private readonly paragraph: Element,
    private readonly post: Post,
  ) {
    this.next = start;
  }

  grow(source: string): boolean {
    const prefix = this.next === this.start ? "" : STAND_IN_LINE;
    const text = source.slice(this.next);
    const tokens = lexMarkdown(prefix + text);
    const paragraph = tokens?.length === 1 && tokens[0]!.type === "paragraph" ? (tokens[0] as Tokens.Paragraph) : undefined;
    if (!paragraph || hasLinks(tokens!)) return false;
    const inline = [...paragraph.tokens];
    if (prefix) {
      const lead = inline[0];
      if (lead?.type !== "text" || lead.raw !== lead.text || !lead.raw.startsWith(prefix)) return false;
      inline[0] = { ...lead, raw: lead.raw.slice(prefix.length), text: lead.raw.slice(prefix.length) } as Tokens.Text;
    }
    // The tokens' raw text is the paragraph's from here (marked keeps a line's leading spaces): their offsets are the source's.
    const cut = (prefix + text).startsWith(paragraph.text) ? settledUpTo(inline, text) : 0;
    const [settled, rest] = cut > 0 ? splitInline(inline, cut) : [[], inline];
    const keep = settled.length > 0 ? this.inlineNodes(settled) : [];
    const shown = this.inlineNodes(rest);
    if (!keep || !shown) return false;
    const nodes = [...keep, ...shown];
    if (this.first) {
      this.paragraph.replaceChildren(...nodes);
      this.first = false;
    } else {
      replaceTail(this.paragraph, this.current, nodes);
    }
    this.current = nodes.slice(keep.length);
    this.next += cut;
    return true;
  }

  /** The nodes of inline tokens, as a paragraph of them shows them; undefined when marked cannot render them. */
  private inlineNodes(tokens: Token[]): ChildNode[] | undefined {
    const fragment = tokensFragment([{ type: "paragraph", raw: "", text: "", tokens }]);
    const p = fragment && decorated(fragment, this.post).firstElementChild;
    return p?.nodeName === "P" ? [...p.childNodes] : undefined;
  }
}

/** A line before a paragraph's text not yet settled: what follows it is read as a line of the paragraph. */
const STAND_IN_LINE = "x\n";

/** Characters of text that can start an inline span closed further on. */
const OPENS_SPAN = new Set(["`", "[", "<"]);
const DELIMITERS = new Set(["*", "_", "~"]);
/** A line that can be a table's delimiter row. */
const DELIMITER_ROW = /^[|:\- \t]*$/;

/**
 * How much of a paragraph's `text` (its top-level inline tokens) is settled: the last point that
 * starts a word or a line with nothing before it that may still pair with what comes after (0
 * when none). The tokens' raw text is `text` but its last line breaks.
 */
function settledUpTo(tokens: readonly Token[], text: string): number {
  let best = 0;
  let pipe = false;
  let at = 0;
  for (const token of tokens) {
    if (token.type !== "text") {
      // A span (emphasis, code, a link…) is closed; a line break (`  \n`) starts a line.
      if (token.type === "br" && lineCanStart(text, at + token.raw.length)) best = at + token.raw.length;
      if (token.raw.includes("|")) pipe = true;
      at += token.raw.length;
      continue;
    }
    const raw = token.raw;
    if ((token as Tokens.Text).text !== raw) return best;
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (OPENS_SPAN.has(c)) return best;
      if (DELIMITERS.has(c)) {
        // A run of them followed by a space cannot open; an `_` after a letter or digit cannot either.
        let j = i;
        while (raw[j + 1] === c) j++;
        const after = raw[j + 1] ?? text[at + j + 1];
        const before = i > 0 ? raw[i - 1]! : text[at - 1] ?? "";
        if (!(after !== undefined && /\s/.test(after)) && !(c === "_" && /[\p{L}\p{N}]/u.test(before))) return best;
        i = j;
        continue;
      }
      if (c === "|") pipe = true;
      else if (c === "\n") {
        pipe = false;
        if (lineCanStart(text, at + i + 1)) best = at + i + 1;
      } else if (!pipe && i > 0 && raw[i - 1] === " " && /\p{L}/u.test(c)) best = at + i;
    }
    at += raw.length;
  }
  return best;
}

/** Whether the line that starts at `at` of `text` is complete and can be no table's delimiter row. */
function lineCanStart(text: string, at: number): boolean {
  const end = text.indexOf("\n", at);
  return end > at && !DELIMITER_ROW.test(text.slice(at, end));
}

/** Inline tokens split at `cut` characters of their raw text, which falls in or after a text token. */
function splitInline(tokens: readonly Token[], cut: number): [Token[], Token[]] {
  let at = 0;
  for (const [i, token] of tokens.entries()) {
    const end = at + token.raw.length;
    if (cut <= end && (cut === end || token.type === "text")) {
      if (cut === end) return [tokens.slice(0, i + 1), tokens.slice(i + 1)];
      const text = token as Tokens.Text;
      const k = cut - at;
      return [
        [...tokens.slice(0, i), { ...text, raw: text.raw.slice(0, k), text: text.text.slice(0, k) }],
        [{ ...text, raw: text.raw.slice(k), text: text.text.slice(k) }, ...tokens.slice(i + 1)],
      ];
    }
    at = end;
  }
  return [[...tokens], []];
}

/**
 * Shows `nodes` in `parent` in place of `current`, its last nodes. The first element is updated
 * in place where it can be (a DOM removes a node at a cost that can grow with its siblings).
 */
function replaceTail(parent: Element, current: readonly ChildNode[], nodes: ChildNode[]): void {
  let from = 0;
  const [old, fresh] = [current[0], nodes[0]];
  if (old && fresh && old.nodeName === fresh.nodeName) {
    if (old.nodeType === Node.TEXT_NODE) {
      (old as Text).data = (fresh as Text).data;
      from = 1;
    } else if (old.nodeType === Node.ELEMENT_NODE && (old as Element).attributes.length === 0 && (fresh as Element).attributes.length === 0) {
      (old as Element).replaceChildren(...fresh.childNodes);
      from = 1;
    }
    if (from === 1) nodes[0] = old;
  }
  for (const node of current.slice(from)) node.remove();
  parent.append(...nodes.slice(from));
}

function hasLinks(tokens: TokensList): boolean {
  return Object.keys(tokens.links).length > 0;
}

/**
 * A fenced code block left open: every line that arrives is code until one closes the fence
 * (then it is rendered from its tokens). Its text is what follows the fence's line, but a last
 * line break; the page's HTML parser drops NUL from it.
 */
class GrowingCode implements GrowingBlock {
  /** Where the first line not yet read for a closing fence starts, and how far the text was read for line breaks. */
  private lineStart: number;
  private read: number;
  /** Where the text shown ends in the source. */
  private shown: number;

  constructor(
    private readonly fence: string,
    private readonly contentStart: number,
    source: string,
    private readonly block: CodeBlock,
  ) {
    this.lineStart = source.lastIndexOf("\n") + 1;
    this.read = source.length;
    this.shown = textEnd(source, contentStart);
  }

  grow(source: string): boolean {
    for (let nl = source.indexOf("\n", Math.max(this.lineStart, this.read)); nl >= 0; nl = source.indexOf("\n", this.lineStart)) {
      if (closesFence(this.fence, source.slice(this.lineStart, nl))) return false;
      this.lineStart = nl + 1;
    }
    this.read = source.length;
    if (closesFence(this.fence, source.slice(this.lineStart))) return false;
    const end = textEnd(source, this.contentStart);
    this.block.grow(source.slice(this.shown, end).replace(/\0/g, ""));
    this.shown = end;
    return true;
  }
}

/** Where an open block's text ends: the end of the source, but a last line break. */
function textEnd(source: string, contentStart: number): number {
  return Math.max(contentStart, source.endsWith("\n") ? source.length - 1 : source.length);
}
