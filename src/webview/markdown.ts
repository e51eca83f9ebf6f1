/**
 * Model output as markdown: `marked` turns it into HTML, raw HTML in the text is shown as
 * text (never parsed), and DOMPurify keeps only an allowlist of tags, attributes and URL
 * schemes before anything touches the page. Code blocks become highlighted blocks with
 * Copy / Insert at cursor / Apply to file.
 */
import createDOMPurify, { type DOMPurify } from "dompurify";
import { Marked, type Token, type Tokens, type TokensList } from "marked";
import { visibleText } from "../protocol/visible-text.ts";
import { button, h } from "./dom.ts";
import { MAX_HIGHLIGHT_CHARS, highlightHtml, languageOf } from "./highlight.ts";
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
  return purify().sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOWED_URI_REGEXP: ALLOWED_URI, RETURN_DOM_FRAGMENT: true });
}

/** Markdown shown as its text. */
function unparsed(markdown: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(h("p", { class: "markdown-unparsed" }, markdown));
  return fragment;
}

/**
 * Renders `markdown` into `container` (replacing what was there): sanitized nodes, code
 * blocks with their buttons, workspace links opening the file in the editor.
 */
export function renderMarkdown(container: HTMLElement, markdown: string, post: Post): void {
  container.replaceChildren(decorated(markdownFragment(markdown), post));
  container.classList.add("markdown");
}

/** Sanitized markdown nodes made ready for the page: code blocks with their buttons, code that shows what it hides, tables that scroll. */
export function decorated(fragment: DocumentFragment, post: Post): DocumentFragment {
  for (const pre of [...fragment.querySelectorAll("pre")]) {
    const code = pre.querySelector("code");
    const language = /(?:^|\s)language-(\S+)/.exec(code?.className ?? "")?.[1];
    pre.replaceWith(codeBlock((code ?? pre).textContent ?? "", language, post));
  }
  for (const code of fragment.querySelectorAll("code")) showHidden(code);
  for (const table of [...fragment.querySelectorAll("table")]) table.replaceWith(h("div", { class: "table-scroll" }, table.cloneNode(true)));
  return fragment;
}

/** A fenced code block: highlighted, with Copy / Insert at cursor / Apply to file. */
export function codeBlock(code: string, language: string | undefined, post: Post): HTMLElement {
  const text = code.replace(/\n$/, "");
  const codeEl = h("code", { class: `hljs${language ? ` language-${language}` : ""}` });
  const highlighted = highlightHtml(text, language);
  if (highlighted === undefined) codeEl.textContent = text;
  else codeEl.replaceChildren(purify().sanitize(highlighted, { ALLOWED_TAGS: ["span"], ALLOWED_ATTR: ["class"], RETURN_DOM_FRAGMENT: true }));
  // Shown as written (⟨U+202E⟩), not obeyed; Copy / Insert / Apply still take the code as it is.
  showHidden(codeEl);
  const feedback = h("span", { class: "code-feedback", role: "status" });
  const act = (action: "copy" | "insert" | "apply", done: string) => () => {
    post({ type: "code", action, code: text, ...(language ? { language } : {}) });
    feedback.textContent = done;
    setTimeout(() => feedback.textContent === done && (feedback.textContent = ""), 1500);
  };
  // Named by the block (a reply with three blocks would otherwise read "Copy, Copy, Copy"); the tooltip stays the action.
  const name = blockName(text, language);
  const named = (action: string, icon: "copy" | "insert" | "apply", onClick: () => void) => button(`${action}: ${name}`, onClick, { kind: "icon", icon, attrs: { title: action } });
  return h(
    "div",
    { class: "code-block", "data-language": language ?? "" },
    h(
      "div",
      { class: "code-toolbar" },
      h("span", { class: "code-lang", title: codeLabel(text, language) }, language ?? "text"),
      feedback,
      h(
        "span",
        { class: "code-actions" },
        named("Copy", "copy", act("copy", "Copied")),
        named("Insert at cursor", "insert", act("insert", "Inserted")),
        named("Apply to file", "apply", act("apply", "Applying…")),
      ),
    ),
    // Focusable to scroll it with the arrow keys: a region with the block's name, or a screen reader says nothing of it.
    h("pre", { tabindex: 0, role: "region", "aria-label": `Code: ${name}` }, codeEl),
  );
}

/** A block as a screen reader tells it from the others: its language and first line ("python code, def add(a, b):"), cut at 40 characters. */
function blockName(code: string, language: string | undefined): string {
  const first = visibleText(code.split("\n").find((line) => line.trim() !== "")?.trim() ?? "", true);
  const line = first.length > 40 ? `${first.slice(0, 39)}…` : first;
  return `${language ?? "text"} code${line ? `, ${line}` : ""}`;
}

/** The language label's hover: the whole name (the label is cut to fit), and why a long block is not highlighted. */
function codeLabel(code: string, language: string | undefined): string {
  const name = language ?? "text";
  if (!languageOf(language) || code.length <= MAX_HIGHLIGHT_CHARS) return name;
  return `${name}: too long to highlight (${code.length.toLocaleString("en-US")} characters; the limit is ${MAX_HIGHLIGHT_CHARS.toLocaleString("en-US")})`;
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
