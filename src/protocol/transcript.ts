/**
 * A conversation as the user sees it: messages, thinking, tool cards, notices and reviews.
 * The extension keeps one per conversation (persisted per workspace) and the webview
 * renders it; both build it with the same pure `applyTranscriptEvent`, so the extension
 * streams small events and the webview never drifts from what is persisted.
 *
 * The model's own view of the conversation (ChatMessage[]) lives in the runtime; this is
 * the UI's record and keeps what the model never sees (durations, diffs, review decisions).
 */
import type { AgentRunResult, AgentWireEvent, Attachment, CondensedKind, TestOutcome, ToolEffect } from "./agent.ts";
import type { ChatMessage, JsonValue } from "./chat.ts";
import { pairSafeEnd } from "./plain-text.ts";
import { type ToolDisplay, defaultToolDisplay } from "./tool-display.ts";
import { type HiddenText, findHiddenText, hiddenInChange } from "./visible-text.ts";

export interface Transcript {
  readonly id: string;
  title: string;
  readonly createdAt: number;
  updatedAt: number;
  items: TranscriptItem[];
  /** The run in progress, if any. */
  runId?: string;
  /** Tokens the conversation uses vs the model's context, from the latest run; no `usedTokens` when they could not be counted (`countError`: why); `estimated`: an estimate. */
  context?: { usedTokens?: number; contextSize: number; countError?: string; estimated?: true };
}

export type ToolStatus = "proposed" | "awaiting-approval" | "running" | "done" | "failed" | "denied" | "cancelled";

export type ReviewFileState = "pending" | "accepted" | "rejected";

export type TranscriptItem =
  | {
      readonly kind: "user";
      readonly id: string;
      readonly text: string;
      readonly attachments?: readonly Attachment[];
      /** Index of the message in the runtime's conversation (to rewind to it). */
      messageIndex?: number;
      /** Files as they were before this message: "restore" goes back here. */
      checkpoint?: string;
      /**
       * The folder (its URI) the agent worked in for this message: the paths of the items
       * after it are relative to it (a multi-root window may have switched folders since).
       */
      readonly folder?: string;
    }
  | { readonly kind: "assistant"; readonly id: string; text: string; thinking: string; streaming: boolean }
  | {
      readonly kind: "tool";
      /** The tool call's id. */
      readonly id: string;
      readonly name: string;
      /** A finished write's long bodies are kept as their start and size (`keptArguments`). */
      arguments: Record<string, JsonValue>;
      effect?: ToolEffect;
      /** How the card shows the call, from the tool's definition (absent: `defaultToolDisplay`). */
      display?: ToolDisplay;
      status: ToolStatus;
      preview?: string;
      durationMs?: number;
      /** What the call changed on disk, as a unified diff; a long one as its start (`keptDiff`). */
      diff?: string;
      /** What a long diff's card does not keep of it (`keptDiff`): the lines left out, and the whole diff's counts and what its added lines hide. */
      diffLeftOut?: DiffLeftOut;
      changedFiles?: readonly string[];
      /** Files as they were before this call ("undo this step"). */
      checkpoint?: string;
      /** Files as this call left them: undo asks first when they changed since. */
      after?: string;
      /** Why the call waits for a yes where such calls usually do not (AgentWireEvent `approvalRequest`). */
      approvalReason?: string;
      /** What the call will run when its arguments do not say (run_tests: the detected command and its script). */
      approvalRuns?: string;
      /** What the result hides from the user (its tag characters decoded, bidi controls counted): the card says so. */
      hidden?: HiddenText;
    }
  | {
      readonly kind: "notice";
      readonly id: string;
      readonly level: "info" | "warning" | "error";
      readonly text: string;
      /**
       * `model`: the words are the model's, not Hearth's — the `finish` summary, which a prompt
       * injection can make say "All edits were approved and tests pass"; the view says whose.
       * Absent for Hearth's own notices.
       */
      readonly from?: "model";
    }
  | {
      readonly kind: "review";
      readonly id: string;
      /** Restoring it undoes the run. */
      readonly checkpoint: string;
      /** Files as the run left them: Reject asks first when they changed since. */
      readonly after?: string;
      /** Where a file's diff starts when the user saved it before the agent's first write (AgentRunResult.diffBases); else `checkpoint`. */
      readonly diffBases?: Readonly<Record<string, string>>;
      readonly summary: string;
      files: { readonly path: string; state: ReviewFileState }[];
      readonly tests?: TestOutcome;
    };

/** What changes a transcript: the runtime's run events plus the extension's own. */
export type TranscriptEvent =
  | AgentWireEvent
  /** The extension started a run (before the runtime answers: the user sees their message at once). */
  | { readonly type: "runStart"; readonly runId: string }
  /** The run could not even start or the runtime went away. */
  | { readonly type: "runFailed"; readonly message: string }
  | { readonly type: "review"; readonly checkpoint: string; readonly after?: string; readonly diffBases?: Readonly<Record<string, string>>; readonly summary: string; readonly files: readonly string[]; readonly tests?: TestOutcome }
  | { readonly type: "reviewDecision"; readonly reviewId: string; readonly paths: readonly string[]; readonly state: ReviewFileState }
  /** The conversation was rewound to before the user item `itemId` (it and everything after are gone). */
  | { readonly type: "rewound"; readonly itemId: string };

export function newTranscript(id: string, now = Date.now()): Transcript {
  return { id, title: "New chat", createdAt: now, updatedAt: now, items: [] };
}

/** Longest title taken from the first message. */
const TITLE_CHARS = 60;

/**
 * Applies one event to `transcript` in place and returns it. Unknown ids are tolerated
 * (an event for a card that is gone changes nothing) so a late event never throws.
 */
export function applyTranscriptEvent(transcript: Transcript, event: TranscriptEvent, now = Date.now()): Transcript {
  transcript.updatedAt = now;
  const items = transcript.items;
  const nextId = (prefix: string) => `${prefix}-${items.length}-${now.toString(36)}`;
  switch (event.type) {
    case "runStart":
      transcript.runId = event.runId;
      break;
    case "user": {
      // The extension may have shown the message already (optimistic); fill in the runtime's facts.
      const last = items.at(-1);
      if (last?.kind === "user" && last.text === event.text && last.messageIndex === undefined) {
        last.messageIndex = event.messageIndex;
        if (event.checkpoint) last.checkpoint = event.checkpoint;
      } else {
        items.push({
          kind: "user",
          id: nextId("user"),
          text: event.text,
          messageIndex: event.messageIndex,
          ...(event.checkpoint ? { checkpoint: event.checkpoint } : {}),
          ...(event.attachments?.length ? { attachments: event.attachments } : {}),
        });
      }
      if (transcript.title === "New chat") transcript.title = titleFrom(event.text);
      break;
    }
    case "turn":
      closeAssistant(items);
      break;
    case "model":
      applyModelEvent(transcript, event.event, nextId, event.display);
      break;
    case "approvalRequest": {
      const tool = findTool(items, event.call.id) ?? pushTool(items, event.call.id, event.call.name, event.call.arguments);
      tool.status = "awaiting-approval";
      tool.effect = event.effect;
      if (event.display) tool.display = event.display;
      if (event.reason) tool.approvalReason = event.reason;
      if (event.runs) tool.approvalRuns = event.runs;
      break;
    }
    case "approval": {
      const tool = findTool(items, event.callId);
      if (tool) tool.status = event.approved ? "running" : "denied";
      break;
    }
    case "toolStart": {
      const tool = findTool(items, event.call.id) ?? pushTool(items, event.call.id, event.call.name, event.call.arguments);
      tool.status = "running";
      tool.effect = event.effect;
      if (event.display) tool.display = event.display;
      break;
    }
    case "toolEnd": {
      const tool = findTool(items, event.callId);
      if (!tool) break;
      if (tool.status !== "denied") tool.status = event.ok ? "done" : failedStatus(event.preview);
      tool.preview = event.preview;
      tool.durationMs = event.durationMs;
      if (event.diff) Object.assign(tool, keptDiff(event.diff));
      if (event.changedFiles?.length) tool.changedFiles = event.changedFiles;
      if (event.checkpoint) tool.checkpoint = event.checkpoint;
      if (event.after) tool.after = event.after;
      if (event.hidden) tool.hidden = event.hidden;
      tool.arguments = keptArguments(tool);
      break;
    }
    case "context":
      transcript.context = event.usedTokens === undefined
        ? { contextSize: event.contextSize, countError: event.countError ?? "unknown error" }
        : { usedTokens: event.usedTokens, contextSize: event.contextSize, ...(event.estimated ? { estimated: true as const } : {}) };
      break;
    case "condensed":
      items.push({ kind: "notice", id: nextId("notice"), level: "info", text: condensedNotice(event) });
      break;
    case "steer":
      items.push({ kind: "notice", id: nextId("notice"), level: "warning", text: event.message });
      break;
    case "end":
      endRun(transcript, event.result, nextId);
      break;
    case "runFailed":
      closeAll(items, "cancelled");
      transcript.runId = undefined;
      items.push({ kind: "notice", id: nextId("notice"), level: "error", text: event.message });
      break;
    case "notice":
      items.push({ kind: "notice", id: nextId("notice"), level: event.level, text: event.text });
      break;
    case "review":
      items.push({
        kind: "review",
        id: nextId("review"),
        checkpoint: event.checkpoint,
        ...(event.after ? { after: event.after } : {}),
        ...(event.diffBases ? { diffBases: event.diffBases } : {}),
        summary: event.summary,
        files: event.files.map((path) => ({ path, state: "pending" as ReviewFileState })),
        ...(event.tests ? { tests: event.tests } : {}),
      });
      break;
    case "reviewDecision": {
      const review = items.find((i) => i.kind === "review" && i.id === event.reviewId);
      if (review?.kind !== "review") break;
      // A Set: Accept all over a run that changed 120,000 files names every one.
      const decided = new Set(event.paths);
      for (const file of review.files) if (decided.has(file.path)) file.state = event.state;
      break;
    }
    case "rewound": {
      const at = items.findIndex((i) => i.id === event.itemId);
      if (at >= 0) items.length = at;
      transcript.context = undefined; // measured for the longer conversation; the next run measures again
      break;
    }
  }
  return transcript;
}

function applyModelEvent(transcript: Transcript, event: Extract<AgentWireEvent, { type: "model" }>["event"], nextId: (p: string) => string, display?: ToolDisplay): void {
  const items = transcript.items;
  switch (event.type) {
    case "thinking":
    case "text": {
      let last = items.at(-1);
      if (last?.kind !== "assistant" || !last.streaming) {
        last = { kind: "assistant", id: nextId("assistant"), text: "", thinking: "", streaming: true };
        items.push(last);
      }
      if (event.type === "text") last.text += event.text;
      else last.thinking += event.text;
      break;
    }
    case "toolCall":
      closeAssistant(items);
      if (!findTool(items, event.call.id)) {
        const tool = pushTool(items, event.call.id, event.call.name, event.call.arguments);
        if (display) tool.display = display;
      }
      break;
    case "toolCallError":
      closeAssistant(items);
      items.push({ kind: "notice", id: nextId("notice"), level: "warning", text: `The model wrote a tool call Hearth could not run; it was told why: ${event.message}` });
      break;
    case "done":
      closeAssistant(items);
      break;
  }
}

function endRun(transcript: Transcript, result: AgentRunResult, nextId: (p: string) => string): void {
  const items = transcript.items;
  closeAll(items, "cancelled");
  transcript.runId = undefined;
  switch (result.stopReason) {
    case "answered":
      break; // the answer is the last assistant message
    case "finished":
      items.push({ kind: "notice", id: nextId("notice"), level: "info", text: result.message, from: "model" });
      break;
    case "cancelled":
      items.push({ kind: "notice", id: nextId("notice"), level: "warning", text: "Stopped." });
      break;
    default:
      items.push({ kind: "notice", id: nextId("notice"), level: result.stopReason === "model-error" ? "error" : "warning", text: result.message });
  }
}

/**
 * A call that did not succeed: "cancelled" when Stop ended it (its result, which the model
 * reads too, starts "Error (cancelled)": withdrawn while it waited for approval, skipped
 * after Stop, or stopped while it ran), else "failed".
 */
export function failedStatus(result: string): ToolStatus {
  return result.startsWith("Error (cancelled)") ? "cancelled" : "failed";
}

/** Ends streaming and marks tool cards that never ran. */
function closeAll(items: TranscriptItem[], unfinished: ToolStatus): void {
  for (const item of items) {
    if (item.kind === "assistant") item.streaming = false;
    else if (item.kind === "tool" && (item.status === "proposed" || item.status === "awaiting-approval" || item.status === "running")) item.status = unfinished;
  }
}

function closeAssistant(items: TranscriptItem[]): void {
  const last = items.at(-1);
  if (last?.kind === "assistant") last.streaming = false;
}

type ToolItem = Extract<TranscriptItem, { kind: "tool" }>;

function findTool(items: TranscriptItem[], id: string): ToolItem | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.kind === "tool" && item.id === id) return item;
  }
  return undefined;
}

function pushTool(items: TranscriptItem[], id: string, name: string, args: Record<string, JsonValue>): ToolItem {
  const tool: ToolItem = { kind: "tool", id, name, arguments: args, status: "proposed" };
  items.push(tool);
  return tool;
}

/** What a long diff's card does not keep (`keptDiff`). */
export interface DiffLeftOut {
  /** Lines of the diff after those kept. */
  readonly lines: number;
  /** The whole diff's added and removed lines (file headers not counted), as the card counts them. */
  readonly added: number;
  readonly removed: number;
  /** What the whole diff's added lines hide (`hiddenInChange`): the card warns of it. */
  readonly hidden?: HiddenText;
}

/**
 * Added and removed lines of a diff (file headers not counted): the card's +N −M, of a diff it
 * holds whole (webview/tool-card.ts) and of one `keptDiff` cut (`DiffLeftOut`), counted alike.
 */
export function diffStats(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const kind of diffLineKinds(diff.split("\n"))) {
    if (kind === "add") added++;
    else if (kind === "del") removed++;
  }
  return { added, removed };
}

export type DiffLineKind = "meta" | "hunk" | "add" | "del" | "ctx";

/**
 * What each line of a unified diff is. Inside a hunk whose header gives its lengths
 * (`@@ -1,4 +1,3 @@`), by the hunk: a removed SQL or Lua comment (`-- note`, shown `--- note`) or
 * YAML's `---` (shown `----`) is a removed line, not a file header — they were left uncounted,
 * and the card did not show `--- note` at all (one file's headers are hidden). Elsewhere (file
 * headers, a hunk cut short, the cards' own `@@ edit @@` hunks, which give no lengths) by how
 * the line starts.
 */
export function diffLineKinds(lines: readonly string[]): DiffLineKind[] {
  let oldLeft = 0;
  let newLeft = 0;
  return lines.map((line): DiffLineKind => {
    if (oldLeft > 0 || newLeft > 0) {
      if (line.startsWith("\\")) return "ctx"; // \ No newline at end of file
      const kind = line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith(" ") || line === "" ? "ctx" : undefined;
      if (kind) {
        if (kind !== "add") oldLeft--;
        if (kind !== "del") newLeft--;
        return kind;
      }
      oldLeft = newLeft = 0; // the hunk ended before its header said (a diff cut short)
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      return "hunk";
    }
    if (line.startsWith("@@")) return "hunk";
    if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff ") || line.startsWith("index ")) return "meta";
    if (line.startsWith("+")) return "add";
    if (line.startsWith("-")) return "del";
    return "ctx";
  });
}

/** Lines of a step's diff a card keeps: it shows 300 (webview/diff-view.ts), the file headers aside. */
export const KEPT_DIFF_LINES = 400;
/** Characters of a step's diff a card keeps at most (a minified file's lines are long). */
export const KEPT_DIFF_CHARS = 64_000;

/**
 * A write step's diff as its card keeps it: whole up to KEPT_DIFF_CHARS, else its first
 * KEPT_DIFF_LINES lines within KEPT_DIFF_CHARS, with what is left out (`DiffLeftOut`). The
 * card shows 300 lines and Open diff reads the step's checkpoints, so the rest was kept for
 * nothing: a new file of a megabyte written by the agent added its whole diff (up to the 2 MiB
 * a step's diff is read) to the chat's saved state (the webview's, VS Code's workspace state)
 * — twelve such writes, 22 MB, serialized again at every save.
 */
export function keptDiff(diff: string): { diff: string; diffLeftOut?: DiffLeftOut } {
  if (diff.length <= KEPT_DIFF_CHARS) return { diff };
  const lines = diff.replace(/\n$/, "").split("\n");
  const { added, removed } = diffStats(diff);
  let kept = 0;
  let chars = 0;
  while (kept < lines.length && kept < KEPT_DIFF_LINES && chars + lines[kept]!.length + 1 <= KEPT_DIFF_CHARS) chars += lines[kept++]!.length + 1;
  // A first line longer than the budget (one minified line): its start.
  const start = kept > 0 ? lines.slice(0, kept).join("\n") : lines[0]!.slice(0, wholeCharactersEnd(lines[0]!, KEPT_DIFF_CHARS));
  const hidden = hiddenInChange(diff);
  return { diff: `${start}\n`, diffLeftOut: { lines: lines.length - Math.max(kept, 1), added, removed, ...(hidden ? { hidden } : {}) } };
}

/** What a finished write's card keeps of its arguments' text, besides its key arguments (the path). */
export const KEPT_ARGUMENT_CHARS = 2_000;
/** Where what a finished write's card does not keep is. */
const HELD = "the step's checkpoint holds the file as it wrote it (Open diff)";

/**
 * `tool`'s arguments as its card keeps them. A write that ran (done) keeps its key arguments
 * (the path) and KEPT_ARGUMENT_CHARS of the rest's text in all, each longer text cut to its
 * start with its size said: its card shows the path, the real diff (`diff`) and the result,
 * and the file as the step left it is in its checkpoint (Open diff, Undo this step), so the
 * whole body (write_file's content, edit_file's edits, apply_patch's patch) was kept for
 * nothing — a 40 KB file rewritten every turn of a week added its 40 KB to the chat's saved
 * state (the webview's, VS Code's workspace state) each time, every save serializing all of it.
 * A write waiting for the user's yes, denied, failed or cancelled keeps them whole: its card
 * shows the change it proposed from them, and nothing else holds it. The same object when nothing is cut.
 */
export function keptArguments(tool: Pick<ToolItem, "name" | "arguments" | "status" | "display" | "effect">): Record<string, JsonValue> {
  if (tool.status !== "done") return tool.arguments;
  const display = tool.display ?? defaultToolDisplay(tool.name, tool.effect);
  if (display.body !== "diff") return tool.arguments;
  const budget = { left: KEPT_ARGUMENT_CHARS, cut: false };
  const kept: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(tool.arguments)) kept[name] = display.keyArguments.includes(name) ? value : keptValue(value, budget);
  return budget.cut ? kept : tool.arguments;
}

function keptValue(value: JsonValue, budget: { left: number; cut: boolean }): JsonValue {
  if (typeof value === "string") {
    if (value.length <= budget.left) {
      budget.left -= value.length;
      return value;
    }
    budget.cut = true;
    const end = budget.left > 0 ? wholeCharactersEnd(value, budget.left) : 0;
    budget.left = 0;
    const size = value.length.toLocaleString("en-US");
    return end > 0 ? `${value.slice(0, end)}… [${size} characters in all; the chat keeps their start: ${HELD}]` : `[${size} characters, not kept by the chat: ${HELD}]`;
  }
  if (Array.isArray(value)) {
    const kept: JsonValue[] = [];
    for (const entry of value) {
      if (budget.left === 0 && kept.length > 0) break;
      kept.push(keptValue(entry, budget));
    }
    if (kept.length < value.length) {
      budget.cut = true;
      kept.push(`[${(value.length - kept.length).toLocaleString("en-US")} more, not kept by the chat: ${HELD}]`);
    }
    return kept;
  }
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, keptValue(entry, budget)]));
  return value;
}

/** A conversation title from its first message: the first line, shortened at a word. */
export function titleFrom(text: string): string {
  const line = text.trim().split("\n")[0]!.trim() || "New chat";
  if (line.length <= TITLE_CHARS) return line;
  const cut = line.slice(0, wholeCharactersEnd(line, TITLE_CHARS));
  const space = cut.lastIndexOf(" ");
  return `${space > TITLE_CHARS / 2 ? cut.slice(0, space) : cut}…`;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Where a cut of `line` at `max` UTF-16 units ends with whole characters as the eye sees them
 * (grapheme clusters: an emoji's ZWJ sequence, a flag, a letter and its marks), not half an emoji
 * in the history, the Restore checkpoint's name and the chat's notices (extension/chat/wording.ts); at a code point where the first such character
 * alone is longer than `max` (a letter under a hundred marks). Whether a boundary lies at `max`
 * depends on the text before it and the one code point after it, so only that much is segmented
 * (ICU reads the whole string it is given at each step: a 5 MB line took 600 ms).
 */
export function wholeCharactersEnd(line: string, max: number): number {
  const end = graphemes.segment(line.slice(0, max + 2)).containing(max)!.index;
  return end > 0 ? end : pairSafeEnd(line, max);
}

/** A conversation in the history list. */
export interface ConversationSummary {
  readonly id: string;
  readonly title: string;
  readonly updatedAt: number;
}

/**
 * A transcript rebuilt from the model's messages (an imported conversation): user and
 * assistant turns, and each tool call as a finished card with its result.
 */
export function transcriptFromMessages(id: string, title: string, messages: readonly ChatMessage[], now = Date.now()): Transcript {
  const transcript = newTranscript(id, now);
  transcript.title = title || "Imported conversation";
  const items = transcript.items;
  let dropped = 0;
  messages.forEach((message, index) => {
    const itemId = `${message.role}-${index}`;
    if (message.dropped) dropped++;
    else if (dropped > 0) {
      items.push({ kind: "notice", id: `notice-dropped-${index}`, level: "info", text: droppedNotice(dropped) });
      dropped = 0;
    }
    const earlier = message.role === "user" ? OLD_DROP.exec(message.content) : null;
    if (earlier) items.push({ kind: "notice", id: itemId, level: "info", text: `Hearth left ${earlier[1]} older messages out of the model's context to fit it here; the version of Hearth that did it kept nothing of them.` });
    else if (message.role === "user" && message.content === "") return; // an older Hearth's stand-in for a dropped message
    else if (message.role === "user") items.push({ kind: "user", id: itemId, text: message.content, messageIndex: index + 1 });
    else if (message.role === "assistant") {
      if (message.content || message.thinking) items.push({ kind: "assistant", id: itemId, text: message.content, thinking: message.thinking ?? "", streaming: false });
      for (const call of message.toolCalls ?? []) items.push({ kind: "tool", id: call.id, name: call.name, arguments: call.arguments, status: "done" });
    } else if (message.role === "tool") {
      const card = findTool(items, message.toolCallId);
      if (card) {
        card.preview = message.content.length > 2000 ? `${message.content.slice(0, 2000)}…` : message.content;
        if (/^Error \(/.test(message.content)) card.status = failedStatus(message.content);
        const hidden = findHiddenText(message.content);
        if (hidden) card.hidden = hidden;
      }
    }
  });
  if (dropped > 0) items.push({ kind: "notice", id: `notice-dropped-${messages.length}`, level: "info", text: droppedNotice(dropped) });
  return transcript;
}

/** The note an older Hearth left for the model where it emptied dropped messages (src/agent/condense.ts). */
const OLD_DROP = /^\[Hearth dropped (\d+) older messages here to fit the context/;

function droppedNotice(count: number): string {
  return `Hearth left the ${count === 1 ? "message" : `${count} messages`} above out of the model's context to fit it: the model no longer sees ${count === 1 ? "it" : "them"}.`;
}

const CONDENSED_WORDS: Readonly<Record<CondensedKind, string>> = {
  results: "older tool results",
  thinking: "the thinking of older replies",
  arguments: "long arguments of older tool calls",
};

/**
 * What condensing shortened, in words: "older tool results and the thinking of older
 * replies". An event without kinds (saved before they were said) condensed tool results.
 */
export function condensedWhat(kinds: readonly CondensedKind[] = ["results"]): string {
  const words = (Object.keys(CONDENSED_WORDS) as CondensedKind[]).filter((k) => kinds.includes(k)).map((k) => CONDENSED_WORDS[k]);
  if (words.length === 0) words.push(CONDENSED_WORDS.results);
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(", ")} and ${words.at(-1)!}`;
}

/** The chat's notice after condensing: what, with its verb ("The thinking of older replies was condensed …"). */
function condensedNotice(event: Extract<AgentWireEvent, { type: "condensed" }>): string {
  const what = condensedWhat(event.kinds);
  const verb = what === CONDENSED_WORDS.thinking ? "was" : "were";
  return `${what[0]!.toUpperCase()}${what.slice(1)} ${verb} condensed to stay within the context (${event.messages} messages${event.estimated ? "; the tokens could not be counted, so by an estimate" : ""}).`;
}

/** What to say of tests that did not finish (`TestOutcome.stopped`): not a failure, and what to do. */
export function unfinishedTestsText(stopped: string): string {
  return `the tests did not finish (${stopped}), so they neither passed nor failed: run them yourself, or give a test command that runs only the tests of the fix (a filter: one test file or test name)`;
}
