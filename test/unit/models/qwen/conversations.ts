/**
 * Conversations for the prompt tests: hand-written edge cases plus seeded random ones,
 * and their translation into the message shape chat templates expect (OpenAI style).
 */
import type { ChatMessage, ChatStreamEvent, JsonValue, ToolCall, ToolDefinition } from "../../../../src/models/types.ts";
import type { QwenOutputParserOptions } from "../../../../src/models/qwen/output-parser.ts";
import { seededRandom } from "../../../fixtures/seeded-random.ts";

export const TOOLS: ToolDefinition[] = [
  {
    name: "read_file",
    description: "Read a file of the workspace, optionally a line range.",
    parameters: {
      type: "object",
      properties: {
        path: { type: "string", description: "Path relative to the workspace root" },
        offset: { type: "integer", description: "First line, 1-based" },
        limit: { type: "integer" },
      },
      required: ["path"],
    },
  },
  {
    name: "edit",
    description: "Replace one exact, unique occurrence of `search` with `replace` — «ünïcödé» 🔧 \"quoted\"\nsecond line",
    parameters: {
      type: "object",
      properties: {
        path: { type: "string" },
        search: { type: "string" },
        replace: { type: "string" },
        mode: { type: "string", enum: ["exact", "fuzzy"] },
        dry_run: { type: "boolean" },
        options: { type: "object", properties: { tabs: { type: "number" } } },
        lines: { type: "array", items: { type: "integer" } },
      },
      required: ["path", "search", "replace"],
    },
  },
];

const call = (id: string, name: string, args: Record<string, JsonValue>): ToolCall => ({ id, name, arguments: args });

/** Named, hand-written conversations. */
export const CASES: Array<{ name: string; messages: ChatMessage[]; tools?: ToolDefinition[] }> = [
  { name: "user only", messages: [{ role: "user", content: "Hi" }] },
  { name: "system + user", messages: [{ role: "system", content: "You are Hearth." }, { role: "user", content: "Hi" }] },
  { name: "empty system", messages: [{ role: "system", content: "" }, { role: "user", content: "Hi" }] },
  { name: "empty system with tools", tools: TOOLS, messages: [{ role: "system", content: "  \n" }, { role: "user", content: "Hi" }] },
  { name: "tools, system", tools: TOOLS, messages: [{ role: "system", content: "  Be brief.\n\n" }, { role: "user", content: "Read main" }] },
  { name: "tools, no system", tools: [TOOLS[0]!], messages: [{ role: "user", content: "Read main" }] },
  { name: "empty user", messages: [{ role: "user", content: "" }] },
  {
    name: "multi-turn drops old thinking",
    messages: [
      { role: "user", content: "one" },
      { role: "assistant", content: "first answer", thinking: "thought one" },
      { role: "user", content: "two" },
      { role: "assistant", content: "second answer", thinking: "\nthought two\n" },
    ],
  },
  {
    name: "tool loop",
    tools: TOOLS,
    messages: [
      { role: "system", content: "You are Hearth." },
      { role: "user", content: "Fix the bug in src/main.ts" },
      {
        role: "assistant", content: "Let me look at the file.", thinking: "I should read it first.",
        toolCalls: [call("1", "read_file", { path: "src/main.ts", offset: 10, limit: 20 })],
      },
      { role: "tool", toolCallId: "1", name: "read_file", content: "export const x = 1;\n\n  // trailing  \n" },
      {
        role: "assistant", content: "", thinking: "",
        toolCalls: [
          call("2", "edit", {
            path: "src/main.ts", search: "const x = 1;", replace: "const x = 2;\nconst y = \"</tool_call>\";",
            mode: "exact", dry_run: false, options: { tabs: 2.5, nested: { a: [1, null] } }, lines: [1, 2, 3],
          }),
          call("3", "read_file", { path: "src/ünï.ts" }),
        ],
      },
      { role: "tool", toolCallId: "2", name: "edit", content: "ok" },
      { role: "tool", toolCallId: "3", name: "read_file", content: "" },
      { role: "assistant", content: "Done.", thinking: "All good." },
    ],
  },
  {
    name: "tool loop then new user message",
    tools: TOOLS,
    messages: [
      { role: "user", content: "a" },
      { role: "assistant", content: "", thinking: "t", toolCalls: [call("1", "read_file", { path: "a" })] },
      { role: "tool", toolCallId: "1", name: "read_file", content: "A" },
      { role: "assistant", content: "It says A.", thinking: "easy" },
      { role: "user", content: "and b?" },
    ],
  },
  {
    name: "inline think tags in content",
    messages: [
      { role: "user", content: "q" },
      { role: "assistant", content: "<think>\ninline thought\n</think>\n\nanswer" },
      { role: "user", content: "q2" },
      { role: "assistant", content: "pre <think>a</think>  spaced answer" },
    ],
  },
  {
    name: "user message wrapping tool responses",
    messages: [
      { role: "user", content: "real question" },
      { role: "assistant", content: "calling", thinking: "x" },
      { role: "user", content: "<tool_response>\nresult\n</tool_response>" },
      { role: "assistant", content: "final", thinking: "y" },
    ],
  },
  {
    name: "unicode everywhere",
    tools: TOOLS,
    messages: [
      { role: "system", content: "Ты — помощник. 你好 👋🏽 \u2028 עברית" },
      { role: "user", content: "e\u0301 ｆｕｌｌｗｉｄｔｈ \u0000\u001f tab\there" },
      {
        role: "assistant", content: "😀", thinking: "думаю…",
        toolCalls: [call("1", "edit", { path: "ü/🚀.md", search: "«a»", replace: "‘b’\u2029", options: { "ключ": "значение" } })],
      },
      { role: "tool", toolCallId: "1", name: "edit", content: "✓ 完成" },
    ],
  },
  {
    name: "assistant without thinking field after query",
    tools: TOOLS,
    messages: [
      { role: "user", content: "x" },
      { role: "assistant", content: "  \n", toolCalls: [call("1", "read_file", { path: "x" })] },
      { role: "tool", toolCallId: "1", name: "read_file", content: "  padded  " },
    ],
  },
];

/** Template input shape: what HF / llama-server pass to the Jinja template. */
export function toTemplateMessages(messages: readonly ChatMessage[]): Array<Record<string, unknown>> {
  return messages.map((m) => {
    switch (m.role) {
      case "system":
      case "user":
        return { role: m.role, content: m.content };
      case "tool":
        return { role: "tool", content: m.content, tool_call_id: m.toolCallId, name: m.name };
      case "assistant": {
        const out: Record<string, unknown> = { role: "assistant", content: m.content };
        if (m.thinking !== undefined) out.reasoning_content = m.thinking;
        if (m.toolCalls) out.tool_calls = m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
        return out;
      }
    }
  });
}

export function toTemplateTools(tools: readonly ToolDefinition[]): Array<Record<string, unknown>> {
  return tools.map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.parameters } }));
}

const SNIPPETS = [
  "", " ", "\n", "\n\n", "hello", "  padded  ", "line1\nline2", "<think>", "</think>", "<tool_call>",
  "</tool_response>", "<tool_response>", "{\"json\": true}", "😀", "日本語", "a\tb", "\\n", "' \" `", "<|im_end|>",
];

/** A random but template-valid conversation (it always has a real user query). */
export function randomConversation(seed: number): { messages: ChatMessage[]; tools?: ToolDefinition[] } {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const text = () => Array.from({ length: Math.floor(r() * 4) }, () => pick(SNIPPETS)).join("");
  const messages: ChatMessage[] = [];
  if (r() < 0.6) messages.push({ role: "system", content: text() });
  messages.push({ role: "user", content: "question " + text() });
  let id = 0;
  const turns = Math.floor(r() * 6);
  for (let t = 0; t < turns; t++) {
    const calls = r() < 0.5 ? Math.floor(r() * 3) : 0;
    const toolCalls = Array.from({ length: calls }, () => call(String(++id), pick(["read_file", "edit"]), randomArgs(r, text)));
    messages.push({ role: "assistant", content: text(), ...(r() < 0.7 ? { thinking: text() } : {}), ...(calls ? { toolCalls } : {}) });
    for (const c of toolCalls) messages.push({ role: "tool", toolCallId: c.id, name: c.name, content: text() });
    if (!calls && r() < 0.5) messages.push({ role: "user", content: "more " + text() });
  }
  return r() < 0.6 ? { messages, tools: r() < 0.5 ? TOOLS : [TOOLS[1]!] } : { messages };
}

function randomArgs(r: () => number, text: () => string): Record<string, JsonValue> {
  const args: Record<string, JsonValue> = { path: text() };
  if (r() < 0.5) args.limit = Math.floor(r() * 1000) - 500;
  if (r() < 0.3) args.ratio = r() < 0.5 ? 0.25 : 1e21;
  if (r() < 0.3) args.flag = r() < 0.5;
  if (r() < 0.3) args.obj = { k: text(), list: [1, "two", false, null, {}], empty: [] };
  if (r() < 0.3) args.list = [text(), 3];
  return args;
}

/** Parser options over TOOLS, call ids numbered from call_1. */
export function parserOptions(startInThinking: boolean): QwenOutputParserOptions {
  let n = 0;
  return { tools: TOOLS, startInThinking, newCallId: () => `call_${++n}` };
}

/** Consecutive text and thinking deltas merged, so differently chunked streams compare equal. */
export function mergedDeltas(events: ChatStreamEvent[]): ChatStreamEvent[] {
  const out: ChatStreamEvent[] = [];
  for (const e of events) {
    const last = out.at(-1);
    if (last && (e.type === "text" || e.type === "thinking") && last.type === e.type) out[out.length - 1] = { type: e.type, text: last.text + e.text };
    else out.push(e);
  }
  return out;
}
