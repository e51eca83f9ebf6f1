// A reply streams in small deltas, rendered at most once a frame. What the page shows must
// be what rendering the text so far at once shows, at every frame; the blocks already
// finished must keep their nodes (a user selecting text in them keeps the selection), and
// the work per frame must not grow with the reply.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startApp, window } from "./dom-env.ts";
import { conversation, event } from "./fixtures.ts";
import { renderMarkdown } from "../../../src/webview/markdown.ts";

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

function wholeRender(text: string): string {
  const el = window.document.createElement("div");
  renderMarkdown(el, text, () => undefined);
  return el.innerHTML;
}

/** A run streaming `pieces`; `onFrame(body, textSoFar)` after each one (the test page renders every delta at once). */
function stream(pieces: readonly string[], onFrame?: (body: HTMLElement, soFar: string) => void): HTMLElement {
  const { root, app } = startApp();
  app.receive(conversation());
  app.receive(event({ type: "runStart", runId: "r1" }));
  let soFar = "";
  for (const piece of pieces) {
    app.receive(event({ type: "model", event: { type: "text", text: piece } }));
    soFar += piece;
    onFrame?.(root.querySelector<HTMLElement>('[data-item="assistant"] .assistant-text')!, soFar);
  }
  return root.querySelector<HTMLElement>('[data-item="assistant"] .assistant-text')!;
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
  it("shows at every frame what rendering the text so far at once shows, for random splits", () => {
    for (let seed = 1; seed <= 6; seed++) {
      const pieces = randomSplit(REPLY, lcg(seed), 40);
      stream(pieces, (body, soFar) => assert.equal(body.innerHTML, wholeRender(soFar), `seed ${seed}, after ${JSON.stringify(soFar.slice(-40))}`));
    }
  });

  it("streamed a character or two at a time, shows the same at each line's end and at the end", () => {
    const body = stream(randomSplit(REPLY, lcg(11), 2), (body, soFar) => {
      if (soFar.endsWith("\n")) assert.equal(body.innerHTML, wholeRender(soFar), `after ${JSON.stringify(soFar.slice(-40))}`);
    });
    assert.equal(body.innerHTML, wholeRender(REPLY));
  });

  it("a line still being written that joins the block before it ('===' then '--- | -'), and a reference defined after its use, show as at once", () => {
    const text = "text\n2) two\n===\n--- | ---\n\nSee [the docs] and [more].\n\nA paragraph.\n\n[the docs]: docs/a.md\n\nLast [more].\n\n[more]: https://example.com\n";
    const body = stream([...text], (body, soFar) => assert.equal(body.innerHTML, wholeRender(soFar), `after ${JSON.stringify(soFar.slice(-40))}`));
    assert.deepEqual([...body.querySelectorAll("a")].map((a) => a.getAttribute("href")), ["docs/a.md", "https://example.com", "https://example.com"]);
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
