// Issue texts built to be slow to read: each case read in quadratic time before its fix
// (a single line of a quarter of a megabyte took from tens of seconds to minutes per
// reading, and `hearth locate` reads a query several times). Each reading runs on a thread
// of its own, so the test's timeout ends a hang; the assertions are about what is read.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inThread } from "./helpers/in-thread.ts";

const READS = new URL("./helpers/hostile-reads.ts", import.meta.url);
// Each took 10 s or more before its fix on the development machine, and well under a
// second after (most of that starting the thread): the limit is far from both.
const HANG = { timeout: 8_000 };

describe("issue texts that are slow to read", () => {
  it("a line of many 'at' words (a paragraph or a stack joined into one line) is read once, and its frame still found", HANG, async (t) => {
    assert.deepEqual(await inThread(READS, "manyAtWords", [], t.signal), ["src/app/boot.js:12 boot"]);
  });

  it("a line of many unclosed curly quotes is read once; a closed one is still a quote", HANG, async (t) => {
    assert.deepEqual(await inThread(READS, "unclosedCurlyQuotes", [], t.signal), ["the widget cannot be resized below its width"]);
  });

  it("prose left blank by many inline spans is read once for capitalised names", HANG, async (t) => {
    assert.deepEqual(await inThread(READS, "blankProse", [], t.signal), ["Resizer"]);
  });

  it("an inline span of many words is read once for the names it calls: `resize (w)` is named, `shrink` only a word of it", HANG, async (t) => {
    assert.deepEqual(await inThread(READS, "longInlineSpan", [], t.signal), ["resize"]);
  });
});
