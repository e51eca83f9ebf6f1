/**
 * Range checks on a model's hyper-parameters before llama.cpp sees them. llama.cpp 3.22.1
 * checks that keys exist, not what they hold: `attention.head_count`, `head_count_kv`,
 * `embedding_length`, `key_length` or `ssm.conv_kernel` = 0 make a tensor dimension 0 and
 * abort the process (GGML_ASSERT); `block_count` over 512 aborts; `full_attention_interval`
 * = 0 divides by zero (SIGFPE). The bounds here are llama.cpp's own (LLAMA_MAX_LAYERS,
 * LLAMA_MAX_EXPERTS, delta-net-base.cpp, models/qwen35*.cpp) or generous plausibility limits.
 */
import type { GgufEntry, GgufScalar } from "./gguf-reader.ts";

/** A whole-number key: its range, and whether a per-layer array may stand in for it. */
interface CountRule {
  readonly key: string;
  readonly min: number;
  readonly max: number;
  readonly perLayer?: boolean;
}

const U32_MAX = 2 ** 32 - 1;

function countRules(architecture: string): CountRule[] {
  const moe = /moe|next/.test(architecture);
  return [
    { key: "context_length", min: 1, max: U32_MAX },
    { key: "embedding_length", min: 1, max: 65_536 },
    { key: "block_count", min: 1, max: 512 }, // LLAMA_MAX_LAYERS
    // A MoE model's dense feed-forward length is only a fallback and may be 0.
    { key: "feed_forward_length", min: moe ? 0 : 1, max: 1 << 20, perLayer: true },
    { key: "attention.head_count", min: 1, max: 4096, perLayer: true },
    { key: "attention.head_count_kv", min: 1, max: 4096, perLayer: true },
    { key: "attention.key_length", min: 1, max: 8192 },
    { key: "attention.value_length", min: 1, max: 8192 },
    { key: "rope.dimension_count", min: 1, max: 8192 },
    { key: "ssm.conv_kernel", min: 1, max: 1024 },
    { key: "ssm.inner_size", min: 1, max: 1 << 20 },
    { key: "ssm.state_size", min: 1, max: 65_536 },
    { key: "ssm.time_step_rank", min: 1, max: 65_536 },
    { key: "ssm.group_count", min: 1, max: 65_536 },
    { key: "full_attention_interval", min: 1, max: 512 },
    { key: "nextn_predict_layers", min: 0, max: 512 },
    { key: "expert_count", min: moe ? 1 : 0, max: 1024 }, // LLAMA_MAX_EXPERTS
    { key: "expert_used_count", min: moe ? 1 : 0, max: 1024, perLayer: true },
    { key: "expert_feed_forward_length", min: 1, max: 1 << 20, perLayer: true },
    { key: "expert_shared_feed_forward_length", min: 1, max: 1 << 20 },
  ];
}

/** Float keys that must be finite and positive (0 or NaN poisons every activation). */
const POSITIVE_FLOATS = ["attention.layer_norm_rms_epsilon", "attention.layer_norm_epsilon", "rope.freq_base", "rope.freq_scale", "rope.scaling.factor"];

/**
 * The first hyper-parameter of `architecture` that llama.cpp cannot load safely, as a
 * sentence naming the key and its value ("qwen35.attention.head_count is 0; it must be at
 * least 1."), or undefined when all are in range. Absent keys are left to the caller.
 */
export function checkHyperParameters(architecture: string, metadata: ReadonlyMap<string, GgufEntry>): string | undefined {
  const name = (key: string) => `${architecture}.${key}`;
  const counts = new Map<string, number[]>();
  for (const rule of countRules(architecture)) {
    const entry = metadata.get(name(rule.key));
    if (entry === undefined) continue;
    const values = readCounts(name(rule.key), entry, rule);
    if (typeof values === "string") return values;
    counts.set(rule.key, values);
  }
  for (const key of POSITIVE_FLOATS) {
    const entry = metadata.get(name(key));
    if (entry === undefined) continue;
    const value = "value" in entry ? entry.value : undefined;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) return `${name(key)} is ${show(entry)}; it must be a finite number above 0.`;
  }
  return checkLayers(counts, name) ?? checkRelations(counts, name, architecture) ?? checkRopeSections(metadata.get(name("rope.dimension_sections")), name);
}

/** The values of a count key (one, or one per layer), or the sentence saying what is wrong. */
function readCounts(key: string, entry: GgufEntry, rule: CountRule): number[] | string {
  if ("value" in entry) {
    const problem = countProblem(key, entry.value, rule, show(entry));
    return problem ?? [Number(entry.value)];
  }
  if (!rule.perLayer || entry.items === undefined) return `${key} is ${show(entry)}; it must be ${wholeRange(rule)}.`;
  for (const [i, item] of entry.items.entries()) {
    const problem = countProblem(`${key}[${i}]`, item, rule, typeof item === "string" ? JSON.stringify(item) : String(item));
    if (problem) return problem;
  }
  return entry.items.map(Number);
}

function countProblem(key: string, value: GgufScalar, rule: CountRule, shown: string): string | undefined {
  if (!isWhole(value)) return `${key} is ${shown}; it must be ${wholeRange(rule)}.`;
  const n = Number(value);
  if (n < rule.min) return `${key} is ${String(value)}; it must be at least ${rule.min}.`;
  if (n > rule.max) return `${key} is ${String(value)}; it must be at most ${rule.max}.`;
  return undefined;
}

function wholeRange(rule: CountRule): string {
  return rule.max === U32_MAX ? `a whole number, at least ${rule.min}` : `a whole number from ${rule.min} to ${rule.max}`;
}

/** Per-layer arrays must have one value per layer. */
function checkLayers(counts: ReadonlyMap<string, number[]>, name: (key: string) => string): string | undefined {
  const layers = counts.get("block_count")?.[0];
  if (layers === undefined) return undefined;
  for (const [key, values] of counts) {
    if (values.length > 1 && values.length !== layers) return `${name(key)} has ${values.length} values; it must have one per layer (${name("block_count")} is ${layers}).`;
  }
  return undefined;
}

/** Keys that must agree with each other. */
function checkRelations(counts: ReadonlyMap<string, number[]>, name: (key: string) => string, architecture: string): string | undefined {
  const one = (key: string) => counts.get(key)?.[0];
  const layers = one("block_count");
  for (const key of ["full_attention_interval", "nextn_predict_layers"]) {
    const value = one(key);
    if (value !== undefined && layers !== undefined && value > layers) return `${name(key)} is ${value}; it must be at most ${name("block_count")} (${layers}).`;
  }
  const heads = counts.get("attention.head_count");
  const kvHeads = counts.get("attention.head_count_kv");
  if (heads && kvHeads) {
    for (let i = 0; i < Math.max(heads.length, kvHeads.length); i++) {
      const h = heads[Math.min(i, heads.length - 1)]!;
      const kv = kvHeads[Math.min(i, kvHeads.length - 1)]!;
      if (h % kv !== 0) return `${name("attention.head_count_kv")} is ${kv}; it must divide ${name("attention.head_count")} (${h}).`;
    }
  }
  const embedding = one("embedding_length");
  const keyLength = one("attention.key_length");
  if (keyLength === undefined && heads && embedding !== undefined && embedding % heads[0]! !== 0) {
    return `${name("embedding_length")} is ${embedding}; without ${name("attention.key_length")} it must be divisible by ${name("attention.head_count")} (${heads[0]}).`;
  }
  const headSize = keyLength ?? (heads && embedding !== undefined ? embedding / heads[0]! : undefined);
  const rope = one("rope.dimension_count");
  if (rope !== undefined && headSize !== undefined && rope > headSize) return `${name("rope.dimension_count")} is ${rope}; it must be at most the head size (${headSize}).`;
  // Qwen3.5's graph asserts equal key and value head sizes (models/qwen35*.cpp).
  const valueLength = one("attention.value_length");
  if (/^qwen3(5|next)/.test(architecture) && keyLength !== undefined && valueLength !== undefined && keyLength !== valueLength) {
    return `${name("attention.value_length")} is ${valueLength}; it must equal ${name("attention.key_length")} (${keyLength}).`;
  }
  const valueHeads = one("ssm.time_step_rank");
  const keyHeads = one("ssm.group_count");
  // The Gated DeltaNet repeats key heads over value heads (delta-net-base.cpp asserts H_v % H_k == 0).
  if (valueHeads !== undefined && keyHeads !== undefined && valueHeads % keyHeads !== 0) {
    return `${name("ssm.time_step_rank")} is ${valueHeads}; it must be a multiple of ${name("ssm.group_count")} (${keyHeads}).`;
  }
  return checkExperts(counts, name);
}

function checkExperts(counts: ReadonlyMap<string, number[]>, name: (key: string) => string): string | undefined {
  const experts = counts.get("expert_count")?.[0] ?? 0;
  for (const used of counts.get("expert_used_count") ?? []) {
    if (used > experts) return `${name("expert_used_count")} is ${used}; it must be at most ${name("expert_count")} (${experts}).`;
    if (experts > 0 && used < 1) return `${name("expert_used_count")} is ${used}; it must be at least 1 when ${name("expert_count")} is ${experts}.`;
  }
  return undefined;
}

/** M-RoPE sections: at most 4 whole numbers, none negative. */
function checkRopeSections(entry: GgufEntry | undefined, name: (key: string) => string): string | undefined {
  if (entry === undefined) return undefined;
  const key = name("rope.dimension_sections");
  if ("value" in entry || entry.items === undefined || entry.length > 4) return `${key} is ${show(entry)}; it must be up to 4 whole numbers.`;
  const bad = entry.items.findIndex((item) => !isWhole(item) || Number(item) < 0);
  return bad < 0 ? undefined : `${key}[${bad}] is ${String(entry.items[bad])}; it must be a whole number, at least 0.`;
}

function isWhole(value: GgufScalar): boolean {
  return typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value));
}

/** A value as the message shows it: numbers plain, strings quoted, arrays described. */
function show(entry: GgufEntry): string {
  if (!("value" in entry)) return `an array of ${entry.length} ${entry.itemType} values`;
  return typeof entry.value === "string" ? `${JSON.stringify(entry.value.slice(0, 40))} (a string)` : String(entry.value);
}
