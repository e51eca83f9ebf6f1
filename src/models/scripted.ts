/**
 * The scripted backend: a real {@link ModelBackend} that replays recorded assistant turns
 * instead of running a model, so integration and e2e tests drive the real agent loop, the
 * real runtime and the real UI without weights. Selected by configuration: a model path
 * ending in `.json` is a script file (see {@link ModelScript}).
 *
 * Each `chat()` call replays the next turn. A turn is written as Qwen3.5 would write it
 * (thinking, text, `<tool_call>` XML) and goes through the same {@link QwenOutputParser}
 * as real model output, so a recorded call to an unknown tool or with bad arguments gives
 * the same `toolCallError` a real one would.
 */
import { access, readFile } from "node:fs/promises";
import { basename } from "node:path";
import { jsonErrorLine } from "../protocol/json-syntax.ts";
import { wait } from "../protocol/wait.ts";
import { renderQwenPrompt, renderToolCallBody } from "./qwen/prompt.ts";
import { QwenOutputParser } from "./qwen/output-parser.ts";
import {
  BackendError,
  type BackendInfo,
  type BackendState,
  type ChatRequest,
  type FimRequest,
  type FimResult,
  type LoadOptions,
  type ModelBackend,
  throwIfAborted,
} from "./backend.ts";
import type { ChatMessage, ChatStreamEvent, JsonValue, ToolDefinition } from "./types.ts";

/** One recorded assistant turn. */
export type ScriptedTurn =
  /** Exactly what the model wrote after the generation prompt (may be malformed on purpose). */
  | { readonly raw: string }
  | {
      readonly thinking?: string;
      readonly text?: string;
      readonly toolCalls?: readonly { readonly name: string; readonly arguments: Record<string, JsonValue> }[];
      /** Where the stream stops and waits, in order (tests of Stop that must not race a model's pace). */
      readonly holds?: readonly ScriptedHold[];
    };

/**
 * The stream of a turn, held after the first `afterText` characters of its `text`: until the file
 * `untilFile` exists (a test writes it; then the turn streams on), or, with no file, until the
 * request is cancelled, so a test can press Stop while the reply is certain to be still streaming.
 */
export interface ScriptedHold {
  readonly afterText: number;
  readonly untilFile?: string;
}

/** The content of a script file (`*.json`). */
export interface ModelScript {
  /** Shown as the model's name (default: the file name). */
  readonly name?: string;
  /** Reported context size (default 32,768). */
  readonly contextSize?: number;
  /** Assistant turns, replayed in order, one per `chat()` call. */
  readonly turns: readonly ScriptedTurn[];
  /** FIM answers, replayed in order (default: empty completions). */
  readonly completions?: readonly string[];
  /** Pause between streamed chunks, to test cancellation and progress (default 0). */
  readonly chunkDelayMs?: number;
  /** Characters per streamed chunk (default 8). */
  readonly chunkSize?: number;
}

/** True when a model path names a script rather than a GGUF. */
export function isScriptPath(path: string): boolean {
  return path.toLowerCase().endsWith(".json");
}

export class ScriptedBackend implements ModelBackend {
  readonly kind = "scripted";
  private current: BackendState = { kind: "unloaded" };
  private script: ModelScript | undefined;
  private loading: Promise<BackendInfo> | undefined;
  private nextTurn = 0;
  private nextCompletion = 0;
  private callIds = 0;

  /** From a script file, or directly from a script object (tests). */
  constructor(private readonly source: string | ModelScript) {}

  state(): BackendState {
    return this.current;
  }

  load(options: LoadOptions = {}): Promise<BackendInfo> {
    this.loading ??= this.doLoad(options).catch((error: unknown) => {
      this.loading = undefined;
      const message = error instanceof Error ? error.message : String(error);
      this.current = { kind: "error", message, fix: "selectModel" };
      throw error instanceof BackendError ? error : new BackendError(message, "selectModel");
    });
    return this.loading;
  }

  private async doLoad(options: LoadOptions): Promise<BackendInfo> {
    throwIfAborted(options.signal);
    this.current = { kind: "loading", progress: 0 };
    options.onProgress?.(0);
    const script = typeof this.source === "string" ? await readScript(this.source) : this.source;
    this.script = script;
    const name = script.name ?? (typeof this.source === "string" ? basename(this.source) : "script");
    const info: BackendInfo = { name, contextSize: script.contextSize ?? 32_768, gpu: false, fim: true };
    options.onProgress?.(1);
    this.current = { kind: "ready", info };
    return info;
  }

  async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const script = await this.ready();
    const turn = script.turns[this.nextTurn];
    if (!turn) throw new BackendError(`the script has no turn ${this.nextTurn + 1} (it has ${script.turns.length})`);
    this.nextTurn++;
    const thinking = request.thinking ?? true;
    const parser = new QwenOutputParser({ tools: request.tools ?? [], startInThinking: thinking, newCallId: () => `call_${++this.callIds}` });
    const { output, textAt } = renderTurn(turn, thinking);
    const holds = ("raw" in turn ? [] : (turn.holds ?? [])).map((hold) => ({ at: Math.min(output.length, textAt + hold.afterText), file: hold.untilFile }));
    const size = Math.max(1, script.chunkSize ?? 8);
    let generated = 0;
    for (let i = 0, h = 0; i < output.length || h < holds.length; ) {
      if (request.signal?.aborted) {
        yield { type: "done", stopReason: "aborted" };
        return;
      }
      const hold = holds[h];
      if (hold && hold.at <= i) {
        await held(hold.file, request.signal);
        h++;
        continue;
      }
      if (script.chunkDelayMs) await wait(script.chunkDelayMs, request.signal);
      if (request.signal?.aborted) continue;
      const end = Math.min(i + size, hold?.at ?? output.length);
      yield* parser.push(output.slice(i, end));
      generated++;
      // A call's arguments fell into a loop (models/runaway.ts): the model is stopped there, as the embedded backend stops it.
      if (parser.stopped) break;
      i = end;
    }
    yield* parser.end();
    const calls = parser.result().message.toolCalls?.length ?? 0;
    const promptTokens = countWords(renderQwenPrompt(request.messages, { tools: request.tools ?? [], enableThinking: thinking }));
    yield { type: "done", stopReason: calls > 0 ? "toolCalls" : "endOfTurn", usage: { promptTokens, evaluatedTokens: promptTokens, generatedTokens: generated } };
  }

  async complete(request: FimRequest): Promise<FimResult> {
    const script = await this.ready();
    throwIfAborted(request.signal);
    const text = script.completions?.[this.nextCompletion++] ?? "";
    return { text, stopReason: "endOfTurn" };
  }

  async tokenize(text: string, signal?: AbortSignal): Promise<readonly number[]> {
    throwIfAborted(signal);
    return (text.match(WORD) ?? []).map((_, i) => i);
  }

  async countTokens(messages: readonly ChatMessage[], tools: readonly ToolDefinition[] = [], signal?: AbortSignal): Promise<number> {
    throwIfAborted(signal);
    return countWords(renderQwenPrompt(messages, { tools }));
  }

  async dispose(): Promise<void> {
    this.current = { kind: "disposed" };
  }

  private async ready(): Promise<ModelScript> {
    if (this.current.kind === "disposed") throw new BackendError("the model was unloaded");
    await this.load();
    return this.script!;
  }
}

/** Words, punctuation and whitespace runs: a stand-in tokenizer that is stable and cheap. */
const WORD = /\w+|[^\w\s]|\s+/gu;

function countWords(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

/** The turn as Qwen3.5 writes it after the generation prompt, and where its `text` starts in it. */
function renderTurn(turn: ScriptedTurn, thinking: boolean): { output: string; textAt: number } {
  if ("raw" in turn) return { output: turn.raw, textAt: 0 };
  const head = thinking ? `${turn.thinking ?? ""}\n</think>\n\n` : "";
  const calls = (turn.toolCalls ?? []).map((call) => "<tool_call>" + renderToolCallBody(call)).join("\n");
  const text = turn.text ?? "";
  return { output: head + text + (text && calls ? "\n\n" : "") + calls, textAt: head.length };
}

/** Resolves once `file` exists (looked for every 20 ms) or `signal` fires; with no file, only then. */
async function held(file: string | undefined, signal: AbortSignal | undefined): Promise<void> {
  while (!signal?.aborted) {
    if (file && (await access(file).then(() => true, () => false))) return;
    await wait(20, signal);
  }
}

async function readScript(path: string): Promise<ModelScript> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new BackendError(`cannot read the model script ${path}: ${error instanceof Error ? error.message : String(error)}`, "selectModel");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BackendError(`cannot read the model script: ${jsonErrorLine(path, text)}`, "selectModel");
  }
  const turns = (parsed as { turns?: unknown } | null)?.turns;
  if (!Array.isArray(turns)) throw new BackendError(`${path} is not a model script: it needs a "turns" array`, "selectModel");
  return parsed as ModelScript;
}
