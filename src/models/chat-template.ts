/**
 * Which prompt format a GGUF gets, decided from its own `tokenizer.chat_template`:
 * - Qwen3.5's or Qwen3.6's template (compared as a fingerprint of the text with whitespace
 *   runs collapsed) → Hearth's Qwen renderer (`qwen/prompt.ts`), which tests keep byte for
 *   byte equal to those templates, with segment-wise tokenization and the tool grammar;
 * - any other template → rendered by a real Jinja engine with the model's own template
 *   (`jinja-prompt.ts`), never guessed. Tool calls are offered only when that template
 *   speaks Qwen's XML tool-call format (`<tool_call>`, `<function=…>`, `<parameter=…>`):
 *   the Qwen output parser and grammar read exactly that. Otherwise the model chats
 *   without tools, and the reason says so;
 * - no template → Hearth's Qwen renderer (the file passed validation as a qwen3* model);
 *   a template the engine cannot parse → the same, with the parse error in the reason.
 */
import { createHash } from "node:crypto";

/** The known templates' fingerprints (see {@link templateFingerprint}). */
const KNOWN_TEMPLATES: ReadonlyMap<string, string> = new Map([
  // llama.cpp's models/templates/Qwen3.5-4B.jinja, as bundled with node-llama-cpp 3.22.1.
  ["4880dc50493b95f47b108a77ff06e25994d2ce8d5e28359d02975d6eefd4aa79", "Qwen3.5"],
  // Qwen3.5's with the preserve_thinking switch (test/fixtures/models/templates/).
  ["626b5771de8cfd4f13c9af86b3c9e1a04aa408f5ed238be6bc663495489835d4", "Qwen3.6"],
]);

/** How the embedded backend renders prompts for a model; reported in `BackendInfo.promptFormat`. */
export interface PromptFormatInfo {
  /** "qwen": Hearth's Qwen renderer; "jinja": the model's own template through a Jinja engine. */
  readonly kind: "qwen" | "jinja";
  /** The known template's name, else what the GGUF carried. */
  readonly template: "Qwen3.5" | "Qwen3.6" | "unknown" | "missing" | "unparsable";
  /** Whether tool calls are offered to the model. */
  readonly tools: boolean;
  /** One sentence for logs and status: which renderer and why. */
  readonly reason: string;
  /**
   * What the user must hear before chatting: the model's vocabulary lacks the control tokens
   * Hearth's Qwen format writes (`llama-cpp/chat-format.ts`), or its own template gets no tools.
   */
  readonly warning?: string;
}

/** SHA-256 of the template with every whitespace run collapsed to one space (re-indented copies match). */
export function templateFingerprint(template: string): string {
  return createHash("sha256").update(template.replace(/\s+/g, " ").trim()).digest("hex");
}

/** Whether a template writes Qwen3.5's XML tool calls, the only syntax Hearth parses. */
export function usesQwenToolCalls(template: string): boolean {
  return template.includes("<tool_call>") && template.includes("<function=") && template.includes("<parameter=");
}

/** Said when a conversation starts with a model whose template gets no tools. */
const NO_TOOLS_WARNING =
  "this model's chat template does not write Qwen3.5's tool calls (<function=…>), so the agent runs without tools: it cannot read, search or edit files or run commands, only chat. For the agent, choose a Qwen3.5 or Qwen3.6 GGUF";

/** The decision for a GGUF's `tokenizer.chat_template` (before any parse). */
export function classifyChatTemplate(template: string | undefined): PromptFormatInfo {
  if (!template?.trim()) {
    return { kind: "qwen", template: "missing", tools: true, reason: "the model file has no chat template: Hearth uses its Qwen3.5 prompt format" };
  }
  const known = KNOWN_TEMPLATES.get(templateFingerprint(template)) as "Qwen3.5" | "Qwen3.6" | undefined;
  if (known) return { kind: "qwen", template: known, tools: true, reason: `the model's chat template is ${known}'s: Hearth's Qwen prompt format renders it exactly` };
  const fingerprint = templateFingerprint(template).slice(0, 12);
  return usesQwenToolCalls(template)
    ? { kind: "jinja", template: "unknown", tools: true, reason: `the model's chat template is not one Hearth knows (fingerprint ${fingerprint}): prompts are rendered with the model's own template; it writes Qwen's XML tool calls, so tools stay on` }
    : {
        kind: "jinja",
        template: "unknown",
        tools: false,
        reason: `the model's chat template is not one Hearth knows (fingerprint ${fingerprint}) and has no Qwen XML tool calls: prompts are rendered with the model's own template and the agent runs without tools; use a Qwen3.5 or Qwen3.6 GGUF for tool use`,
        // A qwen3 GGUF (Qwen3-8B's JSON calls) passes validation and chats: without this the user saw an agent that only talked, the reason in the log alone.
        warning: NO_TOOLS_WARNING,
      };
}

/** The decision when the Jinja engine could not parse the template: fall back to Hearth's Qwen format. */
export function unparsableTemplate(error: unknown): PromptFormatInfo {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 200);
  return { kind: "qwen", template: "unparsable", tools: true, reason: `the model's chat template could not be parsed (${message}): Hearth uses its Qwen3.5 prompt format instead; check that the GGUF is a Qwen3.5/3.6 chat model` };
}
