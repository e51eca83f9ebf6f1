/**
 * Hearth's model behind VS Code's Language Model Chat Provider API (src/protocol/lm.ts):
 * VS Code's conversation (roles with text, tool-call and tool-result parts, tools with
 * their JSON Schemas) becomes a {@link ChatRequest} for any backend, so the embedded model
 * generates through the same Qwen prompt and tool grammar as the agent; the reply's
 * events become VS Code's parts. Process-free: the runtime wires it to LSP.
 */
import { MAX_ARGUMENT_DEPTH, nestingDepth, plainName } from "../protocol/markup-names.ts";
import { renderToolCallBody } from "./qwen/prompt.ts";
import { collectTurn, type ChatRequest, DoesNotFitError, type ModelBackend } from "./backend.ts";
import type { ChatMessage, ChatStreamEvent, JsonSchema, ToolCall, ToolDefinition } from "./types.ts";
import { stopRunaway } from "./runaway.ts";
import type { LmChatParams, LmChatResult, LmCountTokensParams, LmMessage, LmPart, LmResponsePart, LmTool } from "../protocol/lm.ts";

/** A request Hearth cannot turn into a prompt; the message says what to change. */
export class LmInputError extends Error {
  override name = "LmInputError";
}

/**
 * The conversation as Hearth's messages: every system text joined into the one leading
 * system message (Qwen's template allows a system message only first), tool results split
 * out of user messages in their order, each named after the call it answers.
 */
export function toChatMessages(messages: readonly LmMessage[]): ChatMessage[] {
  const system = messages.filter((m) => m.role === "system").map(textOf).filter((t) => t.trim());
  const out: ChatMessage[] = system.length ? [{ role: "system", content: system.join("\n\n") }] : [];
  const callNames = new Map<string, string>();
  for (const message of messages) {
    if (message.role === "assistant") out.push(assistantMessage(message, callNames));
    else if (message.role === "user") out.push(...userMessages(message, callNames));
  }
  if (!out.some((m) => m.role === "user")) throw new LmInputError("The request has no user message: send at least one user message with text.");
  return out;
}

function textOf(message: LmMessage): string {
  return message.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
}

function assistantMessage(message: LmMessage, callNames: Map<string, string>): ChatMessage {
  const toolCalls: ToolCall[] = [];
  for (const part of message.parts) {
    if (part.type !== "toolCall") continue;
    checkCall(part);
    callNames.set(part.callId, part.name);
    toolCalls.push({ id: part.callId, name: part.name, arguments: { ...part.input } });
  }
  return toolCalls.length ? { role: "assistant", content: textOf(message), toolCalls } : { role: "assistant", content: textOf(message) };
}

/**
 * An earlier call as the caller sent it back: the prompt prints its tool and argument names
 * as its own markup (`<function=NAME>`, `<parameter=NAME>`, with control tokens on), so a
 * made-up name could close the turn and open a system message of its own.
 */
function checkCall(call: Extract<LmPart, { type: "toolCall" }>): void {
  if (typeof call.input !== "object" || call.input === null || Array.isArray(call.input)) throw new LmInputError(`The tool call '${call.callId}' has input that is not a JSON object: send its arguments as an object.`);
  if (!TOOL_NAME.test(call.name)) throw new LmInputError(`The tool call '${call.callId}' names a tool Hearth cannot show the model (${JSON.stringify(call.name)}): tool names are letters, digits, '_', '.', ':' or '-' (at most 128).`);
  for (const name of Object.keys(call.input)) {
    if (!plainName(name)) throw new LmInputError(`The tool call '${call.callId}' has an argument named ${JSON.stringify(name)}, which a tool call cannot carry: use names without '<', '>', line breaks, control characters or spaces around them.`);
  }
  if (nestingDepth(call.input, MAX_ARGUMENT_DEPTH) > MAX_ARGUMENT_DEPTH) throw new LmInputError(`The arguments of tool call '${call.callId}' are nested more than ${MAX_ARGUMENT_DEPTH} levels deep: send flatter arguments.`);
}

/** Tool names the grammar and the prompt's `<function=NAME>` hold as they are. */
const TOOL_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
/** A tool schema's JSON nesting the prompt (the definition's JSON) and the grammar (one rule per level) walk safely. */
const MAX_SCHEMA_DEPTH = 64;

/** Tool results become tool messages where they stand; the text between them becomes user messages. */
function userMessages(message: LmMessage, callNames: ReadonlyMap<string, string>): ChatMessage[] {
  const out: ChatMessage[] = [];
  let text = "";
  const flushText = () => {
    if (text.trim()) out.push({ role: "user", content: text });
    text = "";
  };
  for (const part of message.parts) {
    if (part.type === "text") text += part.text;
    else if (part.type === "toolResult") {
      flushText();
      const name = callNames.get(part.callId);
      if (name === undefined) throw new LmInputError(`The tool result for call '${part.callId}' answers no earlier tool call: send the assistant message with that call before its result.`);
      out.push({ role: "tool", toolCallId: part.callId, name, content: part.content });
    }
  }
  flushText();
  return out;
}

/**
 * VS Code's tools as Hearth's definitions. A missing schema means no parameters; a schema
 * that does not describe an object (Qwen passes arguments by name) is refused, naming the tool.
 */
export function toToolDefinitions(tools: readonly LmTool[]): ToolDefinition[] {
  const seen = new Set<string>();
  return tools.map((tool) => {
    if (!TOOL_NAME.test(tool.name)) throw new LmInputError(`Tool '${tool.name}' has a name Hearth cannot use: use letters, digits, '_', '.', ':' or '-' (at most 128).`);
    if (seen.has(tool.name)) throw new LmInputError(`Tool '${tool.name}' is offered twice: offer each tool once.`);
    seen.add(tool.name);
    return { name: tool.name, description: tool.description, parameters: objectSchema(tool) };
  });
}

function objectSchema(tool: LmTool): ToolDefinition["parameters"] {
  const schema = tool.inputSchema;
  if (schema === undefined || schema === null) return { type: "object", properties: {} };
  if (typeof schema !== "object" || Array.isArray(schema)) throw new LmInputError(`Tool '${tool.name}' has an input schema that is not a JSON object: give it an object schema or none.`);
  if (nestingDepth(schema, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH) throw new LmInputError(`Tool '${tool.name}' has an input schema nested more than ${MAX_SCHEMA_DEPTH} levels deep: give it a flatter schema.`);
  const s = schema as JsonSchema;
  if (s.type !== undefined && s.type !== "object") throw new LmInputError(`Tool '${tool.name}' takes ${JSON.stringify(s.type)} input: Hearth's model passes arguments by name, so give it an object schema ("type": "object").`);
  const properties = s.properties && typeof s.properties === "object" && !Array.isArray(s.properties) ? s.properties : {};
  for (const name of Object.keys(properties)) {
    if (!plainName(name)) throw new LmInputError(`Tool '${tool.name}' has a parameter named ${JSON.stringify(name)}, which a tool call cannot carry in <parameter=NAME>: use names without '<', '>', line breaks, control characters or spaces around them.`);
  }
  return { ...s, type: "object", properties };
}

/** The backend request for VS Code's chat request (thinking off unless asked: nothing would show it). */
export function toChatRequest(params: LmChatParams, signal?: AbortSignal): ChatRequest {
  const tools = toToolDefinitions(params.tools ?? []);
  if (params.toolMode === "required" && tools.length === 0) throw new LmInputError("The request requires a tool call but offers no tools: pass tools, or use the automatic tool mode.");
  return {
    messages: toChatMessages(params.messages),
    thinking: params.thinking ?? false,
    ...(tools.length ? { tools } : {}),
    ...(params.toolMode === "required" ? { requireToolCall: true } : {}),
    ...(params.maxTokens === undefined ? {} : { maxTokens: params.maxTokens }),
    ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
    ...(signal ? { signal } : {}),
  };
}

/**
 * What VS Code receives for a stream event: text deltas and checked tool calls. Thinking
 * has no stable part and is dropped; a call the model wrote that cannot run (the grammar
 * keeps these rare) is shown as the text the model wrote, so nothing silently disappears.
 * A `notice` is dropped: it tells Hearth's user about a server's settings, which is not part
 * of the caller's reply (a reply stopped for looping says so as text instead: runLmChat).
 */
export function lmPartOf(event: ChatStreamEvent): LmResponsePart | undefined {
  switch (event.type) {
    case "text":
      return { type: "text", text: event.text };
    case "toolCall":
      return { type: "toolCall", callId: event.call.id, name: event.call.name, input: event.call.arguments };
    case "toolCallError":
      return { type: "text", text: event.raw };
    default:
      return undefined;
  }
}

/** Runs one turn for VS Code's chat, passing each stream event to `onEvent` (map them with {@link lmPartOf}). */
export async function runLmChat(backend: ModelBackend, params: LmChatParams, signal: AbortSignal, onEvent: (event: ChatStreamEvent) => void): Promise<LmChatResult> {
  // VS Code's chat has no agent loop of Hearth's around it: a reply that falls into a loop is stopped here (runaway.ts),
  // and said as the reply's last text: lmPartOf drops notices (a server setting is not the caller's reply), and without it the reply just stopped.
  const turn = await collectTurn(stopRunaway(toChatRequest(params, signal), (request) => backend.chat(request), { sayAsText: true }), onEvent);
  return turn.usage ? { stopReason: turn.stopReason, usage: turn.usage } : { stopReason: turn.stopReason };
}

/** Tokens of a text, or of a message's content, by the loaded model's tokenizer; past the context, the context size + 1 (VS Code's caller reads it as "does not fit"). */
export async function countLmTokens(backend: ModelBackend, params: LmCountTokensParams, signal?: AbortSignal): Promise<number> {
  const text = "text" in params ? params.text : params.message.parts.map(partText).join("\n");
  try {
    return (await backend.tokenize(text, signal)).length;
  } catch (error) {
    if (error instanceof DoesNotFitError) return error.contextSize + 1;
    throw error;
  }
}

/** A part as the model reads it: tool calls in Qwen's own XML. */
function partText(part: LmPart): string {
  if (part.type === "text") return part.text;
  if (part.type === "toolResult") return part.content;
  return `<tool_call>${renderToolCallBody({ name: part.name, arguments: { ...part.input } })}`;
}
