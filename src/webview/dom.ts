/**
 * Small DOM helpers. Everything the view shows is built with createElement and text
 * nodes, so no string from the model, the workspace or the runtime is ever parsed as HTML
 * here (markdown goes through markdown.ts, which sanitizes).
 */

export type Child = Node | string | number | undefined | null | false;

/** Attributes; `false`/`undefined` leave the attribute out, `true` sets it empty. */
export type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces `parent`'s children with `fresh`, keeping each old child equal to a fresh one
 * (same tags, attributes and text: isEqualNode) in place. A state message re-renders the
 * cards several times a second while an index or a download progresses: a button the user
 * tabbed to keeps the focus, and an unchanged alert is not inserted, and said, again.
 */
export function updateChildren(parent: Element, fresh: readonly Node[]): void {
  const old = [...parent.childNodes];
  const next = fresh.map((node) => {
    const i = old.findIndex((o) => o === node || o.isEqualNode(node));
    return i < 0 ? node : old.splice(i, 1)[0]!;
  });
  for (const gone of old) gone.remove();
  let cursor = parent.firstChild;
  for (const node of next) {
    if (node === cursor) cursor = cursor.nextSibling;
    else parent.insertBefore(node, cursor); // moves only what is new or out of order
  }
}

/** Makes `shown` look like `fresh` (its attributes, then its children through updateChildren), keeping `shown` itself in place. */
export function updateElement(shown: Element, fresh: Element): void {
  for (const name of shown.getAttributeNames()) if (!fresh.hasAttribute(name)) shown.removeAttribute(name);
  for (const name of fresh.getAttributeNames()) if (shown.getAttribute(name) !== fresh.getAttribute(name)) shown.setAttribute(name, fresh.getAttribute(name)!);
  updateChildren(shown, [...fresh.childNodes]);
}

/** A button with an accessible name; `label` is the visible text unless an icon is given. */
export function button(
  label: string,
  onClick: (event: MouseEvent) => void,
  options: { kind?: "primary" | "secondary" | "danger" | "icon" | "link"; icon?: IconName; attrs?: Attrs; text?: string } = {},
): HTMLButtonElement {
  const kind = options.kind ?? "secondary";
  const el = h("button", { type: "button", class: kind, ...options.attrs });
  if (options.icon) el.append(icon(options.icon));
  if (kind === "icon") {
    el.setAttribute("aria-label", label);
    if (!el.hasAttribute("title")) el.title = label; // attrs may give a shorter tooltip ("Reject" for "Reject calc.py")
  } else {
    el.append(h("span", { class: "label" }, options.text ?? label));
    if (options.text && options.text !== label) el.setAttribute("aria-label", label);
  }
  el.addEventListener("click", (event) => {
    event.stopPropagation();
    onClick(event);
  });
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** 16×16 outline icons (paths in the style of VS Code's codicons), drawn with currentColor. */
const ICONS = {
  plus: "M8 2.5v11M2.5 8h11",
  history: "M8 4.5V8l2.5 1.5M2.6 6.2A5.6 5.6 0 1 1 2.4 9M2.2 3v3.3h3.3",
  send: "M2.5 2.8 14 8 2.5 13.2 4.3 8Zm1.8 5.2H9",
  stop: "M4 4h8v8H4Z",
  close: "M4 4l8 8M12 4l-8 8",
  trash: "M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.6 8.5h5.8l.6-8.5",
  file: "M4 1.8h5l3 3v9.4H4ZM9 1.8v3h3",
  symbol: "M5 3.5 2 8l3 4.5M11 3.5 14 8l-3 4.5",
  selection: "M3 3h10M3 6.5h6M3 10h10M3 13.5h5",
  problems: "M8 2 14.5 13.5h-13ZM8 6.5v3.2M8 11.3v.4",
  check: "M3 8.5 6.5 12 13 4.5",
  cross: "M4 4l8 8M12 4l-8 8",
  undo: "M5.5 3.5 2.5 6.5l3 3M2.8 6.5H10a3.5 3.5 0 0 1 0 7H7",
  diff: "M2 2.5h5v11H2ZM9 2.5h5v11H9ZM3.5 6h2M10.5 6h2M10.5 9h2M11.5 8v2",
  copy: "M5.5 5.5h7v8h-7ZM3.5 10.5v-8h7",
  insert: "M8 2v7.5M5 6.5l3 3 3-3M2.5 13h11",
  apply: "M4 1.8h5l3 3v9.4H4ZM9 1.8v3h3M6 10l1.5 1.5L10.3 8.5",
  tool: "M10.5 2.5a3 3 0 0 0-2.9 3.9L2.5 11.5l2 2 5.1-5.1a3 3 0 0 0 3.9-2.9l-1.8 1-1.7-1.7 1-1.8Z",
  info: "M8 7v4.5M8 4.6v.4M8 1.8a6.2 6.2 0 1 0 0 12.4A6.2 6.2 0 0 0 8 1.8Z",
  warning: "M8 2 14.5 13.5h-13ZM8 6.5v3.2M8 11.3v.4",
  error: "M8 1.8a6.2 6.2 0 1 0 0 12.4A6.2 6.2 0 0 0 8 1.8ZM5.8 5.8l4.4 4.4M10.2 5.8l-4.4 4.4",
} as const;

export type IconName = keyof typeof ICONS;

export function icon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", `icon icon-${name}`);
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

/** A spinner for "running" states, always beside words saying what runs (CSS animation; it stands still under reduced motion, the OS's or VS Code's). */
export function spinner(): HTMLElement {
  return h("span", { class: "spinner", "aria-hidden": "true" });
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

/** "850 ms", "1.2 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** "812", "12.3k", "131k". */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 100_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  return `${Math.round(n / 1000)}k`;
}

/**
 * "just now", "5 min ago", "3 h ago", "yesterday" (the calendar day before today, here), or a
 * date, with its year when not this year's. A time more than a minute or two ahead of the clock
 * (saved while the clock was ahead, or by a machine whose clock is) is said as its date: "just
 * now" it stayed until the clock caught up, a year for a clock a year ahead.
 */
export function formatWhen(time: number, now = Date.now()): string {
  const minutes = Math.floor((now - time) / 60_000);
  if (minutes >= -1 && minutes < 1) return "just now";
  if (minutes >= 1 && minutes < 60) return `${minutes} min ago`;
  if (minutes >= 60 && minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ago`;
  const [date, today] = [new Date(time), new Date(now)];
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (minutes > 0 && date.toDateString() === yesterday.toDateString()) return "yesterday";
  const year = date.getFullYear() === today.getFullYear() ? {} : { year: "numeric" as const };
  return date.toLocaleDateString("en-US", { month: "short", day: "numeric", ...year });
}

/** The last path segment ("src/a/b.ts" → "b.ts"). */
export function basename(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}
