// A reply streams in small deltas, rendered at most once a frame. What the page shows must
// be what rendering the text so far at once shows, at every frame; the blocks already
// finished must keep their nodes (a user selecting text in them keeps the selection), and
// the work per frame must not grow with the reply.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { startApp, window } from "./dom-env.ts";
import { conversation, event } from "./fixtures.ts";
import { renderMarkdown } from "../../../src/webview/markdown.ts";
import { StreamedMarkdown } from "../../../src/webview/streamed-markdown.ts";

const REPLY = `I'll fix the off-by-one in \`paginate\` and add a test.

## What was wrong

The loop in [src/page.ts](src/page.ts#L12) stops one item early:
- \`end\` is exclusive, but
- the check used \`<=\`, so **the last page** lost an item
  - nested: see *below*
    1. deep
    2. deeper

Setext heading
==============

1. Open the file
2. Change the bound

   Still the second step, after a blank line.
3. Run the tests

- [x] done
- [ ] not yet

| file | change | lines |
|------|:------:|------:|
| src/page.ts | bound | 1 |
| test/page.test.ts | *new test* | 12 |

> **Note**
> quoted \`code\` and a list:
> - one
> - two

\`\`\`ts
export function paginate<T>(items: T[], size: number): T[][] {
  const pages: T[][] = [];

  for (let i = 0; i < items.length; i += size) pages.push(items.slice(i, i + size));
  return pages;
}
\`\`\`

~~~~markdown
A fence inside a fence:
\`\`\`py
print("hi")
\`\`\`
~~~~

Sub heading
-----------

---

<details>raw html is shown as text</details>

    indented code
    two lines

Term with trailing spaces  
and a hard break. Mail dev@example.com or https://example.com/a_b.

- item one

- item two, loose

Final paragraph with ~~strike~~ and _emphasis_.`;

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** The text rendered at once: as a frame of a reply still streaming (`streaming`), or as a complete reply. */
function wholeRender(text: string, streaming = false): string {
  const el = window.document.createElement("div");
  renderMarkdown(el, text, () => undefined, streaming);
  return el.innerHTML;
}

/** The frames of a run streaming `pieces`: after each one, the reply's body and the text so far (the test page renders every delta at once). */
function* streamFrames(pieces: readonly string[]): Generator<[body: HTMLElement, soFar: string]> {
  const { root, app } = startApp();
  app.receive(conversation());
  app.receive(event({ type: "runStart", runId: "r1" }));
  let soFar = "";
  for (const piece of pieces) {
    app.receive(event({ type: "model", event: { type: "text", text: piece } }));
    soFar += piece;
    yield [root.querySelector<HTMLElement>('[data-item="assistant"] .assistant-text')!, soFar];
  }
}

/** A run streaming `pieces`; `onFrame(body, textSoFar)` after each one; the reply's body at the end. */
function stream(pieces: readonly string[], onFrame?: (body: HTMLElement, soFar: string) => void): HTMLElement {
  let last: HTMLElement | undefined;
  for (const [body, soFar] of streamFrames(pieces)) {
    onFrame?.(body, soFar);
    last = body;
  }
  return last!;
}

/**
 * `check` on each of `frames`, the job ended every 50 frames. jsdom registers each NodeIterator
 * (DOMPurify walks every sanitized string's document with one) in a WeakRef, and V8 keeps a
 * WeakRef's target alive until the job ends: a test rendering thousands of frames in one
 * synchronous run held every document it parsed (2 GB and more) until it ended.
 */
async function eachFrame<T extends unknown[]>(frames: Iterable<T>, check: (...frame: T) => void): Promise<void> {
  let n = 0;
  for (const frame of frames) {
    check(...frame);
    if (++n % 50 === 0) await new Promise(setImmediate);
  }
}

function randomSplit(text: string, random: () => number, most: number): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < text.length; ) {
    const size = 1 + Math.floor(random() * most);
    pieces.push(text.slice(at, at + size));
    at += size;
  }
  return pieces;
}

describe("a streamed reply", () => {
  it("shows at every frame what rendering the text so far at once shows, for random splits", async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const pieces = randomSplit(REPLY, lcg(seed), 40);
      await eachFrame(streamFrames(pieces), (body, soFar) => assert.equal(body.innerHTML, wholeRender(soFar), `seed ${seed}, after ${JSON.stringify(soFar.slice(-40))}`));
    }
  });

  it("streamed a character or two at a time, shows the same at each line's end and at the end", async () => {
    let body: HTMLElement | undefined;
    await eachFrame(streamFrames(randomSplit(REPLY, lcg(11), 2)), (shown, soFar) => {
      body = shown;
      if (soFar.endsWith("\n")) assert.equal(body.innerHTML, wholeRender(soFar), `after ${JSON.stringify(soFar.slice(-40))}`);
    });
    assert.equal(body!.innerHTML, wholeRender(REPLY));
  });

  it("a line still being written that joins the block before it ('===' then '--- | -'), and a reference defined after its use, show as at once", async () => {
    const text = "text\n2) two\n===\n--- | ---\n\nSee [the docs] and [more].\n\nA paragraph.\n\n[the docs]: docs/a.md\n\nLast [more].\n\n[more]: https://example.com\n";
    let body: HTMLElement | undefined;
    await eachFrame(streamFrames([...text]), (shown, soFar) => assert.equal((body = shown).innerHTML, wholeRender(soFar), `after ${JSON.stringify(soFar.slice(-40))}`));
    assert.deepEqual([...body!.querySelectorAll("a")].map((a) => a.getAttribute("href")), ["docs/a.md", "https://example.com", "https://example.com"]);
  });

  it("keeps the nodes of finished blocks, so a selection in an earlier paragraph survives the frames after it", () => {
    const first = "The first paragraph, which the user is selecting.\n\n";
    let paragraph: Element | undefined;
    const selection = window.getSelection()!;
    const pieces = [first, ...randomSplit(REPLY, lcg(7), 20)];
    stream(pieces, (body) => {
      if (!paragraph && body.children.length > 1) {
        paragraph = body.firstElementChild!;
        selection.selectAllChildren(paragraph);
      }
    });
    assert.ok(paragraph?.isConnected, "the paragraph's element is still on the page");
    assert.equal(selection.rangeCount, 1);
    assert.ok(paragraph.contains(selection.anchorNode), "the selection is still in it");
    assert.equal(selection.toString(), "The first paragraph, which the user is selecting.");
  });

  it("parses each frame's unfinished tail, not the whole reply again: a frame late in the reply costs what an early one does", () => {
    const paragraphs = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} with **bold**, \`code\` and a [link](src/f${i}.ts).\n\n`).join("");
    const pieces = randomSplit(paragraphs, lcg(3), 12);
    const exec = RegExp.prototype.exec;
    let runs = 0;
    const perFrame: number[] = [];
    RegExp.prototype.exec = function (this: RegExp, text: string) {
      runs++;
      return exec.call(this, text);
    };
    try {
      stream(pieces, () => perFrame.push(runs - perFrame.reduce((a, b) => a + b, 0)));
    } finally {
      RegExp.prototype.exec = exec;
    }
    const quarter = Math.floor(perFrame.length / 4);
    const first = perFrame.slice(0, quarter).reduce((a, b) => a + b, 0);
    const last = perFrame.slice(-quarter).reduce((a, b) => a + b, 0);
    // Re-parsing the whole reply at each frame, the last quarter of the frames ran 6 times what the first did.
    assert.ok(last < 1.5 * first, `regular-expression runs: ${first.toLocaleString("en-US")} in the first ${quarter} frames, ${last.toLocaleString("en-US")} in the last ${quarter}`);
  });

});

/**
 * The work of each frame of `stream(pieces)`: regular-expression runs (where marked, DOMPurify
 * and highlight.js spend it) and the characters of text the frame put on the page.
 */
function workPerFrame(pieces: readonly string[]): { runs: number; inserted: number }[] {
  const exec = RegExp.prototype.exec;
  let runs = 0;
  const perFrame: { runs: number; inserted: number }[] = [];
  const observer = new window.MutationObserver(() => undefined);
  observer.observe(window.document.body, { childList: true, subtree: true, characterData: true });
  RegExp.prototype.exec = function (this: RegExp, text: string) {
    runs++;
    return exec.call(this, text);
  };
  try {
    stream(pieces, () => {
      const records = observer.takeRecords();
      const inserted = records.reduce((sum, r) => sum + (r.type === "characterData" ? (r.target.textContent ?? "").length : [...r.addedNodes].reduce((n, node) => n + (node.textContent ?? "").length, 0)), 0);
      perFrame.push({ runs, inserted });
      runs = 0;
    });
  } finally {
    RegExp.prototype.exec = exec;
    observer.disconnect();
  }
  return perFrame.slice(1); // the first frame builds the page
}

/** Each measure of the last quarter of the frames against the first quarter's. */
function lateAgainstEarly(perFrame: readonly { runs: number; inserted: number }[]): string[] {
  const quarter = Math.floor(perFrame.length / 4);
  const sum = (xs: readonly { runs: number; inserted: number }[], k: "runs" | "inserted") => xs.reduce((a, b) => a + b[k], 0);
  const out: string[] = [];
  for (const k of ["runs", "inserted"] as const) {
    const first = sum(perFrame.slice(0, quarter), k);
    const last = sum(perFrame.slice(-quarter), k);
    if (last > 1.5 * first + 1000) out.push(`${k === "runs" ? "regular-expression runs" : "characters put on the page"}: ${first.toLocaleString("en-US")} in the first quarter of the frames, ${last.toLocaleString("en-US")} in the last`);
  }
  return out;
}

/** Pieces of at most 3 characters, but up to `most` inside the `[from, to)` ranges of `coarse` (filler that only needs to be there). */
function splitFine(text: string, random: () => number, coarse: readonly (readonly [number, number])[] = [], most = 500): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < text.length; ) {
    const wide = coarse.some(([from, to]) => at >= from && at < to);
    const size = 1 + Math.floor(random() * (wide ? most : 3));
    pieces.push(text.slice(at, at + size));
    at += size;
  }
  return pieces;
}

const ROW = (i: number) => `| src/f${i}.ts | **${i}** \\| x | [link](src/f${i}.ts) é😀 |\n`;
const TABLE_ROWS = (n: number) => Array.from({ length: n }, (_, i) => ROW(i)).join("");
// Rows with fewer and more cells than the header; a tab-only line (a row); a line that ends the
// table as it is written ('#' alone is a heading) but not once written on; a blank line, a
// heading and a quote that end one.
const TABLE = `Files:\n\n| file | lines | link |\n|:-----|------:|:----:|\n${TABLE_ROWS(6)}| short |\n|| a | b | c | d | extra |\n\t\n| after a tab line |\n#notaheading | x\n-not a list | y\n\nAfter the table.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n# heading ends it\n| x | y |\n|---|---|\n| 3 |\n> a quote ends it\n`;
const RLO = "\u202E";
const TAG = "\u{E0041}\u{E0042}"; // tag characters: two UTF-16 units each, written out as ⟨U+E0041⟩
const FILLER = Array.from({ length: 200 }, (_, i) => `let v${i} = ${i};\n`).join("");
// An open fence past the length highlighted while it streams (then shown as text until it
// closes), with characters split between frames, lines that close no fence, and one that does.
const TRICKY = `const s = "é😀${RLO}${TAG}"; /* a\n   comment */ // \`\`\`\n~~~\n\`\`\`\n    \`\`\`\`\n \`\`\`\`\` x\n\n`;
const CODE = `Here:\n\n\`\`\`\`ts\n${FILLER}${TRICKY}   \`\`\`\`\`  \n\nThen a plain one:\n\n~~~\n${"x".repeat(5100)}\n${TRICKY}~~~~\n\n\`\`\`python\nprint(1)\n\`\`\``;

function ranges(text: string, ...parts: string[]): [number, number][] {
  return parts.map((part) => [text.indexOf(part), text.indexOf(part) + part.length - 20]);
}

describe("a streamed reply whose last block is long", () => {
  it("a table: every frame shows what rendering the text so far at once shows (random splits, inside rows and characters)", async () => {
    for (let seed = 1; seed <= 3; seed++) {
      const pieces = seed === 1 ? splitFine(TABLE, lcg(seed)) : randomSplit(TABLE, lcg(seed), 30);
      await eachFrame(streamFrames(pieces), (body, soFar) => assert.equal(body.innerHTML, wholeRender(soFar, true), `seed ${seed}, after ${JSON.stringify(soFar.slice(-60))}`));
    }
  });

  it("code blocks: every frame shows what rendering the text so far at once shows (random splits, inside fences and characters)", async () => {
    for (let seed = 1; seed <= 2; seed++) {
      const pieces = splitFine(CODE, lcg(seed), ranges(CODE, FILLER, "x".repeat(5100)));
      await eachFrame(streamFrames(pieces), (body, soFar) => assert.equal(body.innerHTML, wholeRender(soFar, true), `seed ${seed}, after ${JSON.stringify(soFar.slice(-60))}`));
    }
  });

  it("the reply's end shows what rendering it whole shows, the long block highlighted", () => {
    const { root, app } = startApp();
    app.receive(conversation());
    app.receive(event({ type: "runStart", runId: "r1" }));
    for (const piece of randomSplit(CODE, lcg(5), 50)) app.receive(event({ type: "model", event: { type: "text", text: piece } }));
    app.receive(event({ type: "model", event: { type: "done", stopReason: "endOfTurn" } }));
    app.receive(event({ type: "end", result: { stopReason: "answered", message: "", steps: 1, changedFiles: [] } }));
    const body = root.querySelector<HTMLElement>('[data-item="assistant"] .assistant-text')!;
    assert.equal(body.innerHTML, wholeRender(CODE));
    assert.ok(body.querySelector(".language-ts .hljs-keyword"), "the long TypeScript block is highlighted once complete");
  });

  it("a table of 200 rows: a frame late in the table costs what an early one does, and the rows already shown keep their nodes", () => {
    const reply = `| file | lines | link |\n|:-----|------:|:----:|\n${TABLE_ROWS(200)}`;
    // Rendering the last block whole at each frame, the last quarter of the frames did 7 times the work of the first.
    assert.deepEqual(lateAgainstEarly(workPerFrame(randomSplit(reply, lcg(9), 80))), []);
    let row: Element | undefined;
    stream(randomSplit(reply, lcg(2), 80), (body) => {
      const rows = body.querySelectorAll("tbody tr");
      if (rows.length > 4) row ??= rows[3]; // written whole (the last row may still be being written)
    });
    assert.ok(row?.isConnected, "a row shown early is still the same element");
  });

  it("a code block of 600 lines, and one line of 60 KB: a frame late in the block costs what an early one does", () => {
    for (const reply of [`\`\`\`ts\n${Array.from({ length: 600 }, (_, i) => `const v${i} = "é${RLO}"; // ${i}\n`).join("")}`, `\`\`\`\n${"word ".repeat(12_000)}`]) {
      assert.deepEqual(lateAgainstEarly(workPerFrame(randomSplit(reply, lcg(4), 200))), [], reply.slice(0, 20));
    }
  });
});

/**
 * `pieces` streamed into a StreamedMarkdown on its own (no page around it), `check` after each
 * one (as `eachFrame`), then the complete reply; the element it renders into at the end.
 */
async function streamView(pieces: readonly string[], check: (el: HTMLElement, soFar: string, frame: number) => void): Promise<HTMLElement> {
  const el = window.document.createElement("div");
  const view = new StreamedMarkdown(el, () => undefined);
  function* frames(): Generator<[HTMLElement, string, number]> {
    let soFar = "";
    for (const [frame, piece] of pieces.entries()) {
      soFar += piece;
      view.render(soFar, false);
      yield [el, soFar, frame];
    }
    view.render(soFar, true);
  }
  await eachFrame(frames(), check);
  return el;
}

// Items written tight, lazily continued, with nested lists, code, tasks and links; the list turning
// loose; a bullet or delimiter that starts another list; a line that ends it (a fence, a rule, a
// heading); a bullet line that is a rule once written on ('- -' then '- - -').
const LIST_ITEMS = Array.from({ length: 12 }, (_, i) => `- item ${i} with **bold** and \`code\` and [a link](src/f${i}.ts)\n`).join("");
const LISTS = [
  `Steps:\n\n${LIST_ITEMS}- lazy\ncontinued\n  - nested a\n  - nested b\n    1. deep\n    2. deeper\n- [ ] task\n- [x] done\n- \`\`\`ts\n  const inItem = 1;\n  \`\`\`\n- last tight\n\n  now loose\n- after loose\n\n- spaced\n* another bullet\n* two\n1. ordered\n2. two\n3) by delimiter\n- a\n- - -\n- after the rule\n-not an item\n# a heading ends it\n`,
  `${LIST_ITEMS}\`\`\`\nthe list became a code block\n\`\`\`\n\n5. starts at five\n6. six\n\n\n7. loose, three lines down\n\n   its second paragraph\n8. eight\n---\n- a\n  ---\n- setext\n  ===\nend\n`,
];

// Inline spans across lines and words (emphasis, code, links, html), what cannot open one
// (a spaced '*', an '_' inside a word), hard breaks, addresses, a line with pipes that a
// delimiter row turns into a table header (with its words before the pipes), a setext
// underline, lines that start a list or not, indented continuation lines, characters in
// several UTF-16 units.
const PARAGRAPHS = [
  "| a | b |\nnot a delimiter row, so a paragraph\n| c | d |\n|---|---|\n| 1 | 2 |\n\nWord one *emphasis\nacross lines* and `code\nspan` then [a link\nacross](src/x.ts) and snake_case_name with 2 * 3 and a_b.\nA line with trailing spaces  \nhard break, and a backslash\\\nbreak. Mail dev@example.com or www.example.com/path now.\n**Strong** and ~~del~~ and ~single~ and <span>html</span> and <http://auto.link> here.\nLine with a | pipe and more words here\n| looks | like | a header\nand then words follow\nsome words foo | bar\n|---|---|\n| 1 | 2 |\n\nAnother paragraph\nof two lines\n===\n\nA paragraph then a list\n2. not a list start\n1. a list\n\nPara\n    indented continuation\n  spaces é😀 and \u{E0041} and an unclosed *star that goes on and on and on and on.\nthree | cells | here\n|---|---|---|\n",
  `${Array.from({ length: 12 }, (_, i) => `Line ${i} of a long paragraph with **bold ${i}**, \`code ${i}\` and a [link](src/f${i}.ts).`).join("\n")}\nthen a setext underline\n---\n\n${"word ".repeat(100)}*open ${"more ".repeat(20)}closed* end\n`,
];

/**
 * A README's first 12,000 characters or so, cut before a blank line or a list item: each sampled
 * frame renders the text so far whole, so the test's time grows with the square of the length, and
 * the READMEs keep growing (tools' went from 2.7 KB to 48 KB, one long list).
 */
function readmePart(readme: string): string {
  const end = /\n(?=\n|- )/g;
  end.lastIndex = 12_000;
  return end.exec(readme) ? readme.slice(0, end.lastIndex) : readme;
}

describe("a streamed reply whose last block is a long list or paragraph", () => {
  it("lists: every frame shows what rendering the text so far at once shows (random splits, inside lines and characters)", async () => {
    for (const [n, text] of LISTS.entries()) {
      for (let seed = 1; seed <= 2; seed++) {
        const pieces = seed === 1 ? splitFine(text, lcg(seed + n)) : randomSplit(text, lcg(seed + n), 30);
        const el = await streamView(pieces, (el, soFar) => assert.equal(el.innerHTML, wholeRender(soFar, true), `list ${n}, seed ${seed}, after ${JSON.stringify(soFar.slice(-60))}`));
        assert.equal(el.innerHTML, wholeRender(text), `list ${n}, seed ${seed}, complete`);
      }
    }
  });

  it("paragraphs: every frame shows what rendering the text so far at once shows (random splits, inside lines and characters)", async () => {
    for (const [n, text] of PARAGRAPHS.entries()) {
      for (let seed = 1; seed <= 2; seed++) {
        const pieces = seed === 1 ? splitFine(text, lcg(seed + n)) : randomSplit(text, lcg(seed + n), 30);
        const el = await streamView(pieces, (el, soFar) => assert.equal(el.innerHTML, wholeRender(soFar, true), `paragraph ${n}, seed ${seed}, after ${JSON.stringify(soFar.slice(-60))}`));
        assert.equal(el.innerHTML, wholeRender(text), `paragraph ${n}, seed ${seed}, complete`);
      }
    }
  });

  it("real markdown (the first 12,000 characters of two of the project's READMEs: long lists and paragraphs) streamed in random pieces shows at sampled frames and at the end what rendering it at once shows", async () => {
    for (const file of ["webview", "tools"]) {
      const text = readmePart(readFileSync(new URL(`../../../src/${file}/README.md`, import.meta.url), "utf8"));
      for (let seed = 1; seed <= 2; seed++) {
        const random = lcg(seed);
        const el = await streamView(randomSplit(text, random, 120), (el, soFar, frame) => {
          if (frame % 7 === seed) assert.equal(el.innerHTML, wholeRender(soFar, true), `${file}, seed ${seed}, after ${JSON.stringify(soFar.slice(-60))}`);
        });
        assert.equal(el.innerHTML, wholeRender(text), `${file}, seed ${seed}, complete`);
      }
    }
  });

  it("a list of 160 items, tight and loose, a paragraph of 160 lines and one of a 15 KB line: a frame late in the block costs what an early one does", () => {
    const tight = Array.from({ length: 160 }, (_, i) => `- item ${i} with **bold** and \`code\`\n`).join("");
    const loose = Array.from({ length: 80 }, (_, i) => `- **Step ${i}**\n\n  Its details, with [a link](src/f${i}.ts).\n\n`).join("");
    const lines = Array.from({ length: 160 }, (_, i) => `Line ${i} of a paragraph with **bold** and \`code\`.\n`).join("");
    const line = Array.from({ length: 400 }, (_, i) => `Sentence ${i} with **bold** and \`code\`. `).join("");
    const cases = { "a tight list": tight, "a loose list": loose, "a paragraph of lines": lines, "a paragraph of one line": line };
    // Rendering the last block whole at each frame, the last quarter of the frames did 4 to 7 times the work of the first.
    assert.deepEqual(Object.entries(cases).flatMap(([name, reply]) => lateAgainstEarly(workPerFrame(randomSplit(reply, lcg(4), 120))).map((m) => `${name}, ${m}`)), []);
  });

  it("text after a raw <a …> tag: every frame shows what rendering the text so far at once shows (character splits)", async () => {
    // marked makes no address a link after a raw `<a …>` tag, in every block after it too: a paragraph, a list
    // or a table lexed from a point after the tag linked what rendering the whole text did not.
    const texts = [
      'Intro <a href="x">see https://example.com/docs and www.example.org</a> then https://example.net here\n',
      '<a href="x"> opens\n\nThen https://example.com and more\n\nAnd www.example.org too\n',
      '- <a href="x"> a\n- see https://example.com b\n- c www.example.org\n- d\n',
      '| a | b |\n|---|---|\n| <a href="x"> | c |\n| https://example.com | d |\n| e | www.example.org |\n',
    ];
    for (const text of texts) {
      const el = await streamView([...text], (el, soFar) => assert.equal(el.innerHTML, wholeRender(soFar, true), `after ${JSON.stringify(soFar.slice(-60))}`));
      assert.equal(el.innerHTML, wholeRender(text), "complete");
    }
  });

  it("a table's header is read once: a frame of a table under a header of 100 long cells costs what one under a header of one-letter cells does", () => {
    const table = (header: (j: number) => string) => `|${Array.from({ length: 100 }, (_, j) => ` ${header(j)} |`).join("")}\n|${"---|".repeat(100)}\n${Array.from({ length: 40 }, (_, i) => `| ${i} | x |\n`).join("")}`;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const runs = (text: string) => {
      const rows = text.indexOf("\n", text.indexOf("\n") + 1) + 1;
      return median(workPerFrame([text.slice(0, rows), ...randomSplit(text.slice(rows), lcg(6), 20)]).map((f) => f.runs));
    };
    const long = runs(table((j) => `the **column** number ${j} with \`code\``));
    const short = runs(table(() => "a"));
    assert.ok(long < 1.2 * short, `regular-expression runs a frame: ${long} under the long header, ${short} under the short one`);
  });
});
