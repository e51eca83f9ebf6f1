/**
 * The pure half of Hearth's Language Model Chat Provider (lm-provider.ts): VS Code's
 * messages, parts and tools as the plain shapes of `hearth/lm/chat` (src/protocol/lm.ts),
 * the model list from the runtime's status, and the options VS Code passes. No `vscode`
 * import: VS Code's part classes come in as {@link PartClasses}, so unit tests pass their own.
 */
import type { JsonValue } from "../protocol/chat.ts";
import type { LmMessage, LmPart, LmTool } from "../protocol/lm.ts";
import { HearthErrorCode } from "../protocol/lsp-ext.ts";
import { findHiddenText, hiddenTextNotice } from "../protocol/visible-text.ts";
import type { RuntimeConnection } from "../protocol/webview.ts";
import { linkLabel } from "./tool-result-text.ts";

type Constructor = abstract new (...args: never[]) => object;

/** VS Code's `LanguageModelTextPart`, `LanguageModelToolCallPart`, `LanguageModelToolResultPart`. */
export interface PartClasses {
  readonly Text: Constructor;
  readonly ToolCall: Constructor;
  readonly ToolResult: Constructor;
}

/** `LanguageModelChatRequestMessage`: role 1 user, 2 assistant, 3 system (VS Code's proposed System role, which its chat sends). */
export interface RequestMessage {
  readonly role: number;
  readonly content: readonly unknown[];
}

const ROLES: Record<number, LmMessage["role"]> = { 1: "user", 2: "assistant", 3: "system" };

/** VS Code's messages as `hearth/lm/chat` messages. Parts Hearth cannot show the model (images, thinking, cache markers) are left out. */
export function toLmMessages(messages: readonly RequestMessage[], classes: PartClasses): LmMessage[] {
  return messages.map((message) => {
    const role = ROLES[message.role] ?? "user";
    const parts = message.content.flatMap((part) => toLmPart(part, classes) ?? []);
    // What VS Code's chat sends as the user's (the files it attaches come as text) may hide an
    // instruction the user never saw: the model is told, as Hearth's own chat tells it.
    const hidden = role === "user" ? findHiddenText(parts.map((p) => (p.type === "text" ? p.text : "")).join("\n")) : undefined;
    if (hidden?.tags) parts.push({ type: "text", text: hiddenTextNotice(hidden, "the user's message above (with the files it attaches)") });
    return { role, parts };
  });
}

/** One part, or undefined for a kind the model cannot read. */
export function toLmPart(part: unknown, classes: PartClasses): LmPart | undefined {
  if (part instanceof classes.Text) return { type: "text", text: String((part as { value: unknown }).value) };
  if (part instanceof classes.ToolCall) {
    const call = part as { callId: string; name: string; input: unknown };
    return { type: "toolCall", callId: call.callId, name: call.name, input: toArguments(call) };
  }
  if (part instanceof classes.ToolResult) {
    const result = part as { callId: string; content: readonly unknown[] };
    const text = toolResultText(result.content, classes);
    // As runTool does for Hearth's own tools: a result hiding text is followed by what it reads as.
    const hidden = findHiddenText(text);
    return { type: "toolResult", callId: result.callId, content: hidden ? `${text}\n\n${hiddenTextNotice(hidden, "this tool result")}` : text };
  }
  const data = dataText(part);
  return data === undefined ? undefined : { type: "text", text: data };
}

/**
 * A tool result's content as the text the model reads: text parts and text-like data; a
 * resource link (VS Code's chat gives an MCP tool's embedded resource as one) by its URI;
 * other kinds are named, not dropped silently.
 */
export function toolResultText(content: readonly unknown[], classes: PartClasses): string {
  return content
    .map((item) => {
      if (item instanceof classes.Text) return String((item as { value: unknown }).value);
      return dataText(item) ?? linkLabel(item) ?? "[content the model cannot read was left out]";
    })
    .join("");
}

/** `LanguageModelDataPart` (VS Code 1.105+) with a text or JSON MIME type, decoded; anything else undefined. */
function dataText(part: unknown): string | undefined {
  if (typeof part !== "object" || part === null) return undefined;
  const { mimeType, data } = part as { mimeType?: unknown; data?: unknown };
  if (typeof mimeType !== "string" || !(data instanceof Uint8Array)) return undefined;
  if (!mimeType.startsWith("text/") && !/^application\/(.+\+)?json$/.test(mimeType)) return undefined;
  return new TextDecoder().decode(data);
}

/** A call's input as JSON arguments (VS Code types it `object`). */
function toArguments(call: { callId: string; name: string; input: unknown }): { [key: string]: JsonValue } {
  const { input } = call;
  if (typeof input !== "object" || input === null || Array.isArray(input)) return {};
  return JSON.parse(sendable(input, `The input of tool call '${call.callId}' (tool '${call.name}')`)) as { [key: string]: JsonValue };
}

/** VS Code's `LanguageModelChatTool`s for the runtime (the runtime checks the schemas; here only that they can be sent). */
export function toLmTools(tools: readonly { name: string; description: string; inputSchema?: object | undefined }[] | undefined): LmTool[] {
  return (tools ?? []).map((t) => {
    if (t.inputSchema === undefined) return { name: t.name, description: t.description };
    sendable(t.inputSchema, `Tool '${t.name}' has an input schema that`);
    return { name: t.name, description: t.description, inputSchema: t.inputSchema };
  });
}

/**
 * `value` as JSON, or an error naming `what`: a cycle, or nesting past the stack, would
 * otherwise fail in JSON-RPC's writer with JSON's own words ("Maximum call stack size exceeded").
 */
function sendable(value: unknown, what: string): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    const why = error instanceof RangeError ? "it is nested too deeply" : error instanceof Error ? error.message.split("\n")[0]! : String(error);
    throw new Error(`${what} cannot be sent as JSON (${why}): send plain, flatter JSON.`);
  }
}

/** Generation options a caller may pass in `modelOptions` (others are ignored). */
export interface LmModelOptions {
  readonly thinking?: boolean;
  readonly maxTokens?: number;
  readonly temperature?: number;
}

/**
 * Reads `modelOptions` (`thinking`, `maxTokens` or `max_tokens`, `temperature`), ignoring
 * values of the wrong type. The reply is held to the model's advertised `maxOutputTokens`
 * (asked or not): without a limit the runtime generates until the context is full, holding
 * the model for the agent and every other caller while a caller that never cancels waits on nothing.
 */
export function readModelOptions(options: { readonly [name: string]: unknown } | undefined, maxOutputTokens: number): LmModelOptions {
  const maxTokens = options?.maxTokens ?? options?.max_tokens;
  const out: { thinking?: boolean; maxTokens: number; temperature?: number } = { maxTokens: maxOutputTokens };
  if (typeof options?.thinking === "boolean") out.thinking = options.thinking;
  if (typeof maxTokens === "number" && Number.isInteger(maxTokens) && maxTokens > 0) out.maxTokens = Math.min(maxTokens, maxOutputTokens);
  if (typeof options?.temperature === "number" && options.temperature >= 0 && options.temperature <= 2) out.temperature = options.temperature;
  return out;
}

/** What VS Code lists for Hearth's model (`LanguageModelChatInformation`). */
export interface LmModelInfo {
  readonly id: string;
  readonly name: string;
  readonly family: string;
  readonly version: string;
  readonly detail: string;
  readonly tooltip: string;
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
  readonly capabilities: { readonly toolCalling: boolean; readonly imageInput: boolean };
}

/** Tokens kept for the reply: a quarter of the context, at most 8,192; the prompt may use the rest. */
export function outputBudget(contextSize: number): number {
  return Math.max(1, Math.min(8192, Math.floor(contextSize / 4)));
}

/** The loaded chat model, or none while the runtime has none ready (starting, loading, failed, not configured). */
export function lmModels(state: RuntimeConnection, version: string): LmModelInfo[] {
  if (state.kind !== "running" || state.status.model.kind !== "ready") return [];
  const { name, contextSize, source, gpu } = state.status.model;
  const output = outputBudget(contextSize);
  const where = source.kind === "server" ? `server ${source.url}` : source.kind === "file" ? source.modelPath : `preset ${source.preset}`;
  return [
    {
      id: slug(name),
      name,
      family: "hearth",
      version,
      detail: `Hearth · ${source.kind === "server" ? "server" : gpu || "CPU"} · ${contextSize.toLocaleString("en-US")} tokens`,
      tooltip: `${name} run by Hearth (${where}), ${contextSize.toLocaleString("en-US")} tokens of context.`,
      maxInputTokens: contextSize - output,
      maxOutputTokens: output,
      capabilities: { toolCalling: true, imageInput: false },
    },
  ];
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.]+/g, "-").replace(/^-+|-+$/g, "") || "model";
}

/** Why a request cannot run, for `LanguageModelError`: "notFound" when there is no model to run it on. */
export interface LmFailure {
  readonly kind: "notFound" | "failed";
  readonly message: string;
}

/** The runtime's error codes (HearthErrorCode) as what VS Code's caller reads. */
export function describeLmFailure(code: number | undefined, message: string): LmFailure {
  if (code === HearthErrorCode.ModelUnavailable) return { kind: "notFound", message: `Hearth has no model to answer with (${message}). Choose one with "Hearth: Select Model…" and try again.` };
  return { kind: "failed", message: /^[A-Z"']/.test(message) ? message : `Hearth's runtime failed: ${message}. See "Hearth: Show Log" for details.` };
}
