/**
 * Tokenizing long input with real node-llama-cpp on the generated Qwen3.5 vocabularies:
 * text cut where Qwen's pre-tokenizer cuts gives exactly the tokens of the whole, input
 * that cannot fit is refused without tokenizing it (asserted on the characters that reach
 * the tokenizer, never on time), the event loop runs between pieces, and abort stops.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { LlamaModel, Token } from "node-llama-cpp";
import { collectTurn, DoesNotFitError } from "../../../src/models/backend.ts";
import { EmbeddedBackend } from "../../../src/models/llama-cpp/embedded-backend.ts";
import { isExactCut, SegmentTokenizer, TOKENIZE_CHUNK } from "../../../src/models/llama-cpp/segment-tokenizer.ts";
import type { ChatMessage } from "../../../src/models/types.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { cpuLlama } from "./llama.ts";

/** A tokenizer whose calls into the model are counted. */
function counted(model: LlamaModel): { tokenizer: SegmentTokenizer; calls: number; chars: number; onCall?: () => void } {
  const stats: { tokenizer: SegmentTokenizer; calls: number; chars: number; onCall?: () => void } = { tokenizer: undefined!, calls: 0, chars: 0 };
  stats.tokenizer = new SegmentTokenizer(model, (text, special) => {
    stats.calls++;
    stats.chars += text.length;
    stats.onCall?.();
    return model.tokenize(text, special);
  });
  return stats;
}

/** A tokenizer that never cuts: the whole text in one call. */
function whole(model: LlamaModel): SegmentTokenizer {
  const tokenizer = new SegmentTokenizer(model);
  (tokenizer as unknown as { vocabulary: object }).vocabulary = { maxTokenBytes: Infinity, addedPairs: undefined };
  return tokenizer;
}

/** Deterministic pseudo-random numbers (tests must not change run to run). */
function random(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

const CJK = "汉字的分词器把文本切成词。这是一段中文，包括标点符号：逗号、句号！还有「引号」和（括号）？日本語のテキストも、カタカナとひらがな。한국어 문장도 있습니다.";
const FRAGMENTS = [
  CJK, `${CJK}\n`, "👍🏽 emoji 👨‍👩‍👧 family🎉🎉\n", "naïve café — “quoted” ‘text’…\n", "x".repeat(40), "  \n\n  \n", "\t\tindented();\n", " ".repeat(70),
  "\n".repeat(9), "\r\n", "line one\r\nline two\r\n\r\n", "int main() {\n    return 0;\n}\n", "a+b=c; d'sé 123456789\n", "it's they're we'll I'd\n", "α β γ δ ε ж щ ю я\n",
  "combining: é ñ ü\u0301\u0302x\n", "汉", "字", ".", ",", "'", "s", "{", "}", "(\n", "\u3000全角\u3000空白\n",
];

/** Text made of the fragments in a seeded random order: every pair of neighbours occurs somewhere. */
function mixedText(length: number, seed: number): string {
  const next = random(seed);
  let text = "";
  while (text.length < length) text += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
  return text;
}

/** Real code: this repository's TypeScript sources, once with CRLF line ends. */
function codeText(): string {
  const dir = path.join(process.cwd(), "src", "models");
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts")).sort();
  const code = files.map((f) => readFileSync(path.join(dir, f), "utf8")).join("\n");
  return code + code.replace(/\n/g, "\r\n");
}

let model: LlamaModel;
before(async () => {
  const llama = await cpuLlama();
  model = await llama.loadModel({ modelPath: await ensureTinyModel({ arch: "qwen35", vocab: "full" }), vocabOnly: true });
});
after(async () => {
  await model?.dispose();
});

describe("long text is tokenized in pieces, exactly as whole", () => {
  it("every cut the rules allow gives the whole text's tokens (prefix + rest), on mixed text", () => {
    const pairs = (new SegmentTokenizer(model) as unknown as { vocabulary: { addedPairs: Set<string> } }).vocabulary.addedPairs;
    assert.ok(pairs, "Qwen's vocabulary can be cut");
    let checked = 0;
    for (const seed of [1, 2, 3]) {
      const text = mixedText(3000, seed) + "<tool_call>x</tool_call>\n<think>y";
      const whole = model.tokenize(text, false);
      for (let p = 1; p < text.length; p++) {
        if (!isExactCut(text, p, pairs)) continue;
        checked++;
        assert.deepEqual([...model.tokenize(text.slice(0, p), false), ...model.tokenize(text.slice(p), false)], whole, `cut at ${p}: ${JSON.stringify(text.slice(p - 8, p))}|${JSON.stringify(text.slice(p, p + 8))}`);
      }
    }
    assert.ok(checked > 1000, `${checked} cuts checked`);
  });

  it("content and template segments of code, CJK, emoji, whitespace runs and CRLF: pieces give the whole's tokens", async () => {
    const texts = [codeText(), mixedText(400_000, 7), CJK.repeat(8000), `${"word ".repeat(30_000)}${" ".repeat(50_000)}\n${"\n".repeat(50_000)}end`];
    for (const text of texts) {
      const stats = counted(model);
      assert.deepEqual(await stats.tokenizer.tokens([{ kind: "content", text }]), await whole(model).tokens([{ kind: "content", text }]));
      assert.ok(stats.calls > text.length / TOKENIZE_CHUNK / 2, `${stats.calls} pieces for ${text.length} characters`);
      const template = `<|im_start|>user\n${text}<|im_end|>\n<|im_start|>assistant\n<think>\n`;
      assert.deepEqual(await stats.tokenizer.tokens([{ kind: "template", text: template }]), model.tokenize(template, true));
    }
  });
});

describe("input that cannot fit is refused without tokenizing all of it", () => {
  it("a 50 MB text: refused by its lower bound before any character reaches the tokenizer, or after its first 262,144 tokens", async () => {
    const huge = "word ".repeat(10_000_000);
    const bounded = counted(model);
    // Qwen's longest token is 256 bytes: 50 M characters are at least 195,313 tokens.
    assert.equal(await bounded.tokenizer.tokensWithin([{ kind: "content", text: huge }], 131_072), undefined);
    assert.equal(bounded.chars, 0);
    const counting = counted(model);
    assert.equal(await counting.tokenizer.tokensWithin([{ kind: "content", text: huge }], 262_144), undefined);
    assert.ok(counting.chars < huge.length / 30, `${counting.chars} of ${huge.length} characters tokenized`);
  });

  it("a text past the limit stops being tokenized soon after the limit", async () => {
    const stats = counted(model);
    const text = "hello world, this is line\n".repeat(40_000); // 1 M characters, ~240 k tokens
    assert.equal(await stats.tokenizer.tokensWithin([{ kind: "content", text }], 4096), undefined);
    assert.ok(stats.chars <= 2 * TOKENIZE_CHUNK, `${stats.chars} of ${text.length} characters tokenized`);
  });

  it("the backend: a 100,000-message conversation is refused as not fitting, counted as more than the context, and tokenized only in part", async () => {
    const backend = new EmbeddedBackend({ modelPath: await ensureTinyModel({ arch: "qwen35" }), contextSize: 4096, threads: 1, gpu: false });
    try {
      await backend.load();
      const loaded = (backend as unknown as { loaded: { model: LlamaModel } }).loaded;
      let chars = 0;
      const tokenize = loaded.model.tokenize.bind(loaded.model);
      loaded.model.tokenize = ((text: string, special?: boolean) => {
        chars += text.length;
        return tokenize(text, special);
      }) as LlamaModel["tokenize"];
      const messages: ChatMessage[] = Array.from({ length: 100_000 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `message number ${i} with some words in it` }));
      const total = messages.reduce((n, m) => n + m.content.length, 0);
      assert.equal(await backend.countTokens(messages), 4097);
      await assert.rejects(collectTurn(backend.chat({ messages, maxTokens: 4 })), (error: Error) => error instanceof DoesNotFitError && /the conversation \(more than 4096 tokens\) does not fit in the context \(4096 tokens\)/.test(error.message));
      await assert.rejects(backend.tokenize("word ".repeat(1_000_000)), DoesNotFitError);
      assert.ok(chars < total / 10, `${chars} characters tokenized, the conversation has ${total}`);
      // What fits is still exact.
      assert.deepEqual(await backend.tokenize("héllo <|im_end|> 世界"), tokenize("héllo <|im_end|> 世界", false));
    } finally {
      await backend.dispose();
    }
  });
});

describe("the event loop keeps running while a long text is tokenized", () => {
  it("a timer set before a 1 M character count runs before the count ends, while it is still tokenizing", async () => {
    const stats = counted(model);
    const text = mixedText(1_000_000, 11);
    const order: string[] = [];
    let charsWhenTimerRan = -1;
    setTimeout(() => {
      order.push("timer");
      charsWhenTimerRan = stats.chars;
    }, 0);
    const counting = stats.tokenizer.tokens([{ kind: "content", text }]).then((tokens) => {
      order.push("count");
      return tokens;
    });
    const tokens = await counting;
    assert.deepEqual(order, ["timer", "count"]);
    assert.ok(charsWhenTimerRan > 0 && charsWhenTimerRan < text.length, `${charsWhenTimerRan} of ${text.length} characters were tokenized when the timer ran`);
    assert.equal(tokens.length, model.tokenize(text, false).length);
  });

  it("an aborted count stops: it rejects with the abort, and the rest is never tokenized", async () => {
    const stats = counted(model);
    const text = mixedText(1_000_000, 13);
    const controller = new AbortController();
    stats.onCall = () => {
      if (stats.calls === 2) controller.abort();
    };
    await assert.rejects(stats.tokenizer.tokens([{ kind: "content", text }], { signal: controller.signal }), { name: "AbortError" });
    assert.equal(stats.calls, 2);
    assert.ok(stats.chars < 3 * TOKENIZE_CHUNK);
  });
});

describe("the segment cache", () => {
  it("is bounded by the text it holds, and keeps the most recently used", async () => {
    const tokenizer = new SegmentTokenizer(model, (text, special) => model.tokenize(text.length > 8 ? "x" : text, special) as Token[]);
    const internals = tokenizer as unknown as { cache: Map<string, Token[]>; cachedUnits: number };
    const recent = "kept by use";
    for (let i = 0; i < 40; i++) {
      await tokenizer.tokens([{ kind: "content", text: `${i} `.padEnd(1_000_000, "y") }, { kind: "content", text: recent }]);
    }
    const held = [...internals.cache.keys()].reduce((n, k) => n + k.length, 0);
    assert.equal(held, internals.cachedUnits);
    assert.ok(held <= 8 * 1024 * 1024, `${held} code units cached`);
    assert.ok(internals.cache.has(`c${recent}`));
  });
});
