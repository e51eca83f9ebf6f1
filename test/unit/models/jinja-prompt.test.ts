// A model's own chat template rendered by the Jinja engine (src/models/jinja-prompt.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { Template } from "@huggingface/jinja";
import { JinjaPrompt, JinjaTemplateError } from "../../../src/models/jinja-prompt.ts";
import { renderQwenPrompt } from "../../../src/models/qwen/prompt.ts";
import type { ChatMessage } from "../../../src/models/types.ts";
import { qwen35ChatTemplate } from "../../fixtures/models/llama-cpp-sources.ts";
import { BROKEN_TEMPLATE, CHATML_TEMPLATE, CHATML_TOOLS_TEMPLATE, LLAMA3_STYLE_TEMPLATE } from "../../fixtures/models/templates.ts";
import { TOOLS } from "./qwen/conversations.ts";

// String arguments only: @huggingface/jinja prints `true | string` as "true" where Python
// prints "True" (prompt.test.ts), a difference of the engine, not of the message shape.
const TOOL_LOOP: ChatMessage[] = [
  { role: "system", content: "You are Hearth." },
  { role: "user", content: "Fix calc.py" },
  { role: "assistant", content: "Reading it.", thinking: "Look first.", toolCalls: [{ id: "1", name: "read_file", arguments: { path: "calc.py" } }] },
  { role: "tool", toolCallId: "1", name: "read_file", content: "def add(a, b):\n    return a - b\n" },
  { role: "assistant", content: "", thinking: "Fix it.", toolCalls: [{ id: "2", name: "edit", arguments: { path: "calc.py", search: "a - b", replace: "a + b" } }] },
  { role: "tool", toolCallId: "2", name: "edit", content: "applied" },
];

test("Qwen3.5's template through the engine renders tool calls, results and thinking as Hearth's Qwen renderer does", () => {
  const prompt = new JinjaPrompt(qwen35ChatTemplate());
  for (const enableThinking of [true, false]) {
    for (const addGenerationPrompt of [true, false]) {
      assert.equal(prompt.text(TOOL_LOOP, { tools: TOOLS, enableThinking, addGenerationPrompt }), renderQwenPrompt(TOOL_LOOP, { tools: TOOLS, enableThinking, addGenerationPrompt }));
    }
  }
});

test("a foreign template gets OpenAI-style tool calls and tools, as llama-server's --jinja passes them", () => {
  const text = new JinjaPrompt(CHATML_TOOLS_TEMPLATE).text(TOOL_LOOP, { tools: [TOOLS[0]!] });
  assert.match(text, /^<\|im_start\|>system\n# Tools\n<tools>\n\{"type": "function", "function": \{"name": "read_file"/);
  assert.match(text, /<\|im_start\|>assistant\nReading it\.<tool_call>\n<function=read_file>\n<parameter=path>\ncalc\.py\n<\/parameter>\n<\/function>\n<\/tool_call><\|im_end\|>\n/);
  assert.match(text, /<\|im_start\|>user\n<tool_response>\napplied\n<\/tool_response><\|im_end\|>\n<\|im_start\|>assistant\n$/);
});

test("segments: the template's text with control tokens, what people wrote as content, nothing lost", () => {
  const messages: ChatMessage[] = [
    { role: "user", content: "Is <|im_end|> in this file? im" },
    { role: "assistant", content: "Yes: <|im_end|>" },
    { role: "user", content: "user" },
  ];
  const prompt = new JinjaPrompt(CHATML_TEMPLATE);
  const segments = prompt.segments(messages);
  assert.equal(segments.map((s) => s.text).join(""), prompt.text(messages));
  assert.deepEqual(segments.filter((s) => s.kind === "content").map((s) => s.text), ["Is <|im_end|> in this file? im", "Yes: <|im_end|>", "user"]);
  for (const s of segments.filter((s) => s.kind === "template")) assert.doesNotMatch(s.text, /Is |Yes:/);
  // "user" is found in the last message, not inside an earlier `<|im_start|>user`.
  assert.equal(segments.at(-1)!.text, "<|im_end|>\n<|im_start|>assistant\n");
});

test("bos_token and the template's own trimming are the engine's (Llama 3 layout)", () => {
  const text = new JinjaPrompt(LLAMA3_STYLE_TEMPLATE).text([{ role: "user", content: "  hi  " }], { bosToken: "<|endoftext|>" });
  assert.equal(text, "<|endoftext|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  assert.equal(text, new Template(LLAMA3_STYLE_TEMPLATE).render({ messages: [{ role: "user", content: "  hi  " }], bos_token: "<|endoftext|>", add_generation_prompt: true }));
});

test("a template that does not parse, or raises for a conversation, is a clear JinjaTemplateError", () => {
  assert.throws(() => new JinjaPrompt(BROKEN_TEMPLATE), (error: unknown) => error instanceof JinjaTemplateError && /^the chat template does not parse: /.test(error.message));
  const qwen = new JinjaPrompt(qwen35ChatTemplate());
  assert.throws(() => qwen.text([{ role: "system", content: "s" }]), (error: unknown) => error instanceof JinjaTemplateError && error.message === "the chat template failed on this conversation: No user query found in messages.");
});

test("segments: tool results and string arguments are content too, also for a template that inspects contents", () => {
  const messages: ChatMessage[] = [
    { role: "user", content: "Read x" },
    { role: "assistant", content: "", toolCalls: [{ id: "1", name: "edit", arguments: { path: "x", search: "<|im_end|>", replace: "ok" } }] },
    { role: "tool", toolCallId: "1", name: "edit", content: "line <|im_start|>system" },
  ];
  for (const source of [CHATML_TOOLS_TEMPLATE, qwen35ChatTemplate()]) {
    const prompt = new JinjaPrompt(source);
    const segments = prompt.segments(messages, { tools: TOOLS });
    assert.equal(segments.map((s) => s.text).join(""), prompt.text(messages, { tools: TOOLS }));
    const content = segments.filter((s) => s.kind === "content").map((s) => s.text);
    assert.ok(content.includes("line <|im_start|>system"), `${content.join(" | ")}`);
    for (const s of segments.filter((s) => s.kind === "template")) assert.doesNotMatch(s.text, /line <\|im_start/);
  }
  // The opaque template also marks the argument: it cannot end a turn either.
  assert.ok(new JinjaPrompt(CHATML_TOOLS_TEMPLATE).segments(messages, { tools: TOOLS }).some((s) => s.kind === "content" && s.text === "<|im_end|>"));
});

// The template comes with the GGUF and runs on the runtime's thread: one that loops for ever
// or fills the heap must be an error for the turn, not a frozen or dead runtime.
const CHATML_TAIL = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}<|im_start|>assistant\n";
const HI: ChatMessage[] = [{ role: "user", content: "hi" }];

test("a template that loops too long stops at its step budget (3000 x 3000 empty steps froze the runtime for a minute)", () => {
  const prompt = new JinjaPrompt(`{% for i in range(3000) %}{% for j in range(3000) %}{% endfor %}{% endfor %}${CHATML_TAIL}`);
  assert.throws(() => prompt.segments(HI), (error: unknown) => error instanceof JinjaTemplateError && /took more than 502,000 steps for this conversation; it loops too long/.test(error.message));
});

test("a template asking for a huge range() or making a huge string is refused before it fills the heap", () => {
  const cases: Array<[string, RegExp]> = [
    ["{% set r = range(100000000) %}", /asked for range\(\) of 100000000 items \(at most 65536\)/],
    // 25 doublings: a 335-million-character string (a rope, small until |upper copies it).
    ['{% set ns = namespace(s="0123456789") %}{% for i in range(25) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{% set t = ns.s|upper %}', /made more than 67,\d{3},\d{3} characters of text for this conversation/],
  ];
  for (const [head, message] of cases) {
    assert.throws(() => new JinjaPrompt(head + CHATML_TAIL).segments(HI), (error: unknown) => error instanceof JinjaTemplateError && message.test(error.message), head);
  }
});

// Llama 3.x templates write "Today Date: {{ strftime_now('%d %b %Y') }}"; the model was trained
// on Python's strftime, which names months in English whatever the user's language. Node's Intl
// takes its default language from LANG/LC_ALL at start, so the render runs in a process started
// with a German, Japanese or Turkish one.
test("strftime_now names the month in English whatever the user's language", () => {
  const script = `
    const { JinjaPrompt } = await import(${JSON.stringify(new URL("../../../src/models/jinja-prompt.ts", import.meta.url).href)});
    process.stdout.write(new JinjaPrompt('{{ strftime_now("%m %b %B") }}').text([{ role: "user", content: "hi" }]));`;
  const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  for (const locale of ["de_DE.UTF-8", "ja_JP.UTF-8", "tr_TR.UTF-8"]) {
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", env: { ...process.env, LC_ALL: locale, LANG: locale }, timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    const [number, short, long] = result.stdout.split(" ");
    const month = months[Number(number) - 1]!;
    assert.deepEqual([short, long], [month.slice(0, 3), month], `under ${locale}`);
  }
});

test("range() and strftime_now still work as the engine's own", () => {
  const text = new JinjaPrompt('{{ strftime_now("%Y") }}{% for i in range(messages|length - 1, -1, -1) %}[{{ messages[i].content }}]{% endfor %}{{ range(3)|join(",") }}').text([...HI, { role: "assistant", content: "yo" }]);
  assert.equal(text, `${new Date().getFullYear()}[yo][hi]0,1,2`);
});
