/**
 * One side of the throughput comparison in models.ts, in its own process like the runtime:
 * loads the model once, then for each `{run, prompt}` message generates greedily and
 * answers `{tps}` (tokens/s from the first generated token to the last).
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

async function directGenerator(): Promise<(messages: ChatMessage[]) => Promise<number>> {
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
    return tps;
  };
}

async function embeddedGenerator(): Promise<(messages: ChatMessage[]) => Promise<number>> {
  const backend = new EmbeddedBackend({ modelPath, contextSize: CONTEXT, threads: 1, gpu: false });
  await backend.load();
  return async (messages) => {
    let first = 0;
    const turn = await collectTurn(backend.chat({ messages, maxTokens: TOKENS }), () => (first ||= performance.now()));
    return (turn.usage!.generatedTokens - 1) / ((performance.now() - first) / 1000);
  };
}

const generate = mode === "direct" ? await directGenerator() : await embeddedGenerator();
process.on("message", (message: { messages: ChatMessage[] }) => {
  void generate(message.messages).then((tps) => process.send!({ tps }));
});
process.send!({ ready: true });
