/**
 * Shared node-llama-cpp setup for the model integration tests: CPU only, never build,
 * one thread (the default thread count is 10–100× slower on a busy 2-core machine).
 */
import type { Llama, LlamaContextSequence, LlamaGrammarEvaluationState, LlamaModel, Token } from "node-llama-cpp";

// node-llama-cpp is ESM-only with top-level await: a dynamic import works from CommonJS too.
export const nlc = () => import("node-llama-cpp");

let llama: Promise<Llama> | undefined;
export function cpuLlama(): Promise<Llama> {
  llama ??= nlc().then(({ getLlama, LlamaLogLevel }) => getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error }));
  return llama;
}

/** Evaluates `prompt` (special tokens allowed) and decodes up to `maxTokens` until an end-of-generation token. */
export async function generate(
  model: LlamaModel, sequence: LlamaContextSequence, prompt: string,
  options: { maxTokens: number; temperature?: number; seed?: number; grammarEvaluationState?: LlamaGrammarEvaluationState },
): Promise<{ text: string; tokens: Token[]; endedByEog: boolean }> {
  const tokens: Token[] = [];
  let endedByEog = false;
  const input = model.tokenize(prompt, true);
  const evaluateOptions = {
    temperature: options.temperature ?? 0,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.grammarEvaluationState ? { grammarEvaluationState: options.grammarEvaluationState } : {}),
  };
  let hitLimit = false;
  // `evaluate` ends on its own at an end-of-generation token (without yielding it).
  for await (const token of sequence.evaluate(input, evaluateOptions)) {
    if (model.isEogToken(token)) break;
    tokens.push(token);
    if (tokens.length >= options.maxTokens) { hitLimit = true; break; }
  }
  endedByEog = !hitLimit;
  return { text: model.detokenize(tokens, true), tokens, endedByEog };
}
