// A browser-like page for the webview's unit tests: jsdom's window and document as the
// globals the webview code uses, with scripts enabled so that markup which could run
// (an inline handler, a script element) would really run and be caught.
import { JSDOM } from "jsdom";
import type { FromWebview, ToWebview } from "../../../src/protocol/webview.ts";
import { ChatApp } from "../../../src/webview/app.ts";

const dom = new JSDOM('<!DOCTYPE html><html><body><main id="app"></main></body></html>', {
  runScripts: "dangerously",
  pretendToBeVisual: true,
  url: "https://webview.test/",
});

export const window = dom.window as unknown as Window & typeof globalThis;

// jsdom leaks every document a selector runs in: the selector engine it makes per document
// (@asamuzakjp/dom-selector's Finder) adds ten listeners to the window and never removes them,
// and they keep that document alive. DOMPurify parses each sanitized string into a new document
// (DOMParser) and markdown.ts queries the fragment it gives, so each render left one behind:
// streaming-markdown.test.ts's thousands of renders held gigabytes, and each addEventListener
// scanned all the listeners before it. The page's own document keeps its engine's listeners (made
// here, first); the others' are not added (they track focus, keys and the mouse on the page, for
// :focus-visible and the like, which no parsed-off document shows). A browser has no such engine.
window.document.querySelector("main");
const addEventListener = window.addEventListener;
const ENGINE_HANDLERS = new Set(["_handleFocusEvent", "_handleKeyboardEvent", "_handleMouseEvent"]);
window.addEventListener = function (this: Window, ...args: Parameters<typeof addEventListener>): void {
  if (typeof args[1] === "function" && ENGINE_HANDLERS.has(args[1].name)) return;
  addEventListener.apply(this, args);
} as typeof addEventListener;

const g = globalThis as Record<string, unknown>;
g.window = window;
g.document = window.document;
for (const name of ["Node", "Element", "HTMLElement", "HTMLTextAreaElement", "KeyboardEvent", "MouseEvent", "Event", "DocumentFragment"]) {
  g[name] = (window as unknown as Record<string, unknown>)[name];
}

/** A fake VS Code webview API that records what the page posts and keeps its state. */
export class FakeHost {
  readonly posted: FromWebview[] = [];
  state: unknown;
  setStateCalls = 0;
  constructor(initial?: unknown) {
    this.state = initial;
  }
  postMessage(message: FromWebview): void {
    this.posted.push(JSON.parse(JSON.stringify(message)) as FromWebview);
  }
  setState(state: unknown): void {
    this.setStateCalls++;
    this.state = JSON.parse(JSON.stringify(state));
  }
  getState(): unknown {
    return this.state;
  }
  /** Messages of one type, most recent last. */
  sent<T extends FromWebview["type"]>(type: T): Extract<FromWebview, { type: T }>[] {
    return this.posted.filter((m): m is Extract<FromWebview, { type: T }> => m.type === type);
  }
}

/** A fresh #app element. */
export function freshRoot(): HTMLElement {
  const root = window.document.createElement("main");
  root.id = "app";
  window.document.body.replaceChildren(root);
  return root;
}

export function key(target: Element, k: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const event = new window.KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

export function typeInto(textarea: HTMLTextAreaElement, text: string): void {
  textarea.focus();
  textarea.value = text;
  textarea.setSelectionRange(text.length, text.length);
  textarea.dispatchEvent(new window.Event("input", { bubbles: true }));
}

/** The button whose accessible name (aria-label, else text) is exactly `name`. */
export function buttonNamed(root: ParentNode, name: string): HTMLButtonElement[] {
  return [...root.querySelectorAll("button")].filter((b) => (b.getAttribute("aria-label") ?? b.textContent ?? "").trim() === name);
}

export function onlyButton(root: ParentNode, name: string): HTMLButtonElement {
  const found = buttonNamed(root, name);
  if (found.length !== 1) throw new Error(`expected one button named ${JSON.stringify(name)}, found ${found.length}`);
  return found[0]!;
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

export type { ToWebview };

/** A chat page on a fresh root with a fake host; debounces off and renders synchronous, for tests. */
export function startApp(saved?: unknown): { root: HTMLElement; host: FakeHost; app: ChatApp } {
  const root = freshRoot();
  const host = new FakeHost(saved);
  const app = new ChatApp(root, host, { saveDelayMs: 0, mentionDebounceMs: 0, schedule: (render) => render() });
  return { root, host, app };
}
