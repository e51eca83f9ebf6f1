/**
 * The models the GPU check measures, generated where it runs (random weights compress
 * badly: a 740 MB model cannot travel in a 64 MiB bundle, its generator can).
 */
import { ensureTinyModel, type TinyArch, type TinyShape } from "../fixtures/models/index.ts";

/** A model to measure and how it was made. */
export interface CheckModel {
  readonly id: string;
  readonly arch: TinyArch;
  readonly description: string;
  readonly path: string;
  readonly generateMs: number;
}

/**
 * Qwen3.5-35B-A3B's real widths (config.json of the release: hidden 2048, 16 query heads and
 * 2 KV heads of 256, Gated DeltaNet with 16 key / 32 value heads of 128, 8 routed experts of
 * 512 plus a shared expert of 512, one full-attention layer in four) with 4 of its 40 layers
 * and 16 of its 256 experts, so it is generated and loaded in seconds. The vocabulary is
 * the small 8,192-token one: its output layer is 30× smaller than the real 248k one.
 */
export const WIDE_SHAPE: Partial<TinyShape> = {
  embedding: 2048, layers: 4, heads: 16, kvHeads: 2, headDim: 256,
  keyHeads: 16, valueHeads: 32, stateSize: 128, convKernel: 4,
  experts: 16, expertsUsed: 8, expertFeedForward: 512, sharedFeedForward: 512,
};

/** The read_file call the scripted model writes for the agent step. */
export const AGENT_CALL = "<tool_call>\n<function=read_file>\n<parameter=path>\ncalc.py\n</parameter>\n</function>\n</tool_call>";

async function timed(id: string, arch: TinyArch, description: string, make: () => Promise<string>): Promise<CheckModel> {
  const started = performance.now();
  const path = await make();
  return { id, arch, description, path, generateMs: Math.round(performance.now() - started) };
}

/** The measured models (those named in `only`, when given): tiny qwen35, tiny qwen35moe, the wide qwen35moe. */
export async function measuredModels(only?: readonly string[]): Promise<CheckModel[]> {
  const all: Array<[string, TinyArch, string, () => Promise<string>]> = [
    ["tiny-qwen35", "qwen35", "tiny dense: E=64, 4 layers, 8k vocab", () => ensureTinyModel({ arch: "qwen35" })],
    ["tiny-qwen35moe", "qwen35moe", "tiny MoE: E=64, 4 layers, 4 experts, 8k vocab", () => ensureTinyModel({ arch: "qwen35moe" })],
    ["wide-qwen35moe", "qwen35moe", "Qwen3.5-35B-A3B widths: E=2048, 16×256 heads (2 KV), DeltaNet 16/32×128, 8 of 16 experts ×512 + shared 512, 4 of 40 layers, 8k vocab, one random block of weights tiled",
      () => ensureTinyModel({ arch: "qwen35moe", shape: WIDE_SHAPE, tiled: true })],
  ];
  const models: CheckModel[] = [];
  for (const [id, arch, description, make] of all) if (!only || only.includes(id)) models.push(await timed(id, arch, description, make));
  return models;
}

/** A tiny model whose greedy output (thinking off or on) is one read_file call. */
export function scriptedAgentModel(): Promise<string> {
  return ensureTinyModel({ arch: "qwen35", script: `Let me look.\n</think>\n\n${AGENT_CALL}` });
}
