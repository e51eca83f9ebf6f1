/**
 * The models Hearth offers to download, where downloads live, and which one to run on
 * this machine. A download is written to `<file>.part` and renamed to `<file>` only once
 * its size matches what the server announced, so a `.gguf` in the models folder is whole.
 */
import { existsSync, readdirSync, type Stats, statSync } from "node:fs";
import { join } from "node:path";
import type { DownloadedModel, ModelRecommendation, PresetInfo, PresetQuantization } from "../protocol/models.ts";
import { formatSize } from "../protocol/units.ts";

const GB = 1e9;
const GiB = 1024 ** 3;

/**
 * Sizes are the Hugging Face listings rounded to 0.1 GB (Q4_K_M of 35B-A3B: 21.2 GB);
 * the exact byte count comes from the server's Content-Length and is what the download
 * verifies. Memory adds the KV cache and buffers for a useful context (Qwen3.5 keeps KV
 * only in its 1-in-4 attention layers, so context is cheap).
 */
function quant(repo: string, base: string, id: string, sizeGb: number, estimated = false): PresetQuantization {
  const file = `${base}-${id}.gguf`;
  const sizeBytes = Math.round(sizeGb * GB);
  return { id, file, url: `https://huggingface.co/${repo}/resolve/main/${file}`, sizeBytes, memoryBytes: sizeBytes + 3 * GiB, ...(estimated ? { sizeEstimated: true } : {}) };
}

/**
 * Qwen3.6 keeps Qwen3.5's architectures (`qwen35moe`, `qwen35`) and widths, so its files
 * are about the same size; the listings were not checked when these were added, so the
 * Qwen3.5 sizes stand in, marked estimated. Downloads verify against the server's size.
 */
function estimated(repo: string, base: string, like: PresetInfo): PresetQuantization[] {
  return like.quantizations.map((q) => quant(repo, base, q.id, q.sizeBytes / GB, true));
}

const QWEN35: readonly PresetInfo[] = [
  {
    id: "qwen3.5-35b-a3b",
    name: "Qwen3.5-35B-A3B",
    description: "Mixture of experts, 3B active per token: fast, and still usable with part of it in system RAM.",
    architecture: "qwen35moe",
    defaultQuantization: "Q4_K_M",
    quantizations: [
      quant("unsloth/Qwen3.5-35B-A3B-GGUF", "Qwen3.5-35B-A3B", "Q4_K_M", 21.2),
      quant("unsloth/Qwen3.5-35B-A3B-GGUF", "Qwen3.5-35B-A3B", "Q5_K_M", 24.7),
      quant("unsloth/Qwen3.5-35B-A3B-GGUF", "Qwen3.5-35B-A3B", "Q6_K", 28.5),
      quant("unsloth/Qwen3.5-35B-A3B-GGUF", "Qwen3.5-35B-A3B", "Q8_0", 36.9),
    ],
  },
  {
    id: "qwen3.5-27b",
    name: "Qwen3.5-27B",
    description: "Dense: stronger per token, needs the whole model in VRAM to be fast.",
    architecture: "qwen35",
    defaultQuantization: "Q4_K_M",
    quantizations: [
      quant("unsloth/Qwen3.5-27B-GGUF", "Qwen3.5-27B", "Q4_K_M", 16.7),
      quant("unsloth/Qwen3.5-27B-GGUF", "Qwen3.5-27B", "Q5_K_M", 19.6),
      quant("unsloth/Qwen3.5-27B-GGUF", "Qwen3.5-27B", "Q6_K", 22.5),
      quant("unsloth/Qwen3.5-27B-GGUF", "Qwen3.5-27B", "Q8_0", 28.6),
    ],
  },
];

/**
 * Newest first: Qwen3.6-35B-A3B and Qwen3.6-27B are the Qwen models node-llama-cpp 3.22.1
 * itself recommends (its `recommendedModels`).
 */
export const PRESETS: readonly PresetInfo[] = [
  {
    ...QWEN35[0]!,
    id: "qwen3.6-35b-a3b",
    name: "Qwen3.6-35B-A3B",
    description: "Newest Qwen, mixture of experts with 3B active per token: fast, strong at agentic coding, usable with part of it in system RAM.",
    quantizations: estimated("unsloth/Qwen3.6-35B-A3B-GGUF", "Qwen3.6-35B-A3B", QWEN35[0]!),
  },
  {
    ...QWEN35[1]!,
    id: "qwen3.6-27b",
    name: "Qwen3.6-27B",
    description: "Newest Qwen, dense: stronger per token, needs the whole model in VRAM to be fast.",
    quantizations: estimated("unsloth/Qwen3.6-27B-GGUF", "Qwen3.6-27B", QWEN35[1]!),
  },
  ...QWEN35,
];

export const DEFAULT_PRESET = "qwen3.6-35b-a3b";

/** A main preset, or a completion model (`hearth models --download qwen3.5-0.8b`): one catalog for both. */
export function findPreset(id: string): PresetInfo | undefined {
  return downloadablePresets().find((p) => p.id === id);
}

/** Every model `hearth/model/download` knows: the main presets, then the completion models. */
export function downloadablePresets(): readonly PresetInfo[] {
  return [...PRESETS, ...COMPLETION_PRESETS];
}

export function findQuantization(preset: PresetInfo, id = preset.defaultQuantization): PresetQuantization | undefined {
  return preset.quantizations.find((q) => q.id.toLowerCase() === id.toLowerCase());
}

/** What a model download moved aside (download.ts): `<file>.gguf.not-a-model`, `<file>.gguf.incomplete`, then `-2`, `-3`… */
export const MOVED_ASIDE = /\.gguf\.(not-a-model|incomplete)(?:-\d+)?$/;

/** Every model file in `folder`, whole or partial, matched to its preset where it is one, and what a download moved aside. */

export function listDownloaded(folder: string): DownloadedModel[] {
  if (!existsSync(folder)) return [];
  const out: DownloadedModel[] = [];
  for (const name of readdirSync(folder).sort()) {
    const complete = name.endsWith(".gguf");
    const aside = MOVED_ASIDE.exec(name)?.[1] as DownloadedModel["movedAside"];
    if (!complete && !aside && !name.endsWith(".gguf.part")) continue;
    const path = join(folder, name);
    // A link whose file is gone, a folder or a pipe with a model's name is no model: one must not fail the whole list.
    const info = fileInfo(path);
    if (!info?.isFile()) continue;
    if (aside) {
      out.push({ path, sizeBytes: info.size, complete: false, movedAside: aside });
      continue;
    }
    const fileName = complete ? name : name.slice(0, -".part".length);
    const match = downloadablePresets().flatMap((p) => p.quantizations.map((q) => ({ p, q }))).find(({ q }) => q.file === fileName);
    out.push({ path, sizeBytes: info.size, complete, ...(match ? { preset: match.p.id, quantization: match.q.id } : {}) });
  }
  return out;
}

/** The file's stat, following links; undefined when it cannot be read (gone, a loop, no permission). */
function fileInfo(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Path of a whole downloaded file of `presetId` (its default quantization first), if any. */
export function findDownloadedPreset(folder: string, presetId: string): string | undefined {
  const preset = findPreset(presetId);
  if (!preset) return undefined;
  const ordered = [findQuantization(preset)!, ...preset.quantizations];
  return ordered.map((q) => join(folder, q.file)).find((path) => existsSync(path));
}

/** Memory this machine has for a model. */
export interface MachineMemory {
  readonly vramBytes: number;
  readonly ramBytes: number;
}

/**
 * The best quantization of the default preset that fits in VRAM with its context; if
 * none does, the MoE preset's default quantization split across VRAM and RAM (3B active
 * parameters keep it usable); else the smallest choice, marked as not fitting.
 */
export function recommendModel(memory: MachineMemory): ModelRecommendation {
  const moe = findPreset(DEFAULT_PRESET)!;
  const byQuality = [...moe.quantizations].reverse();
  const inVram = byQuality.find((q) => q.memoryBytes <= memory.vramBytes);
  if (inVram) {
    return { preset: moe.id, quantization: inVram.id, fits: true, reason: `${moe.name} ${inVram.id} fits in ${gib(memory.vramBytes)} of VRAM` };
  }
  // Only the MoE preset is worth running partly or wholly from system RAM: the dense ones
  // need the whole model in VRAM to be fast. 80 % of RAM: the editor and the OS need the rest.
  const smallest = findQuantization(moe)!;
  if (smallest.memoryBytes <= memory.vramBytes + memory.ramBytes * 0.8) {
    const where = memory.vramBytes > 0 ? `${gib(memory.vramBytes)} of VRAM plus system RAM` : "system RAM (CPU only: slow)";
    return { preset: moe.id, quantization: smallest.id, fits: true, reason: `${moe.name} ${smallest.id} runs from ${where}; its 3B active parameters keep it usable` };
  }
  const machine = `${gib(memory.ramBytes)} RAM, ${memory.vramBytes > 0 ? `${gib(memory.vramBytes)} VRAM` : "no GPU"}`;
  return {
    preset: moe.id, quantization: smallest.id, fits: false,
    reason: `No model Hearth offers fits this machine (${machine}): ${moe.name} ${smallest.id} needs about ${gib(smallest.memoryBytes)}. Use a server URL, or choose a smaller Qwen3.5-family GGUF file (Hearth loads no other model family)`,
  };
}

/** A smaller model for inline completions (`hearth.completionModelPath`), loaded beside the main one. */
export interface CompletionModelInfo {
  /** The id `hearth models --download` and `hearth/model/download` take. */
  readonly id: string;
  readonly name: string;
  readonly quantization: PresetQuantization;
}

/**
 * Small dense Qwen3.5 models (same tokenizer and FIM tokens as the main presets), largest
 * first. A completion needs ~100 tokens of prompt evaluated and ~20 generated per pause in
 * typing: a 2–4B model does that in tens of milliseconds on a GPU, the 27B does not.
 * Memory: weights plus 1 GiB for an 8k-token context.
 */
export const COMPLETION_MODELS: readonly CompletionModelInfo[] = [
  { id: "qwen3.5-4b", name: "Qwen3.5-4B", quantization: { ...quant("unsloth/Qwen3.5-4B-GGUF", "Qwen3.5-4B", "Q4_K_M", 2.7), memoryBytes: Math.round(2.7 * GB) + GiB } },
  { id: "qwen3.5-2b", name: "Qwen3.5-2B", quantization: { ...quant("unsloth/Qwen3.5-2B-GGUF", "Qwen3.5-2B", "Q8_0", 2.0), memoryBytes: Math.round(2.0 * GB) + GiB } },
  { id: "qwen3.5-0.8b", name: "Qwen3.5-0.8B", quantization: { ...quant("unsloth/Qwen3.5-0.8B-GGUF", "Qwen3.5-0.8B", "Q8_0", 0.8), memoryBytes: Math.round(0.8 * GB) + GiB } },
];

/** The completion models as downloadable presets (one quantization each), so the catalog has one id space. */
const COMPLETION_PRESETS: readonly PresetInfo[] = COMPLETION_MODELS.map((m) => ({
  id: m.id,
  name: m.name,
  description: "Small dense Qwen for inline completions (hearth.completionModelPath).",
  architecture: "qwen35",
  defaultQuantization: m.quantization.id,
  quantizations: [m.quantization],
}));

/**
 * The completion model for this machine: the largest that fits in the VRAM the main model
 * leaves free; on a machine without that room (or without a GPU) the smallest, which still
 * answers a line in well under a second on a CPU — unlike a 27B or 35B model.
 */
export function recommendCompletionModel(memory: MachineMemory, main: ModelRecommendation = recommendModel(memory)): { model: CompletionModelInfo; reason: string } {
  const preset = findPreset(main.preset);
  const mainBytes = (preset && findQuantization(preset, main.quantization)?.memoryBytes) ?? 0;
  const spare = mainBytes <= memory.vramBytes ? memory.vramBytes - mainBytes : 0;
  const fitting = COMPLETION_MODELS.find((m) => m.quantization.memoryBytes <= spare);
  if (fitting) return { model: fitting, reason: `${fitting.name} fits in the ${gib(spare)} of VRAM ${preset?.name ?? "the main model"} leaves free` };
  const smallest = COMPLETION_MODELS.at(-1)!;
  const where = memory.vramBytes > 0 ? `the GPU is full with ${preset?.name ?? "the main model"}` : "there is no GPU";
  return { model: smallest, reason: `${smallest.name}: ${where}, and the smallest model keeps typing latency low on the CPU` };
}

function gib(bytes: number): string {
  return formatSize(bytes);
}
