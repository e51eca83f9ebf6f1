/**
 * The context a server without llama-server's `/props` or vLLM's `max_model_len` actually
 * runs a model with, from its own API (Ollama, LM Studio). Ollama's OpenAI-compatible `/v1` says nothing of it,
 * and Ollama cuts the front of a longer prompt silently (the agent's instructions first), at
 * a default of 2,048 or 4,096 tokens in many versions: the context must be read from its
 * native API, and a small one said. Never guessed from the port: Ollama is the server that
 * answers `GET /api/version` with a version.
 */
import { isObject, tokenCount } from "./openai-wire.ts";

/**
 * A JSON answer from the server (a path under its origin), read whole; rejects on any failure.
 * `limits` narrows the backend's own for this question.
 */
export type AskServer = (method: "GET" | "POST", path: string, body?: unknown, limits?: AskLimits) => Promise<unknown>;

export interface AskLimits {
  /** The most read of the body (default: the backend's limit on a body). */
  readonly maxBytes?: number;
  /** Until the answer starts, when less than the backend's own limit (60 s). */
  readonly responseMs?: number;
}

/**
 * The two questions asked of every server that does not say its context (which server is it?)
 * read at most this much: a server that streams at paths it does not know was read up to the
 * body limit (16 MB) twice, seconds added to every connection (model load) to it. Ollama's
 * version answer is a few dozen bytes; LM Studio's model list a few hundred bytes a model (a
 * megabyte: thousands of models).
 */
export const VERSION_PROBE_BYTES = 16 << 10;
export const MODEL_LIST_PROBE_BYTES = 1 << 20;
/**
 * And wait this long for their answer to start; one that has not started is "not that kind of
 * server". Ollama and LM Studio answer these at once; a gateway that holds paths it does not
 * know open made each wait the 60 s an answer may take, two minutes added to connecting.
 */
export const PROBE_RESPONSE_MS = 5_000;

export interface ServerContext {
  /** Tokens of context the server runs the model with; 0 when it cannot be learned. */
  readonly contextSize: number;
  /** The context the model was trained for, when the server says. */
  readonly trainContextSize?: number;
  /** Set when the context is too small for the agent: what it is and how to raise it. */
  readonly warning?: string;
}

/** Under this the agent's instructions, tools and a few files leave next to no room to work. */
export const AGENT_CONTEXT_WARNING = 16_384;
/** What the warning advises (Ollama's own docs ask at least 64K for coding agents; 32K fits more machines). */
const ADVISED_CONTEXT = 32_768;

/**
 * Ollama's context for `model`, or undefined when the server is not Ollama. In order: the
 * context the loaded model runs with (`/api/ps` `context_length`, 0.9.7 and later: Ollama
 * picks it from OLLAMA_CONTEXT_LENGTH, the Modelfile's num_ctx, the memory, and caps it at
 * the model's own); a model not loaded is loaded first (its first turn would load it just
 * the same); else the Modelfile's `num_ctx` (`/api/show`), else the default of that version
 * (2,048 before 0.6.7, then 4,096), capped at the model's `<arch>.context_length`.
 */
export async function ollamaContext(ask: AskServer, model: string): Promise<ServerContext | undefined> {
  const about = await ask("GET", "/api/version", undefined, { maxBytes: VERSION_PROBE_BYTES, responseMs: PROBE_RESPONSE_MS }).catch(() => undefined);
  // LM Studio answers unknown paths with 200 and {"error": …}: only a version is Ollama.
  if (!isObject(about) || typeof about.version !== "string") return undefined;
  const shown = await ask("POST", "/api/show", { model }).catch(() => undefined);
  const train = isObject(shown) ? trainContext(shown.model_info) : undefined;
  let loaded = await loadedModel(ask, model);
  if (loaded === undefined) {
    await ask("POST", "/api/generate", { model }).catch(() => undefined);
    loaded = await loadedModel(ask, model);
  }
  const running = tokenCount(loaded?.context_length);
  const assumed = running === undefined;
  const configured = running ?? modelfileNumCtx(isObject(shown) ? shown.parameters : undefined) ?? defaultContext(about.version);
  const contextSize = configured === undefined ? 0 : Math.min(configured, train ?? configured);
  const runs = assumed
    ? `Ollama does not report the context it runs ${model} with; unless set otherwise it is ${contextSize.toLocaleString("en-US")} tokens`
    : `Ollama runs ${model} with ${contextSize.toLocaleString("en-US")} tokens of context`;
  const warning = smallContext(contextSize, train, (advised) => `${runs}: too small for the agent (its instructions and tools alone take several thousand), and Ollama silently drops the start of a longer conversation. Restart Ollama with OLLAMA_CONTEXT_LENGTH=${advised} set, or create a model with PARAMETER num_ctx ${advised} in its Modelfile and choose it; then reload Hearth's model.`);
  return { contextSize, ...(train ? { trainContextSize: train } : {}), ...(warning ? { warning } : {}) };
}

/**
 * LM Studio's context for `model`, or undefined when the server is not LM Studio: its own
 * `GET /api/v0/models` (0.3.6 on) lists `max_context_length` for every model and
 * `loaded_context_length` for a loaded one, the context it runs with. A model not loaded
 * is loaded on first use with LM Studio's own setting for it: unknown until then (never the
 * model's maximum, which LM Studio rarely loads).
 */
export async function lmStudioContext(ask: AskServer, model: string): Promise<ServerContext | undefined> {
  const listed = await ask("GET", "/api/v0/models", undefined, { maxBytes: MODEL_LIST_PROBE_BYTES, responseMs: PROBE_RESPONSE_MS }).catch(() => undefined);
  const entry = isObject(listed) && Array.isArray(listed.data) ? listed.data.find((m) => isObject(m) && m.id === model) : undefined;
  const train = isObject(entry) ? tokenCount(entry.max_context_length) : undefined;
  if (!isObject(entry) || train === undefined) return undefined;
  const contextSize = (entry.state === "loaded" ? tokenCount(entry.loaded_context_length) : undefined) ?? 0;
  const warning = smallContext(contextSize, train, (advised) => `LM Studio runs ${model} with ${contextSize.toLocaleString("en-US")} tokens of context: too small for the agent (its instructions and tools alone take several thousand). Load it again with a larger context length (${advised}: the model's load settings in LM Studio, or lms load ${model} --context-length ${advised}); then reload Hearth's model.`);
  return { contextSize, trainContextSize: train, ...(warning ? { warning } : {}) };
}

/** The warning for a context under AGENT_CONTEXT_WARNING that the model could take larger (`say` gets the size to advise). */
function smallContext(size: number, train: number | undefined, say: (advised: number) => string): string | undefined {
  if (size <= 0 || size >= AGENT_CONTEXT_WARNING || (train ?? ADVISED_CONTEXT) <= size) return undefined;
  return say(Math.min(train ?? ADVISED_CONTEXT, ADVISED_CONTEXT));
}

/** The entry `/api/ps` lists for the model (`name` or `model`, `:latest` or not), if loaded. */
async function loadedModel(ask: AskServer, model: string): Promise<Record<string, unknown> | undefined> {
  const ps = await ask("GET", "/api/ps").catch(() => undefined);
  const models = isObject(ps) && Array.isArray(ps.models) ? ps.models : [];
  const same = (name: unknown) => typeof name === "string" && withTag(name) === withTag(model);
  return models.find((m): m is Record<string, unknown> => isObject(m) && (same(m.name) || same(m.model)));
}

function withTag(name: string): string {
  return /:[^/:]+$/.test(name) ? name : `${name}:latest`;
}

/** `<general.architecture>.context_length` of `/api/show`'s `model_info`. */
function trainContext(info: unknown): number | undefined {
  if (!isObject(info) || typeof info["general.architecture"] !== "string") return undefined;
  return tokenCount(info[`${info["general.architecture"]}.context_length`]);
}

/** `num_ctx` in `/api/show`'s `parameters`: one `name value` a line, as the Modelfile set them. */
function modelfileNumCtx(parameters: unknown): number | undefined {
  if (typeof parameters !== "string") return undefined;
  const line = parameters.split("\n").map((l) => l.trim().split(/\s+/)).find((fields) => fields.length === 2 && fields[0] === "num_ctx");
  return line ? tokenCount(Number(line[1])) : undefined;
}

/**
 * Ollama's context when nothing else says: 2,048 before 0.6.7, 4,096 until the memory
 * decided it (0.15.5; by then `/api/ps` reports it, so reaching here means it could not be
 * learned: unknown).
 */
function defaultContext(version: string): number | undefined {
  const [major = 0, minor = 0, patch = 0] = (/^v?(\d+)\.(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  const at = major * 1e6 + minor * 1e3 + patch;
  if (at === 0) return undefined;
  return at < 6007 ? 2048 : at < 15005 ? 4096 : undefined;
}
