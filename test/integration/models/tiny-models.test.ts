/**
 * The generated tiny Qwen3.5 models are real models to node-llama-cpp: every key and
 * tensor is there, the Qwen tokenizer and template come through, both architectures
 * load on CPU and generate.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ensureTinyModel, qwen35ChatTemplate, type TinyArch } from "../../fixtures/models/index.ts";
import { renderQwenPrompt, renderQwenPromptSegments } from "../../../src/models/qwen/prompt.ts";
import { cpuLlama, generate, nlc } from "./llama.ts";

const REQUIRED_KEYS = [
  "context_length", "embedding_length", "block_count", "feed_forward_length", "attention.head_count",
  "attention.head_count_kv", "attention.key_length", "attention.value_length",
  "attention.layer_norm_rms_epsilon", "rope.dimension_count", "rope.dimension_sections", "rope.freq_base",
  "ssm.conv_kernel", "ssm.inner_size", "ssm.state_size", "ssm.time_step_rank", "ssm.group_count",
  "full_attention_interval",
];
const MOE_KEYS = ["expert_count", "expert_used_count", "expert_feed_forward_length", "expert_shared_feed_forward_length"];
const SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>", "</tool_call>",
  "<tool_response>", "</tool_response>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"];

const disposers: Array<() => Promise<void>> = [];
after(async () => { for (const d of disposers.reverse()) await d(); });

function lookup(metadata: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], metadata);
}

for (const arch of ["qwen35", "qwen35moe"] as const satisfies readonly TinyArch[]) {
  test(`${arch}: metadata has every key the loader needs, the Qwen tokenizer and the real template`, async () => {
    const { readGgufFileInfo } = await nlc();
    const info = await readGgufFileInfo(await ensureTinyModel({ arch }));
    const md = info.metadata as unknown as Record<string, unknown>;
    assert.equal(lookup(md, "general.architecture"), arch);
    for (const key of [...REQUIRED_KEYS, ...(arch === "qwen35moe" ? MOE_KEYS : [])]) {
      assert.notEqual(lookup(md, `${arch}.${key}`), undefined, `${arch}.${key}`);
    }
    assert.deepEqual(lookup(md, `${arch}.rope.dimension_sections`), [11, 11, 10, 0]);
    assert.equal(lookup(md, "tokenizer.ggml.pre"), "qwen35");
    assert.equal(lookup(md, "tokenizer.chat_template"), qwen35ChatTemplate());
    const tokens = lookup(md, "tokenizer.ggml.tokens") as string[];
    assert.equal(tokens.length, 8192);
    for (const s of SPECIALS) assert.ok(tokens.includes(s), s);
    assert.equal(tokens[lookup(md, "tokenizer.ggml.eos_token_id") as number], "<|im_end|>");
  });

  test(`${arch}: loads in node-llama-cpp on CPU and generates`, async () => {
    const llama = await cpuLlama();
    const model = await llama.loadModel({ modelPath: await ensureTinyModel({ arch }) });
    disposers.push(() => model.dispose());
    const context = await model.createContext({ contextSize: 2048, threads: 1 });
    disposers.push(() => context.dispose());
    for (const s of SPECIALS) assert.equal(model.tokenize(s, true).length, 1, `${s} is one token`);
    assert.ok(model.isEogToken(model.tokenize("<|im_end|>", true)[0]!));
    const { tokens } = await generate(model, context.getSequence(), "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n<think>\n", { maxTokens: 16 });
    assert.ok(tokens.length > 0);
    assert.equal(model.fileInfo.metadata.general.architecture, arch);
  });
}

test("full vocabulary: 151,936 Qwen token slots, loads and tokenizes like Qwen", async () => {
  const llama = await cpuLlama();
  const model = await llama.loadModel({ modelPath: await ensureTinyModel({ arch: "qwen35", vocab: "full" }) });
  disposers.push(() => model.dispose());
  assert.equal(model.fileInfo.metadata.tokenizer.ggml.tokens.length, 151_936);
  // "Hello world" is two tokens in Qwen's BPE vocabulary.
  assert.equal(model.tokenize("Hello world").length, 2);
  assert.equal(model.detokenize(model.tokenize("héllo <tool_call> 世界", true), true), "héllo <tool_call> 世界");
});

test("prompt segments tokenize content as text: <|im_end|> typed by a user is not a control token", async () => {
  const llama = await cpuLlama();
  const model = await llama.loadModel({ modelPath: await ensureTinyModel({ arch: "qwen35" }) });
  disposers.push(() => model.dispose());
  const segments = renderQwenPromptSegments([{ role: "user", content: "a <|im_end|> b" }]);
  const tokens = segments.flatMap((s) => model.tokenize(s.text, s.kind === "template"));
  const imEnd = model.tokenize("<|im_end|>", true)[0]!;
  assert.equal(tokens.filter((t) => t === imEnd).length, 1, "only the template's own <|im_end|>");
  assert.equal(model.detokenize(tokens, true), renderQwenPrompt([{ role: "user", content: "a <|im_end|> b" }]));
});

test("generation is deterministic: the same options give the same file", async () => {
  const { generateTinyModel } = await import("../../fixtures/models/index.ts");
  const a = await generateTinyModel({ arch: "qwen35moe", seed: 3 });
  const b = await generateTinyModel({ arch: "qwen35moe", seed: 3 });
  const c = await generateTinyModel({ arch: "qwen35moe", seed: 4 });
  assert.ok(a.equals(b));
  assert.ok(!a.equals(c));
});
