/**
 * Tool calls a server left in the reply's text. A server that does not parse the model's
 * calls itself (llama-server on a template it does not know the call format of, vLLM or
 * SGLang without the qwen3_coder tool-call parser, an Ollama or LM Studio model whose template
 * does not handle tools) passes Qwen's `<tool_call><function=…>…</function></tool_call>` on
 * as content, with no `tool_calls`: the agent showed the XML as its answer and the run ended
 * "answered", having done nothing. When tools were offered, the content goes through the
 * same parser as the embedded backend's output: the text before a call streams as text, the
 * call becomes a call, checked like any other.
 */
import { isDeepStrictEqual } from "node:util";
import { mapJsonStrings, restoreControlText, StreamedControlText } from "./control-text.ts";
import { QwenOutputParser } from "./qwen/output-parser.ts";
import type { ChatStreamEvent, JsonValue, ToolCall, ToolDefinition } from "./types.ts";

/** Which server answers, as far as the connection could tell (for the setting to name). */
export type ServerKind = "llama-server" | "vllm" | "ollama" | "lmstudio" | "unknown";

/**
 * The content of one streamed reply as events: the calls the server left in it read out,
 * control strings restored (control-text.ts). Calls are read before restoring: a
 * `<tool_call>` the model copied from escaped content (a file it quotes) is text, not a call.
 * From the first call on, what the content holds waits for the reply's end ({@link end}):
 * a server that parses calls may also leave a call's XML in the content (a streaming parser
 * that leaks it), and that copy must not run a second time.
 */
export class ContentCalls {
  private readonly parser: QwenOutputParser | undefined;
  private readonly text = new StreamedControlText();
  private readonly thinking = new StreamedControlText();
  /** Events from the first call on, held until the end of the reply. */
  private held: ChatStreamEvent[] | undefined;
  /** Calls read out of the content (the server did not parse them). */
  calls = 0;

  constructor(tools: readonly ToolDefinition[]) {
    this.parser = tools.length ? new QwenOutputParser({ tools, startInThinking: false }) : undefined;
  }

  /** A call in the content fell into a loop while it was written (its error is held for {@link end}): read no more of the reply. */
  get stopped(): boolean {
    return this.parser?.stopped ?? false;
  }

  /** The events a piece of content (as the server sent it) completes. */
  push(content: string): ChatStreamEvent[] {
    return this.restored(this.parser ? this.parser.push(content) : [{ type: "text", text: content }]);
  }

  /**
   * The reply is over: what was held back (`aborted`: only its text, no half-written call as
   * an error). `served`: the calls the server parsed itself in this reply; a content call
   * equal to one of them is its leaked copy (left out), and a malformed one is shown as text.
   */
  end(aborted: boolean, served: readonly ToolCall[] = []): ChatStreamEvent[] {
    // Text the parser gives back now goes before what was held only when nothing was (restored holds the rest).
    const tail = this.restored(this.parser?.end() ?? []);
    const events = [...tail, ...(this.held ?? []), ...this.flush()];
    this.held = undefined;
    const unmatched = [...served];
    const out: ChatStreamEvent[] = [];
    for (const event of events) {
      if (event.type === "text" || event.type === "thinking") out.push(event);
      else if (aborted) continue;
      else if (event.type === "toolCallError") out.push(served.length ? { type: "text", text: event.raw } : event);
      else if (event.type !== "toolCall") out.push(event);
      else {
        const copy = unmatched.findIndex((call) => call.name === event.call.name && isDeepStrictEqual(call.arguments, event.call.arguments));
        if (copy >= 0) unmatched.splice(copy, 1);
        else {
          this.calls++;
          out.push(event);
        }
      }
    }
    return out;
  }

  private restored(events: readonly ChatStreamEvent[]): ChatStreamEvent[] {
    const out: ChatStreamEvent[] = [];
    for (const event of events) {
      if (event.type === "text" || event.type === "thinking") {
        const text = this[event.type].push(event.text);
        if (text) (this.held ?? out).push({ type: event.type, text });
        continue;
      }
      // What was held back of the text comes before the call.
      (this.held ?? out).push(...this.flush());
      this.held ??= [];
      if (event.type === "toolCall") {
        this.held.push({ type: "toolCall", call: { ...event.call, arguments: mapJsonStrings(event.call.arguments, restoreControlText) as Record<string, JsonValue> } });
      } else if (event.type === "toolCallError") this.held.push({ ...event, raw: restoreControlText(event.raw) });
      else this.held.push(event);
    }
    return out;
  }

  private flush(): ChatStreamEvent[] {
    const thinking = this.thinking.end();
    const text = this.text.end();
    return [...(thinking ? [{ type: "thinking" as const, text: thinking }] : []), ...(text ? [{ type: "text" as const, text }] : [])];
  }
}

/** What to tell the user, once, when the server left a call for Hearth to read: how to make it parse calls itself. */
export function unparsedCallsNotice(origin: string, server: ServerKind): string {
  const how: Record<ServerKind, string> = {
    "llama-server": "start llama-server with --jinja, on a build recent enough to know Qwen3.5's tool-call format",
    vllm: "start vLLM with --enable-auto-tool-choice --tool-call-parser qwen3_coder (SGLang: --tool-call-parser qwen3_coder)",
    ollama: "run a model from Ollama's own library, whose template handles tools (an imported GGUF with a plain TEMPLATE does not), on a current Ollama",
    lmstudio: "keep the model's own prompt template in LM Studio's model settings, on a current LM Studio",
    unknown: "llama-server: start it with --jinja; vLLM: --enable-auto-tool-choice --tool-call-parser qwen3_coder; SGLang: --tool-call-parser qwen3_coder",
  };
  return `The server at ${origin} passed the model's tool call on as text instead of parsing it; Hearth read the call itself. For the server to parse tool calls: ${how[server]}.`;
}
