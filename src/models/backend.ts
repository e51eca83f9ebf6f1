/**
 * The one interface every model backend implements: embedded (node-llama-cpp, in
 * ./llama-cpp/), remote (an OpenAI-compatible server) and scripted (replays recorded
 * turns for tests). The agent loop, completions and the runtime depend on this file and
 * on ./types.ts only, never on a concrete backend.
 *
 * Rules every backend keeps:
 * - Every operation takes an `AbortSignal`. Aborting never throws out of `chat()`: the
 *   stream ends with `{type: "done", stopReason: "aborted"}`. Other operations reject
 *   with an `AbortError` (`signal.reason`).
 * - `chat()` runs one assistant turn. It never runs tools: a turn that calls tools ends
 *   with `stopReason: "toolCalls"` and the caller appends the results and calls again.
 * - Conversations are append-only: pass the whole conversation each turn; a backend that
 *   keeps evaluated state (embedded) reuses the common prefix and evaluates only the rest.
 * - Failures of the model itself (cannot load, server unreachable) reject with a
 *   {@link BackendError}, whose message is written for the user and whose `fix` names the
 *   next step the UI can offer.
 */
import type { ComputeBackend, FixAction } from "../protocol/status.ts";
import type { PromptFormatInfo } from "./chat-template.ts";
import type { AssistantMessage, ChatMessage, ChatStreamEvent, StopReason, TokenUsage, ToolDefinition } from "./types.ts";

/** Which implementation a backend is. */
export type BackendKind = "embedded" | "remote" | "scripted";

/** What a loaded backend can tell the UI. */
export interface BackendInfo {
  /** The model's name (GGUF `general.name`, the server's model id, the script's name). */
  readonly name: string;
  /** Tokens of context actually available; never silently smaller than shown. */
  readonly contextSize: number;
  /** The context the model was trained for, when known. */
  readonly trainContextSize?: number;
  /** Embedded only: hearth.contextSize is 0 (auto), so `contextSize` is what free memory held, up to `trainContextSize`. */
  readonly contextAuto?: true;
  /** Embedded only, with `contextAuto`: that size was what a container's memory limit (a cgroup's, under the machine's memory) leaves, not the machine's free memory. */
  readonly contextMemoryLimited?: true;
  /** Embedded only: hearth.kvCacheType, the KV cache's quantization the context was made with. */
  readonly kvCacheType?: "f16" | "q8_0" | "q4_0";
  /** "cuda" | "vulkan" | "metal", or false for CPU / unknown (remote). */
  readonly gpu: string | false;
  /** The model has fill-in-the-middle tokens (otherwise `complete()` uses a chat-style fallback). */
  readonly fim: boolean;
  /** Embedded only: layers on the GPU, VRAM in use, and why not a faster backend. */
  readonly compute?: ComputeBackend;
  /** Embedded only: Hearth's Qwen renderer or the model's own template, whether tools are offered, and why. */
  readonly promptFormat?: PromptFormatInfo;
  /** The context is too small for the agent and the user can raise it (a server's setting): what to do, shown once per conversation. */
  readonly contextWarning?: string;
  /** Token counts are estimates that err high (a server without a tokenizer endpoint: Ollama, LM Studio); the meter shows them as approximate. */
  readonly estimatedTokens?: true;
}

/** Where a backend is in its life. */
export type BackendState =
  | { readonly kind: "unloaded" }
  /** `progress` is 0..1. */
  | { readonly kind: "loading"; readonly progress: number }
  | { readonly kind: "ready"; readonly info: BackendInfo }
  | { readonly kind: "error"; readonly message: string; readonly fix?: FixAction }
  | { readonly kind: "disposed" };

/** Options of {@link ModelBackend.load}. */
export interface LoadOptions {
  readonly signal?: AbortSignal;
  /** Called with 0..1 as loading advances (at least once with 1 on success). */
  readonly onProgress?: (progress: number) => void;
}

/** One assistant turn to run. */
export interface ChatRequest {
  /** The whole conversation so far (system first, ending with a user or tool message). */
  readonly messages: readonly ChatMessage[];
  /** Tools the model may call; calls are constrained to these schemas where the backend can. */
  readonly tools?: readonly ToolDefinition[];
  /** The reply must end with tool calls (VS Code's tool mode "required"); where the backend can, its grammar enforces it. */
  readonly requireToolCall?: boolean;
  /** Let the model think before answering (default true). */
  readonly thinking?: boolean;
  /** Most tokens to generate this turn (default: up to the context's end). */
  readonly maxTokens?: number;
  /** Sampling temperature (default: the backend's; 0 = greedy). */
  readonly temperature?: number;
  readonly signal?: AbortSignal;
}

/** A fill-in-the-middle request (inline completions). */
export interface FimRequest {
  /** Text before the cursor. */
  readonly prefix: string;
  /** Text after the cursor. */
  readonly suffix: string;
  /** Other files the model may look at, most relevant last. */
  readonly context?: readonly { readonly path: string; readonly content: string }[];
  /** Repository name (Qwen's `<|repo_name|>`). */
  readonly repoName?: string;
  /** Most tokens to generate (default 128). */
  readonly maxTokens?: number;
  /** Stop as soon as the generated text contains one of these. */
  readonly stop?: readonly string[];
  /**
   * Characters at the start of `prefix` the caller expects to stay the same in its next
   * requests (e.g. up to the cursor's line). A backend that keeps evaluated state takes a
   * checkpoint there, so the next keystroke re-evaluates only what follows it.
   */
  readonly prefixStableChars?: number;
  readonly signal?: AbortSignal;
}

/** What a FIM request produced. */
export interface FimResult {
  /** The text to insert at the cursor. */
  readonly text: string;
  readonly stopReason: StopReason;
  /** Prompt tokens, prompt tokens actually evaluated (after reuse) and tokens generated, when the backend knows. */
  readonly usage?: TokenUsage;
}

/** A model backend. Create one, `load()` it, then chat / complete / tokenize; `dispose()` at the end. */
export interface ModelBackend {
  readonly kind: BackendKind;
  /** The current state (cheap; for status reports). */
  state(): BackendState;
  /** Loads the model (or connects to the server). Idempotent: a second call returns the same promise's result. */
  load(options?: LoadOptions): Promise<BackendInfo>;
  /**
   * Streams one assistant turn: thinking and text deltas, complete checked tool calls,
   * then exactly one `done` event, last. Ends early, with `done` `aborted`, when the
   * signal fires. Throws only for a failed backend (BackendError) or an invalid request.
   */
  chat(request: ChatRequest): AsyncIterable<ChatStreamEvent>;
  /** Fill in the middle at a cursor. Higher priority than a running chat turn. */
  complete(request: FimRequest): Promise<FimResult>;
  /** Token ids of plain text (control tokens in it stay text). A backend may refuse a text longer than its context with {@link DoesNotFitError}. */
  tokenize(text: string, signal?: AbortSignal): Promise<readonly number[]>;
  /** Prompt tokens a conversation takes with these tools, as this backend renders it; past the context a backend may stop counting and answer a number above the context size. */
  countTokens(messages: readonly ChatMessage[], tools?: readonly ToolDefinition[], signal?: AbortSignal): Promise<number>;
  /** Frees the model, its context and connections. Safe to call twice. */
  dispose(): Promise<void>;
}

/** A failure the user can act on: the message says what happened, `fix` what to do. */
export class BackendError extends Error {
  override name = "BackendError";
  constructor(message: string, readonly fix?: FixAction, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A prompt or text that takes more tokens than the context holds. `tokens` is the exact
 * count when the backend counted it all; undefined when it stopped counting past the
 * context (the message then says "more than").
 */
export class DoesNotFitError extends BackendError {
  override name = "DoesNotFitError";
  constructor(what: string, readonly contextSize: number, readonly tokens?: number) {
    super(`${what} (${tokens === undefined ? `more than ${contextSize}` : tokens} tokens) does not fit in the context (${contextSize} tokens)`);
  }
}

/** The AbortError a signal carries (or a new one). */
export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(typeof reason === "string" ? reason : "This operation was aborted", "AbortError");
}

/** Throws the signal's reason if it has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/** Everything one turn produced, gathered from its events. */
export interface CollectedTurn {
  readonly message: AssistantMessage;
  readonly toolCallErrors: readonly Extract<ChatStreamEvent, { type: "toolCallError" }>[];
  readonly stopReason: StopReason;
  readonly usage?: TokenUsage;
}

/** Runs a stream to its end and gathers it into an assistant message (tests, the CLI, simple callers). */
export async function collectTurn(events: AsyncIterable<ChatStreamEvent>, onEvent?: (event: ChatStreamEvent) => void): Promise<CollectedTurn> {
  let content = "";
  let thinking: string | undefined;
  const toolCalls: NonNullable<AssistantMessage["toolCalls"]> = [];
  const toolCallErrors: Extract<ChatStreamEvent, { type: "toolCallError" }>[] = [];
  let stopReason: StopReason = "endOfTurn";
  let usage: TokenUsage | undefined;
  for await (const event of events) {
    onEvent?.(event);
    if (event.type === "text") content += event.text;
    else if (event.type === "thinking") thinking = (thinking ?? "") + event.text;
    else if (event.type === "toolCall") toolCalls.push(event.call);
    else if (event.type === "toolCallError") toolCallErrors.push(event);
    else if (event.type === "done") ({ stopReason, usage } = event);
  }
  const message: AssistantMessage = { role: "assistant", content: content.trim() };
  if (thinking !== undefined) message.thinking = thinking;
  if (toolCalls.length) message.toolCalls = toolCalls;
  return usage ? { message, toolCallErrors, stopReason, usage } : { message, toolCallErrors, stopReason };
}
