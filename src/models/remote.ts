/**
 * The remote backend: any OpenAI-compatible server (llama.cpp's llama-server, vLLM,
 * SGLang, Ollama). Chat streams `/v1/chat/completions` with tools; thinking arrives as
 * `reasoning_content`; tool calls are checked against the tools' schemas like local ones.
 * FIM uses llama.cpp's `/infill`, else `/v1/completions` with `suffix`. Every request has
 * a time limit for the answer to start and for silence between chunks.
 */
import { renderQwenPrompt } from "./qwen/prompt.ts";
import { checkToolCall } from "./qwen/tool-arguments.ts";
import {
  BackendError,
  type BackendInfo,
  type BackendState,
  type ChatRequest,
  type FimRequest,
  type FimResult,
  type LoadOptions,
  type ModelBackend,
  throwIfAborted,
} from "./backend.ts";
import type { ChatMessage, ChatStreamEvent, JsonValue, StopReason, ToolDefinition } from "./types.ts";

export interface RemoteOptions {
  /** e.g. `http://gpu-box:8080/v1` or `http://gpu-box:8080`. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Model id to ask for (default: the first the server lists). */
  readonly model?: string;
  /** Milliseconds for a response to start (default 60 s: a busy server queues requests). */
  readonly responseTimeoutMs?: number;
  /** Milliseconds of silence tolerated inside a streamed answer (default 120 s). */
  readonly idleTimeoutMs?: number;
}

interface OpenAiToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

export class RemoteBackend implements ModelBackend {
  readonly kind = "remote";
  private current: BackendState = { kind: "unloaded" };
  private loading: Promise<BackendInfo> | undefined;
  private model = "";
  private readonly v1: string;
  private readonly origin: string;

  constructor(private readonly options: RemoteOptions) {
    const base = options.baseUrl.replace(/\/+$/, "");
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
    const models = (await this.json("GET", `${this.v1}/models`, undefined, signal)) as { data?: Array<{ id: string; meta?: { n_ctx_train?: number } }> };
    const listed = models.data ?? [];
    const chosen = this.options.model ? listed.find((m) => m.id === this.options.model) : listed[0];
    if (!chosen) throw new BackendError(this.options.model ? `the server has no model "${this.options.model}" (it has ${listed.map((m) => m.id).join(", ") || "none"})` : "the server lists no models", "openSettings");
    this.model = chosen.id;
    // llama-server says its context per slot in /props; other servers may not say.
    const props = (await this.json("GET", `${this.origin}/props`, undefined, signal).catch(() => undefined)) as { default_generation_settings?: { n_ctx?: number } } | undefined;
    const contextSize = props?.default_generation_settings?.n_ctx ?? chosen.meta?.n_ctx_train ?? 0;
    const info: BackendInfo = { name: chosen.id, contextSize, ...(chosen.meta?.n_ctx_train ? { trainContextSize: chosen.meta.n_ctx_train } : {}), gpu: false, fim: true };
    onProgress?.(1);
    this.current = { kind: "ready", info };
    return info;
  }

  async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    await this.load();
    const tools = request.tools ?? [];
    const body = {
      model: this.model,
      stream: true,
      // Token counts arrive in a last chunk only when asked for (OpenAI, llama-server, vLLM).
      stream_options: { include_usage: true },
      messages: request.messages.map(toOpenAiMessage),
      ...(tools.length ? { tools: tools.map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.parameters } })) } : {}),
      ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      chat_template_kwargs: { enable_thinking: request.thinking ?? true },
    };
    const calls = new Map<number, { id: string; name: string; args: string }>();
    let finish: string | undefined;
    let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
    try {
      for await (const chunk of this.stream(`${this.v1}/chat/completions`, body, request.signal)) {
        const choice = (chunk as { choices?: Array<{ delta?: Record<string, unknown>; finish_reason?: string | null }> }).choices?.[0];
        usage = (chunk as { usage?: typeof usage }).usage ?? usage;
        if (!choice) continue;
        const delta = choice.delta ?? {};
        if (typeof delta.reasoning_content === "string" && delta.reasoning_content) yield { type: "thinking", text: delta.reasoning_content };
        if (typeof delta.content === "string" && delta.content) yield { type: "text", text: delta.content };
        for (const call of (delta.tool_calls as OpenAiToolCallDelta[] | undefined) ?? []) {
          const index = call.index ?? 0;
          const entry = calls.get(index) ?? { id: call.id ?? `call_${index}`, name: "", args: "" };
          entry.name += call.function?.name ?? "";
          entry.args += call.function?.arguments ?? "";
          calls.set(index, entry);
        }
        finish = choice.finish_reason ?? finish;
      }
    } catch (error) {
      if (request.signal?.aborted) {
        yield { type: "done", stopReason: "aborted" };
        return;
      }
      throw error;
    }
    let called = 0;
    for (const call of calls.values()) {
      const event = checkRemoteCall(call, tools);
      if (event.type === "toolCall") called++;
      yield event;
    }
    const stopReason: StopReason = called > 0 ? "toolCalls" : finish === "length" ? "maxTokens" : "endOfTurn";
    const prompt = usage?.prompt_tokens ?? 0;
    yield { type: "done", stopReason, usage: { promptTokens: prompt, evaluatedTokens: prompt, generatedTokens: usage?.completion_tokens ?? 0 } };
  }

  async complete(request: FimRequest): Promise<FimResult> {
    await this.load();
    const maxTokens = request.maxTokens ?? 128;
    const stop = request.stop?.length ? { stop: request.stop } : {};
    try {
      const infill = (await this.json("POST", `${this.origin}/infill`, {
        input_prefix: request.prefix, input_suffix: request.suffix, n_predict: maxTokens, temperature: 0, ...stop,
        ...(request.context?.length ? { input_extra: request.context.map((f) => ({ filename: f.path, text: f.content })) } : {}),
      }, request.signal)) as { content?: string; stop_type?: string };
      return { text: infill.content ?? "", stopReason: infill.stop_type === "limit" ? "maxTokens" : "endOfTurn" };
    } catch (error) {
      if (request.signal?.aborted) return { text: "", stopReason: "aborted" };
      if (!(error instanceof HttpStatusError) || (error.status !== 404 && error.status !== 501)) throw error;
    }
    const completion = (await this.json("POST", `${this.v1}/completions`, {
      model: this.model, prompt: request.prefix, suffix: request.suffix, max_tokens: maxTokens, temperature: 0, ...stop,
    }, request.signal)) as { choices?: Array<{ text?: string; finish_reason?: string }> };
    const choice = completion.choices?.[0];
    return { text: choice?.text ?? "", stopReason: choice?.finish_reason === "length" ? "maxTokens" : "endOfTurn" };
  }

  async tokenize(text: string, signal?: AbortSignal): Promise<readonly number[]> {
    await this.load();
    try {
      const result = (await this.json("POST", `${this.origin}/tokenize`, { content: text }, signal)) as { tokens?: number[] };
      if (Array.isArray(result.tokens)) return result.tokens;
    } catch (error) {
      throwIfAborted(signal);
      if (!(error instanceof HttpStatusError)) throw error;
    }
    // Servers without /tokenize: an estimate of ~4 characters per token.
    return Array.from({ length: Math.ceil(text.length / 4) }, (_, i) => i);
  }

  async countTokens(messages: readonly ChatMessage[], tools: readonly ToolDefinition[] = [], signal?: AbortSignal): Promise<number> {
    return (await this.tokenize(renderQwenPrompt(messages, { tools }), signal)).length;
  }

  async dispose(): Promise<void> {
    this.current = { kind: "disposed" };
  }

  private headers(): Record<string, string> {
    return { "Content-Type": "application/json", ...(this.options.apiKey ? { Authorization: `Bearer ${this.options.apiKey}` } : {}) };
  }

  /** One request with the response time limit; rejects with a BackendError saying what went wrong. */
  private async request(method: string, url: string, body: unknown, signal: AbortSignal | undefined): Promise<{ response: Response; timer: Deadline }> {
    const timer = new Deadline(signal, this.options.responseTimeoutMs ?? 60_000, `the server at ${this.origin} did not answer within`);
    let response: Response;
    try {
      response = await fetch(url, { method, headers: this.headers(), ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: timer.signal });
    } catch (error) {
      timer.clear();
      throwIfAborted(signal);
      throw timer.expired ? new BackendError(timer.message, "openSettings") : new BackendError(`cannot reach the server at ${this.origin} (${cause(error)})`, "openSettings", { cause: error });
    }
    if (!response.ok) {
      timer.clear();
      const text = await response.text().catch(() => "");
      throw new HttpStatusError(response.status, describeHttpError(response.status, text, url));
    }
    return { response, timer };
  }

  private async json(method: string, url: string, body: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    const { response, timer } = await this.request(method, url, body, signal);
    try {
      return await response.json();
    } finally {
      timer.clear();
    }
  }

  /** Server-sent events of a streamed answer, parsed; a silent connection times out. */
  private async *stream(url: string, body: unknown, signal: AbortSignal | undefined): AsyncGenerator<unknown> {
    const { response, timer } = await this.request("POST", url, body, signal);
    timer.restart(this.options.idleTimeoutMs ?? 120_000, `the server at ${this.origin} went silent for`);
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
        timer.restart(this.options.idleTimeoutMs ?? 120_000, `the server at ${this.origin} went silent for`);
        buffer += decoder.decode(bytes, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (!line.startsWith("data:")) continue;
          const data = line.slice(5).trim();
          if (data === "[DONE]") return;
          yield JSON.parse(data);
        }
      }
    } catch (error) {
      if (timer.expired) throw new BackendError(timer.message, "openSettings");
      throw error;
    } finally {
      timer.clear();
    }
  }
}

class HttpStatusError extends BackendError {
  constructor(readonly status: number, message: string) {
    super(message, status === 401 || status === 403 ? "openSettings" : undefined);
  }
}

/** An AbortSignal that fires on the caller's signal or after a time limit. */
class Deadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  expired = false;
  message = "";
  readonly signal = this.controller.signal;

  constructor(parent: AbortSignal | undefined, ms: number, message: string) {
    parent?.addEventListener("abort", () => this.controller.abort(parent.reason), { once: true });
    if (parent?.aborted) this.controller.abort(parent.reason);
    this.restart(ms, message);
  }

  restart(ms: number, message: string): void {
    clearTimeout(this.timer);
    this.message = `${message} ${Math.round(ms / 1000)} s`;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new Error(this.message));
    }, ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

function toOpenAiMessage(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case "system":
    case "user":
      return { role: message.role, content: message.content };
    case "assistant":
      return {
        role: "assistant",
        content: message.content,
        ...(message.thinking ? { reasoning_content: message.thinking } : {}),
        ...(message.toolCalls?.length
          ? { tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) }
          : {}),
      };
    case "tool":
      return { role: "tool", tool_call_id: message.toolCallId, name: message.name, content: message.content };
  }
}

/** Checks a streamed call like a local one: JSON arguments, known tool, typed parameters. */
function checkRemoteCall(call: { id: string; name: string; args: string }, tools: readonly ToolDefinition[]): ChatStreamEvent {
  let parsed: unknown;
  try {
    parsed = call.args.trim() ? JSON.parse(call.args) : {};
  } catch {
    return { type: "toolCallError", name: call.name, raw: call.args, message: `The arguments of the call to "${call.name}" are not valid JSON. Call the tool again with a JSON object of arguments.` };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { type: "toolCallError", name: call.name, raw: call.args, message: `The arguments of "${call.name}" must be a JSON object.` };
  }
  const parameters = Object.entries(parsed as Record<string, JsonValue>).map(([k, v]): [string, string] => [k, typeof v === "string" ? v : JSON.stringify(v)]);
  const checked = checkToolCall({ name: call.name, parameters }, tools);
  if (!checked.ok) return { type: "toolCallError", name: checked.name, raw: call.args, message: checked.message };
  return { type: "toolCall", call: { id: call.id, name: checked.name, arguments: checked.arguments } };
}

function describeHttpError(status: number, body: string, url: string): string {
  let detail = body.slice(0, 300);
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } | string };
    detail = typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? detail);
  } catch {
    // not JSON: keep the text
  }
  if (status === 401 || status === 403) return `the server refused the API key (${status}): ${detail}`;
  return `the server answered ${status} for ${new URL(url).pathname}: ${detail}`;
}

function cause(error: unknown): string {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return code ?? (error instanceof Error ? error.message : String(error));
}
