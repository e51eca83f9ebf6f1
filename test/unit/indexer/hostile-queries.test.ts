// Issue texts built to be slow to read: each case read in quadratic time before its fix
// (a single line of a quarter of a megabyte took from tens of seconds to minutes per
// reading, and `hearth locate` reads a query several times). Each reading runs on a thread
// of its own, so the test's timeout ends a hang; the assertions are about what is read.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_QUERY_CHARS, boundQuery, parseQueryEvidence } from "../../../src/indexer/query-evidence.ts";
import { inThread } from "./helpers/in-thread.ts";

const READS = new URL("./helpers/hostile-reads.ts", import.meta.url);
// Each took 10 s or more before its fix on the development machine, and well under a
// second after. The timeout only ends a hang (a loaded machine must not fail these): how fast
// each shape is read, against ordinary prose, is measured by test/bench/query-shapes.ts
// (BENCHMARKS.md, "Hostile query shapes").
const HANG = { timeout: 120_000 };

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

  it("an inline span of many words is read once for the names it calls: `resize (w)` is named, `shrink` only used", HANG, async (t) => {
    // hearth locate reads the query several times: 37 s before, under 2 s after.
    const out = await inThread<string>(READS, "longInlineSpan", [], t.signal);
    const lines = out.split("\n");
    const reasons = lines[lines.findIndex((l) => l.endsWith("  src/widget.py")) + 1] ?? "";
    assert.match(reasons, /^ +defines resize; defines shrink \(used in the example\);/, out);
  });

  it("a word of many characters with no '.', '/' or '\\' (a blob) is read once for paths; the paths around it are still read", HANG, async (t) => {
    // The path patterns read such a run once from each of its characters: 320,000 hex digits
    // took minutes; a query's 400-character words (boundQuery) took most of hearth locate's time.
    assert.deepEqual(await inThread(READS, "longWordPaths", [], t.signal), ["src/app/boot.js:12", "lib/x/y:", "conf.py:"]);
  });

  it("the entities of a file of many definitions are found without a pass over the file for each definition", HANG, async (t) => {
    // A generated module of 30,000 functions: 26 s before, 2 s after (most of it the index build).
    assert.deepEqual(await inThread(READS, "manyDefinitions", [], t.signal), [
      "on_7: traceback frame events.py:8 in on_7; named in the issue; its text has the issue's words; in file #1",
      "on_0: in file #1",
      "on_1: in file #1",
    ]);
  });

  it("the entities of a line of many definitions are found with the line read once, not once per definition", HANG, async (t) => {
    // 20,000 functions on one line of a generated file after ordinary ones: each read the whole
    // line for its words, its references and its members — 4,000 took 165 s before.
    // The line is read as each definition's text, as before: each "uses" all of it.
    assert.deepEqual(await inThread(READS, "definitionsOnOneLine", [], t.signal), [
      "gen/table.js:2301 handler7: named in the issue; uses: parseWidget0, parseWidget7; its text has the issue's words; in file #2",
      "src/widget.js:1 parseWidget7: named in the issue; its text has the issue's words; called from handler7; in file #1",
    ]);
  });
});

describe("an issue text too long to read whole", () => {
  const frame = (i: number) => `  File "/srv/app/pkg/step${i}.py", line ${i + 1}, in step${i}\n`;
  const frames = (text: string) => parseQueryEvidence(text).paths.filter((p) => p.frame).map((p) => p.path);

  it("is read as its beginning and its end, cut between lines: the title and the innermost frame stay, the middle of a 20 MB trace does not", () => {
    const trace = Array.from({ length: 400_000 }, (_, i) => frame(i)).join("");
    const text = `Crash in step\n\nTraceback (most recent call last):\n${trace}ValueError: bad step\n`;
    assert.ok(text.length > 20_000_000);
    const bounded = boundQuery(text);
    assert.ok(bounded.length <= MAX_QUERY_CHARS, `${bounded.length}`);
    assert.ok(bounded.startsWith("Crash in step\n\nTraceback (most recent call last):\n" + frame(0)));
    assert.ok(bounded.endsWith(frame(399_999) + "ValueError: bad step\n"));
    // Whole lines only: no frame is made of the end of one line and the start of another.
    const whole = (line: string) => {
      const m = /^ {2}File "\/srv\/app\/pkg\/step(\d+)\.py", line (\d+), in step(\d+)$/.exec(line);
      return m ? Number(m[2]) === Number(m[1]) + 1 && m[3] === m[1] : ["", "Crash in step", "Traceback (most recent call last):", "ValueError: bad step"].includes(line);
    };
    assert.deepEqual(bounded.split("\n").filter((line) => !whole(line)), []);
    const read = frames(text);
    assert.ok(read.includes("srv/app/pkg/step0.py") && read.includes("srv/app/pkg/step399999.py"));
    assert.ok(!read.includes("srv/app/pkg/step200000.py"));
    assert.deepEqual(parseQueryEvidence(text), parseQueryEvidence(bounded));
  });

  it("a single line too long is cut between characters, never inside a surrogate pair", () => {
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    // Every offset of the pairs against both cuts.
    for (const before of ["", "a", "ab"]) {
      for (const after of ["", "z", "yz"]) {
        const text = `Emoji${before}\n${"😀 ".repeat(MAX_QUERY_CHARS / 2)}${after}`;
        const bounded = boundQuery(text);
        assert.ok(bounded.length <= MAX_QUERY_CHARS);
        assert.ok(!lone.test(bounded), `${JSON.stringify(before)} ${JSON.stringify(after)}`);
        assert.ok(bounded.startsWith(`Emoji${before}\n😀 `) && bounded.endsWith(`😀 ${after}`));
      }
    }
  });

  it("an issue of ordinary length is read whole", () => {
    const text = `Crash in step\n\n${frame(1).repeat(2_000)}`;
    assert.equal(boundQuery(text), text);
  });
});
