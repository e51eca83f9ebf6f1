/**
 * Runs chat turns on one context sequence with Hearth's own generation loop (no
 * LlamaChatSession: its tool loop is unbounded and its early abort can hang, see
 * QWEN35-FACTS.md). Prompts are rendered by the model's {@link ChatFormat} (../qwen/, or
 * the model's own template when Hearth does not know it), tokenized segment by segment, and
 * only the tokens after the longest prefix the sequence already holds are evaluated.
 *
 * Qwen3.5 is hybrid (Gated DeltaNet + attention): llama.cpp cannot trim its recurrent
 * state, so going back means restoring a checkpoint. Two checkpoints per turn keep every
 * later prompt cheap:
 *   - at the end of the latest user query: the template strips the thinking of the turns
 *     after it as soon as a new user message arrives, so the next query rewrites from here;
 *   - at the end of the prompt, just before generation: the next prompt appends the
 *     assistant's turn as rendered (which need not match the generated tokens) and the
 *     tool results from here.
 */
import type { LlamaContextSequence, LlamaGrammar, LlamaModel, Token } from "node-llama-cpp";
import { LlamaGrammarEvaluationState } from "node-llama-cpp";
import { type ChatRequest, DoesNotFitError } from "../backend.ts";
import { QwenOutputParser } from "../qwen/output-parser.ts";
import type { PromptSegment } from "../qwen/prompt.ts";
import type { ChatMessage, ChatStreamEvent, StopReason, ToolDefinition } from "../types.ts";
import type { ChatFormat } from "./chat-format.ts";
import { Mutex } from "./mutex.ts";
import type { SegmentTokenizer } from "./segment-tokenizer.ts";
import { TokenTextStream } from "./token-stream.ts";

/** Prompt tokens evaluated per call between abort checks. */
const PROMPT_CHUNK = 512;
/** Chat runs below completions (node-llama-cpp priorities are 1..5, higher first). */
const CHAT_PRIORITY = 3;

/** Grammars by tool set, created once (createGrammar parses GBNF: milliseconds to seconds). */
export type GrammarFactory = (tools: readonly ToolDefinition[], thinking: boolean, requireToolCall: boolean) => Promise<LlamaGrammar>;

export class ChatSequence {
  private readonly mutex = new Mutex();

  constructor(
    private readonly model: LlamaModel,
    private readonly sequence: LlamaContextSequence,
    private readonly tokenizer: SegmentTokenizer,
    private readonly format: ChatFormat,
    private readonly grammar: GrammarFactory,
  ) {}

  /** Tokens the conversation's prompt takes, or undefined past `limit` (tokenizing stops there). */
  promptTokens(messages: readonly ChatMessage[], tools: readonly ToolDefinition[], thinking: boolean, limit: number, signal?: AbortSignal): Promise<Token[] | undefined> {
    return this.tokenizer.tokensWithin(this.segments(messages, tools, thinking), limit, signal ? { signal } : {});
  }

  /** The tools the format can offer: none when the model's template has no Qwen tool calls. */
  private offered(tools: readonly ToolDefinition[]): readonly ToolDefinition[] {
    return this.format.info.tools ? tools : [];
  }

  private segments(messages: readonly ChatMessage[], tools: readonly ToolDefinition[], thinking: boolean, addGenerationPrompt = true): PromptSegment[] {
    return this.format.segments(messages, this.offered(tools), thinking, addGenerationPrompt);
  }

  async *run(request: ChatRequest): AsyncGenerator<ChatStreamEvent> {
    const signal = request.signal;
    const release = await this.mutex.acquire(signal);
    if (!release) {
      yield { type: "done", stopReason: "aborted" };
      return;
    }
    try {
      yield* this.turn(request);
    } finally {
      release();
    }
  }

  private async *turn(request: ChatRequest): AsyncGenerator<ChatStreamEvent> {
    const { signal } = request;
    const tools = this.offered(request.tools ?? []);
    const thinking = request.thinking ?? true;
    const segments = this.segments(request.messages, tools, thinking);
    const tokens = await this.tokenize(segments, signal);
    if (!tokens) {
      yield { type: "done", stopReason: "aborted" };
      return;
    }
    // Generation starts inside a thought when the prompt opens one (Qwen's `<think>\n`;
    // a foreign template may have no thinking at all).
    const inThinking = (segments.at(-1)?.text ?? "").endsWith("<think>\n");
    const room = this.sequence.contextSize - tokens.length;
    if (room < 1) throw new DoesNotFitError("the conversation", this.sequence.contextSize, tokens.length);
    const queryEnd = await this.queryEnd(request.messages, tools, tokens, signal).catch(() => -1);
    const start = await this.reuse(tokens);
    const evaluatedTokens = tokens.length - start;
    if (!(await this.evaluatePrompt(tokens, start, queryEnd, signal))) {
      yield { type: "done", stopReason: "aborted", usage: { promptTokens: tokens.length, evaluatedTokens, generatedTokens: 0 } };
      return;
    }
    const parser = new QwenOutputParser({ tools, startInThinking: inThinking });
    const grammar = tools.length ? await this.grammar(tools, inThinking, request.requireToolCall === true) : undefined;
    const text = new TokenTextStream(this.model);
    const maxTokens = Math.min(request.maxTokens ?? room, room);
    let generatedTokens = 0;
    let stopReason: StopReason = "endOfTurn";
    const iterator = this.sequence.evaluate([tokens.at(-1)!], {
      temperature: request.temperature ?? 0,
      evaluationPriority: CHAT_PRIORITY,
      ...(grammar ? { grammarEvaluationState: new LlamaGrammarEvaluationState({ model: this.model, grammar }) } : {}),
    });
    for await (const token of iterator) {
      if (signal?.aborted) {
        stopReason = "aborted";
        break;
      }
      if (this.model.isEogToken(token)) break;
      generatedTokens++;
      yield* parser.push(text.push(token));
      // A call's arguments fell into a loop (models/runaway.ts): generating more would be the loop until the context ends.
      if (parser.stopped) break;
      if (generatedTokens >= maxTokens) {
        stopReason = "maxTokens";
        break;
      }
    }
    yield* parser.push(text.end());
    yield* parser.end();
    if (stopReason === "endOfTurn" && parser.result().message.toolCalls?.length) stopReason = "toolCalls";
    yield { type: "done", stopReason, usage: { promptTokens: tokens.length, evaluatedTokens, generatedTokens } };
  }

  /**
   * The prompt's tokens; undefined when the turn was aborted while tokenizing. A prompt
   * longer than the context is refused once counting passes it, or before tokenizing when
   * its lower bound does (a pasted 50 MB message is not tokenized at all).
   */
  private async tokenize(segments: readonly PromptSegment[], signal: AbortSignal | undefined): Promise<Token[] | undefined> {
    const contextSize = this.sequence.contextSize;
    try {
      const tokens = await this.tokenizer.tokensWithin(segments, contextSize, signal ? { signal } : {});
      if (!tokens) throw new DoesNotFitError("the conversation", contextSize);
      return tokens;
    } catch (error) {
      if (signal?.aborted) return undefined;
      throw error;
    }
  }

  /** Erases what differs from `tokens` (restoring a checkpoint if needed); returns the first index still to evaluate. */
  private async reuse(tokens: Token[]): Promise<number> {
    // Keep at least the last prompt token to evaluate: generation needs its logits.
    await this.sequence.adaptStateToTokens(tokens.slice(0, -1), false);
    return Math.min(this.sequence.nextTokenIndex, tokens.length - 1);
  }

  /** Index just after the latest user query (where a later query rewrites the prompt), or -1. */
  private async queryEnd(messages: readonly ChatMessage[], tools: readonly ToolDefinition[], tokens: Token[], signal: AbortSignal | undefined): Promise<number> {
    let last = -1;
    messages.forEach((m, i) => {
      if (m.role === "user") last = i;
    });
    if (last < 0 || messages.slice(last + 1).some((m) => m.role === "user")) return -1;
    const prefix = await this.tokenizer.tokensWithin(this.segments(messages.slice(0, last + 1), tools, true, false), tokens.length, signal ? { signal } : {});
    if (!prefix) return -1;
    for (let i = 0; i < prefix.length; i++) if (prefix[i] !== tokens[i]) return -1;
    return prefix.length;
  }

  /** Evaluates tokens[start, length-1) in chunks, checkpointing at `queryEnd` and at the end. False when aborted. */
  private async evaluatePrompt(tokens: Token[], start: number, queryEnd: number, signal: AbortSignal | undefined): Promise<boolean> {
    const end = tokens.length - 1;
    const stops = [queryEnd, end].filter((i) => i > start && i <= end);
    let at = start;
    for (const stop of stops) {
      while (at < stop) {
        if (signal?.aborted) return false;
        const next = Math.min(stop, at + PROMPT_CHUNK);
        await this.sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(at, next), { evaluationPriority: CHAT_PRIORITY });
        at = next;
      }
      if (this.sequence.needsCheckpoints && this.sequence.lastCheckpointIndex !== at - 1) await this.sequence.takeCheckpoint();
    }
    return !signal?.aborted;
  }
}
