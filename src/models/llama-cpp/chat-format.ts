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
  if (info.kind === "qwen") return new QwenFormat(withVocabularyWarning(info, model));
  try {
    return new JinjaFormat(info, new JinjaPrompt(template as string), model);
  } catch (error) {
    return new QwenFormat(withVocabularyWarning(unparsableTemplate(error), model));
  }
}

/**
 * Qwen's control tokens that its prompt format writes around every message and that start
 * a tool call. A model's own template (the Jinja format) writes its own markers, so only the
 * Qwen format is checked.
 */
const QWEN_CONTROL_TOKENS = ["<|im_start|>", "<|im_end|>", "<tool_call>"] as const;

/**
 * `info` with a warning when the vocabulary does not hold each of {@link QWEN_CONTROL_TOKENS}
 * as one token (a model of another family under a qwen3* architecture, a conversion that wrote
 * them as plain tokens): the model then reads them as pieces of text it never learned as
 * markers, answers poorly and writes broken tool calls; nothing else would tell the user why.
 */
function withVocabularyWarning(info: PromptFormatInfo, model: LlamaModel): PromptFormatInfo {
  const missing = QWEN_CONTROL_TOKENS.filter((text) => !isOneToken(model, text));
  if (missing.length === 0) return info;
  const named = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} or ${missing.at(-1)}`;
  return {
    ...info,
    warning: `this model's vocabulary has no ${named} token, which Hearth's Qwen prompt format writes: it is not a Qwen3.5 or Qwen3.6 chat model, or was converted wrongly, so its answers will be poor and its tool calls broken. Choose a Qwen3.5 or Qwen3.6 GGUF`,
  };
}

/** Whether the model's vocabulary holds `text` (a control token's text) as one token. */
export function isOneToken(model: LlamaModel, text: string): boolean {
  return model.tokenize(text, true).length === 1;
}
