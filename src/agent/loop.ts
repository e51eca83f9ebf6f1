/**
 * The agent loop: model → tool calls → results appended → again, until the model calls
 * `finish` (or answers without tools), a budget runs out, it repeats itself, or the user
 * cancels. It depends on two small interfaces only: a `ModelBackend` that streams events
 * and `Tool`s with `execute(input, ctx)`.
 *
 * The loop owns the conversation. It only ever appends (system prompt first, then turns),
 * so an embedded backend re-evaluates only each turn's new tokens; the one exception is
 * condensing old tool outputs near the context limit, reported as an event.
 */
import type { AgentStopReason, CondensedKind } from "../protocol/agent.ts";
import { type ApprovalPolicy, type KvCacheType, MAX_CONTEXT_SIZE } from "../protocol/settings.ts";
import { type AssistantMessage, BackendError, type ChatMessage, DoesNotFitError, type ChatStreamEvent, type ModelBackend, type Runaway, RunawayDetector, type TokenUsage, type ToolCall, collapseRunaway, describeRunaway, WANTED_REPETITION, WANTED_REPETITION_FOR_MODEL } from "../models/index.ts";
import { controlFileWrite } from "../tools/control-files.ts";
import { forgetShown } from "../tools/file-reads.ts";
import { isMcpToolName } from "../tools/mcp/names.ts";
import { secretFileRead, secretFileWrite } from "../tools/secret-reads.ts";
import { type Tool, type ToolContext, type ToolResult, checkToolInput, runTool } from "../tools/tool.ts";
import { DEFAULT_CONDENSE, type DroppedTurns, condenseThinking, condenseToolCalls, condenseToolResults, dropTurns, droppableTurns, estimateTokens, isCondensedResult, needsCondensing, promptOf } from "./condense.ts";
import { RepetitionGuard, canonical } from "./repetition.ts";
import { tooSmallContextFix } from "./prompt-budgets.ts";
import { lookalikeCalls, toolsCalledInThinking, toolsLostInThinking } from "./thought-calls.ts";

/** Why a run ended: the protocol's, which carries it to the editor. */
export type { AgentStopReason };

export interface AgentBudget {
  /** Model turns per run (default 40). */
  readonly maxSteps: number;
  /** Prompt-evaluated plus generated tokens per run (default unlimited). */
  readonly maxTokens: number;
  /** Wall time per run in ms (default unlimited). */
  readonly maxWallMs: number;
}

/** A tool call that needs the user's yes (per the approval policy). */
export interface ApprovalRequest {
  readonly call: ToolCall;
  readonly effect: Tool["effect"];
  /** Why a write is asked where edits are not: "it changes .vscode/tasks.json: VS Code reads it: …". */
  readonly reason?: string;
  /** What will run when the arguments do not say: "`npm test` (package.json's test script: jest)". */
  readonly runs?: string;
}

export type AgentEvent =
  | { readonly type: "turn"; readonly step: number }
  | { readonly type: "model"; readonly event: ChatStreamEvent }
  | { readonly type: "toolStart"; readonly call: ToolCall }
  | { readonly type: "toolEnd"; readonly call: ToolCall; readonly result: ToolResult; readonly durationMs: number }
  | { readonly type: "approval"; readonly call: ToolCall; readonly approved: boolean }
  /** Tokens the conversation takes now vs the context size the backend has; no `usedTokens` when counting failed (`countError`: why). */
  | { readonly type: "context"; readonly usedTokens?: number; readonly contextSize: number; readonly countError?: string }
  /** `kinds`: what was condensed; `estimated`: the tokens could not be counted, and condensing was judged from an estimate. */
  | { readonly type: "condensed"; readonly messages: number; readonly kinds: readonly CondensedKind[]; readonly estimated?: true }
  | { readonly type: "steer"; readonly message: string }
  /** The oldest turns were dropped from the prompt to fit the context (`messages` of them): information for the user, in `message`. */
  | { readonly type: "dropped"; readonly messages: number; readonly message: string };

export interface AgentOptions {
  readonly backend: ModelBackend;
  readonly tools: readonly Tool[];
  /** Workspace, index and checkpoint hook the tools get. */
  readonly toolContext: Omit<ToolContext, "signal">;
  readonly systemPrompt: string;
  /**
   * Earlier turns to continue from (messages after the system prompt, e.g. an imported
   * conversation); the next `run` appends to them.
   */
  readonly history?: readonly ChatMessage[];
  /**
   * A function is read at each call: a run may outlive the setting it started under (the user
   * tightens hearth.approvalPolicy after seeing an unasked command), and its next call follows
   * the new one.
   */
  readonly policy: ApprovalPolicy | (() => ApprovalPolicy);
  /** Asked for calls the policy does not allow outright; no callback = deny. */
  readonly approve?: (request: ApprovalRequest) => Promise<boolean>;
  readonly budget?: Partial<AgentBudget>;
  /** Let the model think before each turn (default true). */
  readonly thinking?: boolean;
  readonly onEvent?: (event: AgentEvent) => void;
}

export interface AgentResult {
  readonly stopReason: AgentStopReason;
  /** The `finish` summary, the model's answer, or why the run stopped. */
  readonly message: string;
  readonly steps: number;
  readonly usage: { readonly evaluatedTokens: number; readonly generatedTokens: number };
}

/**
 * The share of the context past which even the newest tool result and call are condensed:
 * the rest is too little to answer in. Older ones go past DEFAULT_CONDENSE.threshold.
 */
const NEWEST_THRESHOLD = 0.9;

/** Empty replies in a row that end the run. */
const MAX_EMPTY_REPLIES = 2;

/** Replies in a row cut off by the token limit in their only call that end the run. */
const MAX_CUT_OFF_REPLIES = 2;

/** Replies of a run stopped for repeating themselves (models/runaway.ts) that end it: the model is asked again once. */
const MAX_RUNAWAY_REPLIES = 2;

/**
 * Calls one reply may make: a model in a loop can write hundreds in one reply, and under
 * "ask" each would be a question. The rest are answered, not run.
 */
export const MAX_CALLS_PER_REPLY = 32;

/**
 * The least room a run's first turn must leave the reply: a tool call and a little thinking.
 * A message leaving less is refused (the reply would stop at the context's end); half a
 * kilotoken, or an eighth of a small context.
 */
export function minReplyRoom(contextSize: number): number {
  return Math.min(512, Math.floor(contextSize / 8));
}

/**
 * The room a reply that thinks first needs: Qwen3.5 thinks hundreds to a few thousand
 * tokens before its call, and a reply cut off in its thinking does nothing. With less room
 * left (a nearly full small context) the turn runs without thinking, where a tool call fits
 * in `minReplyRoom`. 4,096 tokens, or a quarter of a context under 16,384.
 */
export function thinkingReplyRoom(contextSize: number): number {
  return Math.min(4096, Math.floor(contextSize / 4));
}

const DEFAULT_BUDGET: AgentBudget = { maxSteps: 40, maxTokens: Number.POSITIVE_INFINITY, maxWallMs: Number.POSITIVE_INFINITY };

export class Agent {
  /**
   * The whole conversation, system prompt first. Append-only but for condensing; the oldest
   * turns of a full context are marked dropped, and the model reads it without them (`promptOf`).
   */
  readonly messages: ChatMessage[];
  private readonly budget: AgentBudget;
  private readonly toolsByName: Map<string, Tool>;

  constructor(private readonly options: AgentOptions) {
    if (options.history?.some((m) => m.role === "system")) throw new Error("history must not contain a system message: pass it as systemPrompt");
    // A copy: condensing rewrites old messages in place, which must not reach the caller's objects.
    this.messages = [{ role: "system", content: options.systemPrompt }, ...structuredClone(options.history ?? [])];
    this.budget = { ...DEFAULT_BUDGET, ...options.budget };
    this.toolsByName = new Map(options.tools.map((t) => [t.definition.name, t]));
    // What the model read, for write_file's "read it first / changed since": this run's own
    // when the caller keeps none (without one, write_file replaced any file, unread or not).
    if (!options.toolContext.reads) this.options = { ...options, toolContext: { ...options.toolContext, reads: new Map() } };
  }

  /**
   * Where the conversation is now: pass it to `rewind` to come back here. Pair it with a
   * file checkpoint (CheckpointStore) to undo a step: files and conversation restore
   * separately, so the user can keep the files and drop the talk, or the other way round.
   */
  mark(): number {
    return this.messages.length;
  }

  /** Drops every message after `mark` (the system prompt always stays). */
  rewind(mark: number): void {
    if (!Number.isInteger(mark) || mark < 1 || mark > this.messages.length) {
      throw new RangeError(`no such point in the conversation: ${mark} (it has ${this.messages.length} messages)`);
    }
    this.messages.length = mark;
  }

  /** Adds the user's message and runs until the model is done with it. */
  async run(userText: string, signal: AbortSignal = new AbortController().signal): Promise<AgentResult> {
    this.messages.push({ role: "user", content: userText });
    const run = new Run(this.options, this.budget, this.toolsByName, this.messages, this.messages.length - 1, signal);
    return run.execute();
  }
}

/** One `Agent.run`: its budget counters and repetition state. */
class Run {
  private steps = 0;
  private evaluated = 0;
  private generated = 0;
  private readonly started = Date.now();
  /** Replies in a row with neither text nor a call (see `emptyReply`). */
  private emptyReplies = 0;
  /** The step whose reply was last reminded, told its calls were not run (thoughtCallsNudged) or that it was empty (emptyReply). */
  private remindedStep = -1;
  /** Replies in a row whose only call the token limit cut off (see `cutOffMessage`). */
  private cutOffReplies = 0;
  /** Replies of this run stopped because they repeated themselves (see `runawayReply`). */
  private runawayReplies = 0;
  /** Tokens left for the next reply, by an exact count (undefined: not counted, or by an estimate). */
  private room: number | undefined;
  /** A reply's thinking ran to the context's end: the rest of the run goes without. */
  private thinkingOff = false;
  /** What the user was told of this run's thinking (once each). */
  private readonly told = new Set<string>();
  /**
   * Where in `messages` (a run only appends; condensing and dropping keep each message's
   * place) a tool result was condensed before the model replied to it: too large to keep, it
   * was never seen whole (unlike one condensed later for its age).
   */
  private readonly condensedUnseen = new Set<number>();
  // Which tools' failures are known by their output alone is the tools' own say.
  private readonly guard = new RepetitionGuard({ failuresByOutput: (name) => this.tools.get(name)?.failuresByOutput === true });

  constructor(
    private readonly options: AgentOptions,
    private readonly budget: AgentBudget,
    private readonly tools: Map<string, Tool>,
    private readonly messages: ChatMessage[],
    /** Where this run's user message is in `messages`. */
    private readonly userIndex: number,
    private readonly signal: AbortSignal,
  ) {}

  async execute(): Promise<AgentResult> {
    for (;;) {
      const limit = this.budgetExceeded();
      if (limit) return limit;
      const tooTight = await this.condenseIfNeeded();
      if (tooTight && !this.signal.aborted) return tooTight;
      // Stop while the conversation was counted or condensed: no turn starts after it.
      if (this.signal.aborted) return this.end("cancelled", "cancelled by the user");
      this.steps++;
      this.emit({ type: "turn", step: this.steps });
      let turn: Turn;
      try {
        turn = await this.modelTurn();
      } catch (error) {
        if (error instanceof DoesNotFitError) return this.doesNotFit(error);
        const message = error instanceof BackendError || error instanceof Error ? error.message : String(error);
        return this.end("model-error", message);
      }
      if (turn.cutOffThinking) {
        // Nothing of it is kept: asked again without thinking, the model starts its reply afresh.
        this.thinkingOff = true;
        this.tell("cut-off", `The model's thinking ran to the end of its context (${turn.cutOffThinking.toLocaleString("en-US")} tokens were left) before it answered or acted: it goes on without thinking for the rest of this run.`);
        continue;
      }
      if (turn.runaway && !this.signal.aborted) {
        const ended = this.runawayReply(turn, turn.runaway);
        if (ended) return ended;
        continue;
      }
      if (turn.stopReason === "aborted" || this.signal.aborted) {
        // What the model had written when Stop came stays in the conversation (as it stays on
        // screen): the next message can say "go on". Calls it had not finished are not kept.
        if (turn.message.content) this.messages.push({ role: "assistant", content: turn.message.content });
        return this.end("cancelled", "cancelled by the user");
      }
      this.messages.push(turn.message);
      const calls = turn.message.toolCalls ?? [];
      // A call the context's end cut off is no format error: "write it again" brings the same
      // call, cut off again, until the run's steps or the context are spent.
      const cutOff = turn.stopReason === "maxTokens" && turn.errors.length > 0;
      const repeated = cutOff ? {} : this.judgeUnrunnable(turn);
      const note = turn.errors.length === 0 ? undefined : cutOff ? describeCutOff(turn) : [describeCallErrors(turn.errors), repeated.steer].filter(Boolean).join("\n");
      this.cutOffReplies = cutOff && calls.length === 0 ? this.cutOffReplies + 1 : 0;
      if (calls.length === 0) {
        if (note) this.messages.push({ role: "user", content: note });
        if (repeated.stop) return this.end("repetition", `stopped: ${repeated.stop}`);
        if (this.cutOffReplies >= MAX_CUT_OFF_REPLIES) return this.end("max-tokens", this.cutOffMessage(turn));
        if (turn.errors.length > 0) continue; // the model hears what was wrong and tries again
        if (turn.stopReason === "maxTokens") return this.end("max-tokens", "the model's reply hit the token limit");
        if (!turn.message.content) {
          const ended = this.emptyReply(turn.message);
          if (ended) return ended;
          continue;
        }
        this.emptyReplies = 0;
        if (this.thoughtCallsNudged(turn.message)) continue;
        return this.end("answered", turn.message.content);
      }
      this.emptyReplies = 0;
      // What was wrong with the reply's other calls comes after the results of those that ran.
      const outcome = await this.runCalls(calls, note, repeated.stop);
      if (outcome) return outcome;
    }
  }

  /**
   * The conversation no longer fits the context, condensed as it is. At the run's first
   * turn it is the user's message that did not fit (a pasted log, a huge issue): it is
   * taken out again, or every later message of the conversation would fail the same way.
   */
  private async doesNotFit(error: DoesNotFitError): Promise<AgentResult> {
    if (this.steps <= 1) return this.refuse(error.message, error.contextSize);
    // Nothing left to drop (dropOldest): the task and the latest turn are what does not fit.
    if (droppableTurns(this.messages, this.latestTurn(this.messages), this.userIndex).length === 0) return this.tooLarge(this.messages, error);
    return this.end("model-error", `${error.message}: start a new chat, or restore an earlier message to go on from there`);
  }

  /** Where the latest turn starts, which dropping keeps: the newest reply, or at a run's first turn the user's message. */
  private latestTurn(messages: readonly ChatMessage[]): number {
    const lastReply = messages.findLastIndex((m) => m.role === "assistant");
    return this.steps === 0 || lastReply < this.userIndex ? this.userIndex : lastReply;
  }

  /** Takes the run's user message out again, saying why (`why`) and what the user can do. */
  private async refuse(why: string, contextSize: number): Promise<AgentResult> {
    this.messages.length = this.userIndex;
    // What the conversation takes without the message (an empty one in its place: a prompt
    // needs one), its older turns dropped as the next message's run would drop them.
    const tools = this.options.tools.map((t) => t.definition);
    const rest = structuredClone(this.messages);
    dropTurns(rest, droppableTurns(rest, rest.length, -1));
    const without = await this.options.backend.countTokens([...promptOf(rest), { role: "user", content: "" }], tools).catch(() => 0);
    const what = contextSize - without >= minReplyRoom(contextSize)
      ? "send a shorter one (or attach less); the conversation goes on without it"
      : this.messages.length <= 1
        ? this.options.backend.kind === "remote"
          ? `the server's context (${contextSize} tokens) is too small for Hearth's instructions and tools — start the server with a larger context (llama-server -c, vLLM --max-model-len, Ollama's num_ctx)`
          : tooSmallContextFix(contextSize, trainContextOf(this.options.backend), contextAutoOf(this.options.backend), kvCacheTypeOf(this.options.backend), contextMemoryLimitedOf(this.options.backend))
        : this.tooLongWithout(without, contextSize);
    return this.end("model-error", `${why}. Your message was not added to the conversation: ${what}`);
  }

  /**
   * The way out where the conversation fills the context without the new message (its first
   * message, the task, is never dropped): hearth.contextSize lowered below what a long
   * conversation takes, or a pasted log as the first message. "Start a new chat" alone left the
   * conversation behind where a larger context would go on with it. A count past the context
   * stops there (the embedded backend's countTokens): then no size is named, only "larger".
   */
  private tooLongWithout(without: number, contextSize: number): string {
    const tooLong = "the conversation is too long for the model's context even without it";
    if (without <= 0) return `${tooLong}: start a new chat`;
    const remote = this.options.backend.kind === "remote";
    const larger = remote ? "start the server with a larger context (llama-server -c, vLLM --max-model-len, Ollama's num_ctx)" : "set hearth.contextSize larger";
    if (without > contextSize) return `${tooLong} (it takes more than the ${contextSize.toLocaleString("en-US")} tokens): start a new chat, or ${larger} — as large as when the conversation grew — to go on with it`;
    // Room for a reply that thinks first, in 1,024-token steps.
    const needed = Math.ceil((without + thinkingReplyRoom(MAX_CONTEXT_SIZE)) / 1024) * 1024;
    const takes = `${tooLong} (it takes ${without.toLocaleString("en-US")} tokens without your message)`;
    if (needed > MAX_CONTEXT_SIZE) return `${takes}: start a new chat`;
    return remote ? `${takes}: start a new chat, or start the server with a context of at least ${needed} tokens (llama-server -c, vLLM --max-model-len, Ollama's num_ctx) to go on with it` : `${takes}: start a new chat, or set hearth.contextSize to ${needed} or more to go on with it`;
  }

  /** Why the run ends after replies cut off by the token limit: the call was longer than the room. */
  private cutOffMessage(turn: Turn): string {
    const state = this.options.backend.state();
    const room = state.kind === "ready" && turn.usage ? state.info.contextSize - turn.usage.promptTokens : undefined;
    const left = room === undefined ? "" : ` (${room} tokens were left for it)`;
    return `the model's reply was cut off at the token limit ${this.cutOffReplies} times in a row before its tool call was complete: it wrote more in one call than the context had room for${left}. Ask for less at a time, or start a new chat to have the whole context`;
  }

  /**
   * A reply without an answer or a call (an empty one, or thinking only: a model that ends
   * its turn inside its thinking) would end the run with a blank answer the user never
   * sees: the model is told and tries again, and the run stops, saying why, at the second
   * in a row. A call written only inside the thinking is named to the model (thought-calls.ts).
   */
  private emptyReply(message: AssistantMessage): AgentResult | undefined {
    this.emptyReplies++;
    const thought = toolsCalledInThinking(message.thinking ?? "", this.options.tools.map((t) => t.definition.name));
    if (this.emptyReplies >= MAX_EMPTY_REPLIES) {
      const what = thought.length ? " (its tool call was inside its thinking, where a call does not run)" : message.thinking?.trim() ? " (it wrote only its thinking)" : "";
      return this.end("model-error", `the model ended its reply ${this.emptyReplies} times in a row without an answer or a tool call${what}`);
    }
    const many = thought.length > 1;
    const nudge = thought.length
      ? `[Hearth] Your tool ${many ? "calls" : "call"} (${thought.join(", ")}) ${many ? "were" : "was"} inside your thinking, so ${many ? "they were" : "it was"} not run: thinking is not an action, and the user saw nothing. End your thinking, then write ${many ? "the calls" : "the call"} again after </think>.`
      : "[Hearth] Your reply had no answer and no tool call: the user saw nothing. Write your answer, or call a tool (finish when the task is done).";
    this.emit({ type: "steer", message: nudge });
    this.messages.push({ role: "user", content: nudge });
    // A reply with an answer right after this reminder is not reminded again (thoughtCallsNudged).
    this.remindedStep = this.steps;
    return undefined;
  }

  /**
   * A reply with an answer but no call, whose thinking wrote a call, or whose answer wrote one
   * with look-alike angle brackets (thought-calls.ts): the model meant to act. It is told its call was not run and tries again; not twice in a row
   * (an empty reply's reminder, emptyReply, counts), so a model that answers again right after one ends the run with that answer.
   */
  private thoughtCallsNudged(message: AssistantMessage): boolean {
    if (this.remindedStep === this.steps - 1) return false;
    const names = this.options.tools.map((t) => t.definition.name);
    const lookalike = lookalikeCalls(message.content, names);
    const lost = lookalike?.tools ?? toolsLostInThinking(message.thinking ?? "", message.content, names);
    if (!lost.length) return false;
    this.remindedStep = this.steps;
    const many = lost.length > 1;
    const where = lookalike ? `written with ${lookalike.swapped}` : "inside your thinking";
    const why = lookalike ? "a call is read only with plain < and >" : "thinking is not an action, and your reply ended after its text";
    const nudge = `[Hearth] Your tool ${many ? "calls" : "call"} (${lost.join(", ")}) ${many ? "were" : "was"} ${where}, so ${many ? "they were" : "it was"} not run: ${why}. To run ${many ? "them" : "it"}, write ${many ? "the calls" : "the call"} again${lookalike ? " with < and >" : " after </think>"}; if you did not mean to, write your final answer.`;
    this.emit({ type: "steer", message: nudge });
    this.messages.push({ role: "user", content: nudge });
    return true;
  }

  /**
   * A reply Hearth stopped because its text or thinking repeated one short stretch over and
   * over (models/runaway.ts): kept with the loop collapsed (the text before it, the repeated unit
   * twice, a line saying how many times it came), its calls not run; the model is told what
   * happened and asked again, and a second such reply in the run ends it, saying why.
   */
  private runawayReply(turn: Turn, runaway: TurnRunaway): AgentResult | undefined {
    this.runawayReplies++;
    const { message } = turn;
    const kept: AssistantMessage = { role: "assistant", content: runaway.where === "text" ? collapseRunaway(message.content, runaway.loop).trim() : message.content.trim() };
    if (message.thinking) kept.thinking = runaway.where === "thinking" ? collapseRunaway(message.thinking, runaway.loop) : message.thinking;
    this.messages.push(kept);
    const tool = runaway.name ?? "a tool";
    const whose = runaway.where === "call" ? `call to ${tool} (its arguments, while it was written)` : runaway.where === "calls" ? `reply (the same call to ${tool} again and again)` : runaway.where === "thinking" ? "thinking" : "reply";
    const what = `${whose} fell into a loop — ${describeRunaway(runaway.loop)}`;
    if (this.runawayReplies >= MAX_RUNAWAY_REPLIES) {
      return this.end("repetition", `stopped: the model's ${what} — and Hearth stopped it; it had looped ${this.runawayReplies} times in this run. Ask again in other words, start a new chat, or try a larger quantization of the model (small ones loop more). ${WANTED_REPETITION}`);
    }
    const nudge = `[Hearth] Your ${what}, so Hearth stopped it there and nothing of it was run. Do not write that again. ${WANTED_REPETITION_FOR_MODEL} Go on with the task from where you were: take the next step with a tool call, or write your final answer in a few sentences.`;
    this.emit({ type: "steer", message: nudge });
    this.messages.push({ role: "user", content: nudge });
    return undefined;
  }

  /** Whether this turn thinks first: asked for, and room enough left to think and then act. */
  private thinkingThisTurn(): boolean {
    if (!(this.options.thinking ?? true) || this.thinkingOff) return false;
    const state = this.options.backend.state();
    if (state.kind !== "ready" || this.room === undefined) return true;
    const need = thinkingReplyRoom(state.info.contextSize);
    if (this.room >= need) return true;
    const en = (n: number) => n.toLocaleString("en-US");
    this.tell("room", `The model's context has ${en(this.room)} tokens left for its reply, too few to think first (a reply that thinks needs about ${en(need)}): it answers without thinking while the context is this full.`);
    return false;
  }

  /** Tells the user once per run (`what` names which notice). */
  private tell(what: string, message: string): void {
    if (this.told.has(what)) return;
    this.told.add(what);
    this.emit({ type: "steer", message });
  }

  /** The reply's calls that could not be run, judged: the same one written again after being told is repetition, not a retry. */
  private judgeUnrunnable(turn: Turn): { stop?: string; steer?: string } {
    const judged: { stop?: string; steer?: string } = {};
    for (const { name, raw, message } of turn.unrunnable) {
      const verdict = this.guard.recordUnrunnable(name, raw, message);
      if (verdict.action === "stop") judged.stop ??= verdict.reason;
      if (verdict.action === "steer" && !judged.steer) {
        judged.steer = verdict.message;
        this.emit({ type: "steer", message: verdict.message });
      }
    }
    return judged;
  }

  private async modelTurn(): Promise<Turn> {
    const thinks = this.thinkingThisTurn();
    // This turn's own signal: Stop aborts it, and so does a reply found repeating itself.
    const turnAbort = new AbortController();
    const stop = (): void => turnAbort.abort(this.signal.reason);
    if (this.signal.aborted) stop();
    else this.signal.addEventListener("abort", stop, { once: true });
    try {
      return await this.streamTurn(thinks, turnAbort);
    } finally {
      this.signal.removeEventListener("abort", stop);
    }
  }

  private async streamTurn(thinks: boolean, turnAbort: AbortController): Promise<Turn> {
    const events = this.options.backend.chat({
      messages: promptOf(this.messages),
      tools: this.options.tools.map((t) => t.definition),
      thinking: thinks,
      signal: turnAbort.signal,
    });
    const textLoop = new RunawayDetector();
    const thoughtLoop = new RunawayDetector();
    let runaway: TurnRunaway | undefined;
    let content = "";
    let thinking = "";
    const toolCalls: ToolCall[] = [];
    const errors: string[] = [];
    const unrunnable: Array<{ name?: string; raw: string; message: string }> = [];
    let stopReason: Turn["stopReason"] = "endOfTurn";
    let usage: TokenUsage | undefined;
    for await (const event of events) {
      // Once a loop is found the generation is aborted: what the backend still sends is not shown.
      if (runaway && event.type !== "done") continue;
      this.emit({ type: "model", event });
      if (event.type === "text") {
        content += event.text;
        const loop = textLoop.push(event.text);
        if (loop) runaway = { where: "text", loop };
      } else if (event.type === "thinking") {
        thinking += event.text;
        const loop = thoughtLoop.push(event.text);
        if (loop) runaway = { where: "thinking", loop };
      }
      else if (event.type === "toolCall") toolCalls.push(event.call);
      else if (event.type === "toolCallError") {
        if (event.loop) runaway = { where: event.loop.calls ? "calls" : "call", loop: event.loop, ...(event.name ? { name: event.name } : {}) };
        errors.push(event.message);
        unrunnable.push({ name: event.name, raw: event.raw, message: event.message });
      }
      else if (event.type === "done") ({ stopReason, usage } = event);
      if (runaway && !turnAbort.signal.aborted) turnAbort.abort(new Error("the reply repeated itself"));
    }
    if (usage) this.account(usage);
    if (runaway) return { message: { role: "assistant", content, ...(thinking ? { thinking } : {}) }, errors: [], unrunnable: [], stopReason, ...(usage ? { usage } : {}), runaway };
    const message: AssistantMessage = { role: "assistant", content: content.trim() };
    if (thinking) message.thinking = thinking;
    if (toolCalls.length) message.toolCalls = toolCalls;
    // Stopped at the context's end while still thinking: nothing answered, nothing called.
    const cutOff = thinks && stopReason === "maxTokens" && thinking !== "" && !message.content && toolCalls.length === 0 && errors.length === 0;
    const left = this.room ?? (usage ? this.contextSize() - usage.promptTokens : 0);
    return { message, errors, unrunnable, stopReason, ...(usage ? { usage } : {}), ...(cutOff ? { cutOffThinking: Math.max(left, 0) } : {}) };
  }

  private account(usage: TokenUsage): void {
    this.evaluated += usage.evaluatedTokens;
    this.generated += usage.generatedTokens;
  }

  /**
   * Runs each call in order; returns a result when the run must end. Once the repetition
   * guard stops the run, the reply's later calls are answered without running (a reply can
   * hold the same command a hundred times). Every call's result follows the reply before
   * any steering message: a message between them would split the calls from their results.
   */
  private async runCalls(calls: readonly ToolCall[], note?: string, stopped?: string): Promise<AgentResult | undefined> {
    let finished: string | undefined;
    let stop = stopped;
    const steering: string[] = note ? [note] : [];
    for (const [i, call] of calls.entries()) {
      const notRun = this.signal.aborted ? "Error (cancelled): the user cancelled the run before this call."
        : stop ? `Error (not run): Hearth stopped the run before this call: ${stop}.`
        : finished !== undefined ? "Error (not run): the run finished with an earlier call of this reply (finish)."
        : i >= MAX_CALLS_PER_REPLY ? `Error (not run): a reply may make at most ${MAX_CALLS_PER_REPLY} tool calls; make the others in your next reply.`
        : undefined;
      if (notRun) {
        // Its card ends now, saying why (a run that goes on would leave it waiting).
        this.emit({ type: "toolEnd", call, result: { ok: false, code: "cancelled", text: notRun }, durationMs: 0 });
        this.pushResult(call, notRun);
        continue;
      }
      const result = await this.runCall(call);
      this.pushResult(call, result.text);
      if (result.ok && result.finished) finished = result.text;
      // The same call again after its earlier result was condensed or dropped reads what the model no longer has.
      const earlier = this.earlierResult(call);
      if (earlier !== "shown") this.guard.forget(call.name, call.arguments, result.text, earlier === "never-seen-whole");
      const verdict = this.guard.record(call.name, call.arguments, result.ok && !commandFailed(result), result.text);
      if (verdict.action === "stop") stop = verdict.reason;
      if (verdict.action === "steer") {
        this.emit({ type: "steer", message: verdict.message });
        if (!steering.includes(verdict.message)) steering.push(verdict.message);
      }
    }
    if (steering.length > 0) this.messages.push({ role: "user", content: steering.join("\n") });
    if (this.signal.aborted) return this.end("cancelled", "cancelled by the user");
    if (finished !== undefined) return this.end("finished", finished);
    if (stop) return this.end("repetition", `stopped: ${stop}`);
    return undefined;
  }

  private async runCall(call: ToolCall): Promise<ToolResult> {
    const tool = this.tools.get(call.name);
    if (!tool) return { ok: false, code: "invalid-input", text: `Error (invalid-input): there is no tool named "${call.name}".` };
    // A call that breaks the schema cannot run: answer it without asking the user.
    const invalid = checkToolInput(tool, call.arguments);
    if (invalid) return invalid;
    const asked = await this.approval(call, tool);
    const approved = asked ?? true;
    if (!approved && this.signal.aborted) {
      // Stop withdrew the question (its answer reads "no"): the user refused nothing, and a later "go on" must not read it so.
      const cancelled: ToolResult = { ok: false, code: "cancelled", text: "Error (cancelled): the user cancelled the run while this call waited for approval; it was not run." };
      this.emit({ type: "toolEnd", call, result: cancelled, durationMs: 0 });
      return cancelled;
    }
    if (asked !== undefined) this.emit({ type: "approval", call, approved });
    if (!approved) {
      return { ok: false, code: "cancelled", text: "Error (denied): the user did not allow this call. Continue without it, or ask the user." };
    }
    this.emit({ type: "toolStart", call });
    const started = Date.now();
    const result = await runTool(tool, call.arguments, { ...this.options.toolContext, signal: this.signal });
    this.emit({ type: "toolEnd", call, result, durationMs: Date.now() - started });
    return result;
  }

  /** The user's answer to this call's question; undefined when the policy asks none. */
  private async approval(call: ToolCall, tool: Tool): Promise<boolean | undefined> {
    const policy = policyNow(this.options.policy);
    // Under auto-all nothing asks: the paths are not looked at (apply_patch's would be planned once more).
    const mayAsk = (tool.effect === "write" || tool.effect === "read") && needsApproval(policy, tool.effect, true);
    const reason = mayAsk ? await this.askedFor(call, tool) : undefined;
    if (!needsApproval(policy, tool.effect, reason !== undefined)) return undefined;
    // "Run the tests" says nothing of what runs: a repository's test script can be anything.
    const runs = await tool.describeRun?.(call.arguments, { ...this.options.toolContext, signal: this.signal }).catch(() => undefined);
    // A prompt that fails (a closed window or terminal) is no yes.
    return (await this.options.approve?.({ call, effect: tool.effect, ...(reason ? { reason } : {}), ...(runs ? { runs } : {}) }).catch(() => false)) ?? false;
  }

  /**
   * Why this call asks where its kind does not: a write that is more than an edit (it changes
   * a control file, or a file that looks like it holds secrets, whose lines a change that does
   * not match quotes back), a read that shows the model what looks like secrets; undefined otherwise.
   */
  private async askedFor(call: ToolCall, tool: Tool): Promise<string | undefined> {
    const ctx = { ...this.options.toolContext, signal: this.signal };
    const root = ctx.workspace.root;
    // A bad path makes no target here; the tool says what is wrong with it when it runs.
    const targets = (await tool.targets?.(call.arguments, ctx).catch(() => [])) ?? [];
    if (tool.effect === "read") return firstReason(targets, (path) => secretFileRead(root, path));
    const control = await firstReason(targets, (path) => controlFileWrite(root, path));
    if (control) return control;
    const shown = tool.shows ? await tool.shows(call.arguments, ctx).catch(() => []) : targets;
    return firstReason(shown, (path) => secretFileWrite(root, path));
  }

  /**
   * How the prompt shows the result of the latest earlier call like this one (same tool and
   * arguments), the call just answered (the last message) aside: "shown" whole; condensed
   * before the model replied to it ("never-seen-whole": too large to keep, not condensed for
   * its age, however many other calls came between); else "gone" (none, dropped, or condensed later). A
   * result is matched to its call within the reply it answers: a server may number each
   * reply's calls afresh (call_0, call_1, …).
   */
  private earlierResult(call: ToolCall): "shown" | "never-seen-whole" | "gone" {
    const args = canonical(call.arguments);
    const latest = this.messages.length - 1;
    let shown: ChatMessage | undefined;
    let shownAt = -1;
    let ids = new Set<string>();
    for (const [i, m] of this.messages.entries()) {
      if (m.role === "assistant") ids = new Set((m.toolCalls ?? []).filter((c) => c.name === call.name && canonical(c.arguments) === args).map((c) => c.id));
      else if (m.role === "tool" && i !== latest && ids.has(m.toolCallId)) {
        shown = m;
        shownAt = i;
      }
    }
    if (shown === undefined || shown.dropped) return "gone";
    if (!isCondensedResult(shown.content)) return "shown";
    return this.condensedUnseen.has(shownAt) ? "never-seen-whole" : "gone";
  }

  /**
   * A file whose latest read_file result the prompt no longer shows whole (condensed or
   * dropped): write_file would replace it from the model's memory of it, so it asks for a
   * new read first (file-reads.ts `forgetShown`). A result is matched to its call within the
   * reply it answers.
   */
  private async forgetCondensedReads(): Promise<void> {
    const { reads, workspace } = this.options.toolContext;
    if (!reads || reads.size === 0) return;
    const shownWhole = new Map<string, boolean>();
    let paths = new Map<string, string>();
    for (const m of this.messages) {
      if (m.role === "assistant") paths = new Map((m.toolCalls ?? []).flatMap((c) => (c.name === "read_file" && typeof c.arguments.path === "string" ? [[c.id, c.arguments.path] as const] : [])));
      else if (m.role === "tool") {
        const path = paths.get(m.toolCallId);
        if (path !== undefined) shownWhole.set(path, !m.dropped && !isCondensedResult(m.content));
      }
    }
    for (const [path, whole] of shownWhole) {
      if (whole) continue;
      const resolved = await workspace.resolve(path).catch(() => undefined);
      if (resolved !== undefined) forgetShown(reads, resolved);
    }
  }

  private pushResult(call: ToolCall, text: string): void {
    this.messages.push({ role: "tool", toolCallId: call.id, name: call.name, content: text });
  }

  /**
   * Before each model turn (a continued conversation may start near the limit): the older
   * results and calls' arguments first, and when that is not enough, all but the newest,
   * then, when what is left is too little to answer in (NEWEST_THRESHOLD), that too — a
   * reply reading three large files overflows a small context all by itself, and a turn
   * that does not fit fails. Condensed on a copy: at a run's first turn a conversation that
   * does not fit even condensed is left as it was, since its new message is refused
   * (`doesNotFit`) and must change nothing (a 500 KB paste would cost the details of the
   * earlier conversation for a message that never joins it). A first turn that would leave
   * less than `minReplyRoom` to answer in (the reply would stop at the context's end: "hit
   * the token limit") is refused the same way: the result returned.
   */
  private async condenseIfNeeded(): Promise<AgentResult | undefined> {
    const backend = this.options.backend;
    const state = backend.state();
    const contextSize = state.kind === "ready" ? state.info.contextSize : 0;
    if (contextSize === 0) return undefined;
    const tools = this.options.tools.map((t) => t.definition);
    // A count that fails answers why it failed, a string.
    const counted = await backend.countTokens(promptOf(this.messages), tools, this.signal).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    const estimated = typeof counted === "string";
    if (estimated) {
      if (this.signal.aborted) return undefined;
      // Unknown is not empty: the meter says the count failed and why (Stop is no failure).
      // Condensing goes by an estimate: left undone, a long run overflows the context.
      this.emit({ type: "context", contextSize, countError: counted });
    }
    // What the model reads: dropped turns are one note there.
    const count = (messages: readonly ChatMessage[], fallback: number) =>
      estimated ? Promise.resolve(estimateTokens(promptOf(messages), tools)) : backend.countTokens(promptOf(messages), tools, this.signal).catch(() => fallback);
    let used = estimated ? estimateTokens(promptOf(this.messages), tools) : counted;
    if (!estimated) this.emit({ type: "context", usedTokens: used, contextSize });
    const room = minReplyRoom(contextSize);
    const tight = (tokens: number) => contextSize - tokens < room;
    // A reply that thinks first needs more: older results and thinking give way for it, the
    // newest result only for `room` (condensed while the turn fits, it is read again).
    const thinkRoom = (this.options.thinking ?? true) && !this.thinkingOff ? Math.max(room, thinkingReplyRoom(contextSize)) : room;
    const short = (tokens: number) => contextSize - tokens < thinkRoom;
    const exact = !estimated && !countsEstimated(backend);
    this.room = exact ? contextSize - used : undefined;
    if (!needsCondensing(used, contextSize) && !short(used)) return undefined;

    const draft = structuredClone(this.messages);
    let changed = 0;
    const kinds = new Set<CondensedKind>();
    for (const keepRecent of [DEFAULT_CONDENSE.keepRecent, 1, 0]) {
      // The newest result is what the model just asked for: condensed while the turn still
      // fits, it reads it again and gets it condensed again, in a loop.
      const threshold = keepRecent === 0 ? NEWEST_THRESHOLD : DEFAULT_CONDENSE.threshold;
      if (!needsCondensing(used, contextSize, { ...DEFAULT_CONDENSE, threshold }) && !(keepRecent === 0 ? tight(used) : short(used))) break;
      const options = { ...DEFAULT_CONDENSE, keepRecent };
      const counts: Record<CondensedKind, number> = { thinking: condenseThinking(draft, options), results: condenseToolResults(draft, options), arguments: condenseToolCalls(draft, options) };
      for (const kind of Object.keys(counts) as CondensedKind[]) if (counts[kind] > 0) kinds.add(kind);
      const condensed = counts.thinking + counts.results + counts.arguments;
      if (condensed === 0) continue;
      changed += condensed;
      used = await count(draft, used);
    }
    // Stop while condensing: the counts it left are no judgement, and a stopped message stays.
    if (this.signal.aborted) return undefined;
    let dropped: DroppedTurns | undefined;
    if (tight(used) || used >= contextSize) ({ used, dropped } = await this.dropOldest(draft, used, contextSize, count));
    if (this.signal.aborted) return undefined;
    // A first turn left too little room is refused (not by an estimate: the backend judges
    // then); one that does not fit at all, by the backend (`doesNotFit`). A backend whose
    // counts are estimates (a server without /tokenize: Ollama, LM Studio) errs high by a
    // third, by design: refused by it, a message that fits by far was turned away.
    if (this.steps === 0 && tight(used)) {
      if (estimated || countsEstimated(backend) || used >= contextSize) return undefined;
      const left = contextSize - used;
      const condensed = dropped ? " even with older turns dropped" : changed > 0 ? " even with older tool results condensed" : "";
      return this.refuse(`the conversation with your message leaves ${left} token${left === 1 ? "" : "s"} of the model's context (${contextSize} tokens) for its reply${condensed}, and a reply needs at least ${room}`, contextSize);
    }
    if (changed === 0 && !dropped) return undefined;
    this.room = exact ? contextSize - used : undefined;
    // Not splice(…, ...draft): a long conversation (an import) holds more messages than a call takes arguments.
    this.messages.length = 0;
    for (const message of draft) this.messages.push(message);
    const lastReply = this.messages.findLastIndex((m) => m.role === "assistant");
    for (let i = lastReply + 1; i < this.messages.length; i++) {
      const m = this.messages[i]!;
      if (m.role === "tool" && isCondensedResult(m.content)) this.condensedUnseen.add(i);
    }
    await this.forgetCondensedReads();
    if (changed > 0) this.emit({ type: "condensed", messages: changed, kinds: [...kinds], ...(estimated ? { estimated: true as const } : {}) });
    if (dropped) this.emit({ type: "dropped", messages: dropped.messages, message: droppedNotice(dropped, contextSize, estimated) });
    if (!estimated) this.emit({ type: "context", usedTokens: used, contextSize });
    return undefined;
  }

  /**
   * When condensing is not enough: the oldest whole turns of `draft` go (dropTurns), the
   * task and the latest turn stay — at a run's first turn the user's new message is that
   * turn — until the conversation is back under the condensing threshold and leaves room to
   * think (`thinkingReplyRoom`), or nothing is left to drop. Judged by an estimate of each turn,
   * then counted.
   */
  private async dropOldest(draft: ChatMessage[], used: number, contextSize: number, count: (m: readonly ChatMessage[], fallback: number) => Promise<number>): Promise<{ used: number; dropped?: DroppedTurns }> {
    const keepFrom = this.latestTurn(draft);
    // Dropping anyway: enough that the next reply can think first, where it may.
    const thinks = (this.options.thinking ?? true) && !this.thinkingOff;
    const target = Math.min(contextSize * DEFAULT_CONDENSE.threshold, contextSize - (thinks ? thinkingReplyRoom(contextSize) : minReplyRoom(contextSize)));
    let dropped: DroppedTurns | undefined;
    while (used > target && !this.signal.aborted) {
      const turns = droppableTurns(draft, keepFrom, this.userIndex);
      if (turns.length === 0) break;
      let take = 0;
      for (let freed = 0; take < turns.length && used - freed > target; take++) freed += estimateTokens(draft.slice(...turns[take]!));
      const now = dropTurns(draft, turns.slice(0, take));
      dropped = dropped ? { messages: dropped.messages + now.messages, replies: dropped.replies + now.replies, calls: dropped.calls + now.calls, userMessages: dropped.userMessages + now.userMessages } : now;
      used = await count(draft, used);
    }
    return { used, ...(dropped ? { dropped } : {}) };
  }

  /** Ends a run whose task and latest turn alone overflow the context, with the size of each. */
  private async tooLarge(draft: readonly ChatMessage[], error: DoesNotFitError): Promise<AgentResult> {
    const { contextSize } = error;
    const tools = this.options.tools.map((t) => t.definition);
    const count = (messages: readonly ChatMessage[], offered = tools) => this.options.backend.countTokens(promptOf(messages), offered, this.signal).catch(() => undefined);
    const total = error.tokens ?? (await count(draft));
    // An empty message in the task's place: a prompt needs one.
    const empty = [draft[0]!, { role: "user", content: "" } as const];
    const base = await count(empty);
    const withTask = await count(draft.slice(0, this.userIndex + 1));
    const sizes = total === undefined || base === undefined || withTask === undefined
      ? `the task and the latest turn with Hearth's instructions and tools take ${total === undefined ? "more than the context's" : total.toLocaleString("en-US")} tokens`
      : `the task (${withTask - base} tokens) and the latest turn (${total - withTask} tokens) with Hearth's instructions and tools (${base} tokens) take ${total.toLocaleString("en-US")} tokens`;
    const again = "start a new chat, or restore an earlier message to go on from there";
    // MCP servers' tools are in every turn's prompt: where they fill the context, a new chat fills it the same way.
    const mcp = tools.filter((t) => isMcpToolName(t.name));
    const withoutMcp = mcp.length && base !== undefined ? await count(empty, tools.filter((t) => !isMcpToolName(t.name))) : undefined;
    const mcpTokens = withoutMcp === undefined ? 0 : base! - withoutMcp;
    // "Fits without them" only where the count is over the context: a backend that keeps room to answer refuses under it, and would refuse the prompt without them too.
    const fitsWithout = total !== undefined && total >= contextSize && total - mcpTokens < contextSize;
    const one = mcp.length === 1;
    const what = mcpTokens > 0 && (mcpTokens * 4 >= contextSize || fitsWithout)
      ? `${mcp.length} MCP ${one ? "tool takes" : "tools take"} ${mcpTokens.toLocaleString("en-US")} of those tokens (${one ? "its description and schema are" : "their descriptions and schemas are"} in every turn's prompt): turn off the MCP servers this task does not need, or have them offer fewer tools, then ${again}`
      : again;
    // A backend that keeps room for the answer refuses a prompt it counts under the context.
    const context = `the model's context (${contextSize.toLocaleString("en-US")} tokens)`;
    const over = total !== undefined && total < contextSize ? `too many for ${context} with room left for its answer` : `more than ${context} holds`;
    return this.end("model-error", `${sizes}, ${over}, with everything between them dropped and older results condensed: ${what}`);
  }

  private contextSize(): number {
    const state = this.options.backend.state();
    return state.kind === "ready" ? state.info.contextSize : 0;
  }

  private budgetExceeded(): AgentResult | undefined {
    if (this.signal.aborted) return this.end("cancelled", "cancelled by the user");
    if (this.steps >= this.budget.maxSteps) return this.end("max-steps", `stopped after ${this.steps} model turns (the step budget)`);
    if (this.evaluated + this.generated >= this.budget.maxTokens) {
      return this.end("max-tokens", `stopped after ${this.evaluated + this.generated} tokens (the token budget)`);
    }
    if (Date.now() - this.started >= this.budget.maxWallMs) return this.end("timeout", `stopped after ${Math.round((Date.now() - this.started) / 1000)} s (the time budget)`);
    return undefined;
  }

  private end(stopReason: AgentStopReason, message: string): AgentResult {
    return { stopReason, message, steps: this.steps, usage: { evaluatedTokens: this.evaluated, generatedTokens: this.generated } };
  }

  private emit(event: AgentEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // a failing listener (a closed UI) must not stop the agent
    }
  }
}

interface Turn {
  readonly message: AssistantMessage;
  readonly errors: readonly string[];
  /** The calls behind `errors`, as written. */
  readonly unrunnable: ReadonlyArray<{ readonly name?: string; readonly raw: string; readonly message: string }>;
  readonly stopReason: "endOfTurn" | "toolCalls" | "maxTokens" | "aborted";
  readonly usage?: TokenUsage;
  /** The reply stopped at the context's end inside its thinking: the tokens that were left for it. */
  readonly cutOffThinking?: number;
  /** The reply was stopped because its text, thinking or a call's arguments repeated themselves (models/runaway.ts). */
  readonly runaway?: TurnRunaway;
}

interface TurnRunaway {
  /**
   * `call`: the backend stopped a call while it was written (its `toolCallError` has the loop);
   * `calls`: a reply writing the same whole call again and again.
   */
  readonly where: "text" | "thinking" | "call" | "calls";
  readonly loop: Runaway;
  /** The tool of a call that looped. */
  readonly name?: string;
}

async function firstReason(paths: readonly string[], why: (path: string) => Promise<string | undefined>): Promise<string | undefined> {
  for (const path of paths) {
    const reason = await why(path);
    if (reason) return reason;
  }
  return undefined;
}

/** The policy in force now: a function's answer at this moment. */
export function policyNow(policy: ApprovalPolicy | (() => ApprovalPolicy)): ApprovalPolicy {
  return typeof policy === "function" ? policy() : policy;
}

/**
 * Whether a tool with this effect asks the user first under the policy. `special`: the write
 * changes a file that runs or steers things later (tools/control-files.ts), which `auto-edit`
 * asks like a command: an edit there is not only an edit, or a file that looks like it holds
 * secrets (an edit that does not match quotes its lines); the read opens such a file
 * (tools/secret-reads.ts), which every policy but `auto-all` asks.
 */
export function needsApproval(policy: ApprovalPolicy, effect: Tool["effect"], special = false): boolean {
  if (effect === "control") return false;
  if (policy === "auto-all") return false;
  if (effect === "read") return special;
  // A memory entry steers every later run of the whole team: only auto-all skips asking.
  if (policy === "auto-edit") return effect === "command" || effect === "memory" || (effect === "write" && special);
  return true;
}

/** What the chat says when older turns were dropped to fit the context. */
function droppedNotice(dropped: DroppedTurns, contextSize: number, estimated: boolean): string {
  const calls = dropped.calls > 0 ? `, ${dropped.calls} tool call${dropped.calls === 1 ? "" : "s"} and their results` : "";
  const user = dropped.userMessages > 0 ? `, ${dropped.userMessages} of your earlier messages` : "";
  const how = estimated ? " (by an estimate: the tokens could not be counted)" : "";
  return `The conversation did not fit the model's context (${contextSize.toLocaleString("en-US")} tokens) even condensed${how}: Hearth dropped its ${dropped.messages} oldest messages (${dropped.replies} model replies${calls}${user}), keeping your message and the latest turns. The model was told.`;
}

/** Whether the backend's counts are estimates (read after a count: the first one tells). */
function countsEstimated(backend: ModelBackend): boolean {
  const state = backend.state();
  return state.kind === "ready" && state.info.estimatedTokens === true;
}

/** A command or test run that ran but failed (non-zero exit), as opposed to a tool error. */
function commandFailed(result: ToolResult): boolean {
  if (!result.ok || !result.data || typeof result.data !== "object") return false;
  const data = result.data as { exitCode?: unknown; passed?: unknown };
  return data.passed === false || (typeof data.exitCode === "number" && data.exitCode !== 0);
}

/**
 * What the model hears when the token limit cut its reply off inside a call (the last of
 * its errors): nothing of that call ran, and writing it again whole ends the same way.
 */
function describeCutOff(turn: Turn): string {
  const after = turn.usage ? ` after ${turn.usage.generatedTokens} tokens` : "";
  const others = turn.errors.slice(0, -1).map((e) => `\n- ${e}`).join("");
  const also = others ? `\nAlso not run:${others}` : "";
  return `[Hearth] Your reply was cut off at the token limit${after}, in a tool call, before it was complete: nothing of that call was run.${also}\nWrite less in one call: a large file in parts (write_file with its first part, then edit_file or apply_patch to add the rest), a large change as several smaller edits.`;
}

function describeCallErrors(errors: readonly string[]): string {
  const list = errors.map((e) => `- ${e}`).join("\n");
  return `[Hearth] ${errors.length === 1 ? "Your tool call" : "Some of your tool calls"} could not be run:\n${list}\nWrite the call again in the exact format, with the tool's parameter names.`;
}

/** The loaded model's training context, when its backend is ready and knows it. */
function trainContextOf(backend: ModelBackend): number | undefined {
  const state = backend.state();
  return state.kind === "ready" ? state.info.trainContextSize : undefined;
}

/** Whether the loaded model's context is hearth.contextSize 0 (auto)'s choice. */
function contextAutoOf(backend: ModelBackend): boolean {
  const state = backend.state();
  return state.kind === "ready" && state.info.contextAuto === true;
}

/** Whether that auto choice was sized within a container's memory limit. */
function contextMemoryLimitedOf(backend: ModelBackend): boolean {
  const state = backend.state();
  return state.kind === "ready" && state.info.contextMemoryLimited === true;
}

/** The loaded model's hearth.kvCacheType (embedded only). */
function kvCacheTypeOf(backend: ModelBackend): KvCacheType | undefined {
  const state = backend.state();
  return state.kind === "ready" ? state.info.kvCacheType : undefined;
}
