/**
 * End to end through the real runtime: our renderer writes the prompt, a scripted tiny
 * model (both architectures) emits a real Qwen3.5 tool call under greedy decoding, our
 * streaming parser turns it into a checked ToolCall; with the tool grammar applied, the
 * same call still comes out, and a random model under the grammar only writes calls
 * that parse.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import { QwenOutputParser } from "../../../src/models/qwen/output-parser.ts";
import { renderQwenPrompt } from "../../../src/models/qwen/prompt.ts";
import { buildQwenResponseGrammar, buildQwenToolCallGrammar } from "../../../src/models/qwen/tool-grammar.ts";
import type { ChatMessage, ToolDefinition } from "../../../src/models/types.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { cpuLlama, generate, nlc } from "./llama.ts";

const TOOLS: ToolDefinition[] = [
  {
    name: "read_file",
    description: "Read a file.",
    parameters: { type: "object", properties: { path: { type: "string" }, limit: { type: "integer" } }, required: ["path"] },
  },
  {
    name: "set_mode",
    description: "Switch mode.",
    parameters: {
      type: "object",
      properties: { mode: { type: "string", enum: ["fast", "careful"] }, level: { type: "integer" }, dry_run: { type: "boolean" }, ratio: { type: "number" } },
      required: ["mode", "dry_run"],
    },
  },
];

const CALL = "<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.ts\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>";
const CONVERSATION: ChatMessage[] = [
  { role: "system", content: "You are Hearth." },
  { role: "user", content: "Show me the first 20 lines of src/main.ts" },
];

const disposers: Array<() => Promise<void>> = [];
after(async () => { for (const d of disposers.reverse()) await d(); });

async function open(modelPath: string): Promise<{ model: LlamaModel; sequence: LlamaContextSequence }> {
  const llama = await cpuLlama();
  const model = await llama.loadModel({ modelPath });
  disposers.push(() => model.dispose());
  const context = await model.createContext({ contextSize: 4096, threads: 1 });
  disposers.push(() => context.dispose());
  return { model, sequence: context.getSequence() };
}

function parse(text: string, startInThinking: boolean) {
  const parser = new QwenOutputParser({ tools: TOOLS, startInThinking, newCallId: () => "call_1" });
  // Feed it in small pieces, as a stream would arrive.
  for (let i = 0; i < text.length; i += 3) parser.push(text.slice(i, i + 3));
  parser.end();
  return parser.result();
}

const THOUGHT_AND_CALL = `Reading it.\n</think>\n\n${CALL}`;

for (const arch of ["qwen35", "qwen35moe"] as const) {
  for (const enableThinking of [false, true]) {
    test(`${arch}, thinking ${enableThinking ? "on" : "off"}: a scripted tool call comes out of the real runtime and parses`, async () => {
      const script = enableThinking ? THOUGHT_AND_CALL : CALL;
      const { model, sequence } = await open(await ensureTinyModel({ arch, script }));
      const prompt = renderQwenPrompt(CONVERSATION, { tools: TOOLS, enableThinking });
      const out = await generate(model, sequence, prompt, { maxTokens: 64 });
      assert.equal(out.text, script);
      assert.ok(out.endedByEog, "stops with <|im_end|>");
      const turn = parse(out.text, enableThinking);
      assert.deepEqual(turn.errors, []);
      assert.deepEqual(turn.message.toolCalls, [{ id: "call_1", name: "read_file", arguments: { path: "src/main.ts", limit: 20 } }]);
      assert.equal(turn.message.thinking, enableThinking ? "Reading it.\n" : undefined);
    });
  }
}

test("the response grammar lets the scripted call through unchanged", async () => {
  const { model, sequence } = await open(await ensureTinyModel({ arch: "qwen35", script: THOUGHT_AND_CALL }));
  const { LlamaGrammarEvaluationState } = await nlc();
  const llama = await cpuLlama();
  const grammar = await llama.createGrammar({ grammar: buildQwenResponseGrammar(TOOLS, { thinking: true }) });
  const prompt = renderQwenPrompt(CONVERSATION, { tools: TOOLS, enableThinking: true });
  const out = await generate(model, sequence, prompt, { maxTokens: 64, grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar }) });
  assert.equal(out.text, THOUGHT_AND_CALL);
  const turn = parse(out.text, true);
  assert.equal(turn.message.thinking, "Reading it.\n");
  assert.deepEqual(turn.message.toolCalls?.[0]?.arguments, { path: "src/main.ts", limit: 20 });
});

test("a random model under the tool-call grammar writes only calls that parse", async () => {
  const { model, sequence } = await open(await ensureTinyModel({ arch: "qwen35moe", seed: 11 }));
  const { LlamaGrammarEvaluationState } = await nlc();
  const llama = await cpuLlama();
  // Typed parameters only: a random model's free-text string would run to the token limit.
  const typed = [TOOLS[1]!];
  const grammar = await llama.createGrammar({ grammar: buildQwenToolCallGrammar(typed) });
  const prompt = renderQwenPrompt(CONVERSATION, { tools: typed, enableThinking: false });
  for (let seed = 1; seed <= 6; seed++) {
    const out = await generate(model, sequence, prompt, {
      maxTokens: 400, temperature: 1, seed, grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar }),
    });
    await sequence.clearHistory();
    // The grammar allows calls in a row, so a random model may still be writing one at the
    // token limit: judge the complete calls, not the one the limit cut off.
    const close = out.text.lastIndexOf("</tool_call>");
    const text = out.endedByEog ? out.text : close < 0 ? "" : out.text.slice(0, close + "</tool_call>".length);
    const parser = new QwenOutputParser({ tools: typed, startInThinking: false });
    parser.push(text);
    parser.end();
    const turn = parser.result();
    assert.deepEqual(turn.errors, [], out.text);
    assert.ok((turn.message.toolCalls?.length ?? 0) >= 1, out.text);
    for (const call of turn.message.toolCalls ?? []) {
      assert.ok(["fast", "careful"].includes(call.arguments.mode as string), out.text);
      assert.equal(typeof call.arguments.dry_run, "boolean");
    }
  }
});

test("llama.cpp's grammar parser accepts every grammar we build (and rejects a broken one)", async () => {
  const llama = await cpuLlama();
  const { TOOLS: RICH_TOOLS } = await import("../../unit/models/qwen/conversations.ts");
  const unicode: ToolDefinition = {
    name: "ünï-tool", description: "",
    parameters: { type: "object", properties: { "ключ": { type: ["integer", "null"] }, v: { enum: ["a\"b", 3, true, null] } }, required: [] },
  };
  const grammars = [
    buildQwenToolCallGrammar(RICH_TOOLS),
    buildQwenToolCallGrammar([unicode], { includeOpeningTag: false, parallelCalls: false }),
    buildQwenResponseGrammar(RICH_TOOLS, { thinking: true }),
    buildQwenResponseGrammar(RICH_TOOLS, { thinking: false, requireToolCall: true }),
    buildQwenResponseGrammar([], { thinking: true }),
  ];
  for (const grammar of grammars) await llama.createGrammar({ grammar });
  // createGrammar really parses: an undefined rule is refused.
  await assert.rejects(llama.createGrammar({ grammar: "root ::= missing-rule" }), /Failed to parse grammar/);
});
