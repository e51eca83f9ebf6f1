/**
 * Model output as markdown: `marked` turns it into HTML, raw HTML in the text is shown as
 * text (never parsed), and DOMPurify keeps only an allowlist of tags, attributes and URL
 * schemes before anything touches the page. Code blocks become highlighted blocks with
 * Copy / Insert at cursor / Apply to file.
 */
import createDOMPurify, { type DOMPurify } from "dompurify";
import { Marked, Tokenizer, type Token, type Tokens, type TokensList } from "marked";
import { visibleText } from "../protocol/visible-text.ts";
import { button, h } from "./dom.ts";
import { MAX_HIGHLIGHT_CHARS, OPEN_HIGHLIGHT_CHARS, highlightHtml, languageOf } from "./highlight.ts";
import { showLinkTargets } from "./link-targets.ts";
import { markedBounds } from "./marked-bounds.ts";
import type { Post } from "./host.ts";

const ALLOWED_TAGS = [
  "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "input",
  "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
];
const ALLOWED_ATTR = ["href", "title", "class", "align", "start", "type", "checked", "disabled"];
/** http(s), mailto, in-page anchors and scheme-less (workspace) paths; never javascript:, data: or vscode: links. */
const ALLOWED_URI = /^(?:https?:|mailto:|#|[^:]*$)/i;

let purifier: DOMPurify | undefined;

/** DOMPurify bound to the page's window (created on first use, so tests can supply a DOM). */
function purify(): DOMPurify {
  if (!purifier) {
    purifier = createDOMPurify(window as unknown as Parameters<typeof createDOMPurify>[0]);
    purifier.addHook("afterSanitizeAttributes", (node) => {
      // The webview shows no status bar: the hover is where the user sees where a link goes
      // (the link's text, or a title the model wrote, can name another place).
      const href = node.nodeName === "A" ? node.getAttribute("href") : null;
      if (href !== null) node.setAttribute("title", href);
      else if (node.nodeName === "A") node.removeAttribute("title");
      if (node.nodeName === "INPUT") {
        if (node.getAttribute("type") !== "checkbox") node.remove();
        else node.setAttribute("disabled", "");
      }
    });
  }
  return purifier;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  tokenizer: {
    // Raw HTML is text here (see html below), so a tag opens nothing. marked's own tag rule marks
    // the text after a raw <pre>, <code>, <kbd> or <script> as HTML to pass through (`<code> a <b c`
    // made a bold element and lost `c`; a reply streamed up to `<kbd>Ctrl</` blanked its paragraph),
    // and links no address after a raw `<a …>`, in every later block too (so streamed-markdown.ts,
    // which lexes the text after finished blocks on its own, linked what rendering it whole did not).
    tag(src) {
      const { inLink, inRawBlock } = this.lexer.state;
      const token = Tokenizer.prototype.tag.call(this, src);
      Object.assign(this.lexer.state, { inLink, inRawBlock });
      return token && { ...token, inLink, inRawBlock };
    },
  },
  renderer: {
    // Raw HTML in model output is text the model wrote, not markup for the page.
    html(token: Tokens.HTML | Tokens.Tag): string {
      const text = escapeHtml(token.text);
      return "block" in token && token.block ? `<p>${text}</p>` : text;
    },
    // An image is a link to it, never loaded (a remote one would report whatever its URL
    // carries the moment it renders; the CSP blocks it too): its text shows where it stood.
    image({ href, text }: Tokens.Image): string {
      return `<a href="${escapeHtml(href)}">Image: ${escapeHtml(text || href)}</a>`;
    },
  },
}).use(markedBounds);

/**
 * Markdown as sanitized DOM nodes. Pure apart from the document it builds in. Markdown the
 * parser cannot take (marked recurses once per nesting level: about 1,000 levels of `> - `,
 * 4 KB, exhaust the stack) is shown as its text, so one message cannot stop the page.
 */
export function markdownFragment(markdown: string): DocumentFragment {
  const tokens = lexMarkdown(markdown);
  return tokens ? tokensFragment(tokens) ?? unparsed(markdown) : unparsed(markdown);
}

/** marked's tokens for `markdown` (top-level blocks, inline tokens inside), or undefined when it cannot take it. */
export function lexMarkdown(markdown: string): TokensList | undefined {
  try {
    return marked.lexer(markdown);
  } catch {
    return undefined;
  }
}

/** Tokens (as `lexMarkdown` gives them) rendered and sanitized, or undefined when marked cannot render them. */
export function tokensFragment(tokens: Token[]): DocumentFragment | undefined {
  let html: string;
  try {
    html = marked.parser(tokens);
  } catch {
    return undefined;
  }
  const fragment = purify().sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOWED_URI_REGEXP: ALLOWED_URI, RETURN_DOM_FRAGMENT: true });
  showLinkTargets(fragment);
  return fragment;
}

/** Markdown shown as its text. */
function unparsed(markdown: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(h("p", { class: "markdown-unparsed" }, markdown));
  return fragment;
}

/**
 * Renders `markdown` into `container` (replacing what was there): sanitized nodes, code
 * blocks with their buttons, workspace links opening the file in the editor. `streaming`: the
 * text so far of a reply still being written (a fence left open at its end is a block still
 * being written: see OPEN_HIGHLIGHT_CHARS).
 */
export function renderMarkdown(container: HTMLElement, markdown: string, post: Post, streaming = false): void {
  const tokens = lexMarkdown(markdown);
  const fragment = (tokens && tokensFragment(tokens)) ?? unparsed(markdown);
  container.replaceChildren(decorated(fragment, post, streaming && openFence(tokens?.at(-1)) !== undefined));
  container.classList.add("markdown");
}

/**
 * The fence of a fenced code block left open (the text ends inside it), or undefined: another
 * block, or a block whose closing fence was written. Only a fence at the start of its line.
 */
export function openFence(token: Token | undefined): string | undefined {
  if (token?.type !== "code") return undefined;
  const fence = /^(`{3,}|~{3,})/.exec(token.raw)?.[1];
  if (!fence) return undefined;
  // A line break after the closing fence is the block's too (marked adds a lone one to the block before it).
  const raw = token.raw.endsWith("\n") ? token.raw.slice(0, -1) : token.raw;
  const nl = raw.lastIndexOf("\n");
  return nl >= 0 && closesFence(fence, raw.slice(nl + 1)) ? undefined : fence;
}

/** Whether `line` closes a block opened with `fence` (marked's rule: up to 3 spaces, the fence or longer, spaces). */
export function closesFence(fence: string, line: string): boolean {
  let at = 0;
  while (at < 3 && line[at] === " ") at++;
  if (!line.startsWith(fence, at)) return false;
  at += fence.length;
  while (line[at] === fence[0]) at++;
  while (line[at] === " ") at++;
  return at === line.length;
}

/**
 * Sanitized markdown nodes made ready for the page: code blocks with their buttons, code that
 * shows what it hides, tables that scroll. `openLast`: the fragment's last block is a code
 * block still being written.
 */
export function decorated(fragment: DocumentFragment, post: Post, openLast = false): DocumentFragment {
  const last = fragment.lastElementChild;
  for (const pre of [...fragment.querySelectorAll("pre")]) {
    const code = pre.querySelector("code");
    const language = /(?:^|\s)language-(\S+)/.exec(code?.className ?? "")?.[1];
    pre.replaceWith(new CodeBlock((code ?? pre).textContent?.replace(/\n$/, "") ?? "", language, post, openLast && pre === last).element);
  }
  for (const code of fragment.querySelectorAll("code")) showHidden(code);
  for (const table of [...fragment.querySelectorAll("table")]) table.replaceWith(h("div", { class: "table-scroll" }, table.cloneNode(true)));
  return fragment;
}

const codeBlocks = new WeakMap<Node, CodeBlock>();

/** Ends a text whose last character may show otherwise with what follows: a pair's first half, a selector, joiner, zero-width or format mark, a Hangul filler. */
const CONTEXT_AFTER = /[\ud800-\udbff\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]$/;
/** Starts a text whose first character may show otherwise with what comes before it: a pair's second half, a supplementary selector or tag, or the marks above. */
const CONTEXT_BEFORE = /^[\udc00-\udfff\udb40\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]/;
/** How long a streamed block's last piece may be to be written out again with the next one (a run of selectors streamed one a piece stays linear). */
const MAX_REWRITTEN = 4_096;

/** The code block shown by `node` (a `decorated` fragment's node), to grow it in place. */
export function codeBlockOf(node: Node | undefined): CodeBlock | undefined {
  return node && codeBlocks.get(node);
}

/**
 * A fenced code block: highlighted, with Copy / Insert at cursor / Apply to file. The last
 * block of a streaming reply grows in place (`grow`).
 */
export class CodeBlock {
  readonly element: HTMLElement;
  private readonly code: HTMLElement;
  private readonly label: HTMLElement;
  private readonly region: HTMLElement;
  private readonly named: { readonly button: HTMLButtonElement; readonly action: string }[];
  private text = "";
  private highlighted = false;
  /** The text node `grow` appended last and what it was given: a character split between two pieces is written out whole. */
  private last: { readonly node: Text; raw: string } | undefined;

  constructor(
    text: string,
    private readonly language: string | undefined,
    post: Post,
    open = false,
  ) {
    this.code = h("code", { class: `hljs${language ? ` language-${language}` : ""}` });
    const feedback = h("span", { class: "code-feedback", role: "status" });
    const act = (action: "copy" | "insert" | "apply", done: string) => () => {
      post({ type: "code", action, code: this.text, ...(language ? { language } : {}) });
      feedback.textContent = done;
      setTimeout(() => feedback.textContent === done && (feedback.textContent = ""), 1500);
    };
    // Named by the block (a reply with three blocks would otherwise read "Copy, Copy, Copy"); the tooltip stays the action.
    const named = (action: string, icon: "copy" | "insert" | "apply", onClick: () => void) => ({ action, button: button(action, onClick, { kind: "icon", icon, attrs: { title: action } }) });
    this.named = [named("Copy", "copy", act("copy", "Copied")), named("Insert at cursor", "insert", act("insert", "Inserted")), named("Apply to file", "apply", act("apply", "Applying…"))];
    this.label = h("span", { class: "code-lang" }, language ?? "text");
    // Focusable to scroll it with the arrow keys: a region with the block's name, or a screen reader says nothing of it.
    this.region = h("pre", { tabindex: 0, role: "region" }, this.code);
    this.element = h(
      "div",
      { class: "code-block", "data-language": language ?? "" },
      h("div", { class: "code-toolbar" }, this.label, feedback, h("span", { class: "code-actions" }, ...this.named.map((n) => n.button))),
      this.region,
    );
    codeBlocks.set(this.element, this);
    this.show(text, open);
  }

  /** Shows `text` whole: highlighted unless too long (or, `open`, a block still being written past OPEN_HIGHLIGHT_CHARS). */
  show(text: string, open: boolean): void {
    const highlighted = highlightHtml(text, this.language, open ? OPEN_HIGHLIGHT_CHARS : MAX_HIGHLIGHT_CHARS);
    if (highlighted === undefined) this.code.textContent = text;
    else this.code.replaceChildren(purify().sanitize(highlighted, { ALLOWED_TAGS: ["span"], ALLOWED_ATTR: ["class"], RETURN_DOM_FRAGMENT: true }));
    // Shown as written (⟨U+202E⟩), not obeyed; Copy / Insert / Apply still take the code as it is.
    showHidden(this.code);
    this.highlighted = highlighted !== undefined;
    const node = this.code.firstChild;
    this.last = !this.highlighted && node?.nodeType === Node.TEXT_NODE ? { node: node as Text, raw: text } : undefined;
    this.text = text;
    this.describe(open);
  }

  /**
   * A block still being written, with `added` written on (as the page's HTML parser reads
   * it: no NUL). Past the length it is highlighted at, only what was added is put on the page.
   */
  grow(added: string): void {
    if (added === "") return;
    const text = this.text + added;
    if (this.highlighted || (languageOf(this.language) && text.length <= OPEN_HIGHLIGHT_CHARS)) return this.show(text, true);
    // A character split between two pieces (a tag character's two UTF-16 units), or one shown by
    // what stands beside it (❤ and its U+FE0F, an emoji's joiner, a zero-width space in a
    // name, a run of selectors and its count) across the pieces' edge, is written out with the
    // piece before it, as rendering the text at once writes it — up to MAX_REWRITTEN characters.
    if (this.last && this.last.raw.length <= MAX_REWRITTEN && (CONTEXT_AFTER.test(this.last.raw) || CONTEXT_BEFORE.test(added))) {
      this.last.raw += added;
      this.last.node.data = visibleText(this.last.raw);
    } else {
      const node = document.createTextNode(visibleText(added));
      this.code.append(node);
      this.last = { node, raw: added };
    }
    this.text = text;
    this.describe(true);
  }

  /** The names that tell this block from the others, and the label's hover. */
  private describe(open: boolean): void {
    const name = blockName(this.text, this.language);
    if (this.region.getAttribute("aria-label") !== `Code: ${name}`) {
      this.region.setAttribute("aria-label", `Code: ${name}`);
      for (const { button, action } of this.named) button.setAttribute("aria-label", `${action}: ${name}`);
    }
    const title = codeLabel(this.text, this.language, open);
    if (this.label.title !== title) this.label.title = title;
  }
}

/**
 * A block as a screen reader tells it from the others: its language and first line ("python
 * code, def add(a, b):"), cut at 40 characters. Reads the first line's first characters only
 * (a block can be one line of megabytes, named again at each frame while it streams).
 */
function blockName(code: string, language: string | undefined): string {
  const start = code.search(/\S/);
  let line = "";
  if (start >= 0) {
    const head = code.slice(start, start + 64);
    const nl = head.indexOf("\n");
    line = (nl >= 0 ? head.slice(0, nl) : head).trimEnd();
    // A line longer than the head read is cut anyway, unless its end is mostly spaces.
    if (nl < 0 && line.length <= 40 && start + 64 < code.length) line = code.slice(start, code.indexOf("\n", start) >>> 0).trim();
  }
  const first = visibleText(line, true);
  const cut = first.length > 40 ? `${first.slice(0, 39)}…` : first;
  return `${language ?? "text"} code${cut ? `, ${cut}` : ""}`;
}

/**
 * The language label's hover: the whole name (the label is cut to fit), and why a block is
 * not highlighted: too long, or (`open`) still being written past OPEN_HIGHLIGHT_CHARS.
 */
function codeLabel(code: string, language: string | undefined, open: boolean): string {
  const name = language ?? "text";
  if (!languageOf(language)) return name;
  if (code.length > MAX_HIGHLIGHT_CHARS) return `${name}: too long to highlight (${code.length.toLocaleString("en-US")} characters; the limit is ${MAX_HIGHLIGHT_CHARS.toLocaleString("en-US")})`;
  if (open && code.length > OPEN_HIGHLIGHT_CHARS) return `${name}: highlighted once the block is complete`;
  return name;
}

/**
 * Code reads as what it does: a bidi override or zero-width character in it (Trojan Source)
 * is written out in every text node under `root`. Prose is left alone (right-to-left
 * languages use marks such as U+200F as text).
 */
function showHidden(node: Node): void {
  if (node.nodeType !== Node.TEXT_NODE) return node.childNodes.forEach(showHidden);
  const shown = visibleText(node.nodeValue ?? "");
  if (shown !== node.nodeValue) node.nodeValue = shown;
}

/** Workspace paths in links open in the editor ("src/a.ts#L12" → line 12); web links are left to VS Code. */
export function onMarkdownClick(event: MouseEvent, post: Post): void {
  const link = (event.target as Element | null)?.closest?.("a[href]");
  const href = link?.getAttribute("href");
  if (!href || /^(?:https?:|mailto:)/i.test(href) || href.startsWith("#")) return;
  event.preventDefault();
  const [path, anchor] = href.split("#");
  const line = /^L(\d+)/.exec(anchor ?? "")?.[1];
  post({ type: "openFile", path: decodePath(path!), ...(line ? { line: Number(line) } : {}) });
}

/** `my%20notes.md` → `my notes.md`; a `%` that starts no escape (`100%.md`, which marked leaves as it is) stays. */
function decodePath(path: string): string {
  return path.replace(/(?:%[0-9a-f]{2})+/gi, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });
}
