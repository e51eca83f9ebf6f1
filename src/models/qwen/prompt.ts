/**
 * Renders a conversation exactly as Qwen3.5's chat template (`tokenizer.chat_template`,
 * see llama.cpp's models/templates/Qwen3.5-4B.jinja) does: the `# Tools` block first with
 * the system text after it, one `<parameter=NAME>` block per argument, raw tool results in
 * `<tool_response>`, thinking kept (or an empty `<think>\n\n</think>\n\n`) only after the
 * latest real user message. Tests compare it byte for byte with a Jinja engine.
 */
import type { AssistantMessage, ChatMessage, ToolCall, ToolDefinition } from "../types.ts";
import { formatArgumentValue, toJinjaJson } from "./template-values.ts";

/** Options of {@link renderQwenPrompt}. */
export interface QwenPromptOptions {
  tools?: readonly ToolDefinition[];
  /** End with `<|im_start|>assistant\n` and the thinking opener (default true). */
  addGenerationPrompt?: boolean;
  /** false: the generation prompt closes thinking at once, `<think>\n\n</think>\n\n` (default true). */
  enableThinking?: boolean;
}

/**
 * A piece of the prompt. `template` text is the format's own scaffolding and is tokenized
 * with special tokens recognised (`<|im_start|>` becomes one control token); `content` is
 * what users, tools and the model wrote, to be tokenized as plain text so a file that
 * contains `<|im_end|>` cannot end a turn.
 */
export interface PromptSegment {
  kind: "template" | "content";
  text: string;
}

/** Collects segments, merging neighbours of the same kind. */
class PromptBuilder {
  readonly segments: PromptSegment[] = [];
  tpl(text: string): this { return this.push("template", text); }
  content(text: string): this { return this.push("content", text); }
  text(): string { return this.segments.map((s) => s.text).join(""); }
  private push(kind: PromptSegment["kind"], text: string): this {
    if (!text) return this;
    const last = this.segments.at(-1);
    if (last?.kind === kind) last.text += text;
    else this.segments.push({ kind, text });
    return this;
  }
}

/** Thrown for conversations the template itself rejects. */
export class QwenPromptError extends Error {
  override name = "QwenPromptError";
}

const TOOLS_PREAMBLE = "# Tools\n\nYou have access to the following functions:\n\n<tools>";
const TOOLS_INSTRUCTIONS =
  "\n\nIf you choose to call a function ONLY reply in the following format with NO suffix:\n\n<tool_call>\n<function=example_function_name>\n<parameter=example_parameter_1>\nvalue_1\n</parameter>\n<parameter=example_parameter_2>\nThis is the value for the second parameter\nthat can span\nmultiple lines\n</parameter>\n</function>\n</tool_call>\n\n<IMPORTANT>\nReminder:\n- Function calls MUST follow the specified format: an inner <function=...></function> block must be nested within <tool_call></tool_call> XML tags\n- Required parameters MUST be specified\n- You may provide optional reasoning for your function call in natural language BEFORE the function call, but NOT after\n- If there is no function call available, answer the question like normal with your current knowledge and do not tell the user about function calls\n</IMPORTANT>";

/** Renders the whole prompt. Throws {@link QwenPromptError} where the template raises. */
export function renderQwenPrompt(messages: readonly ChatMessage[], options: QwenPromptOptions = {}): string {
  return buildPrompt(messages, options).text();
}

/** The same prompt as {@link renderQwenPrompt}, split into template and content segments. */
export function renderQwenPromptSegments(messages: readonly ChatMessage[], options: QwenPromptOptions = {}): PromptSegment[] {
  return buildPrompt(messages, options).segments;
}

function buildPrompt(messages: readonly ChatMessage[], options: QwenPromptOptions): PromptBuilder {
  if (messages.length === 0) throw new QwenPromptError("No messages provided.");
  const lastQuery = lastUserQueryIndex(messages);
  const out = new PromptBuilder();
  renderSystem(out, messages, options.tools ?? []);
  for (let index = 0; index < messages.length; index++) renderMessage(out, messages, index, lastQuery);
  if (options.addGenerationPrompt ?? true) out.tpl(qwenGenerationPrompt(options.enableThinking ?? true));
  return out;
}

/** What the template appends to start the assistant's turn. */
export function qwenGenerationPrompt(enableThinking: boolean): string {
  return "<|im_start|>assistant\n" + (enableThinking ? "<think>\n" : "<think>\n\n</think>\n\n");
}

/** The tool definition as the template prints it (OpenAI's `{"type": "function", …}` form). */
export function renderToolDefinition(tool: ToolDefinition): string {
  return toJinjaJson({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } });
}

function renderSystem(out: PromptBuilder, messages: readonly ChatMessage[], tools: readonly ToolDefinition[]): void {
  const first = messages[0]!;
  const system = first.role === "system" ? first.content.trim() : undefined;
  if (tools.length === 0) {
    if (system !== undefined) out.tpl("<|im_start|>system\n").content(system).tpl("<|im_end|>\n");
    return;
  }
  out.tpl("<|im_start|>system\n" + TOOLS_PREAMBLE);
  // Tool definitions come from our own code, but their descriptions may quote anything.
  for (const tool of tools) out.tpl("\n").content(renderToolDefinition(tool));
  out.tpl("\n</tools>" + TOOLS_INSTRUCTIONS);
  if (system) out.tpl("\n\n").content(system);
  out.tpl("<|im_end|>\n");
}

/** Index of the last user message that is not only a `<tool_response>` wrapper. */
function lastUserQueryIndex(messages: readonly ChatMessage[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== "user") continue;
    const content = m.content.trim();
    if (!(content.startsWith("<tool_response>") && content.endsWith("</tool_response>"))) return i;
  }
  throw new QwenPromptError("No user query found in messages.");
}

function renderMessage(out: PromptBuilder, messages: readonly ChatMessage[], index: number, lastQuery: number): void {
  const message = messages[index]!;
  switch (message.role) {
    case "system":
      if (index !== 0) throw new QwenPromptError("System message must be at the beginning.");
      return;
    case "user":
      out.tpl("<|im_start|>user\n").content(message.content.trim()).tpl("<|im_end|>\n");
      return;
    case "assistant":
      renderAssistant(out, message, index > lastQuery);
      return;
    case "tool":
      renderToolResult(out, messages, index);
      return;
  }
}

/** Splits `<think>…</think>` out of content when no separate thinking is given, as the template does. */
function splitThinking(message: AssistantMessage): { thinking: string; content: string } {
  let content = message.content.trim();
  let thinking = message.thinking ?? "";
  if (message.thinking === undefined && content.includes("</think>")) {
    const before = content.split("</think>")[0]!.replace(/\n+$/, "");
    thinking = before.split("<think>").at(-1)!.replace(/^\n+/, "");
    content = content.split("</think>").at(-1)!.replace(/^\n+/, "");
  }
  return { thinking: thinking.trim(), content };
}

function renderAssistant(out: PromptBuilder, message: AssistantMessage, keepThinking: boolean): void {
  const { thinking, content } = splitThinking(message);
  if (keepThinking) out.tpl("<|im_start|>assistant\n<think>\n").content(thinking).tpl("\n</think>\n\n").content(content);
  else out.tpl("<|im_start|>assistant\n").content(content);
  (message.toolCalls ?? []).forEach((call, i) => {
    out.tpl(i > 0 ? "\n<tool_call>" : content.trim() ? "\n\n<tool_call>" : "<tool_call>");
    renderCallInto(out, call);
  });
  out.tpl("<|im_end|>\n");
}

/** A call after its `<tool_call>` tag: `\n<function=…>\n<parameter=…>\n…\n</parameter>\n</function>\n</tool_call>`. */
export function renderToolCallBody(call: Pick<ToolCall, "name" | "arguments">): string {
  const out = new PromptBuilder();
  renderCallInto(out, call);
  return out.text();
}

function renderCallInto(out: PromptBuilder, call: Pick<ToolCall, "name" | "arguments">): void {
  out.tpl(`\n<function=${call.name}>\n`);
  for (const [name, value] of Object.entries(call.arguments)) {
    out.tpl(`<parameter=${name}>\n`).content(formatArgumentValue(value)).tpl("\n</parameter>\n");
  }
  out.tpl("</function>\n</tool_call>");
}

/** Consecutive tool results share one user turn. */
function renderToolResult(out: PromptBuilder, messages: readonly ChatMessage[], index: number): void {
  const message = messages[index]!;
  const previous = messages[index - 1];
  const next = messages[index + 1];
  if (previous && previous.role !== "tool") out.tpl("<|im_start|>user");
  out.tpl("\n<tool_response>\n").content(message.content.trim()).tpl("\n</tool_response>");
  if (!next || next.role !== "tool") out.tpl("<|im_end|>\n");
}
