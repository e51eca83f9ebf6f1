/** The streaming Qwen3.5 output parser: any chunking gives the same result; bad calls become errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQwenOutput, QwenOutputParser } from "../../../../src/models/qwen/output-parser.ts";
import { renderToolCallBody } from "../../../../src/models/qwen/prompt.ts";
import { parseToolCallBody } from "../../../../src/models/qwen/tool-call-syntax.ts";
import { buildQwenResponseGrammar } from "../../../../src/models/qwen/tool-grammar.ts";
import { TOOLS, mergedDeltas, parserOptions } from "./conversations.ts";
import { gbnfAccepts } from "./gbnf-matcher.ts";

/** Feeds `output` split at every boundary (and one char at a time) and checks all agree. */
function assertChunkingInvariant(output: string, startInThinking: boolean) {
  const whole = parseQwenOutput(output, parserOptions(startInThinking));
  const expected = mergedDeltas(whole.events);
  for (let cut = 0; cut <= output.length; cut++) {
    const parser = new QwenOutputParser(parserOptions(startInThinking));
    const events = [...parser.push(output.slice(0, cut)), ...parser.push(output.slice(cut)), ...parser.end()];
    assert.deepEqual(mergedDeltas(events), expected, `split at ${cut}`);
    assert.deepEqual(parser.result(), whole.turn, `split at ${cut}`);
  }
  const parser = new QwenOutputParser(parserOptions(startInThinking));
  const events = [...output].flatMap((ch) => parser.push(ch)).concat(parser.end());
  assert.deepEqual(mergedDeltas(events), expected, "one char at a time");
  return whole;
}

const READ_CALL = "<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.ts\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>";

test("thinking, text and a tool call, split at every character", () => {
  const output = `I should read the file.\n</think>\n\nLet me look.\n\n${READ_CALL}`;
  const { events, turn } = assertChunkingInvariant(output, true);
  assert.deepEqual(mergedDeltas(events), [
    { type: "thinking", text: "I should read the file.\n" },
    { type: "text", text: "Let me look." },
    { type: "toolCall", call: { id: "call_1", name: "read_file", arguments: { path: "src/main.ts", limit: 20 } } },
  ]);
  assert.deepEqual(turn.message, {
    role: "assistant", content: "Let me look.", thinking: "I should read the file.\n",
    toolCalls: [{ id: "call_1", name: "read_file", arguments: { path: "src/main.ts", limit: 20 } }],
  });
  assert.deepEqual(turn.errors, []);
});

test("values may contain tags, newlines and unicode; typed by the schema", () => {
  const output = "<tool_call>\n<function=edit>\n<parameter=path>\nü/🚀.ts\n</parameter>\n<parameter=search>\na </tool_call> b <parameter=x>\n\n</parameter>\n"
    + "<parameter=replace>\nline1\nline2\n</parameter>\n<parameter=dry_run>\nTrue\n</parameter>\n<parameter=options>\n{\"tabs\": 2}\n</parameter>\n"
    + "<parameter=lines>\n[1, 2]\n</parameter>\n<parameter=mode>\nfuzzy\n</parameter>\n</function>\n</tool_call>\n<tool_call>\n<function=read_file>\n<parameter=path>\nb\n</parameter>\n</function>\n</tool_call>";
  const { turn } = assertChunkingInvariant(output, false);
  assert.deepEqual(turn.errors, []);
  assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [
    { path: "ü/🚀.ts", search: "a </tool_call> b <parameter=x>\n", replace: "line1\nline2", dry_run: true, options: { tabs: 2 }, lines: [1, 2], mode: "fuzzy" },
    { path: "b" },
  ]);
});

test("a call rendered by the prompt renderer parses back to the same arguments", () => {
  const args = { path: "a b.ts", search: "x\n\ny", replace: "", dry_run: false, options: { tabs: 4, deep: [null] }, lines: [3], mode: "exact" };
  const { turn } = parseQwenOutput(`<tool_call>${renderToolCallBody({ name: "edit", arguments: args })}`, parserOptions(false));
  assert.deepEqual(turn.message.toolCalls?.[0]?.arguments, args);
});

const BAD_CALLS: Array<[string, string, RegExp]> = [
  ["no function tag", "<tool_call>\nread_file(path=1)\n</tool_call>", /Expected "<function=TOOL_NAME>"/],
  ["unknown tool", "<tool_call>\n<function=delete_everything>\n</function>\n</tool_call>", /Unknown tool "delete_everything". Available tools: read_file, edit/],
  ["unknown parameter", "<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n<parameter=colour>\nred\n</parameter>\n</function>\n</tool_call>", /has no parameter "colour". Its parameters: path, offset, limit/],
  ["missing required", "<tool_call>\n<function=read_file>\n<parameter=limit>\n3\n</parameter>\n</function>\n</tool_call>", /missing required parameter: path/],
  ["bad integer", "<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n<parameter=limit>\nten\n</parameter>\n</function>\n</tool_call>", /"limit" of tool "read_file": expected an integer, got "ten"/],
  ["bad enum", "<tool_call>\n<function=edit>\n<parameter=path>\na\n</parameter>\n<parameter=search>\na\n</parameter>\n<parameter=replace>\nb\n</parameter>\n<parameter=mode>\nregex\n</parameter>\n</function>\n</tool_call>", /"regex" is not one of "exact", "fuzzy"/],
  ["duplicate parameter", "<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n<parameter=path>\nb\n</parameter>\n</function>\n</tool_call>", /given more than once/],
  ["junk after function", "<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n</function>\noops</tool_call>", /Expected "<\/tool_call>"/],
  ["unclosed parameter at end", "<tool_call>\n<function=read_file>\n<parameter=path>\na", /no closing <\/parameter>/],
  ["bad json body", "<tool_call>\n{\"name\": \"read_file\", \"arguments\": [1]}\n</tool_call>", /needs "name" and an "arguments" object/],
];

for (const [name, output, message] of BAD_CALLS) {
  test(`malformed call becomes an error for the model: ${name}`, () => {
    const { events, turn } = assertChunkingInvariant(`Trying.\n${output}\nAfter.`, false);
    const errors = events.filter((e) => e.type === "toolCallError");
    assert.equal(errors.length, 1, JSON.stringify(events));
    assert.match(errors[0]!.message, message);
    assert.ok(errors[0]!.raw.startsWith("<tool_call>"));
    assert.equal(turn.message.toolCalls, undefined);
    assert.equal(turn.errors.length, 1);
  });
}

test("a call cut off by the end of the stream is an error", () => {
  const { turn } = assertChunkingInvariant("<tool_call>\n<function=read_f", false);
  assert.match(turn.errors[0]!.message, /ended before it was complete/);
});

test("syntax errors tell the model the expected format", () => {
  const { turn } = parseQwenOutput("<tool_call>\nnope\n</tool_call>", parserOptions(false));
  assert.match(turn.errors[0]!.message, /<tool_call>\n<function=TOOL_NAME>\n<parameter=PARAMETER_NAME>\nvalue\n<\/parameter>\n<\/function>\n<\/tool_call>/);
});

test("the older JSON form inside <tool_call> is accepted", () => {
  const { turn } = assertChunkingInvariant("<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"a\", \"limit\": 5}}\n</tool_call>", false);
  assert.deepEqual(turn.message.toolCalls?.[0]?.arguments, { path: "a", limit: 5 });
});

test("a call missing only its </tool_call> at the end of the stream is accepted", () => {
  const { turn } = parseQwenOutput("<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n</function>\n", parserOptions(false));
  assert.deepEqual(turn.message.toolCalls?.[0]?.arguments, { path: "a" });
});

// Qwen3-Coder and Qwen3.5/3.6 now and then leave out the opening tag after a sentence
// of preamble (ollama/ollama#16686, #18530), and the response grammar lets them: the
// call was shown as the answer and the run ended without running it.
const BARE_READ = "<function=read_file>\n<parameter=path>\na\n</parameter>\n</function>";

test("a call that leaves out <tool_call> is still a call; its orphan </tool_call> is dropped", () => {
  const grammar = buildQwenResponseGrammar(TOOLS, { thinking: true });
  assert.ok(gbnfAccepts(grammar, `hmm\n</think>\n\nI'll read it.\n\n${BARE_READ}\n</tool_call>`), "the embedded backend's grammar allows it");
  const read = { id: "call_1", name: "read_file", arguments: { path: "a" } };
  for (const output of [`I'll read it.\n\n${BARE_READ}\n</tool_call>`, `I'll read it. ${BARE_READ}`, `I'll read it.\n${BARE_READ}\n</tool_call>\nThen more.`]) {
    const { turn } = assertChunkingInvariant(output, false);
    assert.deepEqual(turn.errors, [], output);
    assert.deepEqual(turn.message.toolCalls, [read], output);
    assert.match(turn.message.content, /^I'll read it\.(\nThen more\.)?$/, output);
  }
  const both = assertChunkingInvariant(`${BARE_READ}\n</tool_call>\n${READ_CALL}`, false);
  assert.equal(both.turn.message.toolCalls?.length, 2);
  const malformed = assertChunkingInvariant("Reading.\n<function=read_file>\n<parameter=path>\na\n</function>", false);
  assert.match(malformed.turn.errors[0]!.message, /no closing <\/parameter>/);
  assert.ok(malformed.turn.errors[0]!.raw.startsWith("<function=read_file>"), malformed.turn.errors[0]!.raw);
});

test("<function=…> that is prose stays text: inside a word or code span, or naming no offered tool", () => {
  for (const output of ["Write `<function=read_file>` to call it.", "x<function=read_file>\n</function>", "<function=delete_all>\n</function>\n</tool_call>", "<function=read_file", "<function=read_file\nno"]) {
    const { turn } = assertChunkingInvariant(output, false);
    assert.deepEqual(turn, { message: { role: "assistant", content: output }, errors: [] }, output);
  }
});

// A tool named in prose as <function=NAME> was read as a malformed call: the answer was cut
// there, and what followed — the rest of the answer, even a real call — went into an error.
test("a tool named as <function=NAME> in a sentence, a list or a quoted log is text; what follows stays the answer", () => {
  for (const output of [
    "The tools:\n- <function=read_file> reads a file\n- edit changes one.\n\nAsk me anything.",
    "Write <function=read_file> then the parameters.",
    "It logged <function=read_file>\n\nand nothing else.",
  ]) {
    const { turn } = assertChunkingInvariant(output, false);
    assert.deepEqual(turn, { message: { role: "assistant", content: output }, errors: [] }, output);
  }
  const log = "The log says:\n\n    error near <function=read_file> in parser\n\nSo I read it.";
  const { turn } = assertChunkingInvariant(`${log}\n\n${READ_CALL}`, false);
  assert.deepEqual(turn.errors, []);
  assert.equal(turn.message.content, log);
  assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [{ path: "src/main.ts", limit: 20 }]);
});

// A call example in a fence was run as a call (under auto-all, with no question asked).
test("a call written as an example in a fenced code block is text, not a call; after the fence a bare call counts again", () => {
  for (const fence of ["```", "```xml", "~~~", "  ````"]) {
    const close = fence.trim().replace(/[^`~]/g, "");
    const example = `Call it like this:\n\n${fence}\n${BARE_READ}\n</tool_call>\n${close}\n\nThat is the format.`;
    const { turn } = assertChunkingInvariant(example, false);
    assert.deepEqual(turn, { message: { role: "assistant", content: example }, errors: [] }, example);
    const after = assertChunkingInvariant(`${example}\n${BARE_READ}`, false);
    assert.equal(after.turn.message.content, example);
    assert.deepEqual(after.turn.message.toolCalls?.map((c) => c.arguments), [{ path: "a" }], example);
  }
  // Backticks inside a line open no fence.
  const inline = assertChunkingInvariant(`Use \`\`\`code\`\`\` here.\n${BARE_READ}`, false);
  assert.equal(inline.turn.message.toolCalls?.length, 1);
});

// A fence opened on a list item's line or in a block quote was not seen: the example in it
// was read as a call — run, or a format error that cut the answer there.
test("a call example in a fence that starts a list item or sits in a block quote is text", () => {
  const indented = (prefix: string) => BARE_READ.replace(/\n/g, `\n${prefix}`);
  for (const example of [
    `Steps:\n\n- \`\`\`xml\n  ${indented("  ")}\n  \`\`\`\n- Then run it.`,
    `Steps:\n\n1. \`\`\`xml\n   ${indented("   ")}\n   \`\`\`\n2. Then run it.`,
    "As the docs say:\n\n> ```xml\n> <function=read_file></function>\n> ```\n\nThat is all.",
  ]) {
    const { turn } = assertChunkingInvariant(example, false);
    assert.deepEqual(turn, { message: { role: "assistant", content: example }, errors: [] }, example);
  }
  // A list item's marker opens no fence inside a block: the block's content is not its closing.
  const inBlock = assertChunkingInvariant(`\`\`\`\n- \`\`\`\n${BARE_READ}\n\`\`\`\nDone.`, false);
  assert.deepEqual(inBlock.turn.errors, []);
  assert.equal(inBlock.turn.message.toolCalls, undefined);
});

// A call example in a 4-space-indented code block (Markdown's other code block) was read as a
// call: run when complete, else a format error that cut the answer there.
const ONE_LINE = "<function=read_file><parameter=path>a</parameter></function>";
test("a call example in an indented code block is text; a call at a line's start, or continuing a list item, is a call", () => {
  const indent = (prefix: string, text: string) => text.replace(/^/gm, prefix);
  for (const example of [
    `Call it like this:\n\n${indent("    ", BARE_READ)}\n\nThat is the format.`,
    `Call it like this:\n\n${indent("\t", BARE_READ)}\n\nThat is the format.`,
    `Call it like this:\n\n    ${ONE_LINE}`,
    `Call it like this:\n  \n      ${ONE_LINE}\n\nOr:\n\n    ${ONE_LINE}`,
    `Steps done.\n\n- one\n- two\n\nThe format:\n\n    ${ONE_LINE}`,
  ]) {
    const { turn } = assertChunkingInvariant(example, false);
    assert.deepEqual(turn, { message: { role: "assistant", content: example }, errors: [] }, example);
    // After the block, a call at a line's start counts again.
    const after = assertChunkingInvariant(`${example}\n\n${BARE_READ}`, false);
    assert.equal(after.turn.message.content, example);
    assert.deepEqual(after.turn.message.toolCalls?.map((c) => c.arguments), [{ path: "a" }], example);
  }
  for (const output of [
    `Reading it:\n${ONE_LINE}`,
    `Reading it:\n    ${ONE_LINE}`,
    `    ${ONE_LINE}`,
    `Plan:\n\n1. Read it:\n\n    ${ONE_LINE}`,
    `Plan:\n\n- Read it\n\n    ${ONE_LINE}`,
  ]) {
    const { turn } = assertChunkingInvariant(output, false);
    assert.deepEqual(turn.errors, [], output);
    assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [{ path: "a" }], output);
  }
});

// A model writing `<function = read_file>` or `<parameter = path>` had its call refused as
// "Expected <function=TOOL_NAME>": the spaces mean nothing to the call.
test("spaces around a tag's = or its name do not break a call", () => {
  for (const output of [
    "<tool_call>\n<function = read_file>\n<parameter = path>\na\n</parameter>\n</function>\n</tool_call>",
    "<tool_call>\n<function =read_file>\n<parameter\t=path>\na\n</parameter>\n</function>\n</tool_call>",
    "<tool_call>\n<function= read_file >\n<parameter=path  >\na\n</parameter>\n</function>\n</tool_call>",
    "<tool_call>\r\n<function = read_file>\r\n<parameter = path>\r\na\r\n</parameter>\r\n</function>\r\n</tool_call>",
  ]) {
    const { turn } = assertChunkingInvariant(`Reading.\n${output}`, false);
    assert.deepEqual(turn.errors, [], output);
    assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [{ path: "a" }], output);
    const whole = parseToolCallBody(output.slice("<tool_call>".length), false);
    assert.deepEqual(whole.kind === "complete" ? whole.call : whole, { name: "read_file", parameters: [["path", "a"]] }, output);
  }
  // Still no call: no `=` at all, or another tag.
  for (const output of ["<tool_call>\n<function read_file>\n</function>\n</tool_call>", "<tool_call>\n<functions=read_file>\n</function>\n</tool_call>"]) {
    const { turn } = assertChunkingInvariant(output, false);
    assert.match(turn.errors[0]!.message, /Expected "<function=TOOL_NAME>"/, output);
  }
});

// With exactly 8 spaces before the `=`, a chunk that ended after the spaces made the streaming
// reader refuse the call that whole text read; and the whole-text parser took any number of
// spaces where the reader stops at 8.
test("spaces before a tag's =: the most allowed read however the output is cut; one more is refused by both parsers", () => {
  const output = (spaces: number) => `<tool_call>\n<function${" ".repeat(spaces)}=read_file>\n<parameter${"\t".repeat(spaces)}=path>\na\n</parameter>\n</function>\n</tool_call>`;
  const most = assertChunkingInvariant(output(8), false);
  assert.deepEqual(most.turn.errors, []);
  assert.deepEqual(most.turn.message.toolCalls?.map((c) => c.arguments), [{ path: "a" }]);
  const tooMany = assertChunkingInvariant(output(9), false);
  assert.match(tooMany.turn.errors[0]!.message, /Expected "<function=TOOL_NAME>"/);
  assert.equal(parseToolCallBody(output(9).slice("<tool_call>".length), false).kind, "error");
});

// After a CRLF </think>, the answer streamed to the chat began with blank lines.
test("the line ends after </think> are dropped, CRLF too", () => {
  for (const output of ["hmm\n</think>\n\nLet me look.", "hmm\r\n</think>\r\n\r\nLet me look."]) {
    const { events } = assertChunkingInvariant(output, true);
    assert.deepEqual(mergedDeltas(events).filter((e) => e.type === "text"), [{ type: "text", text: "Let me look." }], JSON.stringify(output));
  }
});

test("a model that opens <think> itself, and thinking that never closes", () => {
  const opened = assertChunkingInvariant("<think>\nhmm\n</think>\n\nanswer", false);
  assert.deepEqual(opened.turn.message, { role: "assistant", content: "answer", thinking: "\nhmm\n" });
  const unclosed = assertChunkingInvariant("still thinking </thi", true);
  assert.deepEqual(unclosed.turn.message, { role: "assistant", content: "", thinking: "still thinking </thi" });
  const plain = assertChunkingInvariant("  plain <tool_ answer <  ", false);
  assert.deepEqual(plain.turn.message, { role: "assistant", content: "plain <tool_ answer <" });
});

test("never throws on random fragments of the format", () => {
  const pieces = ["<tool_call>", "</tool_call>", "<function=", "read_file", "edit", ">", "\n", "<parameter=", "path", "</parameter>", "</function>", "<think>", "</think>", "{", "}", "\"", "x", "42", "<", "/"];
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 500; i++) {
    const output = Array.from({ length: Math.floor(rand() * 30) }, () => pieces[Math.floor(rand() * pieces.length)]).join("");
    const parser = new QwenOutputParser(parserOptions(rand() < 0.5));
    const cut = Math.floor(rand() * output.length);
    assert.doesNotThrow(() => { parser.push(output.slice(0, cut)); parser.push(output.slice(cut)); parser.end(); parser.result(); }, output);
  }
});
