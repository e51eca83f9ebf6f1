/**
 * A reply rendered while it streams. Rendering the whole text again at each frame cost
 * O(n) a frame and O(n²) over the reply (a 200 KB reply in small deltas kept the page busy
 * re-parsing), and rebuilt every node (a user selecting text in an earlier paragraph lost
 * the selection at the next frame). Markdown's top-level blocks before the last one, read on
 * the complete lines, are finished: what is appended cannot change them (a fence, list or
 * table still open is the last block). Their nodes are kept; only the text after them is
 * parsed and rendered again, and of that, a block the last frame showed the same keeps its
 * nodes too.
 *
 * A link reference definition reaches back (`[x]: url` anywhere defines `[x]` in the blocks
 * before it too): a reply with one is rendered whole at each frame, as before. Text that no
 * longer starts with the finished blocks (a reply replaced, not extended) is rendered whole
 * once. When the reply is complete, the whole text is parsed once and compared with the
 * finished blocks, so the view ends as rendering it at once would.
 */
import type { Token, TokensList } from "marked";
import type { Post } from "./host.ts";
import { type GrowingBlock, growingBlock } from "./growing-block.ts";
import { decorated, lexMarkdown, openFence, renderMarkdown, tokensFragment } from "./markdown.ts";

/**
 * A top-level block on the page: marked's token for it (none for a whole render, or a block
 * grown since), the nodes that show it, and whether it was shown as a code block still being
 * written (the last block of a frame, its fence open).
 */
interface Block {
  readonly token?: Token;
  readonly nodes: readonly ChildNode[];
  readonly open?: boolean;
}

export class StreamedMarkdown {
  private text: string | undefined;
  private complete = false;
  /** The finished blocks' text, a prefix of the text, and their tokens. */
  private finished = "";
  private finishedTokens: Token[] = [];
  /** The blocks after the finished ones, as the last frame showed them. */
  private tail: Block[] = [];
  /** The text holds a link reference definition: every render is of the whole text. */
  private whole = false;
  /** The last block, when it grows in place (a table, a fence left open, a list, a paragraph): see growing-block.ts. */
  private growing: GrowingBlock | undefined;

  constructor(
    private readonly container: HTMLElement,
    private readonly post: Post,
  ) {
    container.classList.add("markdown");
  }

  /** Shows `text`; `complete` once the reply has ended. */
  render(text: string, complete: boolean): void {
    if (text === this.text && complete === this.complete) return;
    this.text = text;
    this.complete = complete;
    // marked reads \r\n and \r as \n; so do the finished blocks' offsets.
    const source = text.includes("\r") ? text.replace(/\r\n|\r/g, "\n") : text;
    if (this.whole || !source.startsWith(this.finished)) return this.renderWhole(text);
    if (complete) {
      this.growing = undefined;
      return this.renderComplete(text, source);
    }
    if (this.growing?.grow(source)) return;
    this.growing = undefined;
    // Blocks are told finished on the complete lines only: a line still being written can turn
    // out to belong to the block before it (`2) two`, `===`, `--` is a paragraph and a heading;
    // with `--- | -` written on, one paragraph).
    const rest = source.slice(this.finished.length);
    const lines = rest.slice(0, rest.lastIndexOf("\n") + 1);
    const tokens = lines ? lexMarkdown(lines) : [];
    if (!tokens || hasDefinitions(tokens)) return this.renderWhole(text, true);
    const done = tokens.slice(0, lastBlock(tokens));
    const raw = done.map((t) => t.raw).join("");
    const after = rest.startsWith(raw) ? lexMarkdown(rest.slice(raw.length)) : undefined;
    if (!after || hasDefinitions(after) || !this.show([...done, ...after], true)) return this.renderWhole(text, true);
    this.finished += raw;
    this.finishedTokens.push(...done);
    this.tail = this.tail.slice(done.length);
    // The last block alone after the finished ones (a list, with the blank lines after it): it grows from here.
    const alone = after.length === 1 || (after[0]?.type === "list" && after.slice(1).every((t) => t.type === "space"));
    if (alone && this.tail.length === after.length) {
      this.growing = growingBlock(after[0]!, this.finished.length, source, this.tail[0]!.nodes, this.post);
      if (this.growing) this.tail = [{ nodes: this.tail[0]!.nodes, open: this.tail[0]!.open }];
    }
  }

  /**
   * Shows `tokens` after the finished blocks. The blocks the last frame showed the same (a
   * paragraph that was the last one and is now finished) keep their nodes; false when marked
   * cannot render a block. `streaming`: a fence left open at the end is a block still being written.
   */
  private show(tokens: readonly Token[], streaming: boolean): boolean {
    const openAt = streaming && openFence(tokens.at(-1)) !== undefined ? tokens.length - 1 : -1;
    let kept = 0;
    while (kept < tokens.length && kept < this.tail.length && sameBlock(tokens[kept]!, this.tail[kept]!.token) && (this.tail[kept]!.open ?? false) === (kept === openAt)) kept++;
    const fresh: Block[] = [];
    for (const [i, token] of tokens.entries()) {
      if (i < kept) continue;
      const fragment = tokensFragment([token]);
      if (!fragment) return false;
      fresh.push({ token, nodes: [...decorated(fragment, this.post, i === openAt).childNodes], open: i === openAt });
    }
    for (const block of this.tail.slice(kept)) for (const node of block.nodes) node.remove();
    for (const block of fresh) this.container.append(...block.nodes);
    this.tail = [...this.tail.slice(0, kept), ...fresh];
    return true;
  }

  /** The reply has ended: the whole text parsed once; the finished blocks are kept when it parses them the same. */
  private renderComplete(text: string, source: string): void {
    if (this.finishedTokens.length === 0) return this.renderWhole(text);
    const tokens = lexMarkdown(source);
    const same = tokens !== undefined && !hasDefinitions(tokens) && this.finishedTokens.every((t, i) => sameBlock(t, tokens[i]));
    if (!same || !this.show(tokens.slice(this.finishedTokens.length), false)) this.renderWhole(text);
  }

  private renderWhole(text: string, always = false): void {
    this.growing = undefined;
    renderMarkdown(this.container, text, this.post, !this.complete);
    this.tail = [{ nodes: [...this.container.childNodes] }];
    this.finished = "";
    this.finishedTokens = [];
    this.whole ||= always;
  }
}

/** The index of the last block that is not blank lines (0 when none): it can still change. */
function lastBlock(tokens: readonly Token[]): number {
  let last = tokens.length - 1;
  while (last > 0 && tokens[last]!.type === "space") last--;
  return Math.max(last, 0);
}

/**
 * The same block, as far as rendering goes: its type and text. The text is marked's too, not
 * only the raw: a paragraph that took an indented line as a separate code token and merged
 * it has that line's indent stripped, one that read it as its own line keeps it.
 */
function sameBlock(a: Token | undefined, b: Token | undefined): boolean {
  return a !== undefined && b !== undefined && a.type === b.type && a.raw === b.raw && ("text" in a ? a.text : undefined) === ("text" in b ? b.text : undefined);
}

/** A link reference definition defines its label for the blocks before it too. */
function hasDefinitions(tokens: TokensList | Token[]): boolean {
  return "links" in tokens && Object.keys(tokens.links).length > 0;
}
