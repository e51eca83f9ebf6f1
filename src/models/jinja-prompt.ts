/**
 * Renders a conversation with a model's own Jinja chat template, for templates Hearth does
 * not know (chat-template.ts). The engine is @huggingface/jinja, the one node-llama-cpp's
 * JinjaTemplateChatWrapper runs; Hearth calls it directly because that wrapper cannot pass
 * tool calls to a template as `tool_calls` (it falls back to its own `||call:` syntax, a
 * guess the model was never trained on). Messages go in as llama-server's `--jinja` and
 * transformers pass them: OpenAI-style `tool_calls` with argument objects, `tool` messages,
 * `reasoning_content`, `tools` as `{type: "function", function}`.
 *
 * Tokenizing: the template's own text is tokenized with control tokens recognised; what
 * users, tools and the model wrote is tokenized as plain text, so a file that contains
 * `<|im_end|>` cannot end a turn. Its places come from a second rendering with markers in
 * place of the contents, or, for templates that inspect contents, from a search of the
 * rendering in message order that never splits a control-token text. Content the template
 * rewrote beyond recognition stays template text (llama-server tokenizes its whole prompt
 * that way).
 */
import { Template } from "@huggingface/jinja";
import type { PromptSegment } from "./qwen/prompt.ts";
import type { ChatMessage, ToolDefinition } from "./types.ts";

/** A template that does not parse, or that raised an error for a conversation. */
export class JinjaTemplateError extends Error {
  override name = "JinjaTemplateError";
}

export interface JinjaPromptOptions {
  readonly tools?: readonly ToolDefinition[];
  /** Default true. */
  readonly addGenerationPrompt?: boolean;
  /** The template's `enable_thinking` (default true). */
  readonly enableThinking?: boolean;
  readonly bosToken?: string;
  readonly eosToken?: string;
}

/** Control-token texts a content match must not cut: `<|…|>` and Qwen's tag tokens. */
const CONTROL_TEXT = /<\|[^|\s]{1,40}\|>|<\/?(?:think|tool_call|tool_response)>/g;

export class JinjaPrompt {
  private readonly template: Template;

  /** Parses the template; throws {@link JinjaTemplateError} when it does not parse. */
  constructor(source: string) {
    try {
      this.template = new Template(source);
    } catch (error) {
      throw new JinjaTemplateError(`the chat template does not parse: ${firstLine(error)}`, { cause: error });
    }
  }

  /** The prompt text. Throws {@link JinjaTemplateError} where the template raises. */
  text(messages: readonly ChatMessage[], options: JinjaPromptOptions = {}): string {
    try {
      return this.template.render({
        messages: toTemplateMessages(messages),
        ...(options.tools?.length ? { tools: options.tools.map(toTemplateTool) } : {}),
        add_generation_prompt: options.addGenerationPrompt ?? true,
        enable_thinking: options.enableThinking ?? true,
        bos_token: options.bosToken ?? "",
        eos_token: options.eosToken ?? "",
      });
    } catch (error) {
      // The engine's own raise_exception throws the template's message (e.g. "No user query found in messages.").
      throw new JinjaTemplateError(`the chat template failed on this conversation: ${firstLine(error)}`, { cause: error });
    }
  }

  /** The same prompt split into template and content segments (see the file comment). */
  segments(messages: readonly ChatMessage[], options: JinjaPromptOptions = {}): PromptSegment[] {
    const text = this.text(messages, options);
    return markedSegments(this, messages, options, text) ?? searchedSegments(messages, text);
  }
}

/**
 * Exact content spans: render again with every content (and string argument) replaced by a
 * private-use marker, then put the contents back. When that gives the same text, the
 * template treated the contents as opaque and the markers are their exact places.
 * Templates that look inside contents (Qwen's checks for `</think>` or `<tool_response>`)
 * render differently with markers: undefined, and the search below is used.
 */
function markedSegments(prompt: JinjaPrompt, messages: readonly ChatMessage[], options: JinjaPromptOptions, text: string): PromptSegment[] | undefined {
  const pieces: string[] = [];
  const mark = (value: string): string => {
    const core = value.trim();
    if (!core) return value;
    const at = value.indexOf(core);
    pieces.push(core);
    return `${value.slice(0, at)}\uE000${pieces.length - 1}\uE001${value.slice(at + core.length)}`;
  };
  const marked = messages.map((m): ChatMessage => {
    if (m.role !== "assistant") return { ...m, content: mark(m.content) };
    return {
      ...m,
      ...(m.thinking !== undefined ? { thinking: mark(m.thinking) } : {}),
      content: mark(m.content),
      ...(m.toolCalls ? { toolCalls: m.toolCalls.map((c) => ({ ...c, arguments: Object.fromEntries(Object.entries(c.arguments).map(([k, v]) => [k, typeof v === "string" ? mark(v) : v])) })) } : {}),
    };
  });
  let markedText: string;
  try {
    markedText = prompt.text(marked, options);
  } catch {
    return undefined;
  }
  const segments: PromptSegment[] = [];
  let rebuilt = "";
  let last = 0;
  const push = (kind: PromptSegment["kind"], piece: string) => {
    if (!piece) return;
    segments.push({ kind, text: piece });
    rebuilt += piece;
  };
  for (const match of markedText.matchAll(/\uE000(\d+)\uE001/g)) {
    push("template", markedText.slice(last, match.index));
    push("content", pieces[Number(match[1])] ?? "");
    last = match.index + match[0].length;
  }
  push("template", markedText.slice(last));
  return rebuilt === text ? segments : undefined;
}

/** Content spans found by searching the rendering in message order, never splitting a control text. */
function searchedSegments(messages: readonly ChatMessage[], text: string): PromptSegment[] {
  const controls = [...text.matchAll(CONTROL_TEXT)].map((m) => [m.index, m.index + m[0].length] as const);
  // A match may contain a control text (content can quote `<|im_end|>`), never split one.
  const cuts = (from: number, to: number) => controls.some(([s, e]) => (s < from && from < e) || (s < to && to < e));
  const segments: PromptSegment[] = [];
  let cursor = 0;
  for (const piece of contentPieces(messages)) {
    let at = text.indexOf(piece, cursor);
    while (at >= 0 && cuts(at, at + piece.length)) at = text.indexOf(piece, at + 1);
    if (at < 0) continue;
    if (at > cursor) segments.push({ kind: "template", text: text.slice(cursor, at) });
    segments.push({ kind: "content", text: piece });
    cursor = at + piece.length;
  }
  if (cursor < text.length) segments.push({ kind: "template", text: text.slice(cursor) });
  return segments;
}

/** What people, tools and the model wrote, in the order templates print it. */
function contentPieces(messages: readonly ChatMessage[]): string[] {
  return messages.flatMap((m) => (m.role === "assistant" ? [m.thinking ?? "", m.content] : [m.content])).map((t) => t.trim()).filter((t) => t.length > 0);
}

function toTemplateMessages(messages: readonly ChatMessage[]): Array<Record<string, unknown>> {
  return messages.map((m) => {
    switch (m.role) {
      case "system":
      case "user":
        return { role: m.role, content: m.content };
      case "tool":
        return { role: "tool", content: m.content, tool_call_id: m.toolCallId, name: m.name };
      case "assistant":
        return {
          role: "assistant",
          content: m.content,
          ...(m.thinking !== undefined ? { reasoning_content: m.thinking } : {}),
          ...(m.toolCalls?.length ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })) } : {}),
        };
    }
  });
}

function toTemplateTool(tool: ToolDefinition): Record<string, unknown> {
  return { type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 200);
}
