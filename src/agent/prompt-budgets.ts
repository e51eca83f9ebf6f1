/**
 * How many tokens of the project Hearth shows the model before the user's message — the
 * repository map and the project's rules in the system prompt, a fix's related code in its
 * first message — for a model with a given context. Up to 6,000 tokens beside about 3,000
 * of instructions and tools: at 8,192 tokens of context the whole budgets overflowed a fix's
 * first turn. Under FULL_BUDGET_CONTEXT each budget gets a share in proportion. One rule for
 * the chat, Fix This Issue and `hearth fix`.
 */
import { MEMORY_LIMIT_WHERE } from "../protocol/cgroup-limits.ts";
import { type KvCacheType, MIN_AGENT_CONTEXT_SIZE } from "../protocol/settings.ts";
import { DEFAULT_PROJECT_CONTEXT_TOKENS } from "./project-context.ts";
import { DEFAULT_STARTING_CODE_TOKENS } from "./starting-context.ts";

/** Tokens of repository map in the system prompt, at FULL_BUDGET_CONTEXT and above. */
export const DEFAULT_REPO_MAP_TOKENS = 1500;
/** The context from which the budgets are whole. */
export const FULL_BUDGET_CONTEXT = 32_768;

export interface PromptBudgets {
  readonly repoMap: number;
  readonly projectRules: number;
  readonly startingCode: number;
  /** The context size when it is under FULL_BUDGET_CONTEXT, so the budgets were cut (the user is told). */
  readonly smallContext?: number;
}

/** The budgets for a model with `contextSize` tokens of context (0 or unknown: whole budgets). */
export function promptBudgets(contextSize: number | undefined): PromptBudgets {
  const small = contextSize !== undefined && contextSize > 0 && contextSize < FULL_BUDGET_CONTEXT ? contextSize : undefined;
  const share = (budget: number) => (small ? Math.floor((budget * small) / FULL_BUDGET_CONTEXT) : budget);
  return {
    repoMap: share(DEFAULT_REPO_MAP_TOKENS),
    projectRules: share(DEFAULT_PROJECT_CONTEXT_TOKENS),
    startingCode: share(DEFAULT_STARTING_CODE_TOKENS),
    ...(small ? { smallContext: small } : {}),
  };
}

/** What a user is told when the budgets were cut for a small context; `what` names what was cut, `larger` how to get more. */
export function smallContextNotice(contextSize: number, what: string, larger = "A larger context (hearth.contextSize, or the server's) shows more."): string {
  return `The model's context (${contextSize.toLocaleString("en-US")} tokens) is small: Hearth shows the model less of the project up front (${what}) to leave room for the work. ${larger}`;
}

/** The next smaller hearth.kvCacheType from the one in force, as advice; none below q4_0. */
const smallerKvCache: Readonly<Record<KvCacheType, string | undefined>> = {
  f16: "set hearth.kvCacheType to q8_0 (half the memory per token)",
  q8_0: "set hearth.kvCacheType to q4_0 (half the memory of q8_0 per token, some quality loss)",
  q4_0: undefined,
};

/**
 * What to change when the embedded model's context (`contextSize`) cannot hold Hearth's
 * instructions and tools. hearth.contextSize 0 (auto) never loads more than the model's
 * training context (its GGUF's context_length), so for a model trained for less than the agent
 * needs, "use 0 (auto)" would load the same too-small context again; with `auto` (the setting
 * is already 0) it is never the advice: less than the training context means free memory
 * held no more (unless the training itself is short of the agent's minimum), all of it means
 * only a size past it helps. `kvCacheType` is the one in force: only a smaller one is advised.
 * `memoryLimited`: auto sized it within a container's memory limit (BackendInfo.contextMemoryLimited),
 * which is then what to raise: closing programs outside the container frees nothing for it.
 */
export function tooSmallContextFix(contextSize: number, trainContextSize: number | undefined, auto = false, kvCacheType: KvCacheType = "f16", memoryLimited = false): string {
  const tooSmall = `the model's context (${contextSize} tokens) is too small for Hearth's instructions and tools`;
  const past = (larger: string) => `choose a model trained for a larger context, or set hearth.contextSize ${larger} to run this one past its training`;
  const shrunk = auto && trainContextSize !== undefined && contextSize < trainContextSize;
  const raise = `raise the container's memory limit (${MEMORY_LIMIT_WHERE})`;
  if (shrunk && trainContextSize >= MIN_AGENT_CONTEXT_SIZE && memoryLimited) {
    return `${tooSmall}: hearth.contextSize is 0 (auto), which loaded only what the container's memory limit leaves (this model was trained for ${trainContextSize} tokens) — ${raise}, ${smallerKvCache[kvCacheType] ? `choose a smaller quantization, or ${smallerKvCache[kvCacheType]}` : "or choose a smaller quantization"}`;
  }
  if (shrunk && trainContextSize >= MIN_AGENT_CONTEXT_SIZE) {
    return `${tooSmall}: hearth.contextSize is 0 (auto), which loaded only what free memory holds (this model was trained for ${trainContextSize} tokens) — free memory (close other programs, or models other windows loaded), ${smallerKvCache[kvCacheType] ? `choose a smaller quantization, or ${smallerKvCache[kvCacheType]}` : "or choose a smaller quantization"}`;
  }
  // A size already past the minimum (many MCP tools fill it) can only grow.
  const larger = contextSize < MIN_AGENT_CONTEXT_SIZE ? `to at least ${MIN_AGENT_CONTEXT_SIZE}` : `above ${contextSize}`;
  if (trainContextSize === undefined || trainContextSize >= MIN_AGENT_CONTEXT_SIZE) {
    if (auto && trainContextSize !== undefined) return `${tooSmall}, the whole context this model was trained for (hearth.contextSize 0, auto, loads no more) — ${past(larger)}`;
    return `${tooSmall} — set hearth.contextSize to 0 (auto) or a larger size`;
  }
  const short = `${tooSmall}, and this model was trained for only ${trainContextSize} tokens (its GGUF's context_length: the most hearth.contextSize 0, auto, loads)`;
  // Free memory held less than even that training: freeing it cannot reach the agent's minimum, nor would a size past the training fit.
  if (shrunk && memoryLimited) return `${short}, of which the container's memory limit left room for ${contextSize} — choose a model trained for a larger context, and ${raise}`;
  if (shrunk) return `${short}, of which free memory held ${contextSize} — choose a model trained for a larger context, and free memory for it (close other programs, or models other windows loaded)`;
  return `${short} — ${past(larger)}`;
}
