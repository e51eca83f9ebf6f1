/**
 * One side of the throughput comparison in models.ts, in its own process like the runtime:
 * loads the model once, then for each `{messages}` message generates greedily and answers
 * `{tps, tokens}` (tokens/s from the first generated token to the last, tokens generated).
 *   fork("models-child.ts", [mode, modelPath, tokens, contextSize])
 * mode: "direct" (node-llama-cpp's sequence.evaluate on the rendered prompt's tokens) |
 *       "embedded" (Hearth's EmbeddedBackend.chat on the same messages).
 */
import { performance } from "node:perf_hooks";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { collectTurn } from "../../src/models/backend.ts";
import { EmbeddedBackend } from "../../src/models/llama-cpp/embedded-backend.ts";
import { renderQwenPrompt } from "../../src/models/qwen/prompt.ts";
import type { ChatMessage } from "../../src/models/types.ts";

const [mode, modelPath, tokensArg, contextArg] = process.argv.slice(2) as [string, string, string, string];
const TOKENS = Number(tokensArg);
const CONTEXT = Number(contextArg);

type Generate = (messages: ChatMessage[]) => Promise<{ tps: number; tokens: number }>;

async function directGenerator(): Promise<Generate> {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath, defaultContextFlashAttention: true });
  const context = await model.createContext({ contextSize: CONTEXT, sequences: 2, threads: 1, flashAttention: true });
  return async (messages) => {
    const sequence = context.getSequence();
    const promptTokens = model.tokenize(renderQwenPrompt(messages), true);
    let count = 0;
    let first = 0;
    for await (const token of sequence.evaluate(promptTokens as Token[], { temperature: 0 })) {
      if (model.isEogToken(token)) break;
      if (count++ === 0) first = performance.now();
      if (count >= TOKENS) break;
    }
    const tps = (count - 1) / ((performance.now() - first) / 1000);
    sequence.dispose();
    return { tps, tokens: count };
  };
}

async function embeddedGenerator(): Promise<Generate> {
  const backend = new EmbeddedBackend({ modelPath, contextSize: CONTEXT, threads: 1, gpu: false });
  await backend.load();
  return async (messages) => {
    let first = 0;
    const turn = await collectTurn(backend.chat({ messages, maxTokens: TOKENS }), () => (first ||= performance.now()));
    const tokens = turn.usage!.generatedTokens;
    return { tps: (tokens - 1) / ((performance.now() - first) / 1000), tokens };
  };
}

const generate = mode === "direct" ? await directGenerator() : await embeddedGenerator();
process.on("message", (message: { messages: ChatMessage[] }) => {
  void generate(message.messages).then((result) => process.send!(result));
});
process.send!({ ready: true });
