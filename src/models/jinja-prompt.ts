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
import { Environment, Interpreter, Template } from "@huggingface/jinja";
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

  /** The prompt text. Throws {@link JinjaTemplateError} where the template raises or passes its limits. */
  text(messages: readonly ChatMessage[], options: JinjaPromptOptions = {}): string {
    const templateMessages = toTemplateMessages(messages);
    const tools = options.tools?.length ? options.tools.map(toTemplateTool) : undefined;
    const inputChars = JSON.stringify([templateMessages, tools ?? []]).length;
    const interpreter = new BudgetedInterpreter(renderEnvironment(), {
      steps: STEPS_BASE + STEPS_PER_ITEM * (messages.length + (tools?.length ?? 0)),
      chars: CHARS_BASE + CHARS_PER_INPUT_CHAR * inputChars,
    });
    const values = {
      messages: templateMessages,
      ...(tools ? { tools } : {}),
      add_generation_prompt: options.addGenerationPrompt ?? true,
      enable_thinking: options.enableThinking ?? true,
      bos_token: options.bosToken ?? "",
      eos_token: options.eosToken ?? "",
    };
    try {
      for (const [key, value] of Object.entries(values)) interpreter.global.set(key, value);
      const result = interpreter.run(this.template.parsed).value;
      return typeof result === "string" ? result : String(result);
    } catch (error) {
      if (error instanceof JinjaTemplateError) throw error;
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
 * Limits of one rendering. The template comes with the GGUF and the engine runs it on the
 * runtime's thread with no limit of its own: a loop of range(3000) inside another (9 million
 * steps) froze the runtime for a minute at every rendering, and range(10**9) or a string
 * times 10**9 filled the heap and ended the process. Steps are the engine's `evaluate`
 * calls; real templates take about a hundred per message or tool (Qwen3.6's: ~110). Characters
 * are those of the strings a rendering makes (looked-up values and literals not counted):
 * real templates make a few times their input's.
 */
const STEPS_BASE = 500_000;
const STEPS_PER_ITEM = 2_000;
const CHARS_BASE = 64 << 20;
const CHARS_PER_INPUT_CHAR = 16;
/** Items one range() may make: a template counts messages or tools with it, never more. */
const MAX_RANGE = 1 << 16;

/** Node types whose string value is not made by the evaluation (a variable, a member, a literal). */
const NOT_MADE = new Set(["Identifier", "MemberExpression", "StringLiteral"]);

/** The engine's interpreter, counting steps and the characters of the strings it makes. */
class BudgetedInterpreter extends Interpreter {
  private steps = 0;
  private chars = 0;

  constructor(env: Environment, private readonly limits: { readonly steps: number; readonly chars: number }) {
    super(env);
    // A loop body runs through evaluateBlock, which calls evaluate only for the statements it
    // holds: an empty `{% for %}` body would loop uncounted. The engine (pinned at 0.5.11) has
    // no public hook there; test/unit/models/jinja-prompt.test.ts fails if this one goes.
    const engine = this as unknown as { evaluateBlock: (...args: unknown[]) => unknown };
    const evaluateBlock = engine.evaluateBlock.bind(this);
    engine.evaluateBlock = (...args) => {
      this.step();
      return evaluateBlock(...args);
    };
  }

  private step(): void {
    if (++this.steps > this.limits.steps) throw new JinjaTemplateError(`the chat template took more than ${this.limits.steps.toLocaleString("en-US")} steps for this conversation; it loops too long`);
  }

  override evaluate(...args: Parameters<Interpreter["evaluate"]>): ReturnType<Interpreter["evaluate"]> {
    this.step();
    const value = super.evaluate(...args);
    if (value.type === "StringValue" && !NOT_MADE.has(args[0]?.type ?? "")) {
      this.chars += (value.value as string).length;
      if (this.chars > this.limits.chars) throw new JinjaTemplateError(`the chat template made more than ${this.limits.chars.toLocaleString("en-US")} characters of text for this conversation`);
    }
    return value;
  }
}

/** The globals Template.render sets (its setupGlobals is not exported), with range() bounded. */
function renderEnvironment(): Environment {
  const env = new Environment();
  const globals: Record<string, unknown> = {
    false: false, true: true, none: null, False: false, True: true, None: null,
    raise_exception: (message: unknown) => {
      throw new Error(String(message));
    },
    range: boundedRange,
    strftime_now: (format: unknown) => strftimeNow(String(format)),
  };
  for (const [name, value] of Object.entries(globals)) env.set(name, value);
  return env;
}

/**
 * The engine's strftime_now: %Y %m %d %b %B %H %M %%. Month names in English, as Python's
 * strftime writes them (the templates' models were trained on that), not in the language
 * LANG/LC_ALL give Node's Intl ("Dez", "12月").
 */
function strftimeNow(format: string): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  const parts: Record<string, () => string> = {
    "%Y": () => String(now.getFullYear()),
    "%m": () => pad(now.getMonth() + 1),
    "%d": () => pad(now.getDate()),
    "%b": () => now.toLocaleString("en-US", { month: "short" }),
    "%B": () => now.toLocaleString("en-US", { month: "long" }),
    "%H": () => pad(now.getHours()),
    "%M": () => pad(now.getMinutes()),
    "%%": () => "%",
  };
  return format.replace(/%[YmdbBHM%]/g, (token) => parts[token]!());
}

function boundedRange(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new Error("range() step must not be zero");
  const count = Math.max(0, Math.ceil((to - from) / step));
  if (!(count <= MAX_RANGE)) throw new JinjaTemplateError(`the chat template asked for range() of ${count} items (at most ${MAX_RANGE})`);
  return Array.from({ length: count }, (_, i) => from + i * step);
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
