/**
 * The OpenAI-compatible wire format as the remote backend (remote.ts) reads and writes it,
 * checked, because a server may be broken or hostile: the shape of streamed chunks,
 * tool calls assembled from their deltas, messages out, and what an error response or a
 * redirect says, in words that never carry the API key or URL credentials.
 */
import { BackendError } from "./backend.ts";
import { formatDuration, shownAddress } from "./http-limits.ts";
import { escapeControlText as escape, mapJsonStrings, restoreControlText } from "./control-text.ts";
import { checkToolCall, jsonNumberProblem } from "./qwen/tool-arguments.ts";
import { callRunawayError, callsRunawayError, RunawayDetector } from "./runaway.ts";
import type { ChatMessage, ChatStreamEvent, JsonValue, ToolDefinition } from "./types.ts";
import { captivePortalWords } from "../protocol/network-problem.ts";

/** One piece of a streamed tool call, as OpenAI sends it (`choices[0].delta.tool_calls[i]`). */
export interface OpenAiToolCallDelta {
  index?: number;
  id?: string;
  /** `arguments` is a JSON text; some servers send the object itself. */
  function?: { name?: unknown; arguments?: unknown };
}

/** A delta's piece of the arguments' JSON text: the text, or an object a server sent as itself. */
function argumentsText(call: OpenAiToolCallDelta): string {
  const args = call.function?.arguments;
  return typeof args === "string" ? args : isObject(args) ? JSON.stringify(args) : "";
}

function nameText(call: OpenAiToolCallDelta): string {
  const name = call.function?.name;
  return typeof name === "string" ? name : "";
}

/** A count of tokens a server reported, if it is one (a positive whole number). */
export function tokenCount(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** The token counts a streamed chunk reports (`usage`, asked for with `stream_options`). */
export interface UsageCounts {
  readonly prompt_tokens: number | undefined;
  readonly completion_tokens: number | undefined;
}

/**
 * A chunk's `usage`, each count left out unless it is one (tokenCount): a count sent as text
 * would be added up as text ("0" + "12" → "012"), and one that is not (a string of digits
 * Math.max reads as a number) would cut the reply off at max tokens.
 */
export function usageCounts(usage: unknown): UsageCounts | undefined {
  return isObject(usage) ? { prompt_tokens: tokenCount(usage.prompt_tokens), completion_tokens: tokenCount(usage.completion_tokens) } : undefined;
}

/** A JSON object (not null, not a list). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether every choice's `delta.tool_calls` is absent or a list of objects (what chat() reads without further checks). */
export function toolCallsWellFormed(event: Record<string, unknown>): boolean {
  const choices: unknown[] = Array.isArray(event.choices) ? event.choices : [];
  return choices.every((choice) => {
    const calls = isObject(choice) && isObject(choice.delta) ? choice.delta.tool_calls : undefined;
    return calls === undefined || calls === null || (Array.isArray(calls) && calls.every(isObject));
  });
}

/**
 * Tool calls being streamed, assembled from their deltas by `index`. A server that leaves
 * the index out sends calls one after another: a new `id` starts a new call, pieces without
 * one continue the last. One that gives every call the same index (Ollama's index 0) starts
 * each with an id and a name of its own: a piece with both, unlike its index's call so far,
 * starts a new call, which that index's later pieces continue; a new id without a name
 * (servers that give every piece an id) continues the call. A piece whose name is its call's
 * whole name so far repeats it (servers that send id and name in every piece), not a second
 * half; so does a piece with a new id and the same name while the call's arguments are not
 * yet whole (servers that give every piece a new id), or one of only spaces after they are,
 * until a next piece without an id shows it began a call (`settleSpaces`). Ids come out
 * unique (a tool result is matched to its call by id).
 */
export class StreamedCalls {
  /** By slot: the delta's index, or past the highest when that index's call was another. */
  private readonly calls = new Map<number, StreamedCall>();
  /** The slot each index's pieces go to now. */
  private readonly slots = new Map<number, number>();
  private last: number | undefined;
  private highest = -1;
  /** A piece of only spaces with a new id and its call's name, taken as the end of that whole call (`continues`), while no piece has said otherwise. */
  private spaces: SpacesPiece | undefined;
  /** Characters of arguments read to tell whether they are whole (each once), for tests to bound. */
  steps = 0;
  /** Every call's arguments as they stream, in order, watched for a loop (models/runaway.ts), and how much was fed. */
  private readonly argsLoop = new RunawayDetector();
  private argsFed = "";

  add(call: OpenAiToolCallDelta): void {
    const id = typeof call.id === "string" && call.id ? call.id : undefined;
    const args = argumentsText(call);
    this.settleSpaces(id, call.index, args);
    const last = this.last === undefined ? undefined : this.calls.get(this.last)!;
    const index = typeof call.index === "number" ? this.slot(call.index, id, nameText(call), args) : last && (id === undefined || id === last.id || continues(last, nameText(call), args)) ? this.last! : this.highest + 1;
    const entry = this.calls.get(index) ?? newCall();
    if (id !== undefined && entry.id !== undefined && id !== entry.id && nameText(call) === entry.name && entry.shape.state === "whole" && args !== "" && JSON_SPACES.test(args)) {
      this.spaces ??= { slot: index, index: call.index, id, from: entry.args.length, ownCall: entry.pieces > 1 && entry.oneId };
    }
    if (id !== undefined && entry.id !== undefined && id !== entry.id) entry.oneId = false;
    entry.pieces++;
    entry.id ??= id;
    // Some servers send the whole name again in every piece: appended, it would read "read_fileread_file".
    const name = nameText(call);
    if (name !== entry.name) entry.name += name;
    entry.args += args;
    this.argsFed += args;
    this.argsLoop.push(args);
    this.steps += readShape(entry.shape, args);
    this.calls.set(index, entry);
    this.last = index;
    this.highest = Math.max(this.highest, index);
  }

  /**
   * A piece of only spaces taken as its whole call's end was a new call's first piece (its id and
   * name, the model's line end before the object) when the next piece of its index has no id of
   * its own and more than spaces: that call's pieces after the first (a server that sends the id
   * once per call) would be read as text after the first call's object. The spaces and what
   * follows become that new call. A piece with an id (every piece's own, or the call's in every
   * piece) leaves them as the end of the call they went to.
   */
  private settleSpaces(id: string | undefined, index: unknown, args: string): void {
    const spaces = this.spaces;
    if (!spaces || (id === undefined && index === spaces.index && JSON_SPACES.test(args))) return;
    this.spaces = undefined;
    if (id !== undefined || index !== spaces.index) return;
    this.splitSpaces(spaces, index);
  }

  /** The spaces piece and what followed it in its call, made the call of their own that the piece began. */
  private splitSpaces(spaces: SpacesPiece, index: unknown): void {
    const ended = this.calls.get(spaces.slot)!;
    const fresh = newCall();
    fresh.id = spaces.id;
    fresh.name = ended.name;
    fresh.args = ended.args.slice(spaces.from);
    ended.args = ended.args.slice(0, spaces.from);
    const slot = this.highest + 1;
    this.calls.set(slot, fresh);
    if (typeof index === "number") this.slots.set(index, slot);
    this.last = this.highest = slot;
  }

  /** Where a piece with `index` goes: its index's call, or a new one when the piece starts another (its own id and a name). */
  private slot(index: number, id: string | undefined, name: string, args: string): number {
    const slot = this.slots.get(index);
    const current = slot === undefined ? undefined : this.calls.get(slot);
    if (current && !(id !== undefined && current.id !== undefined && id !== current.id && name !== "" && !continues(current, name, args))) return slot!;
    const fresh = this.calls.has(index) ? this.highest + 1 : index;
    this.slots.set(index, fresh);
    return fresh;
  }

  /**
   * The call whose arguments fell into a loop as they streamed (a `write_file` whose content
   * repeats one line for ever), as its error for the model; the caller stops reading the
   * stream then, and runs none of the calls. The loop is in the tail, the call written last;
   * where it began in an earlier call, it is the same call written again and again.
   */
  runawayError(): Extract<ChatStreamEvent, { type: "toolCallError" }> | undefined {
    const loop = this.argsLoop.result();
    const call = this.last === undefined ? undefined : this.calls.get(this.last);
    if (!loop || !call) return undefined;
    const start = loop.start - (this.argsFed.length - call.args.length);
    const event = start < 0 ? callsRunawayError(call.name || undefined, this.argsFed, loop) : callRunawayError(call.name || undefined, call.args, { ...loop, start, length: call.args.length - start });
    return { ...event, raw: restoreControlText(event.raw) };
  }

  list(): Array<{ id: string; name: string; args: string }> {
    // The stream ended on a spaces piece with a new id after a call whose pieces kept one id
    // (once, or in every piece): not a server that gives each piece its own, so it began a
    // call, one of no parameters. After a call of one piece the two cannot be told apart.
    if (this.spaces?.ownCall) this.splitSpaces(this.spaces, this.spaces.index);
    this.spaces = undefined;
    const used = new Set<string>();
    return [...this.calls].map(([index, call]) => {
      const wanted = call.id ?? `call_${index}`;
      let id = wanted;
      for (let n = 2; used.has(id); n++) id = `${wanted}_${index}_${n}`;
      used.add(id);
      return { id, name: call.name, args: call.args };
    });
  }
}

/** A call as its pieces came. */
interface StreamedCall {
  id: string | undefined;
  name: string;
  args: string;
  /** Pieces added, and whether each that had an id had the call's: else the server gives every piece a new id. */
  pieces: number;
  oneId: boolean;
  shape: ArgsShape;
}

function newCall(): StreamedCall {
  return { id: undefined, name: "", args: "", pieces: 0, oneId: true, shape: { depth: 0, inString: false, escaped: false, state: "before" } };
}

/** A piece of only spaces added to the whole call in `slot` (its arguments from `from` on), with its own `id`, at the delta's `index`. */
interface SpacesPiece {
  slot: number;
  index: unknown;
  id: string;
  from: number;
  /** The call's pieces before it were several and kept one id: at the stream's end, the piece began a call of its own. */
  ownCall: boolean;
}

/**
 * Whether a piece named `name` with an id of its own, arguments `args`, still continues `call`:
 * its name again while the call's arguments are not yet a whole JSON object (a server that gives
 * every piece a new id and repeats the name), or after they are, with spaces and nothing else
 * (the model's line end after the object, which such a server sends as a piece of its own: a new
 * call's first piece holds its object, or nothing yet). A call whose arguments are whole
 * (Ollama's) is followed by a new one.
 */
function continues(call: StreamedCall, name: string, args: string): boolean {
  if (name !== call.name) return false;
  return call.shape.state !== "whole" || (args !== "" && JSON_SPACES.test(args));
}

/**
 * How far a call's arguments have come, read piece by piece (each character once: reading the
 * whole text again at each piece cost a long write_file's arguments time by their square).
 * "before": nothing but spaces yet; "open": inside the top-level object, `depth` braces and
 * brackets deep; "whole": that object closed, then only spaces; "other": anything else (text
 * before or after the object, a value that is no object), which never reads as whole.
 */
interface ArgsShape {
  depth: number;
  inString: boolean;
  escaped: boolean;
  state: "before" | "open" | "whole" | "other";
}

/** Reads `text`, the arguments' next piece, into `shape`; returns the characters read. */
function readShape(shape: ArgsShape, text: string): number {
  let read = 0;
  for (const char of text) {
    if (shape.state === "other") break;
    read++;
    if (shape.state === "open" && shape.inString) {
      if (shape.escaped) shape.escaped = false;
      else if (char === "\\") shape.escaped = true;
      else if (char === '"') shape.inString = false;
    } else if (shape.state === "open") {
      if (char === '"') shape.inString = true;
      else if (char === "{" || char === "[") shape.depth++;
      else if ((char === "}" || char === "]") && --shape.depth === 0) shape.state = "whole";
    } else if (!JSON_SPACE.has(char)) {
      // Before the object only its "{" may come; after it, only spaces.
      shape.state = shape.state === "before" && char === "{" ? "open" : "other";
      shape.depth = 1;
    }
  }
  return read;
}

const JSON_SPACE = new Set([" ", "\t", "\n", "\r"]);
const JSON_SPACES = /^[ \t\n\r]*$/;

/**
 * `url` without the user name and password it may hold (`http://alice:pw@host/v1`), and
 * whether it held any. fetch refuses such a URL and would put it whole in its error.
 */
export function withoutCredentials(url: string): { url: string; credentials: boolean } {
  try {
    const parsed = new URL(url.trim());
    if (!parsed.username && !parsed.password) return { url, credentials: false };
    parsed.username = parsed.password = "";
    return { url: parsed.href, credentials: true };
  } catch {
    // Not a URL: still never show what looks like credentials.
    const stripped = url.replace(/\/\/[^/?#@]*@/, "//");
    return { url: stripped, credentials: stripped !== url };
  }
}

/** Why a server URL with a user name or password is not used, and what to do instead. */
export function urlCredentialsError(): BackendError {
  return new BackendError("The server URL (hearth.serverUrl, --server) holds a user name or password; Hearth does not take credentials from the URL (they would show in the status and logs): remove them and use Hearth: Set Server API Key… (the CLI reads $HEARTH_API_KEY)", "openSettings");
}

/** Characters of generated text in one streamed delta (thinking, text, tool-call pieces). */
export function deltaChars(delta: Record<string, unknown>): number {
  let size = 0;
  if (typeof delta.reasoning_content === "string") size += delta.reasoning_content.length;
  if (typeof delta.content === "string") size += delta.content.length;
  for (const call of (delta.tool_calls as OpenAiToolCallDelta[] | undefined) ?? []) size += nameText(call).length + argumentsText(call).length;
  return size;
}

/**
 * A message as the server takes it, every piece of content (text, thinking, tool results,
 * earlier calls' arguments) with its control strings escaped (control-text.ts): the server
 * applies the template and parses special tokens in the result.
 */
export function toOpenAiMessage(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case "system":
    case "user":
      return { role: message.role, content: escape(message.content) };
    case "assistant":
      return {
        role: "assistant",
        content: escape(message.content),
        ...(message.thinking ? { reasoning_content: escape(message.thinking) } : {}),
        ...(message.toolCalls?.length
          ? { tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: JSON.stringify(mapJsonStrings(c.arguments, escape)) } })) }
          : {}),
      };
    case "tool":
      return { role: "tool", tool_call_id: message.toolCallId, name: message.name, content: escape(message.content) };
  }
}

/** A tool as the server takes it; descriptions and schema text escaped like content (VS Code's and MCP tools' text is not Hearth's). */
export function toOpenAiTool(tool: ToolDefinition): Record<string, unknown> {
  return { type: "function", function: { name: tool.name, description: escape(tool.description), parameters: mapJsonStrings(tool.parameters, escape) } };
}

/** Checks a streamed call like a local one: JSON arguments, known tool, typed parameters. */
export function checkRemoteCall(call: { id: string; name: string; args: string }, tools: readonly ToolDefinition[]): ChatStreamEvent {
  let parsed: unknown;
  try {
    parsed = call.args.trim() ? JSON.parse(call.args) : {};
  } catch {
    return { type: "toolCallError", name: call.name, raw: restoreControlText(call.args), message: `The arguments of the call to "${call.name}" are not valid JSON. Call the tool again with a JSON object of arguments.` };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { type: "toolCallError", name: call.name, raw: restoreControlText(call.args), message: `The arguments of "${call.name}" must be a JSON object.` };
  }
  // What the model copied from escaped content (an edit's old text) must be the original again.
  parsed = mapJsonStrings(parsed, restoreControlText);
  // JSON.parse turned 1e400 into Infinity and rounded 2^53+1: refuse what it changed, as for a local call.
  const numbers = jsonNumberProblem(call.args);
  if (numbers) return { type: "toolCallError", name: call.name, raw: restoreControlText(call.args), message: `Invalid arguments for "${call.name}": ${numbers}` };
  const parameters = Object.entries(parsed as Record<string, JsonValue>).map(([k, v]): [string, string] => [k, typeof v === "string" ? v : JSON.stringify(v)]);
  const checked = checkToolCall({ name: call.name, parameters }, tools);
  if (!checked.ok) return { type: "toolCallError", name: checked.name, raw: restoreControlText(call.args), message: checked.message };
  return { type: "toolCall", call: { id: call.id, name: checked.name, arguments: checked.arguments } };
}

/**
 * Where a redirect points, as shownAddress shows it (no credentials, query or fragment:
 * `?api_key=…`, a signed token; hearth.serverUrl needs only the address), with the API key,
 * as it is or percent-encoded, shown as "[the API key]".
 */
export function redirectTarget(response: Response, url: string, apiKey: string | undefined): string {
  const location = response.headers.get("location");
  if (!location) return "no address";
  return shownAddress(location, url, (text) => withoutKey(apiKey ? withoutKey(text, encodeURIComponent(apiKey)) : text, apiKey));
}

/** `text` with the API key in it, if any, shown as "[the API key]": a server or proxy may echo it. */
export function withoutKey(text: string, apiKey: string | undefined): string {
  return apiKey ? text.split(apiKey).join("[the API key]") : text;
}

export function describeHttpError(status: number, body: string, url: string, apiKey: string | undefined, retryAfterMs?: number): string {
  const detail = errorDetail(body, apiKey);
  const said = detail ? `: ${detail}` : "";
  const hint = httpErrorHint(status, retryAfterMs);
  if (status === 401 || status === 403) return `the server refused the API key (${status})${said}; ${hint}`;
  if (status === 511) return `the server answered 511 for ${new URL(url).pathname}${said}. ${captivePortalWords("try again")}`;
  return `the server answered ${status} for ${new URL(url).pathname}${said}${hint ? `; ${hint}` : ""}`;
}

/** What an error body says, in words: the JSON error's message, else an HTML page's title or text; never the API key. */
export function errorDetail(body: string, apiKey: string | undefined): string {
  let detail: string;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown } | null;
    const message = typeof parsed?.error === "string" ? parsed.error : (parsed?.error?.message ?? parsed?.message ?? parsed?.detail);
    detail = typeof message === "string" ? message : body;
  } catch {
    // A proxy's error page (nginx, a load balancer) says it in its title.
    detail = htmlTitle(body) ?? withoutTags(body);
  }
  // A server may echo the key it refused.
  return withoutKey(detail, apiKey).replace(/\s+/g, " ").trim().slice(0, 300);
}

// A page's title and its text without tags, found with indexOf: as /<title[^>]*>([^<]*)</i and
// /<[^>]*>/g each '<' (or '<title') with no '>' after it was read to the end, so a body of
// 64 KB of '<' (the most of an error body read) took 1.6 s at each of the few readings.

/** The text between the first `<title…>` and the next '<' (none when either is missing), as /<title[^>]*>([^<]*)</i. */
function htmlTitle(body: string): string | undefined {
  // A later <title cannot match where the first did not: its '>' and '<' would be the same or later.
  const at = /<title/i.exec(body)?.index;
  if (at === undefined) return undefined;
  const open = body.indexOf(">", at + 6);
  if (open === -1) return undefined;
  const close = body.indexOf("<", open + 1);
  return close === -1 ? undefined : body.slice(open + 1, close);
}

/** The body with each tag (a '<' to the next '>') made a space, as body.replace(/<[^>]*>/g, " "). */
function withoutTags(body: string): string {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const lt = body.indexOf("<", from);
    const gt = lt === -1 ? -1 : body.indexOf(">", lt + 1);
    if (gt === -1) break;
    out.push(body.slice(from, lt), " ");
    from = gt + 1;
  }
  out.push(body.slice(from));
  return out.join("");
}

/** The sizes a server names when it refuses a prompt longer than its context (either may be missing). */
export interface ContextOverflow {
  readonly contextSize?: number;
  readonly tokens?: number;
}

/**
 * Each server's words for a prompt past its context, and where they put the sizes: `c` the
 * context, `t` the prompt's tokens (group numbers; the first that matched). llama-server, vLLM (current and older),
 * OpenAI, SGLang, LM Studio (both wordings; its "Reached context length" is a reply that
 * filled the context: contextFilledInReply), Ollama (no sizes).
 */
const OVERFLOW_WORDS: ReadonlyArray<{ pattern: RegExp; c?: number; t?: readonly number[] }> = [
  { pattern: /request \((\d+) tokens\) exceeds the available context size \((\d+) tokens\)/i, t: [1], c: 2 },
  { pattern: /exceeds the available context size/i },
  { pattern: /maximum context length is (\d+) tokens?\b.*?(?:your request has|you requested|resulted in) (\d+) (?:input )?tokens(?: \((\d+) in the messages)?/is, c: 1, t: [3, 2] },
  { pattern: /the input \((\d+) tokens\) is longer than the model's context length \((\d+) tokens\)/i, t: [1], c: 2 },
  { pattern: /maximum context length of (\d+) tokens\. You requested a total of \d+ tokens: (\d+) tokens from the input/i, c: 1, t: [2] },
  { pattern: /keep the first (\d+) tokens when context the overflows\. However, the model is loaded with context length of only (\d+) tokens/i, t: [1], c: 2 },
  { pattern: /n_keep: (\d+)\s*>=?\s*n_ctx: (\d+)/i, t: [1], c: 2 },
  { pattern: /prompt is longer than the context length/i },
  { pattern: /maximum context length is (\d+) tokens/i, c: 1 },
];

/**
 * Whether a stream's error event says the context filled while the model was writing its
 * reply (LM Studio's "Reached context length of N tokens", for a model it cannot shift the
 * context of): the prompt fitted, the reply is cut at the limit.
 */
export function contextFilledInReply(body: string): boolean {
  return /reached context length of \d+ tokens/i.test(errorDetail(body, undefined));
}

/**
 * Whether an error body (or a stream's error event) is the server refusing a prompt longer
 * than its context, and the sizes it names: a typed error (llama-server's
 * `exceed_context_size_error` with `n_ctx` / `n_prompt_tokens`, OpenAI's
 * `context_length_exceeded`), else the server's words (OVERFLOW_WORDS). Ollama passes
 * llama-server's answer on as the text of its own `error`. A prompt that fits (vLLM refusing
 * `max_tokens` names both sizes, the prompt's smaller) is no overflow.
 */
export function contextOverflow(body: string): ContextOverflow | undefined {
  let error: unknown = parseJson(body);
  for (let depth = 0; depth < 3 && isObject(error) && error.error !== undefined && error.error !== null; depth++) {
    error = typeof error.error === "string" ? (parseJson(error.error) ?? error.error) : error.error;
  }
  const fields = isObject(error) ? error : {};
  const text = typeof error === "string" ? error : typeof fields.message === "string" ? fields.message : body;
  const typed = fields.type === "exceed_context_size_error" || fields.code === "context_length_exceeded";
  const words = OVERFLOW_WORDS.find((w) => w.pattern.test(text));
  if (!typed && !words) return undefined;
  const match = words?.pattern.exec(text);
  const size = (group: number | undefined): number | undefined => (group === undefined ? undefined : tokenCount(Number(match?.[group])));
  const contextSize = tokenCount(fields.n_ctx) ?? size(words?.c);
  const tokens = tokenCount(fields.n_prompt_tokens) ?? words?.t?.map(size).find((n) => n !== undefined);
  if (!typed && contextSize !== undefined && tokens !== undefined && tokens < contextSize) return undefined;
  return { ...(contextSize === undefined ? {} : { contextSize }), ...(tokens === undefined ? {} : { tokens }) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Whether an error answer says the model asked for is not there (vLLM's 404 "The model `x` does not exist.", Ollama's "model \"x\" not found"). */
export function modelNotFound(status: number, body: string): boolean {
  return (status === 404 || status === 400) && /\bmodel\b.{0,200}?\b(?:does not exist|not found)\b/i.test(errorDetail(body, undefined));
}

/** What to check for an HTTP error status; nothing for a 4xx whose body says it (a prompt too long). */
function httpErrorHint(status: number, retryAfterMs: number | undefined): string {
  const wait = retryAfterMs === undefined || retryAfterMs === 0 ? undefined : retryAfterMs > DAY_MS ? "more than a day" : formatDuration(roundedWait(retryAfterMs));
  if (status === 401 || status === 403) return "check the key (Hearth: Set Server API Key…; the CLI reads $HEARTH_API_KEY)";
  if (status === 404 || status === 405) return "check that hearth.serverUrl is the server's OpenAI-compatible address (e.g. http://127.0.0.1:8080/v1)";
  if (status === 429) return `the server is limiting requests: ${wait ? `it asks to wait ${wait} before trying again` : retryAfterMs === 0 ? "it asks to try again at once" : "wait a moment and try again"}`;
  if (status >= 500) return `the server failed or is not ready (still loading its model?): check its log and try again${wait ? `; it asks to wait ${wait} first` : ""}`;
  return "";
}

const DAY_MS = 24 * 60 * 60_000;

/** A wait to the unit it is said in: whole seconds under 2 min, whole minutes under 2 h, whole hours past (at least 1 s). */
function roundedWait(ms: number): number {
  const unit = ms < 120_000 ? 1000 : ms < 2 * 60 * 60_000 ? 60_000 : 60 * 60_000;
  return Math.max(1000, Math.round(ms / unit) * unit);
}

/**
 * How long a `Retry-After` header (429, 503) asks to wait from `now`: whole seconds, or an
 * HTTP date. Undefined when it says nothing usable: absent, negative, a date past or not a
 * date (V8's Date.parse takes "-5" for the year -5, so a date must name its month).
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  const value = header?.trim() ?? "";
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const wait = Date.parse(value) - now;
  return wait > 0 ? wait : undefined;
}
