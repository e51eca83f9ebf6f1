/**
 * The chat view's markdown under seeded fuzzing: replies stitched from raw HTML, links,
 * entities, fences and the characters that split them, rendered whole and streamed.
 * Properties, not outputs: nothing runs (jsdom runs scripts here, so a live handler or
 * script would), no element outside the renderer's own, no `on…` or style attribute, and
 * every link's scheme is http(s) or mailto after the browser resolves it. Seed fixed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { window } from "./dom-env.ts";
import { renderMarkdown } from "../../../src/webview/markdown.ts";
import { StreamedMarkdown } from "../../../src/webview/streamed-markdown.ts";
import { pick, seededRandom } from "../../fixtures/seeded-random.ts";

const RUN = "window.__ran=1";
const PIECES = [
  `<script>${RUN}</script>`, `<img src=x onerror="${RUN}">`, `<svg onload="${RUN}">`, `<a href="javascript:${RUN}">x</a>`,
  `<iframe srcdoc="<script>${RUN}</script>">`, `<style>*{}</style>`, `<form action="javascript:${RUN}"><button>go</button></form>`,
  `<details open ontoggle="${RUN}">`, `<input autofocus onfocus="${RUN}">`, `<math><mi xlink:href="javascript:${RUN}">`,
  `[a](javascript:${RUN})`, `[b](JaVaScRiPt:${RUN})`, `[c](&#106;avascript:${RUN})`, `[d](java\tscript:${RUN})`,
  `[e]( javascript:${RUN})`, `[f](data:text/html,<script>${RUN}</script>)`, `[g](vscode://x/y)`, `[h](command:workbench.action.x)`,
  `![i](javascript:${RUN})`, `![j](https://evil.example/p.png "t")`, "<javascript:alert(1)>", "<https://ok.example/>",
  "[k]: javascript:alert(1)\n\n[k]", "[l](<javascript:alert(1)>)", "[m](https://ok.example/a \"t\" onclick=x)",
  "`<script>`", "```html\n<script>x</script>\n```\n", "~~~\n", "```", "> ", "- ", "1. ", "| a | b |\n|---|---|\n| <b onclick=x>c</b> | d |\n",
  "*", "_", "**", "\\", "&", "&lt;", "&#0;", "&#x3c;script&#x3e;", "<", ">", "\"", "'", "=", "\n", "\n\n", "    ", "\t", "\u0000", "\u202e", "\ud800",
  "text ", "https://ok.example/path ", "www.example.com ", "mailto:a@b.example ", "[", "]", "(", ")", "<a", " href=", "javascript:", "onerror=",
];
const SCHEMES = new Set(["http:", "https:", "mailto:"]);

function reply(rand: () => number): string {
  return Array.from({ length: 2 + Math.floor(rand() * 14) }, () => pick(rand, PIECES)).join(rand() < 0.3 ? "\n" : "");
}

/** Everything a rendered reply must never hold. */
function assertInert(root: HTMLElement, markdown: string): void {
  const label = JSON.stringify(markdown);
  assert.equal((window as unknown as Record<string, unknown>).__ran, undefined, `ran: ${label}`);
  for (const el of root.querySelectorAll("*")) {
    // The code block buttons' own icons (dom.ts icon()).
    if (el.closest("button") && el.closest("svg")?.getAttribute("class")?.startsWith("icon icon-")) continue;
    assert.ok(!["SCRIPT", "IFRAME", "IMG", "SVG", "MATH", "STYLE", "FORM", "OBJECT", "EMBED", "LINK", "META", "BASE", "DETAILS", "TEXTAREA", "SELECT", "VIDEO", "AUDIO"].includes(el.tagName.toUpperCase()), `<${el.tagName}> in ${label}`);
    for (const attr of el.getAttributeNames()) {
      assert.ok(!/^on/i.test(attr) && attr !== "style" && attr !== "src" && attr !== "srcdoc" && attr !== "action" && attr !== "formaction", `${attr} on <${el.tagName}> in ${label}`);
    }
    if (el.tagName === "A" && el.hasAttribute("href")) {
      const protocol = (el as HTMLAnchorElement).protocol;
      assert.ok(SCHEMES.has(protocol), `a link to ${protocol} (${el.getAttribute("href")}) in ${label}`);
    }
    if (el.tagName === "INPUT") assert.equal(el.getAttribute("type"), "checkbox", label);
  }
}

test("fuzz: a reply of raw HTML, links and entities renders with nothing live, whole and streamed", () => {
  const rand = seededRandom(0x3a7d);
  for (let i = 0; i < 15; i++) {
    const markdown = reply(rand);
    const whole = window.document.createElement("div");
    window.document.body.append(whole);
    renderMarkdown(whole, markdown, () => undefined);
    assertInert(whole, markdown);
    const streamed = window.document.createElement("div");
    window.document.body.append(streamed);
    const view = new StreamedMarkdown(streamed, () => undefined);
    for (let end = 0; end < markdown.length; end += 1 + Math.floor(rand() * (markdown.length / 3))) {
      view.render(markdown.slice(0, end), false);
      assertInert(streamed, markdown.slice(0, end));
    }
    view.render(markdown, true);
    assertInert(streamed, markdown);
    whole.remove();
    streamed.remove();
  }
});
