/**
 * One inline completion, start to end: typed-ahead cache → adaptive debounce → context →
 * prompt → model → stop rules → cache. The caller's AbortSignal (the client's
 * `$/cancelRequest`, i.e. the next keystroke) reaches every step, down to the generation
 * loop; a request cancelled during the debounce never touches the model.
 */
import { type Clock, type FimRequest, type FimResult, type ModelBackend, serverBusy, serverSlotState, systemClock } from "../models/index.ts";
import { type CompletionRecord, type CompletionStats, type CompletionStatus, formatSeconds } from "../protocol/completions.ts";
import { looksLikeSecrets } from "../protocol/secret-files.ts";
import { MASK_START } from "../protocol/secret-values.ts";
import { unlessAborted, wait } from "../protocol/wait.ts";
import { CompletionCache } from "./cache.ts";
import { ContextGatherer, type ContextLookup, type RecentEdit } from "./context.ts";
import { AdaptiveDebounce, type DebounceOptions } from "./debounce.ts";
import { detectIndentation, type IndentStyle, reindent } from "./indentation.ts";
import { MAX_TRIES, ServerWait, SLOT_READ_MS, timeLimit } from "./server-wait.ts";
import { buildFimPrompt, DEFAULT_BUDGET, fitContext, insideSecret, type PromptBudget } from "./prompt.ts";
import { type CursorLines, endBeforeControlText, isMultiline, tickNamesIn, trimCompletion } from "./stop-rules.ts";

/** The model to use: the completion model when one is configured and loads, else the main one. */
export interface ModelChoice {
  readonly backend: ModelBackend;
  readonly which: "completion" | "main";
}

export interface EngineOptions {
  readonly model: () => Promise<ModelChoice>;
  /** The indexer's context lookup; none: no repository context. */
  readonly context?: ContextLookup;
  /** Regions recently edited in other documents, newest first (the runtime looks up which are links to secrets files first). */
  readonly recentEdits?: () => readonly RecentEdit[] | Promise<readonly RecentEdit[]>;
  readonly repoName?: string;
  /** `hearth.inlineCompletionsExclude`, read at each request: files never completed nor shown as context, besides the built-in secrets list. */
  readonly exclude?: () => readonly string[];
  readonly debounce?: DebounceOptions;
  readonly budget?: Partial<PromptBudget>;
  /** Longest a generation may run (ms) before what it has so far is used. */
  readonly timeLimitMs?: number;
  /** Most tokens for one line / for a block. */
  readonly maxTokens?: { readonly line: number; readonly block: number };
  readonly now?: () => number;
  /** Time for the generation limit and the busy server's backoff (default: the system clock); tests pass one they move by hand. */
  readonly clock?: Clock;
  /** Called when the completion status changes (a busy server, a failing one, answering again). */
  readonly onStatus?: (status: CompletionStatus) => void;
}

/** The cursor's document. */
export interface CompletionDocument {
  readonly uri: string;
  /** Path relative to the folder Hearth works in (the URI when it is not a file of it). */
  readonly path: string;
  readonly text: string;
  readonly version: number;
  /**
   * Whether the document is part of the folder Hearth works in (the index's root). A file of
   * another folder of the window is completed from its own text only: the repository name,
   * the index's definitions and the recent edits are that folder's, another project's code.
   */
  readonly inFolder: boolean;
  /** The editor's indentation for it; without it, what the document's text shows. */
  readonly indentation?: IndentStyle;
  /** A notebook cell: the texts of the notebook's earlier cells of its language, nearest first. */
  readonly earlierCells?: readonly string[];
}

export interface CompletionAnswer {
  /** Text to insert at the cursor; "" for none. */
  readonly text: string;
  readonly record: CompletionRecord;
}

const RECORDS_KEPT = 10_000;

export class CompletionEngine {
  private readonly cache = new CompletionCache();
  private readonly debounce: AdaptiveDebounce;
  private readonly context: ContextGatherer;
  private readonly records: CompletionRecord[] = [];
  private totals = { requests: 0, cacheHits: 0, modelCalls: 0, cancelled: 0 };
  private readonly now: () => number;
  private readonly clock: Clock;
  private readonly wait: ServerWait;

  constructor(private readonly options: EngineOptions) {
    this.debounce = new AdaptiveDebounce(options.debounce);
    this.clock = options.clock ?? systemClock;
    this.wait = new ServerWait(this.clock, options.onStatus);
    this.context = new ContextGatherer(options.context, undefined, (path) => this.excluded(path));
    this.now = options.now ?? (() => performance.now());
  }

  async complete(doc: CompletionDocument, position: { line: number; character: number }, signal: AbortSignal): Promise<CompletionAnswer> {
    const started = this.now();
    if (this.excluded(doc.uri)) return this.answer("", { version: doc.version, multiline: false, debounceMs: 0, modelMs: 0, outcome: "empty" }, started);
    const pause = this.debounce.next(started);
    const offset = offsetAt(doc.text, position);
    // Typing a token or a key: nothing to complete, and its first part would be sent unmasked.
    // A position inside a character: the completion goes in there (at the client's position), splitting it.
    if (insideSecret(doc.text, offset) || insideCharacter(doc.text, offset, position.character)) return this.answer("", { version: doc.version, multiline: false, debounceMs: 0, modelMs: 0, outcome: "empty" }, started);
    // The model sees only this window of the document, so it is also the cache's key: a key
    // of the whole text would keep a copy of a big document alive per cached keystroke.
    const window = buildFimPrompt({
      path: doc.path, text: doc.text, offset, line: Math.max(0, position.line),
      ...(doc.earlierCells?.length ? { earlierCells: doc.earlierCells } : {}),
      ...(this.options.budget ? { budget: this.options.budget } : {}),
    });
    const at = cursorLines(doc.text, offset);
    const multiline = isMultiline(at);
    const base = { version: doc.version, multiline, debounceMs: 0, modelMs: 0 };
    const cached = this.cache.lookup(doc.uri, window.prefix, window.suffix);
    if (cached !== undefined) return this.answer(cached, { ...base, outcome: "cache" }, started);
    if (!(await wait(pause, signal))) return this.answer("", { ...base, debounceMs: pause, outcome: "cancelled" }, started);
    const context = doc.inFolder ? await this.context.at(doc.path, position.line, doc.text, (await this.options.recentEdits?.()) ?? [], signal, at.linePrefix.length) : [];
    if (signal.aborted) return this.answer("", { ...base, debounceMs: pause, outcome: "cancelled" }, started);
    const fitted = fitContext(context, this.options.budget?.contextTokens ?? DEFAULT_BUDGET.contextTokens);
    const repoName = doc.inFolder ? this.options.repoName : undefined;
    const prompt = { ...window, ...(fitted.length ? { context: fitted } : {}), ...(repoName ? { repoName } : {}) };
    const tokens = this.options.maxTokens ?? { line: 48, block: 160 };
    const asked = await this.generate({ ...prompt, maxTokens: multiline ? tokens.block : tokens.line, stop: multiline ? ["\n\n\n"] : ["\n"] }, signal);
    const usage = asked.result?.usage ? { promptTokens: asked.result.usage.promptTokens, evaluatedTokens: asked.result.usage.evaluatedTokens, generatedTokens: asked.result.usage.generatedTokens } : {};
    const ran = { ...base, ...usage, debounceMs: pause, modelMs: asked.modelMs, ...(asked.which ? { model: asked.which } : {}) };
    const result = asked.result;
    if (signal.aborted) return this.answer("", { ...ran, outcome: "cancelled" }, started);
    if (!result) return this.answer("", { ...ran, outcome: asked.outcome ?? "error" }, started);
    const shown = [prompt.prefix, prompt.suffix, ...fitted.map((c) => c.content)];
    const generated = endBeforeControlText(result.text, shown);
    // Text before a control token is whole: a limit that ended the generation came after it.
    const limited = (result.stopReason === "aborted" || result.stopReason === "maxTokens") && generated === result.text;
    const raw = limited ? wholePart(generated, multiline) : generated;
    // A mask copied from the prompt, unless the file itself holds such text (Hearth's own source).
    const cutMasks = raw.includes(MASK_START) && !doc.text.includes(MASK_START);
    const trimmed = trimCompletion(raw, at, multiline, { shown, cutMasks, tickNames: tickNamesIn(doc.path) });
    const text = /^[ \t]|\n[ \t]/.test(trimmed) ? reindent(trimmed, doc.indentation ?? detectIndentation(window.prefix + window.suffix), at, window.prefix) : trimmed;
    this.cache.store(doc.uri, window.prefix, window.suffix, text);
    return this.answer(text, { ...ran, outcome: text ? "model" : "empty" }, started);
  }

  /**
   * The model's answer to `request`. A busy server (503, 429) or one that gave no answer within
   * the time limit (it queues requests behind another client's) is tried again after the
   * backoff, up to MAX_TRIES; the status says why while it waits, or why it failed.
   */
  private async generate(request: Omit<FimRequest, "signal">, signal: AbortSignal): Promise<Generated> {
    let modelMs = 0;
    for (let tries = 1; ; tries++) {
      if (!(await this.wait.untilNextTry(signal))) return { outcome: "cancelled", modelMs };
      // A new request reads /slots at once (the chat may have ended while none waited); a try that just found the slot taken waits first.
      const slot = this.wait.waitsForSlot() ? await this.untilSlotFree(signal, tries === 1) : "unknown";
      if (slot === "cancelled") return { outcome: "cancelled", modelMs };
      const tried = await this.tryOnce(request, signal, slot === "free");
      modelMs += tried.modelMs;
      const which = tried.which ? { which: tried.which } : {};
      if (signal.aborted) return { outcome: "cancelled", modelMs, ...which };
      if (tried.result) {
        if (tried.slow) this.wait.slow(tried.slow.reason, tried.slow.limitMs, tried.slow.server === true);
        else this.wait.ready();
        return { result: tried.result, modelMs, ...which };
      }
      if (tried.busy === undefined) {
        this.wait.failing(errorText(tried.error));
        return { outcome: "error", modelMs, ...which };
      }
      if (tries >= MAX_TRIES) {
        this.wait.gaveUp(tried.busy, tried.oneSlot === true);
        return { outcome: "busy", modelMs, ...which };
      }
      if (tried.oneSlot) this.wait.oneSlotTaken(tried.busy);
      else this.wait.busy(tried.busy);
    }
  }

  /** One try: the model's result, or why there is none (busy: worth trying again; else the error). */
  private async tryOnce(request: Omit<FimRequest, "signal">, signal: AbortSignal, sentToFreeSlot: boolean): Promise<Try> {
    let choice: ModelChoice | undefined;
    try {
      // A model still loading can take minutes: a cancelled request must not wait for it.
      choice = await unlessAborted(this.options.model(), signal);
    } catch (error) {
      return { ...failure(error), modelMs: 0 };
    }
    if (!choice) return { modelMs: 0 };
    const limitMs = this.options.timeLimitMs ?? 3000;
    const limit = timeLimit(this.clock, limitMs, signal);
    const start = this.now();
    let tried: Omit<Try, "modelMs" | "which"> | undefined;
    try {
      const result = await choice.backend.complete({ ...request, signal: limit.signal });
      if (!limit.timedOut() || result.text !== "" || result.usage?.generatedTokens) tried = { result };
    } catch (error) {
      // A backend may throw when the time limit aborts it, as when the user's keystroke does.
      if (!limit.timedOut()) tried = failure(error);
    } finally {
      limit.close();
    }
    const modelMs = this.now() - start;
    return { ...(tried ?? (await this.noAnswer(choice.backend, limitMs, signal, sentToFreeSlot))), which: choice.which, modelMs };
  }

  /**
   * Nothing by the time limit. A model on this machine that could not even read the prompt in
   * time is slow, not busy: another try would only take the CPU for as long again, so the
   * answer is empty. A server queues a request while its slots are taken (busy, worth another
   * try), but a big model on a slow server takes as long for a request it works on: the server
   * is asked once, within the same limit, whether it had a slot free (slow, no second try).
   * One that cannot tell is taken for busy. A one-slot server's slot a request was sent to right
   * after `/slots` showed it free (`sentToFreeSlot`) held that request: what holds it at the
   * read is most often the request itself, closed a moment ago (llama-server drops it within a
   * second), not a chat, so such a server is slow too.
   */
  private async noAnswer(backend: ModelBackend, limitMs: number, signal: AbortSignal, sentToFreeSlot: boolean): Promise<Pick<Try, "busy" | "oneSlot" | "result" | "slow">> {
    const within = `gave no answer within ${formatSeconds(limitMs)}`;
    const empty: FimResult = { text: "", stopReason: "aborted" };
    if (backend.kind !== "remote") return { result: empty, slow: { reason: `the model on this machine ${within}`, limitMs } };
    const limit = timeLimit(this.clock, limitMs, signal);
    const slots = await serverSlotState(backend, limit.signal).finally(() => limit.close());
    const free = slots?.free;
    if (free === false && slots?.total === 1 && sentToFreeSlot) {
      return { result: empty, slow: { reason: `the server ${within} though its only slot was free when the request was sent: the model is slow on it, not busy`, limitMs, server: true } };
    }
    if (free === false && slots?.total === 1) {
      return { busy: `the server's only slot is taken (most often by the chat: llama-server started with -np 1 runs one request at a time), so the request ${within}`, oneSlot: true };
    }
    if (free === true) return { result: empty, slow: { reason: `the server ${within} though it had a slot free: the model is slow on it, not busy`, limitMs, server: true } };
    const why = free === false
      ? "all its slots are taken: it queues the request behind the others"
      : slots?.total === 1
        ? "it has one slot (llama-server -np 1) and does not list whether it is taken: a chat holding it, or a model slow on it; start it with -np 2 to give completions a slot of their own, and without --no-slots so Hearth can tell"
        : "a server whose slots are all taken queues the request behind the others";
    return { busy: `the server ${within} (${why})` };
  }

  /**
   * Reads the one-slot server's `/slots` (at once when `readFirst`, else after SLOT_READ_MS),
   * then every SLOT_READ_MS until its slot frees ("free"), or the request is cancelled:
   * nothing is queued behind the chat, however long it runs. A server that stops telling, or
   * now has more slots, is tried at once ("unknown": not seen free). The read has no limit of
   * its own beyond the connection's: a keystroke ends it, and a server too loaded to answer it
   * would not answer a completion either.
   */
  private async untilSlotFree(signal: AbortSignal, readFirst: boolean): Promise<"free" | "unknown" | "cancelled"> {
    for (let first = true; ; first = false) {
      if (!(first && readFirst) && !(await wait(SLOT_READ_MS, signal, this.clock))) return "cancelled";
      let choice: ModelChoice | undefined;
      try {
        choice = await unlessAborted(this.options.model(), signal);
      } catch {
        return signal.aborted ? "cancelled" : "unknown";
      }
      if (!choice) return "cancelled";
      const slots = await serverSlotState(choice.backend, signal);
      if (signal.aborted) return "cancelled";
      if (slots?.free === true && slots.total === 1) return "free";
      if (slots?.free !== false || slots.total !== 1) return "unknown";
    }
  }

  /** Whether completions reach the model now (what `onStatus` was last told). */
  status(): CompletionStatus {
    return this.wait.current();
  }

  /** Never completed nor context: the built-in secrets list and the user's exclusions. */
  private excluded(pathOrUri: string): boolean {
    return looksLikeSecrets(pathOrUri, this.options.exclude?.() ?? []);
  }

  /** A document closed: forget what was cached for it. */
  forget(uri: string, path: string): void {
    this.cache.forget(uri);
    this.context.forget(path);
  }

  stats(): CompletionStats {
    return { ...this.totals, recent: [...this.records] };
  }

  private answer(text: string, partial: Omit<CompletionRecord, "handlerMs">, started: number): CompletionAnswer {
    const record: CompletionRecord = { ...partial, handlerMs: this.now() - started };
    this.totals.requests++;
    if (record.outcome === "cache") this.totals.cacheHits++;
    if (record.outcome === "cancelled") this.totals.cancelled++;
    if (record.modelMs > 0) this.totals.modelCalls++;
    this.records.push(record);
    if (this.records.length > RECORDS_KEPT) this.records.shift();
    return { text, record };
  }
}

/** What `generate` came back with: the model's result, or why there is none. */
interface Generated {
  readonly result?: FimResult;
  readonly outcome?: "cancelled" | "busy" | "error";
  readonly modelMs: number;
  readonly which?: ModelChoice["which"];
}

/** One try of `generate`: a result, or `busy` (why waiting may help), or `error`; nothing when cancelled. */
interface Try {
  readonly result?: FimResult;
  readonly busy?: string;
  /** With `busy`: the server has one slot and it is taken (by the chat, most often). */
  readonly oneSlot?: boolean;
  /** With an empty `result`: the model gave nothing within the time limit, on this machine or on a server with a slot free (`server`). */
  readonly slow?: { readonly reason: string; readonly limitMs: number; readonly server?: boolean };
  readonly error?: unknown;
  readonly which?: ModelChoice["which"];
  readonly modelMs: number;
}

/** A failed try: busy when the server says it will answer later (503, 429), else the error. */
function failure(error: unknown): Pick<Try, "busy" | "error"> {
  return serverBusy(error) ? { busy: `the server is busy: ${errorText(error)}` } : { error };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What is whole of a generation its time or token limit ended: a block's lines before the
 * last, after an LF or a lone CR (it may stop mid-way: `return Math.round(total +`), a line
 * without the character the limit cut (U+FFFD for its first bytes, or half of a surrogate
 * pair). An answer with no line break where a block may start is a line, kept by the line's
 * rule: dropping its only line left nothing to show, though a line completion the limit cut
 * as much is shown.
 */
function wholePart(text: string, multiline: boolean): string {
  // A lone CR is a line break too (a server's `\r` line ends, as the stop rules take it); a CRLF's LF comes after its CR.
  const lastBreak = Math.max(text.lastIndexOf("\n"), text.lastIndexOf("\r"));
  if (multiline && lastBreak >= 0) return text.slice(0, lastBreak);
  // From the end: a regular expression anchored at $ tried each run of U+FFFD in the answer (quadratic).
  let end = text.length;
  while (end > 0 && isCutCharacter(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end);
}

/** U+FFFD (bytes that made no character) or a high surrogate whose pair was cut. */
function isCutCharacter(code: number): boolean {
  return code === 0xfffd || (code >= 0xd800 && code <= 0xdbff);
}

/** Offset of an LSP position (UTF-16 code units, like JavaScript strings). */
export function offsetAt(text: string, position: { line: number; character: number }): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  // The client's position may be anywhere: keep it on its line, before a CRLF's CR, outside a surrogate pair.
  const newline = text.indexOf("\n", offset);
  const end = newline < 0 ? text.length : newline > offset && text[newline - 1] === "\r" ? newline - 1 : newline;
  const at = Math.min(offset + Math.max(0, position.character), end);
  return at > offset && isPairSplit(text, at) ? at - 1 : at;
}

/** What belongs to the character on its left: a combining mark (an accent, a variation selector), a skin tone, a zero-width joiner. */
const JOINS_LEFT = /^[\p{M}\u200d\u{1F3FB}-\u{1F3FF}]/u;

/**
 * Whether the client's position (`character` on the line of `offset`, which `offsetAt` made of
 * it) falls inside a character: between a surrogate pair's halves (`offsetAt` moved it before
 * them), or before what joins the character on its left (`e|\u0301`).
 */
function insideCharacter(text: string, offset: number, character: number): boolean {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  if (offset - lineStart < character && isPairSplit(text, offset + 1)) return true;
  return offset > lineStart && JOINS_LEFT.test(text.slice(offset, offset + 2));
}

function isPairSplit(text: string, at: number): boolean {
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/** The cursor's line split at the cursor, the line above and the first non-blank line below. */
export function cursorLines(text: string, offset: number): CursorLines {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  const endAt = text.indexOf("\n", offset);
  const end = endAt < 0 ? text.length : endAt;
  const previousStart = start > 0 ? text.lastIndexOf("\n", start - 2) + 1 : start;
  const below = end < text.length ? text.slice(end + 1, end + 4001).split("\n").find((l) => l.trim() !== "") ?? "" : "";
  return {
    linePrefix: text.slice(start, offset),
    lineSuffix: text.slice(offset, end).replace(/\r$/, ""),
    previousLine: start > 0 ? text.slice(previousStart, start - 1) : "",
    nextLine: below,
  };
}
