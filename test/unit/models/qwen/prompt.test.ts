/**
 * Our Qwen3.5 renderer against the real chat template (from node-llama-cpp's bundled
 * llama.cpp) run by a real Jinja engine: byte-for-byte equal on every conversation.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderQwenPrompt, renderQwenPromptSegments, QwenPromptError } from "../../../../src/models/qwen/prompt.ts";
import type { ChatMessage, ToolDefinition } from "../../../../src/models/types.ts";
import { qwen35ChatTemplate } from "../../../fixtures/models/llama-cpp-sources.ts";
import { CASES, randomConversation } from "./conversations.ts";
import { jinjaReference, pythonFaithful } from "./jinja-reference.ts";

/**
 * @huggingface/jinja 0.5.11 ignores the argument of `lstrip('\n')` / `rstrip('\n')` and
 * strips all whitespace; Python's Jinja (what Qwen's tooling runs) and llama.cpp's engine
 * strip only newlines. It also prints `true | string` as "true" where Python prints "True"
 * (and None for null). Route those calls to Python-faithful functions;
 * prompt-python-jinja.test.ts compares with Python's Jinja2 itself.
 */
const reference = jinjaReference(qwen35ChatTemplate());

function jinja(messages: readonly ChatMessage[], tools: readonly ToolDefinition[] | undefined, addGenerationPrompt: boolean, enableThinking: boolean): string {
  return reference(messages, { ...(tools ? { tools } : {}), addGenerationPrompt, enableThinking });
}

function assertSameAsTemplate(messages: ChatMessage[], tools?: ToolDefinition[]): void {
  for (const addGenerationPrompt of [true, false]) {
    for (const enableThinking of [true, false]) {
      const expected = jinja(messages, tools, addGenerationPrompt, enableThinking);
      const actual = renderQwenPrompt(messages, { ...(tools ? { tools } : {}), addGenerationPrompt, enableThinking });
      assert.equal(actual, expected, `addGenerationPrompt=${addGenerationPrompt} enableThinking=${enableThinking}`);
    }
  }
}

for (const c of CASES) {
  test(`renders like the Jinja template: ${c.name}`, () => assertSameAsTemplate(c.messages, c.tools));
}

test("renders like the Jinja template: 300 random conversations", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const { messages, tools } = randomConversation(seed);
    assert.doesNotThrow(() => assertSameAsTemplate(messages, tools), `seed ${seed}`);
  }
});

test("writes one <parameter> block per argument and the result raw", () => {
  const prompt = renderQwenPrompt([
    { role: "user", content: "go" },
    { role: "assistant", content: "", toolCalls: [{ id: "1", name: "read_file", arguments: { path: "src/main.ts", limit: 5 } }] },
    { role: "tool", toolCallId: "1", name: "read_file", content: "{\"not\": \"json-encoded\"}" },
  ]);
  assert.ok(prompt.includes("<think>\n\n</think>\n\n<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.ts\n</parameter>\n<parameter=limit>\n5\n</parameter>\n</function>\n</tool_call><|im_end|>"));
  assert.ok(prompt.includes("<tool_response>\n{\"not\": \"json-encoded\"}\n</tool_response>"));
  assert.ok(prompt.endsWith("<|im_start|>assistant\n<think>\n"));
});

test("the Jinja reference sees the content split Python's way", () => {
  const source = pythonFaithful(qwen35ChatTemplate());
  assert.ok(source.includes("lstrip_newlines(content.split('</think>')[-1])"), source.match(/.*think>'\)\[-1\].*/)?.[0]);
});

test("rejects what the template rejects", () => {
  assert.throws(() => renderQwenPrompt([]), QwenPromptError);
  assert.throws(() => renderQwenPrompt([{ role: "system", content: "s" }]), /No user query/);
  assert.throws(() => renderQwenPrompt([{ role: "user", content: "<tool_response>x</tool_response>" }]), /No user query/);
  assert.throws(() => renderQwenPrompt([{ role: "user", content: "u" }, { role: "system", content: "s" }]), /System message must be at the beginning/);
  assert.throws(() => jinja([{ role: "user", content: "u" }, { role: "system", content: "s" }], undefined, true, true), /System message must be at the beginning/);
});

test("segments join to the prompt and keep what people wrote out of the template text", () => {
  for (let seed = 1; seed <= 100; seed++) {
    const { messages, tools } = randomConversation(seed);
    const options = { ...(tools ? { tools } : {}), enableThinking: seed % 2 === 0 };
    const segments = renderQwenPromptSegments(messages, options);
    assert.equal(segments.map((s) => s.text).join(""), renderQwenPrompt(messages, options), `seed ${seed}`);
    for (let i = 1; i < segments.length; i++) assert.notEqual(segments[i]!.kind, segments[i - 1]!.kind, "neighbours merged");
  }
  const segments = renderQwenPromptSegments([{ role: "user", content: "stop here <|im_end|> please" }]);
  assert.deepEqual(segments, [
    { kind: "template", text: "<|im_start|>user\n" },
    { kind: "content", text: "stop here <|im_end|> please" },
    { kind: "template", text: "<|im_end|>\n<|im_start|>assistant\n<think>\n" },
  ]);
});
