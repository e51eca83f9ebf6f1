import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MIN_CHARS, RunawayDetector, collapseRunaway, describeRunaway, stopRunaway } from "../../../src/models/runaway.ts";
import type { ChatRequest, ChatStreamEvent } from "../../../src/models/index.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";

/** Feeds `text` in pieces of `size` characters, as a stream; the loop found and how much was fed when it was. */
function feed(text: string, size = 7): { found: ReturnType<RunawayDetector["push"]>; fedWhenFound: number } {
  const detector = new RunawayDetector();
  for (let i = 0; i < text.length; i += size) {
    const found = detector.push(text.slice(i, i + size));
    if (found) return { found, fedWhenFound: Math.min(text.length, i + size) };
  }
  return { found: undefined, fedWhenFound: text.length };
}

describe("RunawayDetector: loops are caught while they stream", () => {
  it("one line written again and again, after a normal start: caught within a few thousand characters, the loop's start and unit found", () => {
    const head = "Let me look at the failing test first.\n";
    const line = "I will now read the file.\n";
    const text = head + line.repeat(10_000);
    const { found, fedWhenFound } = feed(text);
    assert.ok(found, "caught");
    assert.ok(fedWhenFound < MIN_CHARS + 200, `caught after ${fedWhenFound} of ${text.length} characters`);
    assert.equal(found.unit, line);
    assert.equal(found.start, head.length);
    const collapsed = collapseRunaway(text.slice(0, fedWhenFound), found);
    assert.equal(collapsed, `${head}${line}${line}[… the same 26 characters ("I will now read the file.\\n") written ${Math.floor((fedWhenFound - head.length) / line.length)} times in a row: Hearth stopped the reply here]`);
  });

  it("a reply that is the loop from its first character: the unit is the line as written, from the start", () => {
    const line = "I will now read the file.\n";
    const { found } = feed(line.repeat(1000), 500);
    assert.deepEqual(found && { start: found.start, unit: found.unit }, { start: 0, unit: line });
  });

  it("a token cycle ('the the the …') and a run of one character ('}}}}'): caught", () => {
    assert.equal(feed("So the answer is " + "the ".repeat(5000)).found?.unit, "the ");
    assert.equal(feed("x = {" + "}".repeat(20_000), 13).found?.unit, "}");
  });

  it("a paragraph of several hundred characters repeated: caught, the whole paragraph the unit", () => {
    const paragraph = "The function add in calc.py returns a - b instead of a + b. I should fix it by changing the operator, then run the tests to see that they pass. ".repeat(3) + "\n\n";
    assert.ok(paragraph.length > 400);
    const { found } = feed("Thinking about it.\n" + paragraph.repeat(40), 11);
    assert.equal(found?.unit, paragraph);
  });

  it("describes the loop with its unit cut to 60 characters", () => {
    const unit = "a".repeat(30) + "b".repeat(40);
    assert.equal(describeRunaway({ start: 0, unit, length: unit.length * 9 + 3 }), `the same 70 characters ("${"a".repeat(30)}${"b".repeat(27)}…") written 9 times in a row`);
  });

  it("once found, the same loop is given back", () => {
    const detector = new RunawayDetector();
    const first = detector.push("ab".repeat(5000));
    assert.ok(first);
    assert.equal(detector.push("more"), first);
    assert.equal(detector.result(), first);
  });
});

describe("RunawayDetector: text that repeats legitimately is not caught", () => {
  it("a long markdown table", () => {
    const rows = Array.from({ length: 400 }, (_, i) => `| test_case_${i} | passed | ${(i * 0.013).toFixed(3)}s |`);
    assert.equal(feed(`| test | result | time |\n|---|---|---|\n${rows.join("\n")}\n`).found, undefined);
  });

  it("a test log of many PASSED lines, each a different test", () => {
    const log = Array.from({ length: 500 }, (_, i) => `tests/test_calc.py::test_add_${i} PASSED${" ".repeat(20)}[${String(Math.floor((i * 100) / 500)).padStart(3)}%]`).join("\n");
    assert.equal(feed(log).found, undefined);
  });

  it("a numbered list", () => {
    const list = Array.from({ length: 600 }, (_, i) => `${i + 1}. Check the item.`).join("\n");
    assert.equal(feed(list).found, undefined);
  });

  it("long rules: a line of 200 '=' and a column of '-----' lines, in a real answer", () => {
    const rule = "=".repeat(200);
    const column = "-----\n".repeat(60);
    const text = `Results\n${rule}\n${"All good, nothing to change.\n"}${column}Summary: 3 files changed.\n${rule}\n`.repeat(5);
    assert.equal(feed(text).found, undefined);
  });

  it("a hex dump (addresses differ line to line, even over zeroed memory)", () => {
    const dump = Array.from({ length: 300 }, (_, i) => `${(i * 16).toString(16).padStart(8, "0")}: 0000 0000 0000 0000 0000 0000 0000 0000  ................`).join("\n");
    assert.equal(feed(dump).found, undefined);
  });

  it("base64", () => {
    let seed = 7;
    const bytes = Buffer.from(Array.from({ length: 6000 }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff));
    assert.equal(feed(bytes.toString("base64").replace(/(.{76})/g, "$1\n")).found, undefined);
  });

  it("a line repeated a few times (a model quoting the same error 5 times) is under the threshold", () => {
    const text = "Error: cannot find module 'left-pad' imported from /work/app/src/index.ts at line 3\n".repeat(5) + "So the package is missing.";
    assert.equal(feed(text).found, undefined);
  });
});

describe("stopRunaway: a reply streamed with no agent loop around it (hearth chat, VS Code's chat)", () => {
  /** The scripted backend, counting the chunks it streams. */
  async function counted(turn: { text?: string; thinking?: string }): Promise<{ backend: ScriptedBackend; sent: () => number; chat: (r: ChatRequest) => AsyncIterable<ChatStreamEvent> }> {
    const backend = new ScriptedBackend({ turns: [turn], chunkSize: 8 });
    await backend.load();
    let sent = 0;
    return {
      backend,
      sent: () => sent,
      chat: async function* (request) {
        for await (const e of backend.chat(request)) {
          if (e.type === "text" || e.type === "thinking") sent++;
          yield e;
        }
      },
    };
  }

  it("stops the generation a few thousand characters into a loop, says so in a notice, and ends 'aborted'", async () => {
    const { sent, chat } = await counted({ text: "Sure.\n" + "I will now read the file.\n".repeat(10_000) });
    const events: ChatStreamEvent[] = [];
    for await (const e of stopRunaway({ messages: [{ role: "user", content: "hi" }], thinking: false }, chat)) events.push(e);
    assert.ok(sent() < 600, `${sent()} chunks of 32,500`);
    const text = events.filter((e) => e.type === "text").map((e) => e.text).join("");
    assert.ok(text.length < MIN_CHARS + 200, `${text.length} characters passed`);
    const notices = events.filter((e) => e.type === "notice");
    assert.equal(notices.length, 1);
    assert.match(notices[0]!.text, /^Hearth stopped the reply: its text fell into a loop — the same 26 characters \("I will now read the file\.\\n"\) written \d+ times in a row\. Ask again in other words/);
    assert.deepEqual(events.at(-1), { type: "done", stopReason: "aborted" });
  });

  it("passes a reply that does not loop as it is, and the caller's Stop still stops it", async () => {
    const { chat } = await counted({ text: "The bug is in add()." });
    const events: ChatStreamEvent[] = [];
    for await (const e of stopRunaway({ messages: [{ role: "user", content: "hi" }], thinking: false }, chat)) events.push(e);
    assert.equal(events.filter((e) => e.type === "text").map((e) => e.text).join(""), "The bug is in add().");
    assert.equal(events.at(-1)?.type === "done" && events.at(-1)!.type, "done");
    const stop = new AbortController();
    const long = await counted({ text: "word ".repeat(10) + "and so on. ".repeat(5) });
    const seen: ChatStreamEvent[] = [];
    for await (const e of stopRunaway({ messages: [{ role: "user", content: "hi" }], thinking: false, signal: stop.signal }, long.chat)) {
      seen.push(e);
      if (e.type === "text") stop.abort();
    }
    assert.equal(long.sent(), 1);
    assert.deepEqual(seen.at(-1), { type: "done", stopReason: "aborted" });
  });
});
