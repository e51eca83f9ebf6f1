// The webview tests' page (dom-env.ts) must not keep what each render parses: DOMPurify parses
// every sanitized string into a document of its own, and a test streaming a reply renders
// thousands of them (streaming-markdown.test.ts held gigabytes while jsdom kept them all).
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, it } from "node:test";
import "./dom-env.ts";
import { decorated, markdownFragment } from "../../../src/webview/markdown.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** A weak reference to the document DOMPurify parsed `markdown` into, the fragment's nodes decorated (as renderMarkdown does) and moved onto the page. */
function renderedDocument(markdown: string): WeakRef<Document> {
  const fragment = markdownFragment(markdown);
  const parsed = fragment.ownerDocument;
  assert.notEqual(parsed, document, "the fragment comes from a document of its own");
  document.body.append(decorated(fragment, () => undefined));
  return new WeakRef(parsed);
}

describe("the webview tests' page", () => {
  it("lets go of the documents a render parses (once the task that rendered ends)", async () => {
    // Code, links, a table and a list: markdown.ts runs selectors in the fragment for each.
    const refs = Array.from({ length: 20 }, (_, i) => renderedDocument(`Text ${i} with [a link](src/a${i}.ts)\n\n\`\`\`ts\nconst a = ${i};\n\`\`\`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n`));
    document.body.replaceChildren();
    // The last one may stay: DOMPurify keeps the last node it visited until its next sanitize.
    const held = () => refs.slice(0, -1).flatMap((ref, i) => (ref.deref() ? [i] : []));
    // A WeakRef's target is kept until the task that made it ends (jsdom makes one per
    // NodeIterator), and a loaded machine's CI once still held one after a single task and gc
    // (render 17 of 20): a few more turns of the event loop, counted, not timed. A document the
    // page keeps (the leak this guards against) is held after every one of them.
    for (let turn = 0; turn < 10 && held().length > 0; turn++) {
      await new Promise(setImmediate);
      gc();
    }
    assert.deepEqual(held(), [], "renders whose parsed documents are still held");
  });
});
