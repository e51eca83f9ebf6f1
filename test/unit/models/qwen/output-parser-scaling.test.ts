/**
 * The streaming parser's work is linear in what it is fed, however small the chunks: each
 * character is examined a bounded number of times. Measured with the parser's own
 * counter of characters handed to scans and copies, not with a clock.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { QwenOutputParser } from "../../../../src/models/qwen/output-parser.ts";
import type { ChatStreamEvent, ToolDefinition } from "../../../../src/models/types.ts";

const WRITE_FILE: ToolDefinition = {
  name: "write_file",
  description: "Write a whole file.",
  parameters: { type: "object", properties: { path: { type: "string" }, content: { type: "string" } }, required: ["path", "content"] },
};

/** Examined characters allowed per input character. */
const PER_CHAR = 6;

/** ~`size` bytes of source text that also holds the format's own tags (as a test file of Hearth would). */
function sourceText(size: number): string {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = i % 97 === 5 ? `  const raw = "<tool_call>\\n<function=x>\\n<parameter=p>\\nv\\n</function>\\n</tool_call>"; // ${i}`
      : i % 89 === 7 ? " ".repeat(200)
      : `  export function item${i}(value: number): number { return value * ${i} + ${i % 13}; }`;
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join("\n");
}

function feed(output: string, chunkSize: number, startInThinking: boolean): { parser: QwenOutputParser; events: ChatStreamEvent[] } {
  const parser = new QwenOutputParser({ tools: [WRITE_FILE], startInThinking, newCallId: () => "call_1" });
  const events: ChatStreamEvent[] = [];
  for (let i = 0; i < output.length; i += chunkSize) events.push(...parser.push(output.slice(i, i + chunkSize)));
  events.push(...parser.end());
  return { parser, events };
}

test("a 300 KB write_file argument streamed in 1- to 16-byte chunks: right call, linear work", () => {
  const content = sourceText(300_000);
  const thinking = sourceText(20_000).replace(/<\/?t/g, "<x");
  const output = `${thinking}\n</think>\n\nWriting it.\n\n<tool_call>\n<function=write_file>\n<parameter=path>\nsrc/big.ts\n</parameter>\n<parameter=content>\n${content}\n</parameter>\n</function>\n</tool_call>`;
  for (const chunkSize of [1, 3, 8, 16]) {
    const { parser, events } = feed(output, chunkSize, true);
    const turn = parser.result();
    assert.deepEqual(turn.errors, [], `chunks of ${chunkSize}`);
    assert.equal(turn.message.toolCalls?.length, 1);
    assert.deepEqual(turn.message.toolCalls[0]!.arguments, { path: "src/big.ts", content }, `chunks of ${chunkSize}`);
    assert.equal(turn.message.thinking, `${thinking}\n`);
    assert.equal(turn.message.content, "Writing it.");
    assert.equal(events.filter((e) => e.type === "toolCall").length, 1);
    assert.ok(parser.charactersExamined <= PER_CHAR * output.length, `chunks of ${chunkSize}: ${parser.charactersExamined} characters examined for ${output.length} fed`);
  }
});

test("long runs the parser must hold back are linear too: whitespace in the answer, a bad call's junk, a huge name", () => {
  const spaces = " \n\t".repeat(100_000);
  const junk = sourceText(200_000).replace(/<\/tool_call>/g, "");
  const cases: Array<[string, string, (p: QwenOutputParser) => void]> = [
    ["whitespace before a call", `Answer.${spaces}<tool_call>\n<function=write_file>\n<parameter=path>\na\n</parameter>\n<parameter=content>\nb\n</parameter>\n</function>\n</tool_call>`,
      (p) => assert.deepEqual(p.result().message, { role: "assistant", content: "Answer.", toolCalls: [{ id: "call_1", name: "write_file", arguments: { path: "a", content: "b" } }] })],
    ["whitespace inside the answer", `Answer.${spaces}More.`, (p) => assert.equal(p.result().message.content, `Answer.${spaces}More.`)],
    ["junk in a bad call", `<tool_call>\n${junk}\n</tool_call>After.`, (p) => {
      assert.match(p.result().errors[0]!.message, /Expected "<function=TOOL_NAME>"/);
      assert.equal(p.result().errors[0]!.raw, `<tool_call>\n${junk}\n</tool_call>`);
      assert.equal(p.result().message.content, "After.");
    }],
    // Not one character again and again: that is a loop, which the parser stops (models/runaway.ts).
    ["a tool name that never ends", `<tool_call>\n<function=${Array.from({ length: 40_000 }, (_, i) => i.toString(36)).join("")}`, (p) => assert.match(p.result().errors[0]!.message, /ended before it was complete/)],
    ["a tool name of one character for ever: stopped as a loop", `<tool_call>\n<function=${"x".repeat(200_000)}`, (p) => {
      assert.match(p.result().errors[0]!.message, /its arguments fell into a loop — the same 1 character \("x"\)/);
      assert.ok(p.stopped);
    }],
    ["bare <function= that is text, held until its name is read", `${" <function=" + "n".repeat(79) + "\n".repeat(3) + " <function=read_file>\n"}`.repeat(2_000), (p) => {
      assert.equal(p.result().message.toolCalls, undefined);
      assert.equal(p.result().message.content.length, 2_000 * (11 + 79 + 3 + 22) - 2);
    }],
  ];
  for (const [name, output, check] of cases) {
    for (const chunkSize of [1, 8]) {
      const { parser } = feed(output, chunkSize, false);
      check(parser);
      assert.ok(parser.charactersExamined <= PER_CHAR * output.length, `${name}, chunks of ${chunkSize}: ${parser.charactersExamined} characters examined for ${output.length} fed`);
    }
  }
});

// A reply that came in one piece (a server or proxy that buffers, the scripted backend) holding
// many call examples that are text: after each one the parser searched the whole rest of the
// reply for <tool_call> again — 5,000 indented examples examined ~2,500 characters per one fed.
test("one big chunk with thousands of call examples that are text: linear work", () => {
  const example = "<function=write_file>\n<parameter=path>\na\n</parameter>\n</function>";
  const cases: Array<[string, string]> = [
    ["indented code", `The format:\n\n${`    ${example.replace(/\n/g, "\n    ")}\n`.repeat(5_000)}\nThat is all.`],
    ["a fence", `The format:\n\n\`\`\`\n${`${example}\n`.repeat(5_000)}\`\`\`\nThat is all.`],
    ["tools not offered", `Some tools: ${" <function=x> ".repeat(5_000)}. That is all.`],
  ];
  for (const [name, output] of cases) {
    for (const chunkSize of [output.length, 1]) {
      const { parser } = feed(output, chunkSize, false);
      assert.deepEqual(parser.result(), { message: { role: "assistant", content: output }, errors: [] }, name);
      assert.ok(parser.charactersExamined <= PER_CHAR * output.length, `${name}, chunks of ${chunkSize}: ${parser.charactersExamined} characters examined for ${output.length} fed`);
    }
  }
});
