/**
 * The remote backend: any OpenAI-compatible server (llama.cpp's llama-server, vLLM,
 * SGLang, Ollama). Chat streams `/v1/chat/completions` with tools; thinking arrives as
 * `reasoning_content`; tool calls are checked against the tools' schemas like local ones.
 * FIM uses llama.cpp's `/infill`, else `/v1/completions` with `suffix`. No server can hang
 * a request or eat the machine (http-limits.ts, sse.ts): every request has a time for the
 * answer to start, an idle time that only real data resets (not keep-alive comments), and an
 * overall deadline; a stream that ignores max tokens is cut off; stream lines and whole
 * bodies are bounded in size. Control strings in content (`<|im_end|>` in a file) are escaped
 * on the way out and restored on the way back (control-text.ts).
 */
import { lookup } from "node:dns/promises";
import { connect } from "node:net";
import { wellFormed } from "../protocol/plain-text.ts";
import { formatLimit } from "../protocol/units.ts";
import { BodyTooLargeError, type Clock, RequestLimits, readBodyText, systemClock } from "./http-limits.ts";
import { networkProblem } from "./proxy.ts";
import { renderQwenPrompt } from "./qwen/prompt.ts";
import { LineReader, LineTooLongError, classifySseLine, streamEncoding } from "./sse.ts";
import { checkRemoteCall, contextFilledInReply, contextOverflow, deltaChars, describeHttpError, errorDetail, isObject, modelNotFound, type OpenAiToolCallDelta, redirectTarget, retryAfterMs, StreamedCalls, tokenCount, toolCallsWellFormed, toOpenAiMessage, toOpenAiTool, urlCredentialsError, type UsageCounts, usageCounts, withoutCredentials, withoutKey } from "./openai-wire.ts";
import { escapeControlText, restoreControlText, StreamedControlText } from "./control-text.ts";
import { type AskLimits, type AskServer, lmStudioContext, ollamaContext } from "./server-context.ts";
import { ContentCalls, type ServerKind, unparsedCallsNotice } from "./content-calls.ts";
import {
  abortReason,
  BackendError,
  type BackendInfo,
  DoesNotFitError,
  type BackendState,
  type ChatRequest,
  type FimRequest,
  type FimResult,
  type LoadOptions,
  type ModelBackend,
  throwIfAborted,
} from "./backend.ts";
import type { ChatMessage, ChatStreamEvent, StopReason, ToolCall, ToolDefinition } from "./types.ts";

export interface RemoteOptions {
  /** e.g. `http://gpu-box:8080/v1` or `http://gpu-box:8080`. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Model id to ask for (default: the first the server lists). */
  readonly model?: string;
  /** Milliseconds for a response to start (default 60 s: a busy server queues requests). */
  readonly responseTimeoutMs?: number;
  /** Milliseconds without data tolerated inside an answer (default 120 s); keep-alive comments do not count. */
  readonly idleTimeoutMs?: number;
  /** Milliseconds for a whole request, streamed answer included (default 10 min). */
  readonly deadlineMs?: number;
  /** Longest line of a streamed answer, in bytes (default 1 MB). */
  readonly maxLineBytes?: number;
  /** Largest body read whole (model lists, FIM answers, errors), in bytes (default 16 MB). */
  readonly maxBodyBytes?: number;
  /** Time for the limits (default: the monotonic clock; Retry-After dates: the system clock); tests pass one they move by hand. */
  readonly clock?: Clock;
}

export type { Clock } from "./http-limits.ts";

const DEFAULT_RESPONSE_MS = 60_000;
const DEFAULT_IDLE_MS = 120_000;
// Generous: a big model on a shared server writes a long answer at a few tokens per second.
const DEFAULT_DEADLINE_MS = 10 * 60_000;
// A streamed chunk is one token's delta, a few bytes; a megabyte is already absurd.
const DEFAULT_MAX_LINE_BYTES = 1 << 20;
// /v1/models of a server with hundreds of models is well under a megabyte.
const DEFAULT_MAX_BODY_BYTES = 16 << 20;
// The largest context Hearth runs (Qwen3.5's): the bound on an answer when neither the caller nor the server says less.
const MAX_CONTEXT_TOKENS = 262_144;
// Of an error response only the start is shown to the user.
const MAX_ERROR_BODY_BYTES = 64 << 10;
/**
 * Servers send one delta per token; some merge a few. A stream is cut off once it has sent
 * clearly more than max tokens: more deltas than `maxTokens * 9/8 + 16`, or more characters
 * than 64 per token (longer than any token of a real vocabulary).
 */
/**
 * The first connection is shared by every request (`load`): one request's Stop must not
 * cancel it for the others, but must not wait for it either (up to the response time limit).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener("abort", onAbort), reject(error)),
    );
  });
}

function tokensExceeded(deltas: number, chars: number, maxTokens: number): boolean {
  return deltas > maxTokens * 1.125 + 16 || chars > maxTokens * 64;
}

export class RemoteBackend implements ModelBackend {
  readonly kind = "remote";
  private current: BackendState = { kind: "unloaded" };
  private loading: Promise<BackendInfo> | undefined;
  private model = "";
  /** What the server's /tokenize takes the text as (`tokenize`). */
  private tokenizeField: "content" | "prompt" = "content";
  /** Which server answers (for the setting a notice names). */
  private server: ServerKind = "unknown";
  /** llama-server's `/props` `total_slots` at connect (`-np`), for a server whose `/slots` is off. */
  private totalSlots: number | undefined;
  /** The user was told the server leaves tool calls in the text (once per backend). */
  private toldUnparsedCalls = false;
  /** The server has sent tool calls it parsed itself. */
  private parsesCalls = false;
  private readonly v1: string;
  private readonly origin: string;

  /**
   * Aborted by `dispose`: every request under way (a reply, the connect a reply waits on, an
   * inline completion, a token count) is read no more, and its connection is closed. The server
   * was let go (hearth.serverUrl changed): one silent for a while (a long prompt, a hung server)
   * kept the run waiting on it until Stop, and kept that server working for nobody.
   */
  private readonly letGo = new AbortController();

  /** Set when the URL held a user name or password: refused at load, never sent or shown. */
  private readonly credentials: boolean;

  constructor(private readonly options: RemoteOptions) {
    // Spaces pasted around the setting's value were kept: " http://h:8080/v1 " asked for /v1%20/v1/models.
    const { url, credentials } = withoutCredentials(options.baseUrl.trim());
    // An endpoint pasted whole (LM Studio's and vLLM's examples show .../v1/chat/completions; LM Studio's
    // server page lists /v1/responses and /v1/embeddings beside it) is its /v1: taken as the base, every
    // request went to /v1/chat/completions/v1/models and failed with a 404.
    const base = url.replace(/\/+$/, "").replace(/\/v1\/(?:chat\/completions|completions|models|responses|embeddings)$/, "/v1");
    this.credentials = credentials;
    this.v1 = /\/v1$/.test(base) ? base : `${base}/v1`;
    this.origin = this.v1.slice(0, -"/v1".length);
  }

  state(): BackendState {
    return this.current;
  }

  load(options: LoadOptions = {}): Promise<BackendInfo> {
    this.loading ??= this.connect(options).catch((error: unknown) => {
      this.loading = undefined;
      const failure = error instanceof BackendError ? error : new BackendError(String(error), "openSettings");
      if (this.current.kind !== "disposed") this.current = { kind: "error", message: failure.message, ...(failure.fix ? { fix: failure.fix } : {}) };
      throw failure;
    });
    return this.loading;
  }

  private async connect({ signal, onProgress }: LoadOptions): Promise<BackendInfo> {
    this.current = { kind: "loading", progress: 0 };
    onProgress?.(0);
    if (this.credentials) throw urlCredentialsError();
    const listed = await this.listModels(signal);
    const chosen = this.options.model ? listed.find((m) => m.id === this.options.model) : listed[0];
    if (!chosen) throw new BackendError(this.options.model ? `the server has no model "${this.options.model}" (it has ${listed.map((m) => m.id).join(", ") || "none"})` : "the server lists no models", "openSettings");
    this.model = chosen.id;
    // llama-server says its context per slot in /props, vLLM and SGLang theirs in the model list
    // (`max_model_len`); other servers may not say (llama-server's training context is a last guess).
    const props = (await this.json("GET", `${this.origin}/props`, undefined, signal).catch(() => undefined)) as { default_generation_settings?: { n_ctx?: unknown }; total_slots?: unknown } | null | undefined;
    this.totalSlots = typeof props?.total_slots === "number" && props.total_slots > 0 ? props.total_slots : undefined;
    const said = tokenCount(props?.default_generation_settings?.n_ctx) ?? tokenCount(chosen.max_model_len);
    // Ollama and LM Studio say their context only in their own APIs (Ollama cuts a longer prompt silently).
    const ask: AskServer = (method, path, body, limits) => this.json(method, `${this.origin}${path}`, body, signal, limits);
    const ollama = said ? undefined : await ollamaContext(ask, chosen.id);
    const lmStudio = said || ollama ? undefined : await lmStudioContext(ask, chosen.id);
    const server = ollama ?? lmStudio;
    throwIfAborted(signal);
    this.server = props?.default_generation_settings ? "llama-server" : chosen.max_model_len !== undefined ? "vllm" : ollama ? "ollama" : lmStudio ? "lmstudio" : "unknown";
    const train = tokenCount(chosen.meta?.n_ctx_train) ?? server?.trainContextSize;
    const contextSize = said ?? server?.contextSize ?? train ?? 0;
    const info: BackendInfo = {
      name: chosen.id, contextSize, ...(train ? { trainContextSize: train } : {}), gpu: false, fim: true,
      ...(server?.warning ? { contextWarning: server.warning } : {}),
    };
    onProgress?.(1);
    this.current = { kind: "ready", info };
    return info;
  }

  /** The models `/v1/models` lists, those with an id that is text. */
  private async listModels(signal: AbortSignal | undefined): Promise<Array<{ id: string; max_model_len?: unknown; meta?: { n_ctx_train?: unknown } }>> {
    const models = await this.json("GET", `${this.v1}/models`, undefined, signal);
    const data = isObject(models) ? (models.data ?? []) : undefined;
    if (!Array.isArray(data)) {
      throw new BackendError(`The server at ${this.origin} answered /v1/models with JSON that is not a model list ({"data": [{"id": …}]}); check that hearth.serverUrl points to an OpenAI-compatible server`, "openSettings");
    }
    return data.filter((m): m is { id: string } => isObject(m) && typeof m.id === "string" && m.id !== "");
  }

  async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    let info: BackendInfo;
    try {
      info = await untilAborted(this.load(), request.signal);
    } catch (error) {
      if (!request.signal?.aborted) throw error;
      yield { type: "done", stopReason: "aborted" };
      return;
    }
    // The agent asks for no limit; a server that never stops must still not fill memory until the deadline.
    const budget = request.maxTokens ?? (info.contextSize || MAX_CONTEXT_TOKENS);
    const tools = request.tools ?? [];
    const body = {
      model: this.model,
      stream: true,
      // Token counts arrive in a last chunk only when asked for (OpenAI, llama-server, vLLM).
      stream_options: { include_usage: true },
      messages: request.messages.map(toOpenAiMessage),
      ...(tools.length ? { tools: tools.map(toOpenAiTool) } : {}),
      ...(tools.length && request.requireToolCall ? { tool_choice: "required" } : {}),
      ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      chat_template_kwargs: { enable_thinking: request.thinking ?? true },
    };
    const calls = new StreamedCalls();
    // A server that does not parse tool calls leaves them in the text: read them out (content-calls.ts).
    const content = new ContentCalls(tools);
    let finish: string | undefined;
    let usage: UsageCounts | undefined;
    let deltas = 0;
    let chars = 0;
    // The model copies escaped text back; a `<` + joiner may end one delta and its tail start the next (the reply's text: content-calls.ts).
    const thinking = new StreamedControlText();
    try {
      for await (const chunk of this.stream(`${this.v1}/chat/completions`, body, request.signal, () => ({ ...body, model: this.model }))) {
        const choice = (chunk as { choices?: Array<{ delta?: Record<string, unknown>; finish_reason?: string | null }> }).choices?.[0];
        usage = usageCounts(chunk.usage) ?? usage;
        if (!choice) continue;
        const delta = choice.delta ?? {};
        const thought = typeof delta.reasoning_content === "string" ? thinking.push(delta.reasoning_content) : "";
        if (thought) yield { type: "thinking", text: thought };
        if (typeof delta.content === "string" && delta.content) yield* this.fromContent(content.push(delta.content));
        for (const call of (delta.tool_calls as OpenAiToolCallDelta[] | undefined) ?? []) calls.add(call);
        // A call's arguments fell into a loop (models/runaway.ts): stop reading (closing the connection), run none of the calls.
        if (content.stopped || calls.runawayError()) break;
        finish = choice.finish_reason ?? finish;
        // Every delta counts, empty ones too (and each tool call in it): a stream of `{}` deltas is no cheaper to read.
        deltas += Math.max(1, ((delta.tool_calls as unknown[] | undefined) ?? []).length);
        chars += deltaChars(delta);
        if (tokensExceeded(Math.max(deltas, usage?.completion_tokens ?? 0), chars, budget)) {
          // The server ignores max_tokens: stop reading (closing the connection) and end the turn as if it had stopped.
          finish = "length";
          break;
        }
      }
    } catch (error) {
      if (request.signal?.aborted) {
        yield* this.fromContent(heldText(thinking, content, true, []));
        yield { type: "done", stopReason: "aborted" };
        return;
      }
      // Not the user's Stop: the session's wrapper (runtime/session.ts) says the model changed.
      if (this.letGo.signal.aborted) throw this.letGoError(error);
      // The context filled while the model wrote: a reply cut at the limit, as the embedded backend ends it.
      if (error instanceof ContextFilledError) finish = "length";
      // Older llama-server ends a stream after its finish reason without `[DONE]`; a connection
      // that broke after it (a server that crashed, a proxy's timeout) lost no part of the answer.
      else if (!(error instanceof StreamCutError && finish)) throw error;
    }
    const looped = calls.runawayError();
    const served = looped ? [looped] : calls.list().map((call) => checkRemoteCall(call, tools));
    // A server that parsed a call has nothing to be told: a call left in its content is one its parser leaked or refused.
    if (served.length) this.parsesCalls = true;
    yield* this.fromContent(heldText(thinking, content, false, served.flatMap((event) => (event.type === "toolCall" ? [event.call] : []))));
    let called = content.calls;
    for (const event of served) {
      if (event.type === "toolCall") called++;
      yield event;
    }
    const stopReason: StopReason = called > 0 ? "toolCalls" : finish === "length" ? "maxTokens" : "endOfTurn";
    const prompt = usage?.prompt_tokens ?? 0;
    yield { type: "done", stopReason, usage: { promptTokens: prompt, evaluatedTokens: prompt, generatedTokens: usage?.completion_tokens ?? 0 } };
  }

  async complete(request: FimRequest): Promise<FimResult> {
    try {
      await untilAborted(this.load(), request.signal);
    } catch (error) {
      if (request.signal?.aborted) return { text: "", stopReason: "aborted" };
      throw error;
    }
    const maxTokens = request.maxTokens ?? 128;
    const stop = request.stop?.length ? { stop: request.stop } : {};
    try {
      const infill = (await this.json("POST", `${this.origin}/infill`, {
        input_prefix: escapeControlText(request.prefix), input_suffix: escapeControlText(request.suffix), n_predict: maxTokens, temperature: 0, ...stop,
        ...(request.context?.length ? { input_extra: request.context.map((f) => ({ filename: escapeControlText(f.path), text: escapeControlText(f.content) })) } : {}),
      }, request.signal)) as { content?: unknown; stop_type?: unknown } | null;
      return { text: typeof infill?.content === "string" ? restoreControlText(infill.content) : "", stopReason: infill?.stop_type === "limit" ? "maxTokens" : "endOfTurn" };
    } catch (error) {
      if (request.signal?.aborted) return { text: "", stopReason: "aborted" };
      if (!(error instanceof HttpStatusError) || (error.status !== 404 && error.status !== 501)) throw error;
    }
    const completion = (await this.json("POST", `${this.v1}/completions`, {
      model: this.model, prompt: escapeControlText(request.prefix), suffix: escapeControlText(request.suffix), max_tokens: maxTokens, temperature: 0, ...stop,
    }, request.signal)) as { choices?: unknown } | null;
    const choice = Array.isArray(completion?.choices) ? (completion.choices[0] as { text?: unknown; finish_reason?: unknown } | null) : undefined;
    return { text: typeof choice?.text === "string" ? restoreControlText(choice.text) : "", stopReason: choice?.finish_reason === "length" ? "maxTokens" : "endOfTurn" };
  }

  /**
   * Whether the server has a slot free now (asked once a completion got no answer in time):
   * true: a request it got was being worked on, not queued behind others, so the model is slow
   * on it; false: every slot is taken, or the model is loading; undefined: it cannot tell.
   * llama-server's `GET /slots` lists each slot's `is_processing` (501 when started without
   * slots, `--no-slots`); else `/health`: 503 while the model loads, and versions of early 2024
   * count `slots_idle`. Other servers answer neither (404): undefined.
   */
  async slotFree(signal: AbortSignal): Promise<boolean | undefined> {
    return (await this.slotState(signal))?.free;
  }

  /**
   * {@link slotFree}, with how many slots the server has (`total`: 1 for `llama-server -np 1`,
   * whose one slot a chat holds for as long as it runs): as `/slots` lists them, else as an
   * early-2024 `/health` counts them, else `/props`' `total_slots` read at connect.
   */
  async slotState(signal: AbortSignal): Promise<SlotState | undefined> {
    const slots = await this.json("GET", `${this.origin}/slots`, undefined, signal).catch(() => undefined);
    const known = Array.isArray(slots) ? slots.filter((s): s is { is_processing: boolean } => isObject(s) && typeof s.is_processing === "boolean") : [];
    if (known.length > 0) return { free: known.some((s) => !s.is_processing), total: known.length };
    if (signal.aborted) return undefined;
    const total = this.totalSlots !== undefined ? { total: this.totalSlots } : {};
    try {
      const health = await this.json("GET", `${this.origin}/health`, undefined, signal);
      const idle = isObject(health) ? health.slots_idle : undefined;
      const processing = isObject(health) ? health.slots_processing : undefined;
      if (typeof idle !== "number") return this.totalSlots !== undefined && !signal.aborted ? total : undefined;
      return { free: idle > 0, ...(typeof processing === "number" ? { total: idle + processing } : total) };
    } catch (error) {
      if (signal.aborted) return undefined;
      if (error instanceof HttpStatusError && error.status === 503) return { free: false, ...total };
      return this.totalSlots !== undefined ? total : undefined;
    }
  }

  /**
   * Token ids from the server's `/tokenize`: llama-server's takes `content`, vLLM's `prompt`
   * (and refuses a request without it); the one that answered is asked first from then on.
   * No tokens for a text that has some is no answer (llama-server's for `prompt`).
   * A server without one (Ollama, LM Studio) gets an estimate that errs high, and the
   * backend's info says its counts are estimates (`estimatedTokens`) until the server counts.
   */
  async tokenize(text: string, signal?: AbortSignal): Promise<readonly number[]> {
    await this.load();
    const tokens = await this.serverTokens(text, signal);
    this.countsEstimated(tokens === undefined);
    return tokens ?? Array.from({ length: estimateTokenCount(text) }, (_, i) => i);
  }

  private async serverTokens(text: string, signal: AbortSignal | undefined): Promise<number[] | undefined> {
    const bodies = { content: { content: text }, prompt: { prompt: text, add_special_tokens: false } };
    for (const field of this.tokenizeField === "content" ? (["content", "prompt"] as const) : (["prompt"] as const)) {
      try {
        const result = (await this.json("POST", `${this.origin}/tokenize`, bodies[field], signal)) as { tokens?: unknown } | null;
        if (!Array.isArray(result?.tokens)) return undefined;
        // llama-server answers a body without `content` with no tokens: no count of a text.
        if (result.tokens.length === 0 && text.length > 0) continue;
        this.tokenizeField = field;
        return result.tokens as number[];
      } catch (error) {
        throwIfAborted(signal);
        if (!(error instanceof HttpStatusError)) throw error;
        if (error.status !== 400 && error.status !== 422) return undefined;
      }
    }
    return undefined;
  }

  /** Marks the backend's counts as estimates (or exact again), for the context meter. */
  private countsEstimated(estimated: boolean): void {
    if (this.current.kind !== "ready" || (this.current.info.estimatedTokens === true) === estimated) return;
    const { estimatedTokens: _, ...info } = this.current.info;
    this.current = { kind: "ready", info: estimated ? { ...info, estimatedTokens: true } : info };
  }

  async countTokens(messages: readonly ChatMessage[], tools: readonly ToolDefinition[] = [], signal?: AbortSignal): Promise<number> {
    // Content escaped as chat() sends it; the template's own tokens stay tokens.
    const sent = messages.map((m): ChatMessage => ({ ...m, content: escapeControlText(m.content) }));
    return (await this.tokenize(renderQwenPrompt(sent, { tools }), signal)).length;
  }

  async dispose(): Promise<void> {
    this.current = { kind: "disposed" };
    this.letGo.abort();
  }

  private headers(): Record<string, string> {
    return { "Content-Type": "application/json", ...(this.options.apiKey ? { Authorization: `Bearer ${this.options.apiKey}` } : {}) };
  }

  /** `responseMs` shortens the answer-start limit for one request (a probe). */
  private limits(signal: AbortSignal | undefined, responseMs = Infinity): RequestLimits {
    const o = this.options;
    const limits = new RequestLimits(signal, {
      clock: o.clock, origin: this.origin,
      responseMs: Math.min(responseMs, o.responseTimeoutMs ?? DEFAULT_RESPONSE_MS), idleMs: o.idleTimeoutMs ?? DEFAULT_IDLE_MS, deadlineMs: o.deadlineMs ?? DEFAULT_DEADLINE_MS,
    });
    limits.endWhen(this.letGo.signal, () => this.letGoError());
    return limits;
  }

  /** A request ended by `dispose`: not the user's Stop (the session's wrapper, runtime/session.ts, says the model changed). */
  private letGoError(cause?: unknown): BackendError {
    return new BackendError(`Hearth let go of the server at ${this.origin} while it answered`, undefined, cause === undefined ? undefined : { cause });
  }

  /** One request under the limits; rejects with a BackendError saying what went wrong. The caller closes the limits. */
  private async request(method: string, url: string, body: unknown, signal: AbortSignal | undefined, responseMs?: number): Promise<{ response: Response; limits: RequestLimits }> {
    const limits = this.limits(signal, responseMs);
    let response: Response;
    try {
      // Not followed: a 307 would post the conversation to whatever address the server names.
      // Half a surrogate pair (a paste, an MCP result) goes as U+FFFD: its lone escape fails llama-server's JSON parser, the request with it.
      response = await fetch(url, { method, headers: this.headers(), ...(body === undefined ? {} : { body: JSON.stringify(body, (_key, value: unknown) => (typeof value === "string" ? wellFormed(value) : value)) }), redirect: "manual", signal: limits.signal });
    } catch (error) {
      limits.close();
      throwIfAborted(signal);
      const problem = networkProblem(url, error);
      const why = problem ? `: ${problem}` : (wrongScheme(this.origin, error) ?? (await localhostFamily(this.origin, error)) ?? ` (${cause(error)})`);
      throw limits.failure ?? new BackendError(`cannot reach the server at ${this.origin}${why}`, "openSettings", { cause: error });
    }
    limits.responseStarted();
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      limits.close();
      throw new HttpStatusError(response.status, `The server at ${this.origin} redirected ${new URL(url).pathname} to ${redirectTarget(response, url, this.options.apiKey)}; Hearth does not follow redirects (the request would go to another address): if that is the server's address, set hearth.serverUrl to it`);
    }
    if (!response.ok) {
      const text = await readBodyText(response, MAX_ERROR_BODY_BYTES, limits, true).catch(() => "");
      limits.close();
      const refusedKey = response.status === 401 || response.status === 403 || response.status === 429;
      if (modelNotFound(response.status, text)) throw new ModelGoneError(response.status, describeHttpError(response.status, text, url, this.options.apiKey));
      const wait = response.status === 429 || response.status === 503 ? retryAfterMs(response.headers.get("retry-after"), (this.options.clock ?? systemClock).now()) : undefined;
      throw (!refusedKey && this.doesNotFit(text, url)) || new HttpStatusError(response.status, describeHttpError(response.status, text, url, this.options.apiKey, wait));
    }
    return { response, limits };
  }

  /** A JSON answer, read whole but at most `maxBodyBytes` (or `maxBytes`, when less), under `responseMs` when less than the answer-start limit. */
  private async json(method: string, url: string, body: unknown, signal: AbortSignal | undefined, { maxBytes = Infinity, responseMs }: AskLimits = {}): Promise<unknown> {
    const { response, limits } = await this.request(method, url, body, signal, responseMs);
    let text: string;
    try {
      text = await readBodyText(response, Math.min(maxBytes, this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES), limits);
    } catch (error) {
      throwIfAborted(signal);
      if (error instanceof BodyTooLargeError) {
        throw new BackendError(`The server at ${this.origin} sent a response larger than ${formatLimit(error.limitBytes)} for ${new URL(url).pathname}; check that hearth.serverUrl points to an OpenAI-compatible server`, "openSettings");
      }
      throw this.transportError(error, limits, response);
    } finally {
      limits.close();
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new BackendError(`The server at ${this.origin} answered ${new URL(url).pathname} with something that is not JSON; check that hearth.serverUrl points to an OpenAI-compatible server`, "openSettings");
    }
  }

  /**
   * Connects again (the model list, /props): the server no longer has the model it listed
   * (restarted with another one); the request is then asked once more with the model it has now.
   */
  private async reconnect(signal: AbortSignal | undefined): Promise<void> {
    this.loading = undefined;
    await untilAborted(this.load(), signal);
  }

  /**
   * Server-sent events of a streamed answer, parsed. Only `data:` lines count as data for
   * the idle limit; comments (`: keep-alive`) and blank lines do not. Leaving the loop early
   * closes the connection. A body that ends without `[DONE]` throws StreamCutError (the
   * caller decides whether a finish reason made it whole); one without a single event is
   * not an event stream (an HTML page, a whole JSON answer) and throws a BackendError.
   */
  private async *stream(url: string, body: unknown, signal: AbortSignal | undefined, again?: () => unknown): AsyncGenerator<Record<string, unknown>> {
    const { response, limits } = await this.request("POST", url, body, signal).catch((error: unknown) => {
      if (!(error instanceof ModelGoneError) || !again) throw error;
      return this.reconnect(signal).then(() => this.request("POST", url, again(), signal));
    });
    const { encoding, named } = streamEncoding(response.headers.get("content-type"));
    if (!encoding) {
      await response.body?.cancel().catch(() => undefined);
      limits.close();
      throw new BackendError(`The server at ${this.origin} sent its answer in ${named}, which Hearth cannot read as an event stream (event streams are UTF-8); check the server, or a proxy in front of it`, "openSettings");
    }
    const lines = new LineReader(this.options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, encoding);
    let events = 0;
    try {
      for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
        for (const line of lines.push(bytes)) {
          const data = dataOf(line, limits);
          if (data === "[DONE]") return;
          if (data !== undefined) yield ((events += 1), this.parseEvent(data));
        }
      }
      const data = dataOf(lines.end() ?? "", limits);
      if (data === "[DONE]") return;
      if (data !== undefined) yield ((events += 1), this.parseEvent(data));
    } catch (error) {
      if (error instanceof LineTooLongError) {
        throw new BackendError(`The server at ${this.origin} sent a line longer than ${formatLimit(error.limitBytes)} in its answer; check that hearth.serverUrl points to an OpenAI-compatible server`, "openSettings");
      }
      throw this.transportError(error, limits, response);
    } finally {
      limits.close();
    }
    if (events === 0) {
      throw new BackendError(`The server at ${this.origin} answered ${new URL(url).pathname} with ${response.headers.get("content-type") || "no content type"}, not an event stream; check that hearth.serverUrl points to an OpenAI-compatible server`, "openSettings");
    }
    throw new StreamCutError(this.origin);
  }

  /**
   * A refusal of a prompt longer than the server's context (contextOverflow: each server's
   * words) as the embedded backend reports it, with the sizes the server names, else the
   * context it reported at connection (none known: undefined, the refusal stays an HTTP
   * error). The context the server enforces is the one that counts: a different one than
   * /props said (a proxy, a server restarted smaller) becomes the backend's, so the context
   * meter and the agent's condensing measure against it.
   */
  private doesNotFit(text: string, url: string): DoesNotFitError | undefined {
    const overflow = contextOverflow(text);
    if (!overflow) return undefined;
    const ready = this.current.kind === "ready" ? this.current : undefined;
    const contextSize = overflow.contextSize ?? ready?.info.contextSize;
    if (!contextSize) return undefined;
    if (ready && contextSize !== ready.info.contextSize) this.current = { kind: "ready", info: { ...ready.info, contextSize } };
    return new DoesNotFitError(new URL(url).pathname.endsWith("/chat/completions") ? "the conversation" : "the text", contextSize, overflow.tokens);
  }

  /** An error reading a body, in words: the limit that fired, else a cut connection or a body that cannot be decoded. */
  private transportError(error: unknown, limits: RequestLimits, response: Response): unknown {
    const failure = limits.explain(error);
    if (failure !== error || error instanceof BackendError || (error as Error).name === "AbortError") return failure;
    const reason = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const detail = typeof reason?.message === "string" ? reason.message : cause(error);
    if (typeof reason?.code === "string" && reason.code.startsWith("Z_")) {
      return new BackendError(`The server at ${this.origin} sent an answer that cannot be decoded (${response.headers.get("content-encoding") ?? "encoding"}: ${detail}); check the server, or a proxy in front of it`, "openSettings", { cause: error });
    }
    return new StreamCutError(this.origin, detail, error);
  }

  /** Events read from the reply's text, the first call the server left there preceded (once) by how to make it parse calls. */
  private *fromContent(events: readonly ChatStreamEvent[]): Generator<ChatStreamEvent> {
    for (const event of events) {
      if (event.type === "toolCall" && !this.toldUnparsedCalls && !this.parsesCalls) {
        this.toldUnparsedCalls = true;
        yield { type: "notice", text: unparsedCallsNotice(this.origin, this.server) };
      }
      yield event;
    }
  }

  /** The start of an event, quoted for an error message; never the API key (a server may echo it). */
  private eventStart(data: string): string {
    return JSON.stringify(withoutKey(data, this.options.apiKey).slice(0, 80));
  }

  /** One event of a chat stream: a JSON object, not an error report, with tool-call deltas that are a list of objects. */
  private parseEvent(data: string): Record<string, unknown> {
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      throw new BackendError(`The server at ${this.origin} sent an event that is not JSON (${this.eventStart(data)}); check that hearth.serverUrl points to an OpenAI-compatible server`, "openSettings");
    }
    // llama-server and vLLM report a failure after the stream started as an event with `error`.
    if (isObject(event) && event.error !== undefined && event.error !== null) {
      if (contextFilledInReply(data)) throw new ContextFilledError(this.origin);
      throw this.doesNotFit(data, `${this.v1}/chat/completions`) || new BackendError(`The server at ${this.origin} reported an error in its answer: ${errorDetail(data, this.options.apiKey) || "(no message)"}`);
    }
    if (!isObject(event) || !toolCallsWellFormed(event)) {
      throw new BackendError(`The server at ${this.origin} sent an event that is not an OpenAI chat chunk (${this.eventStart(data)}); check that hearth.serverUrl points to an OpenAI-compatible server`, "openSettings");
    }
    return event;
  }

}

/** Text held back at the end of a stream (a `<` that turned out to start nothing, a call still being read), as events. */
function heldText(thinking: StreamedControlText, content: ContentCalls, aborted: boolean, served: readonly ToolCall[]): ChatStreamEvent[] {
  const thought = thinking.end();
  return [...(thought ? [{ type: "thinking" as const, text: thought }] : []), ...content.end(aborted, served)];
}

/** The data of an event-stream line (undefined for a comment or a blank line), checking the limits. */
function dataOf(line: string, limits: RequestLimits): string | undefined {
  const sse = classifySseLine(line);
  if (sse.kind !== "data") {
    limits.check();
    return undefined;
  }
  limits.data();
  return sse.data.trim() === "[DONE]" ? "[DONE]" : sse.data;
}

/** A streamed answer ended before `[DONE]`: the body just ended, or the connection broke (`detail` says how). */
class StreamCutError extends BackendError {
  constructor(origin: string, detail?: string, cause?: unknown) {
    super(`The server at ${origin} closed the connection before its answer was complete${detail ? ` (${detail})` : ""}; check that it is still running, then try again`, undefined, cause === undefined ? undefined : { cause });
  }
}

class HttpStatusError extends BackendError {
  constructor(readonly status: number, message: string) {
    super(message, status === 401 || status === 403 || (status >= 300 && status < 400) ? "openSettings" : undefined);
  }
}

/**
 * Whether a failure is the server saying it cannot answer now but will (503: llama-server
 * loading its model, a slot it was asked for taken; 429: too many requests): worth trying
 * again later, unlike a broken answer.
 */
export function serverBusy(error: unknown): boolean {
  return error instanceof HttpStatusError && (error.status === 503 || error.status === 429);
}

/** Whether a server has a slot free now (absent: it cannot tell), and how many it has (`/slots`, an early-2024 `/health`, else `/props` `total_slots`). */
export interface SlotState {
  readonly free?: boolean;
  readonly total?: number;
}

/** {@link RemoteBackend.slotState} of a server backend; undefined (cannot tell) for a model on this machine. */
export function serverSlotState(backend: ModelBackend, signal: AbortSignal): Promise<SlotState | undefined> {
  return backend instanceof RemoteBackend ? backend.slotState(signal) : Promise.resolve(undefined);
}

/** The context filled while the model wrote its reply (LM Studio): the reply ends there. */
class ContextFilledError extends BackendError {
  constructor(origin: string) {
    super(`The context of the server at ${origin} filled during the reply`);
  }
}

/** The server does not have the model the request named (vLLM, Ollama: 404 "The model `x` does not exist."). */
class ModelGoneError extends HttpStatusError {}

/**
 * The scheme written does not match the server's: https:// to a plain-HTTP server (llama-server,
 * Ollama and LM Studio serve plain HTTP) fails its TLS handshake on the HTTP answer, and http://
 * to an HTTPS server is closed unanswered. Told as "(ERR_SSL_WRONG_VERSION_NUMBER)" and
 * "(UND_ERR_SOCKET)" alone, neither said which to write.
 */
function wrongScheme(origin: string, error: unknown): string | undefined {
  const code = cause(error);
  if (origin.startsWith("https:") && code === "ERR_SSL_WRONG_VERSION_NUMBER") {
    return `: it answers plain HTTP, not HTTPS (${code}); write http:${origin.slice("https:".length)}/v1 in hearth.serverUrl (--server)`;
  }
  if (origin.startsWith("http:") && code === "UND_ERR_SOCKET") {
    return `: it closed the connection without answering (${code}); if it serves HTTPS, write https:${origin.slice("http:".length)}/v1 in hearth.serverUrl (--server)`;
  }
  return undefined;
}

/**
 * A refusal at localhost where localhost is one family alone on this machine (/etc/hosts gives
 * 127.0.0.1 only, as many containers', or ::1 only). Most often no server runs on that port: said
 * first. But a server may listen on the other family only (llama-server --host ::1, a docker port
 * map on ::1), which "(ECONNREFUSED)" alone sent users to look for in vain: the other family's
 * address is tried on that port, and where something listens there it is named, to write instead.
 */
async function localhostFamily(origin: string, error: unknown): Promise<string | undefined> {
  const url = new URL(origin);
  if (cause(error) !== "ECONNREFUSED" || url.hostname.replace(/\.$/, "") !== "localhost") return undefined;
  const families = new Set((await lookup("localhost", { all: true }).catch(() => [])).map((address) => address.family));
  if (families.size !== 1) return undefined;
  const [is, other] = families.has(4) ? ["127.0.0.1", "::1"] : ["::1", "127.0.0.1"];
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  if (!(await listens(other, port))) return `: nothing listens on port ${port} (ECONNREFUSED): start the server, or correct the port in hearth.serverUrl (--server)`;
  url.hostname = other === "::1" ? "[::1]" : other;
  return `: nothing listens on port ${port} at ${is}, which is all localhost is on this machine (ECONNREFUSED), but something does at ${other}: write ${url.href.replace(/\/+$/, "")}/v1 in hearth.serverUrl (--server)`;
}

/** Whether something accepts a connection at `host`:`port` (this machine: answered at once; 2 s at most). */
function listens(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.on("error", () => done(false));
  });
}

function cause(error: unknown): string {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Tokens of a text for a server that cannot count them, erring high: condensing trusts the
 * count, and a server that cuts a prompt past its context does it silently (Ollama). One
 * token for every 3 ASCII characters and one for every other character. Measured with Qwen's
 * tokenizer (test/integration/models/remote-estimate.test.ts): 3.7–4.3 characters a token in
 * Hearth's TypeScript, README and package.json (this counts 1.2–1.4× as many), 3.4 in a short
 * Python file, about one a character in Chinese or Japanese; 4 characters a token counted
 * 6–10% too few of prose and JSON, and a third of the Chinese.
 */
export function estimateTokenCount(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const char of text) {
    if (char.charCodeAt(0) < 0x80) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 3) + other;
}
