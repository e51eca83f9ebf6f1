/**
 * The remote backend's token estimate for a server that cannot count (Ollama, LM Studio: no
 * /tokenize), against Qwen's real tokenizer (the generated model's full vocabulary, loaded
 * vocabulary-only by node-llama-cpp). Condensing trusts the count and Ollama cuts a prompt
 * past its context silently: the estimate must never count fewer tokens than the model
 * reads, for code, prose, JSON or Chinese and Japanese.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { LlamaModel } from "node-llama-cpp";
import { estimateTokenCount } from "../../../src/models/remote.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { cpuLlama } from "./llama.ts";

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");

const SAMPLES: Record<string, () => string> = {
  "TypeScript": () => read("src/models/remote.ts"),
  "Python": () => read("test/fixtures/agent/python-calc/calc.py"),
  "English prose (a README)": () => read("README.md"),
  "JSON": () => read("package.json"),
  "Chinese and Japanese": () => "汉字的分词器把文本切成词。这是一段中文，包括标点符号：逗号、句号！还有「引号」和（括号）？日本語のテキストも、カタカナとひらがな。".repeat(20),
  "indentation and blank lines": () => `${"    ".repeat(6)}x = 1\n\n\n`.repeat(200),
};

describe("the token estimate of a server without /tokenize", () => {
  let model: LlamaModel;
  before(async () => {
    model = await (await cpuLlama()).loadModel({ modelPath: await ensureTinyModel({ arch: "qwen35", vocab: "full" }), vocabOnly: true });
  }, { timeout: 120_000 });
  after(() => model?.dispose(), { timeout: 120_000 });

  for (const [kind, text] of Object.entries(SAMPLES)) {
    it(`never counts fewer tokens than Qwen's tokenizer: ${kind}`, { timeout: 120_000 }, () => {
      const sample = text();
      const real = model.tokenize(sample, false).length;
      const estimate = estimateTokenCount(sample);
      assert.ok(estimate >= real, `${kind}: estimated ${estimate}, Qwen reads ${real} (${sample.length} characters)`);
    });
  }
});
