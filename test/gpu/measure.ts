/**
 * Measures one model on one node-llama-cpp backend: load time, prompt tokens/s at 2k and
 * 32k tokens, generation tokens/s, VRAM. Token counts are node-llama-cpp's own (the
 * sequence's TokenMeter); VRAM is `llama.getVramState()`. Times are wall-clock around
 * the awaited calls.
 */
import type { Llama, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import type { CheckModel } from "./models.ts";

export type BackendName = "cuda" | "vulkan" | "cpu";

/** One prompt length's result, or why it was not measured. */
export type PromptResult =
  | { readonly tokens: number; readonly ms: number; readonly tokensPerSecond: number }
  | { readonly skipped: string };

export interface ModelResult {
  readonly model: string;
  readonly loadMs: number;
  readonly gpuLayers: number;
  readonly totalLayers: number;
  /** Bytes of VRAM in use after load and after the largest context, from getVramState(). */
  readonly vramAfterLoadBytes: number;
  readonly vramPeakBytes: number;
  readonly prompt2k: PromptResult;
  readonly prompt32k: PromptResult;
  readonly generation: PromptResult;
  readonly error?: string;
}

export interface MeasureOptions {
  readonly backend: BackendName;
  /** performance.now() value after which nothing new starts. */
  readonly deadline: number;
  /** 0 = node-llama-cpp's default. */
  readonly threads: number;
  readonly generateTokens: number;
}

/** A deterministic, English-like prompt of exactly `count` tokens. */
export function promptTokens(model: LlamaModel, count: number): Token[] {
  const paragraph = "The agent reads the failing test, finds the function that computes the total, and changes the loop so the last item is counted. ";
  const unit = model.tokenize(paragraph);
  const tokens: Token[] = [];
  for (let i = 0; tokens.length < count; i++) tokens.push(unit[i % unit.length]!);
  return tokens;
}

const secondsLeft = (deadline: number) => (deadline - performance.now()) / 1000;

/** Evaluates `tokens` on a fresh sequence and reports node-llama-cpp's count of evaluated tokens. */
async function timePrompt(sequence: LlamaContextSequence, tokens: Token[]): Promise<PromptResult> {
  const before = sequence.tokenMeter.usedInputTokens;
  const started = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(tokens);
  const ms = performance.now() - started;
  const counted = sequence.tokenMeter.usedInputTokens - before;
  return { tokens: counted, ms: Math.round(ms), tokensPerSecond: round(counted / (ms / 1000)) };
}

/** Greedy generation of up to `count` tokens after the prompt already evaluated. */
async function timeGeneration(sequence: LlamaContextSequence, last: Token, count: number): Promise<PromptResult> {
  const before = sequence.tokenMeter.usedOutputTokens;
  const started = performance.now();
  let generated = 0;
  for await (const _token of sequence.evaluate([last], { temperature: 0 })) {
    if (++generated >= count) break;
  }
  const ms = performance.now() - started;
  const counted = sequence.tokenMeter.usedOutputTokens - before;
  return { tokens: counted, ms: Math.round(ms), tokensPerSecond: round(counted / (ms / 1000)) };
}

async function usedVram(llama: Llama): Promise<number> {
  return llama.gpu === false ? 0 : (await llama.getVramState()).used;
}

/** Why the 32k prompt is not run, or undefined when it fits the budget. */
function skip32k(options: MeasureOptions, rate2k: PromptResult): string | undefined {
  if (options.backend === "cpu") return "skipped on the CPU (minutes per model on a few cores)";
  if (!("tokensPerSecond" in rate2k) || rate2k.tokensPerSecond <= 0) return "skipped: no 2k figure to estimate from";
  // Attention grows with length: allow 3× the per-token time of the 2k run, plus load and context.
  const estimate = (32_768 / rate2k.tokensPerSecond) * 3 + 10;
  const left = secondsLeft(options.deadline);
  return estimate > left ? `skipped: over the time budget (estimated ${Math.round(estimate)} s, ${Math.round(left)} s left)` : undefined;
}

/** Loads `check` on `llama`, measures, and disposes of everything it made. */
export async function measureModel(llama: Llama, check: CheckModel, options: MeasureOptions): Promise<ModelResult> {
  const started = performance.now();
  const model = await llama.loadModel({ modelPath: check.path, gpuLayers: options.backend === "cpu" ? 0 : "max" });
  try {
    const threads = options.threads ? { threads: options.threads } : {};
    const context = await model.createContext({ contextSize: 2048 + options.generateTokens + 16, sequences: 1, flashAttention: true, ...threads });
    const loadMs = Math.round(performance.now() - started);
    const vramAfterLoadBytes = await usedVram(llama);
    let vramPeakBytes = vramAfterLoadBytes;
    const tokens = promptTokens(model, 2048);
    const sequence = context.getSequence();
    const prompt2k = await timePrompt(sequence, tokens.slice(0, -1));
    const generation = await timeGeneration(sequence, tokens.at(-1)!, options.generateTokens);
    await context.dispose();
    let prompt32k: PromptResult = { skipped: skip32k(options, prompt2k) ?? "" };
    if (!prompt32k.skipped) {
      const big = await model.createContext({ contextSize: 32_768 + 16, sequences: 1, flashAttention: true, ...threads });
      vramPeakBytes = Math.max(vramPeakBytes, await usedVram(llama));
      prompt32k = await timePrompt(big.getSequence(), promptTokens(model, 32_768));
      await big.dispose();
    }
    return {
      model: check.id, loadMs, gpuLayers: model.gpuLayers, totalLayers: model.fileInsights.totalLayers,
      vramAfterLoadBytes, vramPeakBytes, prompt2k, prompt32k, generation,
    };
  } finally {
    await model.dispose();
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
