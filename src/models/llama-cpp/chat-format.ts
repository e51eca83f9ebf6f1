/**
 * The prompt format of a loaded model (decided in ../chat-template.ts from the GGUF's
 * `tokenizer.chat_template`): Hearth's Qwen renderer, or the model's own template through
 * the Jinja engine. Both yield segments that ./segment-tokenizer.ts tokenizes the same way:
 * template text with control tokens, content as plain text.
 */
import type { LlamaModel } from "node-llama-cpp";
import { BackendError } from "../backend.ts";
import { classifyChatTemplate, type PromptFormatInfo, unparsableTemplate } from "../chat-template.ts";
import { JinjaPrompt, JinjaTemplateError } from "../jinja-prompt.ts";
import { type PromptSegment, renderQwenPromptSegments } from "../qwen/prompt.ts";
import type { ChatMessage, ToolDefinition } from "../types.ts";

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
