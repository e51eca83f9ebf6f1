/**
 * Hearth's model in VS Code's own chat (the Language Model Chat Provider API, VS Code
 * 1.104+): the extension's provider (src/extension/lm-provider.ts) turns VS Code's
 * messages into these plain shapes, the runtime (src/runtime/lm-wiring.ts) generates with
 * them through the same Qwen prompt and tool grammar the agent uses
 * (src/models/lm-chat.ts), and streams the reply back as parts.
 *
 * A request from VS Code's chat, concretely:
 *   client → `hearth/lm/chat` {runId, messages, tools, toolMode}        (request id 9)
 *   runtime → `hearth/lm/part` {runId, part: text | toolCall}           (n times)
 *   runtime → response to 9: {stopReason, usage}
 * or, cancelled (VS Code's CancellationToken): client → `$/cancelRequest` {id: 9}; the
 * runtime stops generating and rejects 9 with RequestCancelled (-32800).
 * Token counts for VS Code's prompt budgeting: `hearth/lm/countTokens`, answered by the
 * loaded model's own tokenizer.
 */
import { NotificationType, RequestType } from "vscode-languageserver-protocol";
import type { JsonValue, StopReason, TokenUsage } from "./chat.ts";

/** The vendor id: package.json's `languageModelChatProviders` and `vscode.lm.registerLanguageModelChatProvider`. */
export const LM_VENDOR = "hearth";

/** One piece of a message, as VS Code's `LanguageModel*Part` classes carry it. */
export type LmPart =
  | { readonly type: "text"; readonly text: string }
  /** A call the model made in an earlier turn; `callId` pairs it with its result. */
  | { readonly type: "toolCall"; readonly callId: string; readonly name: string; readonly input: { readonly [key: string]: JsonValue } }
  /** The result of the call with `callId`, as the text the model reads. */
  | { readonly type: "toolResult"; readonly callId: string; readonly content: string };

/** One message of the conversation VS Code sends. */
export interface LmMessage {
  readonly role: "system" | "user" | "assistant";
  readonly parts: readonly LmPart[];
}

/** A tool VS Code offers the model (`LanguageModelChatTool`): `inputSchema` is the caller's JSON Schema, unchecked. */
export interface LmTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema?: unknown;
}

export interface LmChatParams {
  /** Chosen by the client; echoed in every `hearth/lm/part`. */
  readonly runId: string;
  readonly messages: readonly LmMessage[];
  readonly tools?: readonly LmTool[];
  /** "required": the reply must be tool calls (VS Code's `LanguageModelChatToolMode.Required`). Default "auto". */
  readonly toolMode?: "auto" | "required";
  /** Let the model think first (default false: VS Code's stable API has no part to show thinking in). */
  readonly thinking?: boolean;
  readonly maxTokens?: number;
  readonly temperature?: number;
}

export interface LmChatResult {
  readonly stopReason: StopReason;
  readonly usage?: TokenUsage;
}

/** A piece of the reply, in output order. Text comes as deltas; a tool call once, complete and checked against its schema. */
export type LmResponsePart =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "toolCall"; readonly callId: string; readonly name: string; readonly input: { readonly [key: string]: JsonValue } };

export interface LmPartParams {
  readonly runId: string;
  readonly part: LmResponsePart;
}

/** Text, or one message (its content, without the few template tokens around it). */
export type LmCountTokensParams = { readonly text: string } | { readonly message: LmMessage };

// ---- client (extension) → runtime ------------------------------------------------------

/**
 * Sent by the extension when VS Code's chat (or another extension through `vscode.lm`)
 * sends a request to Hearth's model. Streams `hearth/lm/part` with the same `runId`,
 * resolves when the turn ends. Never runs tools: the caller runs them and sends their
 * results in the next request. Cancel with `$/cancelRequest`. Rejects with
 * `HearthErrorCode.ModelUnavailable` when no model is loaded, `InvalidInput` for messages
 * or tool schemas Hearth cannot use (the message says which), `Internal` with a message
 * starting "Hearth's model could not answer this request" when the loaded model cannot run
 * it (the conversation does not fit its context, its server refused the prompt).
 */
export const LmChatRequest = new RequestType<LmChatParams, LmChatResult, void>("hearth/lm/chat");

/** Sent by the extension for `provideTokenCount`: the loaded model's tokenizer count. Rejects like `hearth/lm/chat`. */
export const LmCountTokensRequest = new RequestType<LmCountTokensParams, { readonly tokens: number }, void>("hearth/lm/countTokens");

// ---- runtime → client ------------------------------------------------------------------

/** Sent by the runtime during a `hearth/lm/chat` run, once per reply part (text deltas merged per 50 ms frame). */
export const LmPartNotification = new NotificationType<LmPartParams>("hearth/lm/part");
