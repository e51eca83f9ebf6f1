/**
 * The prompt format of a loaded model (decided in ../chat-template.ts from the GGUF's
 * `tokenizer.chat_template`): Hearth's Qwen renderer, or the model's own template through
 * the Jinja engine. Both yield tokens the same way: template text with control tokens,
 * content as plain text.
 */
import type { LlamaModel, Token } from "node-llama-cpp";
import { BackendError } from "../backend.ts";
import { classifyChatTemplate, type PromptFormatInfo, unparsableTemplate } from "../chat-template.ts";
import { JinjaPrompt, JinjaTemplateError } from "../jinja-prompt.ts";
import { type PromptSegment, renderQwenPromptSegments } from "../qwen/prompt.ts";
import type { ChatMessage, ToolDefinition } from "../types.ts";

/**
 * Tokenizes prompt segments: template text with control tokens, content as plain text.
 *
 * Plain text is not enough by itself: llama.cpp matches a vocabulary's plain added tokens
 * (USER_DEFINED: Qwen's `<tool_call>`, `</tool_response>`, `<think>`) in any text, so a file,
 * a command's output or an issue holding `</tool_response>` would end the tool response
 * for the model, and what follows would read as the user's own words. Such a token in
 * content is written as its characters instead: its first one, then the rest.
 */
export class SegmentTokenizer {
  private readonly cache = new Map<string, Token[]>();
  private readonly added = new Map<Token, boolean>();
  constructor(private readonly model: LlamaModel) {}

  tokens(segments: readonly PromptSegment[]): Token[] {
    const out: Token[] = [];
    for (const segment of segments) for (const token of this.segment(segment)) out.push(token);
    return out;
  }

  private segment(segment: PromptSegment): Token[] {
    const key = segment.kind[0] + segment.text;
    let tokens = this.cache.get(key);
    if (!tokens) {
      tokens = this.model.tokenize(segment.text, segment.kind === "template");
      if (segment.kind === "content") tokens = this.asText(tokens);
      if (this.cache.size > 4096) this.cache.clear();
      this.cache.set(key, tokens);
    }
    return tokens;
  }

  private asText(tokens: Token[]): Token[] {
    if (!tokens.some((t) => this.isAdded(t))) return tokens;
    const out: Token[] = [];
    for (const token of tokens) {
      if (!this.isAdded(token)) {
        out.push(token);
        continue;
      }
      const text = this.model.detokenize([token], true);
      const first = String.fromCodePoint(text.codePointAt(0)!);
      out.push(...this.model.tokenize(first, false), ...this.model.tokenize(text.slice(first.length), false));
    }
    return out;
  }

  private isAdded(token: Token): boolean {
    let added = this.added.get(token);
    if (added === undefined) this.added.set(token, (added = this.model.getTokenAttributes(token).userDefined));
    return added;
  }
}

/** What the chat sequence needs from a prompt format. */
export interface ChatFormat {
  readonly info: PromptFormatInfo;
  /** The prompt's segments; with `addGenerationPrompt` false, the conversation alone. */
  segments(messages: readonly ChatMessage[], tools: readonly ToolDefinition[], thinking: boolean, addGenerationPrompt?: boolean): PromptSegment[];
}

class QwenFormat implements ChatFormat {
  constructor(readonly info: PromptFormatInfo) {}
  segments(messages: readonly ChatMessage[], tools: readonly ToolDefinition[], thinking: boolean, addGenerationPrompt = true): PromptSegment[] {
    return renderQwenPromptSegments(messages, { tools, enableThinking: thinking, addGenerationPrompt });
  }
}

class JinjaFormat implements ChatFormat {
  constructor(readonly info: PromptFormatInfo, private readonly prompt: JinjaPrompt, private readonly model: LlamaModel) {}

  segments(messages: readonly ChatMessage[], tools: readonly ToolDefinition[], thinking: boolean, addGenerationPrompt = true): PromptSegment[] {
    if (!this.info.tools && messages.some((m) => m.role === "tool" || (m.role === "assistant" && m.toolCalls?.length))) {
      throw new BackendError("this model's chat template cannot show tool calls, and the conversation has some: start a new chat, or use a Qwen3.5 or Qwen3.6 GGUF");
    }
    try {
      return this.prompt.segments(messages, {
        ...(this.info.tools ? { tools } : {}),
        addGenerationPrompt,
        enableThinking: thinking,
        bosToken: this.model.tokens.bosString ?? "",
        eosToken: this.model.tokens.eosString ?? "",
      });
    } catch (error) {
      if (error instanceof JinjaTemplateError) throw new BackendError(`${error.message}; Hearth cannot build a prompt for this conversation with this model`, undefined, { cause: error });
      throw error;
    }
  }
}

/** The format for a loaded model, chosen from its own chat template. */
export function chatFormatFor(model: LlamaModel): ChatFormat {
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  const info = classifyChatTemplate(typeof template === "string" ? template : undefined);
  if (info.kind === "qwen") return new QwenFormat(info);
  try {
    return new JinjaFormat(info, new JinjaPrompt(template as string), model);
  } catch (error) {
    return new QwenFormat(unparsableTemplate(error));
  }
}
