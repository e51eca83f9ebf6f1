/**
 * The last block of a streaming reply, grown in place. `StreamedMarkdown` keeps the blocks
 * before the last one, but the last block is parsed and rendered whole at each frame: a model
 * writing a 10,000-row table or a file-long code block made each frame cost the whole block,
 * quadratic over the reply, and the page froze. A table or a fenced code block still being
 * written grows instead: each frame reads only the lines that arrived, and the page keeps what
 * it shows of the rest. When a line may end the block (a blank line, a closing fence, a line
 * that starts another block) the block is rendered from its tokens again, as any last block.
 * What the page shows is what rendering the whole text at once shows, at every frame.
 */
import type { Token, Tokens } from "marked";
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
    const delimiterEnd = source.indexOf("\n", source.indexOf("\n", start) + 1);
    if (!tbody || delimiterEnd < 0) return undefined;
    return new GrowingTable(source.slice(start, delimiterEnd + 1), delimiterEnd + 1, tbody, post);
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
