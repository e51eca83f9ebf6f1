/**
 * Conversation handoff: a conversation (turns, thinking, tool calls and their results, the
 * resulting diff) as one Markdown file a teammate reads on GitHub or in an editor, then
 * imports into their own Hearth and continues.
 *
 * The file has two layers. People read the rendered turns: headings per turn, thinking in
 * a collapsed <details>, tool calls as JSON blocks, results collapsed, the diff in a
 * ```diff block. Hearth reads the data layer: before each turn an HTML comment (invisible
 * when rendered) holds the exact message as base64 JSON, so an import gives back exactly
 * what was exported, whatever the text contains. Editing the readable text changes
 * nothing on import; the data comments are the conversation, and the import names the
 * messages whose readable text was edited (`edited`): what a reviewer read of a file handed
 * over is then not what the model continues from, and the chat says so. A file may come from anyone:
 * an import takes only messages Hearth could have written (plain tool and argument names,
 * arguments of sane depth, a system prompt only first, each result after its call).
 *
 *   const markdown = exportConversation(agent.messages, { title, model, exportedAt: new Date(), patch });
 *   const { messages, systemPrompt, title, patch } = importConversation(markdown);
 *   new Agent({ ..., systemPrompt: freshPrompt, history: messages });   // then agent.run(next)
 */
import type { AssistantMessage, ChatMessage, JsonValue, ToolCall } from "../models/index.ts";
import { MAX_ARGUMENT_DEPTH, nestingDepth, plainName } from "../protocol/markup-names.ts";
import { MAX_IMPORT_CHARS } from "../protocol/agent.ts";
import { wellFormed } from "../protocol/plain-text.ts";
import { looksLikeSecrets } from "../protocol/secret-files.ts";
import { formatLimit } from "../protocol/units.ts";
import { type CheckpointStore, DiffTooLargeError } from "../tools/checkpoints.ts";
import { parsePatch } from "../tools/patch/parse.ts";
import { secretFileRead } from "../tools/secret-reads.ts";
import { attachedPaths } from "./conversation-run.ts";
import { type LeftOutOfPatch, leftOutOfPatchMessage, skipWorktreeFiles, withIndexVersions } from "./fix-files.ts";

export interface ConversationMeta {
  readonly title: string;
  /** The model that ran it, for the reader. */
  readonly model?: string;
  readonly exportedAt: Date | string;
  /** The diff the conversation made (a unified diff), if any. */
  readonly patch?: string;
  /** Why the diff is not there though files changed, or what it leaves out (`exportedPatch`'s words): said in the Changes section. */
  readonly patchLeftOut?: string;
}

/**
 * An export's diff, at most: it is written twice (data and readable), and an import reads at
 * most MAX_IMPORT_CHARS (256 MiB), which holds the largest conversation the store keeps (64 MiB)
 * with this diff, each written twice (unit agent/handoff-large.test.ts).
 */
export const MAX_EXPORT_DIFF_BYTES = 16 * 1024 * 1024;

/**
 * The diff an export carries, since checkpoint `since`; or, past `maxBytes` or where it cannot
 * be made (its checkpoint gone), words saying it is left out and why. It used to be no diff at
 * all, without a word. In the git repository `repo`, a file git keeps off the disk (outside a
 * sparse checkout) that the conversation wrote is diffed from the index's version, as hearth fix
 * does (`withIndexVersions`): as a new file it made `git apply` refuse the whole diff in a full
 * clone; one whose version git cannot give (a partial clone that never downloaded it) is left
 * out of the diff and named in `filesLeftOut`.
 */
export async function exportedPatch(store: Pick<CheckpointStore, "diff" | "addedFiles" | "withFiles">, since: string, maxBytes = MAX_EXPORT_DIFF_BYTES, repo?: string): Promise<{ patch: string; filesLeftOut?: string } | { leftOut: string }> {
  try {
    const { base, leftOut } = repo === undefined ? { base: since, leftOut: [] } : await withRepositoryVersions(store, since, repo);
    const patch = await store.diff(base, undefined, [], { maxBytes, ...(leftOut.length ? { leaveOut: leftOut.map((file) => file.path) } : {}) });
    const words = leftOutOfPatchMessage(leftOut, "the conversation can be exported again").map((line) => line.replace(/^not in the patch: /, "Not in the diff: "));
    return { patch, ...(words.length ? { filesLeftOut: words.join(" ") } : {}) };
  } catch (error) {
    const why = error instanceof DiffTooLargeError
      ? `it is over ${maxBytes >= 1024 * 1024 ? `${Math.round(maxBytes / 1024 / 1024)} MiB` : `${maxBytes.toLocaleString("en-US")} bytes`} (many changed files or large binary ones, such as a build's output in a folder the project does not ignore)`
      : `it could not be made (${error instanceof Error ? error.message : String(error)})`;
    return { leftOut: `The diff of the changes is left out of this export: ${why}. git diff in the project shows them.` };
  }
}

/** `since`, or a commit standing for it with the index's version of each file outside the sparse checkout written since (none where `repo` is no repository). */
async function withRepositoryVersions(store: Pick<CheckpointStore, "addedFiles" | "withFiles">, since: string, repo: string): Promise<{ base: string; leftOut: LeftOutOfPatch[] }> {
  // The mark as the index keeps it: the conversation's write of such a file put it on disk.
  const offDisk = await skipWorktreeFiles(repo, {}, true);
  const written = offDisk.size ? (await store.addedFiles(since)).filter((path) => offDisk.has(path)) : [];
  return written.length ? await withIndexVersions(store, since, repo, written, offDisk, {}) : { base: since, leftOut: [] };
}

export interface ImportedConversation {
  readonly title: string;
  readonly model?: string;
  readonly exportedAt: string;
  /** Every message after the system prompt, in order: pass as `AgentOptions.history`. */
  readonly messages: ChatMessage[];
  /** The exporter's system prompt, for reference; a continuing agent builds its own. */
  readonly systemPrompt?: string;
  /** "" when the export had no diff. */
  readonly patch: string;
  /**
   * The messages (1-based in `messages`) whose readable text in the file no longer says what
   * they hold: edited after export. What a person read is not what is imported.
   */
  readonly edited: readonly number[];
  /**
   * What the file holds that this version does not know and leaves out of the import (fields a
   * newer Hearth added in the same format, as `dropped` was added), in words — "message 2's
   * attachments" (1-based in `messages`), "the header's branch" — so a save over it can refuse
   * to lose them. Absent when none.
   */
  readonly unknownFields?: readonly string[];
}

/** A file that cannot be imported; the message says what is wrong and where. */
export class ConversationImportError extends Error {
  override name = "ConversationImportError";
}

export const HANDOFF_FORMAT_VERSION = 1;

const HEADER_TAG = "hearth-conversation";
const MESSAGE_TAG = "hearth-message";
const PATCH_TAG = "hearth-patch";
/** A data comment is a whole line; the readable layer never has one (see `readable`). */
const DATA_COMMENT = /(?<=^|\n)<!-- (hearth-[a-z]+): (\S*) -->(?=\n|$)/g;
/** Text that would fake a line or reverse text where a name is shown: controls, line and bidi marks. */
const UNSHOWABLE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

interface HeaderData {
  readonly version: number;
  readonly title: string;
  readonly model?: string;
  readonly exportedAt: string;
  readonly messages: number;
  readonly patch: boolean;
}

/**
 * The files that look like they hold secrets (an environment file, a key, credentials) whose
 * contents the conversation holds: a tool call named them, so the user let the agent read,
 * edit or write them. An export shares them with whoever gets the file.
 */
export function secretFilesIn(messages: readonly ChatMessage[]): string[] {
  const found = new Set<string>();
  for (const m of messages) for (const path of pathsNamedIn(m)) if (looksLikeSecrets(path)) found.add(path);
  return [...found];
}

/** The paths a message names: a user's @-attachments, an assistant's tool calls' paths. */
function pathsNamedIn(m: ChatMessage): string[] {
  return m.role === "user" ? attachedPaths(m.content) : m.role === "assistant" ? (m.toolCalls ?? []).flatMap(pathsNamedBy) : [];
}

/**
 * The files a tool call named by a name that says nothing (`notes.txt`) but that the read asked
 * about as secret (secret-reads.ts): a link to `.env`, another name (a hard link) of one — as
 * they are in the workspace at `root` now. `secretFilesIn` knows them by name only.
 */
export async function secretFilesReadThroughLinks(messages: readonly ChatMessage[], root: string): Promise<string[]> {
  // Every path secretFilesIn looks at: an apply_patch's context lines and a command's output quote the file too.
  const named = new Set<string>();
  for (const m of messages) for (const path of pathsNamedIn(m)) if (!looksLikeSecrets(path)) named.add(path);
  const found: string[] = [];
  for (const path of named) if ((await secretFileRead(root, path).catch(() => undefined)) !== undefined) found.push(path);
  return found;
}

/**
 * The paths a tool call names: its `path`, an apply_patch's files (git's `a/` and `b/` taken
 * off), and each word of a command (`cat .env`, `--env-file=.env`).
 */
function pathsNamedBy(call: ToolCall): string[] {
  const { path, patch, command } = call.arguments;
  // Concatenated, not push(...): a heredoc can hold more words than a call takes arguments.
  return [
    ...(typeof path === "string" ? [path] : []),
    ...(typeof patch === "string" ? patchPaths(patch) : []),
    ...(typeof command === "string" ? (command.match(/[^\s;|&<>()'"`=]+/g) ?? []) : []),
  ];
}

function patchPaths(patch: string): string[] {
  try {
    const named = parsePatch(patch).flatMap((file) => [file.oldPath, file.newPath].flatMap((p) => (p === null ? [] : [file.prefixes === "git" ? p.slice(2) : p])));
    return [...new Set(named)];
  } catch {
    return [];
  }
}

/** The conversation as a Markdown file (see the top of this file for its layout). */
export function exportConversation(messages: readonly ChatMessage[], meta: ConversationMeta): string {
  const exportedAt = typeof meta.exportedAt === "string" ? meta.exportedAt : meta.exportedAt.toISOString();
  const title = oneLine(meta.title) || "Hearth conversation";
  const model = meta.model ? oneLine(meta.model) : undefined;
  const header: HeaderData = { version: HANDOFF_FORMAT_VERSION, title, ...(model ? { model } : {}), exportedAt, messages: messages.length, patch: !!meta.patch };
  const out = [
    `# ${title}`,
    "",
    `Hearth conversation, exported ${exportedAt}${model ? ` (model: ${model})` : ""}, ${messages.length} messages.`,
    "To continue it, import this file in Hearth (VS Code: Import Conversation; terminal: `hearth chat --continue FILE`).",
    "",
    dataComment(HEADER_TAG, header),
  ];
  for (const message of messages) out.push("", dataComment(MESSAGE_TAG, message), readable(renderMessage(message)));
  if (meta.patch) out.push("", "## Changes", "", dataComment(PATCH_TAG, meta.patch), fenced(meta.patch, "diff"));
  // Without a diff: why it is left out; with one: the files it leaves out.
  if (meta.patchLeftOut) out.push(...(meta.patch ? [] : ["", "## Changes"]), "", `_${oneLine(meta.patchLeftOut)}_`);
  return out.join("\n") + "\n";
}

/** Reads an exported conversation back; throws ConversationImportError on anything malformed. */
export function importConversation(markdown: string): ImportedConversation {
  if (markdown.length > MAX_IMPORT_CHARS) throw new ConversationImportError(`the file is larger than ${formatLimit(MAX_IMPORT_CHARS)}, far more than a conversation export holds`);
  const text = markdown.replace(/\r\n/g, "\n");
  const comments = [...text.matchAll(DATA_COMMENT)].map((m, at) => ({ tag: m[1]!, data: m[2]!, start: m.index, end: m.index + m[0].length, at }));
  const headers = comments.filter((c) => c.tag === HEADER_TAG);
  if (headers.length === 0) throw new ConversationImportError("this is not a Hearth conversation export: it has no <!-- hearth-conversation: … --> line");
  if (headers.length > 1) throw new ConversationImportError("the file holds more than one conversation (two hearth-conversation lines); export them separately");
  const header = checkHeader(decode(headers[0]!.data, "the hearth-conversation line")); // the object read, its unknown fields too
  const data = comments.filter((c) => c.tag === MESSAGE_TAG);
  if (data.length !== header.messages) {
    throw new ConversationImportError(`the file says it has ${header.messages} messages but holds ${data.length}: it was cut or edited`);
  }
  const raw = data.map((c, i) => decode(c.data, `message ${i + 1}`));
  const messages = checkMessages(raw);
  const first = messages[0]?.role === "system" ? 1 : 0; // the exporter's system prompt is not imported
  const unknownFields = fieldsNotKnown(header, raw as Record<string, unknown>[], messages, first);
  const edited = messages.flatMap((m, i) => {
    const next = comments[data[i]!.at + 1];
    const shown = text.slice(data[i]!.end, next?.start ?? text.length).replace(/\n## Changes(?:\n\n_[^\n]*_)?\s*$/, "");
    return i < first || sameText(shown, readable(renderMessage(m))) ? [] : [i + 1 - first];
  });
  const patches = comments.filter((c) => c.tag === PATCH_TAG);
  if (patches.length !== (header.patch ? 1 : 0)) throw new ConversationImportError(header.patch ? "the file says it has a diff but the hearth-patch line is missing" : "the file has a hearth-patch line its header does not mention");
  const patch = patches[0] ? decode(patches[0].data, "the diff") : "";
  if (typeof patch !== "string") throw new ConversationImportError("the diff (hearth-patch) is not text");
  const system = messages[0]?.role === "system" ? messages[0].content : undefined;
  const model = header.model === undefined ? "" : oneLine(header.model);
  return {
    title: oneLine(header.title),
    ...(model ? { model } : {}),
    exportedAt: oneLine(header.exportedAt),
    messages: system === undefined ? messages : messages.slice(1),
    ...(system === undefined ? {} : { systemPrompt: system }),
    patch,
    edited,
    ...(unknownFields.length ? { unknownFields } : {}),
  };
}

const HEADER_FIELDS: readonly string[] = ["version", "title", "model", "exportedAt", "messages", "patch"] satisfies (keyof HeaderData)[];

/** `ImportedConversation.unknownFields`: the header's, each message's and each tool call's fields that `checkMessages` left out. */
function fieldsNotKnown(header: object, raw: readonly Record<string, unknown>[], messages: readonly ChatMessage[], first: number): string[] {
  const beside = (value: object, known: readonly string[]) => Object.keys(value).filter((key) => !known.includes(key));
  const found = beside(header, HEADER_FIELDS).map((key) => `the header's ${key}`);
  messages.forEach((m, i) => {
    const which = i < first ? "the system prompt" : `message ${i + 1 - first}`;
    for (const key of beside(raw[i]!, [...Object.keys(m), "dropped"])) found.push(`${which}'s ${key}`);
    if (m.role !== "assistant") return;
    (raw[i]!.toolCalls as Record<string, unknown>[] | undefined)?.forEach((call, j) => {
      for (const key of beside(call, Object.keys(m.toolCalls![j]!))) found.push(`${which}'s tool call ${m.toolCalls![j]!.id}'s ${key}`);
    });
  });
  return found;
}

// ---- the readable layer ---------------------------------------------------------------

function renderMessage(message: ChatMessage): string {
  switch (message.role) {
    case "system":
      return ["<details>", "<summary>System prompt</summary>", "", fenced(message.content, "text"), "", "</details>"].join("\n");
    case "user":
      return ["## User", "", message.content.trim() || "_(empty)_"].join("\n");
    case "assistant":
      return renderAssistant(message);
    case "tool":
      return [
        "<details>",
        `<summary>Result of <code>${escapeHtml(message.name)}</code> (${lineCount(message.content)})</summary>`,
        "",
        fenced(message.content, "text"),
        "",
        "</details>",
      ].join("\n");
  }
}

function renderAssistant(message: AssistantMessage): string {
  const parts = ["## Assistant"];
  if (message.thinking?.trim()) parts.push("", "<details>", "<summary>Thinking</summary>", "", message.thinking.trim(), "", "</details>");
  if (message.content.trim()) parts.push("", message.content.trim());
  for (const call of message.toolCalls ?? []) parts.push("", `**Tool call** \`${call.name}\``, "", fenced(JSON.stringify(call.arguments, null, 2), "json"));
  return parts.join("\n");
}

/**
 * A rendered message as it goes in the file: a line of its text that reads like a data
 * comment (a file the agent read may hold one) starts with a space, so an import never
 * takes it for a message.
 */
function readable(text: string): string {
  return text.replace(/(^|[\n\r])(?=<!-- hearth-)/g, "$1 ");
}

/** Whether a message's text in the file reads as its export wrote it (line ends and spaces at line ends aside: editors change those). */
function sameText(inFile: string, exported: string): boolean {
  // Half a surrogate pair (an MCP server's JSON may hold one) is saved as U+FFFD in a UTF-8 file: no edit.
  const norm = (t: string) => wellFormed(t).replace(/\r\n?/g, "\n").replace(/[ \t]+$/gm, "").trim();
  return norm(inFile) === norm(exported);
}

/** One line without control or bidi characters (a title, a model name). */
function oneLine(text: string): string {
  return text.replace(new RegExp(UNSHOWABLE.source, "gu"), " ").replace(/\s+/g, " ").trim();
}

/** A code block whose fence is longer than any backtick run inside. */
function fenced(text: string, lang: string): string {
  let longest = 0; // not Math.max(...runs): a big diff has more runs than a call takes arguments
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text.replace(/\n$/, "")}\n${fence}`;
}

function lineCount(text: string): string {
  const n = text === "" ? 0 : text.replace(/\n$/, "").split("\n").length;
  return `${n} ${n === 1 ? "line" : "lines"}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// ---- the data layer -------------------------------------------------------------------

/** Base64 keeps `-->` and every other character out of the comment's way. */
function dataComment(tag: string, value: unknown): string {
  return `<!-- ${tag}: ${Buffer.from(JSON.stringify(value), "utf8").toString("base64")} -->`;
}

function decode(data: string, what: string): unknown {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw new ConversationImportError(`${what} is damaged: its data is not base64`);
  try {
    return JSON.parse(Buffer.from(data, "base64").toString("utf8"));
  } catch {
    throw new ConversationImportError(`${what} is damaged: its data is not base64 JSON`);
  }
}

function checkHeader(value: unknown): HeaderData {
  const h = value as Partial<HeaderData> | null;
  if (!h || typeof h !== "object") throw new ConversationImportError("the hearth-conversation line is damaged");
  if (h.version !== HANDOFF_FORMAT_VERSION) throw new ConversationImportError(`this export has format version ${String(h.version)}; this Hearth reads version ${HANDOFF_FORMAT_VERSION}`);
  if (typeof h.title !== "string" || typeof h.exportedAt !== "string" || typeof h.messages !== "number" || typeof h.patch !== "boolean") {
    throw new ConversationImportError("the hearth-conversation line lacks its title, date, message count or diff flag");
  }
  // Printed as a name: anything else reads "[object Object]", or overflows the stack turned into text when nested deep enough.
  if (h.model !== undefined && typeof h.model !== "string") throw new ConversationImportError("the hearth-conversation line's model name is not text");
  return h as HeaderData;
}

/**
 * Messages read from a file (an export, a stored conversation) as the model may see them:
 * each well formed, tool names plain, a system prompt only first, each tool result after
 * its call. Throws ConversationImportError naming the first bad message.
 */
export function checkMessages(values: readonly unknown[]): ChatMessage[] {
  const messages = values.map((value, i) => checkMessage(value, i + 1));
  checkOrder(messages);
  return wholeTurnDrops(messages);
}

/**
 * Each tool result marked `dropped` as its call's reply is: a full context drops whole turns,
 * but a file edited by hand or written by another version may mark a result kept whose call
 * was dropped, or the other way round, and the model's prompt would hold a result with no
 * call, or a call with no result.
 */
function wholeTurnDrops(messages: readonly ChatMessage[]): ChatMessage[] {
  const callDropped = new Map<string, boolean>();
  return messages.map((m) => {
    if (m.role === "assistant") for (const c of m.toolCalls ?? []) callDropped.set(c.id, m.dropped === true);
    if (m.role !== "tool" || callDropped.get(m.toolCallId) === (m.dropped === true)) return m;
    if (callDropped.get(m.toolCallId)) return { ...m, dropped: true };
    const { dropped: _, ...kept } = m;
    return kept;
  });
}

function checkMessage(value: unknown, n: number): ChatMessage {
  const m = value as Record<string, unknown> | null;
  const fail = (why: string) => new ConversationImportError(`message ${n}: ${why}`);
  if (!m || typeof m !== "object") throw fail("not an object");
  if (typeof m.content !== "string") throw fail("has no text content");
  // Left out of the model's prompt (a full context's oldest turns): kept so, not sent again.
  const message = checkedMessage(m, fail);
  return m.dropped === true && message.role !== "system" ? { ...message, dropped: true } : message;
}

function checkedMessage(m: Record<string, unknown>, fail: (why: string) => Error): ChatMessage {
  switch (m.role) {
    case "system":
    case "user":
      return { role: m.role, content: m.content as string };
    case "assistant": {
      if (m.thinking !== undefined && typeof m.thinking !== "string") throw fail("its thinking is not text");
      const calls = m.toolCalls === undefined ? undefined : checkCalls(m.toolCalls, fail);
      return { role: "assistant", content: m.content as string, ...(m.thinking !== undefined ? { thinking: m.thinking as string } : {}), ...(calls ? { toolCalls: calls } : {}) };
    }
    case "tool":
      if (typeof m.toolCallId !== "string" || typeof m.name !== "string") throw fail("a tool result without its call id or tool name");
      return { role: "tool", toolCallId: m.toolCallId, name: m.name, content: m.content as string };
    default:
      throw fail(`unknown role ${JSON.stringify(m.role)}`);
  }
}

function checkCalls(value: unknown, fail: (why: string) => Error): ToolCall[] {
  if (!Array.isArray(value)) throw fail("toolCalls is not a list");
  return value.map((c: Record<string, unknown>) => {
    if (!c || typeof c.id !== "string" || typeof c.name !== "string" || !c.arguments || typeof c.arguments !== "object" || Array.isArray(c.arguments)) {
      throw fail("a tool call without id, name or arguments object");
    }
    if (!plainName(c.name)) throw fail(`the tool name ${JSON.stringify(c.name)} is not a plain name (no <, >, line breaks or control characters)`);
    // __proto__ is kept (an MCP tool's schema may declare it): what copies arguments defines each one (condense.ts, checkToolCall).
    for (const name of Object.keys(c.arguments)) {
      if (!plainName(name)) throw fail(`tool call ${c.id} has an argument named ${JSON.stringify(name)}, which no tool takes`);
    }
    if (nestingDepth(c.arguments, MAX_ARGUMENT_DEPTH) > MAX_ARGUMENT_DEPTH) throw fail(`the arguments of tool call ${c.id} are nested more than ${MAX_ARGUMENT_DEPTH} levels deep`);
    return { id: c.id, name: c.name, arguments: c.arguments as Record<string, JsonValue> };
  });
}

/** A system prompt only first; every tool result answers a call made before it, under that call's tool name. */
function checkOrder(messages: readonly ChatMessage[]): void {
  const calls = new Map<string, string>();
  messages.forEach((m, i) => {
    if (m.role === "system" && i > 0) throw new ConversationImportError(`message ${i + 1}: a system prompt is only valid first`);
    if (m.role === "assistant") for (const c of m.toolCalls ?? []) calls.set(c.id, c.name);
    if (m.role === "tool" && !calls.has(m.toolCallId)) throw new ConversationImportError(`message ${i + 1}: a result for tool call "${m.toolCallId}", which no earlier message made`);
    if (m.role === "tool" && calls.get(m.toolCallId) !== m.name) throw new ConversationImportError(`message ${i + 1}: the result for tool call "${m.toolCallId}" names another tool than the call`);
  });
}
