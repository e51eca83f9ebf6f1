/**
 * Agent runs between the extension and the runtime. The agent loop, its tools, the index
 * and the checkpoints live in the runtime; the extension shows what happens, asks the user
 * for approvals and applies the runtime's edits in the editor (`workspace/applyEdit`).
 *
 * A chat message, concretely:
 *   client → `hearth/agent/run` {runId, conversationId, text, mode: "chat"}   (request id 9)
 *   runtime → `hearth/agent/event` {runId, event: user}             (the message and its checkpoint)
 *   runtime → `hearth/agent/event` {runId, event: model|toolStart|…} (n times)
 *   runtime → `hearth/agent/approve` {runId, call, effect}           (request, when the policy asks)
 *   client → response {approved}
 *   runtime → `workspace/applyEdit`, `hearth/workspace/save`          (each write)
 *   runtime → response to 9: AgentRunResult
 * Cancel with `$/cancelRequest` on the run: the loop stops at once (generation included)
 * and the request resolves with stopReason "cancelled" (not an error: the partial run is
 * part of the conversation).
 */
import { NotificationType, RequestType } from "vscode-languageserver-protocol";
import type { ChatMessage, ChatStreamEvent, JsonValue, ToolCall } from "./chat.ts";
import type { ToolDisplay } from "./tool-display.ts";
import type { HiddenText } from "./visible-text.ts";

/**
 * How a tool affects the world: "read" runs freely; "write" changes workspace files; "command"
 * runs a process; "memory" writes the project's memory; "control" steers the loop (finish).
 * src/tools decides what each asks for (src/tools/tool.ts).
 */
export type ToolEffect = "read" | "write" | "command" | "control" | "memory";

/**
 * Why a run ended: "finished" (the model called `finish`), "answered" (a reply without a
 * tool call), the budgets ("max-steps", "max-tokens", "timeout"), "repetition", "cancelled",
 * or "model-error" (the backend failed: cannot load, server unreachable; see the message).
 */
export type AgentStopReason = "finished" | "answered" | "max-steps" | "max-tokens" | "timeout" | "repetition" | "cancelled" | "model-error";

/** "chat": a message in a conversation. "fix": Fix This Issue (repo map, issue prompt, tests at the end). */
export type AgentMode = "chat" | "fix";

/** Context the user attached to a message (the extension resolves editor state into text). */
export type Attachment =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "symbol"; readonly name: string; readonly path: string; readonly line: number }
  /** The editor selection, with its text (may be unsaved). */
  | { readonly kind: "selection"; readonly path: string; readonly startLine: number; readonly endLine: number; readonly text: string }
  /** Diagnostics from VS Code's Problems, already formatted one per line. */
  | { readonly kind: "problems"; readonly text: string };

/** Sent by the client to run the agent on one user message. */
export const AgentRunRequest = new RequestType<AgentRunParams, AgentRunResult, void>("hearth/agent/run");

export interface AgentRunParams {
  /** Chosen by the client; echoed in every `hearth/agent/event`. */
  readonly runId: string;
  /** A conversation continues across runs (and runtime restarts: it is persisted). */
  readonly conversationId: string;
  readonly text: string;
  readonly mode: AgentMode;
  readonly attachments?: readonly Attachment[];
  /** Fix mode: how to run the tests; default: detected from the project. */
  readonly testCommand?: string;
  /** The Python interpreter the user chose in the editor, which a Python project's detected test command runs with. */
  readonly python?: ChosenPython;
  /**
   * The chat shows earlier turns of this conversation that the model answered: a runtime that
   * has none of it (its file deleted in another window or by hand) says the model starts afresh.
   */
  readonly continues?: boolean;
  /**
   * The index (`messageIndex`) of the last message the chat shows the model answering: a
   * runtime whose conversation ends at or before it lost that turn (it was killed mid-run,
   * before it kept the turn) and says the model does not see it.
   */
  readonly lastAnswered?: number;
}

/**
 * A Python interpreter the user chose outside the project's files: in VS Code the Python
 * extension's selected environment, else `python.defaultInterpreterPath` (an untrusted
 * folder's own value never: src/extension/python-choice.ts); for `hearth fix` the shell's
 * activated virtual or conda environment. A Python project's detected test command runs it
 * in place of the venv found in the workspace's root (src/tools/chosen-python.ts).
 */
export interface ChosenPython {
  /** The interpreter: an absolute path, or a program name the shell finds on PATH. */
  readonly program: string;
  /** Where it was chosen, said after "with" where the run is shown: "the interpreter selected in VS Code's Python extension". */
  readonly from: string;
}

export interface AgentRunResult {
  readonly stopReason: AgentStopReason;
  /** The `finish` summary, the model's answer, or why the run stopped. */
  readonly message: string;
  readonly steps: number;
  /** Checkpoint taken before the run's first write: restoring it undoes the whole run. */
  readonly startCheckpoint?: string;
  /** Checkpoint taken as the run ended, when it changed files: how it left them (a review's Reject expects them so). */
  readonly endCheckpoint?: string;
  /** Workspace-relative paths the run changed (from the checkpoints, not from what the model said). */
  readonly changedFiles: readonly string[];
  /**
   * Of `changedFiles`, those the user changed by hand during the run before the agent's first
   * write of them (typing saved while the model thought): the checkpoint just before that write,
   * which a review's diff starts from, so that what the user saved is not shown as Hearth's.
   */
  readonly diffBases?: Readonly<Record<string, string>>;
  /** Fix mode: the test command run once more at the end. */
  readonly tests?: TestOutcome;
  /**
   * The user's git HEAD moved during the run outside the agent's steps (a checkout, a pull, a
   * reset) and git wrote files the run's changes since its start would hold: how each end
   * reads (a branch, or a short commit when detached). The agent worked, and the tests ran, on
   * `to`; the chat's notice names the files left out of `changedFiles`.
   */
  readonly headMoved?: { readonly from: string; readonly to: string };
}

export interface TestOutcome {
  readonly command: string;
  readonly passed: boolean;
  readonly exitCode: number | null;
  /** The end of the output (long output is truncated from the middle). */
  readonly output: string;
  /**
   * The tests did not end by themselves, so `passed` is false without a test failing: "they
   * ran past the 600 s limit and were stopped", or "they were killed by SIGKILL" (the OOM
   * killer, another process). Undefined when they ended with an exit code.
   */
  readonly stopped?: string;
}

/** Sent by the runtime during a run, once per event. */
export const AgentEventNotification = new NotificationType<AgentEventParams>("hearth/agent/event");

export interface AgentEventParams {
  readonly runId: string;
  readonly conversationId: string;
  readonly event: AgentWireEvent;
}

/** What condensing shortened: older tool results, the thinking of older replies, long arguments of older calls. */
export type CondensedKind = "results" | "thinking" | "arguments";

/**
 * What the UI sees of a run, in order. Text and thinking arrive as deltas (coalesced);
 * `toolEnd.diff` is the real change on disk (from the checkpoint before the call), so the
 * user reviews what happened, not what the model claimed.
 */
export type AgentWireEvent =
  /** First event of a run: the user's message, its index in the conversation and the checkpoint before it. */
  | { readonly type: "user"; readonly text: string; readonly messageIndex: number; readonly checkpoint?: string; readonly attachments?: readonly Attachment[] }
  | { readonly type: "turn"; readonly step: number }
  /** A streamed model event; a `toolCall` comes with the tool's display (its card shows it while the call waits its turn). */
  | { readonly type: "model"; readonly event: ChatStreamEvent; readonly display?: ToolDisplay }
  /** `reason`: why a write is asked where edits are not (it changes a file that runs or steers things later). */
  | { readonly type: "approvalRequest"; readonly call: ToolCall; readonly effect: ToolEffect; readonly display?: ToolDisplay; readonly reason?: string; readonly runs?: string }
  | { readonly type: "approval"; readonly callId: string; readonly approved: boolean }
  /** A call starts; `display` is how its tool is shown (from the tool's definition; src/protocol/tool-display.ts). */
  | { readonly type: "toolStart"; readonly call: ToolCall; readonly effect: ToolEffect; readonly display?: ToolDisplay }
  | {
      readonly type: "toolEnd";
      readonly callId: string;
      readonly ok: boolean;
      /** The start of the result text the model read. */
      readonly preview: string;
      readonly durationMs: number;
      /** Unified diff of what this call changed on disk (write tools). */
      readonly diff?: string;
      readonly changedFiles?: readonly string[];
      /** Checkpoint taken just before the call (write and command tools): "undo this step". */
      readonly checkpoint?: string;
      /** Checkpoint taken just after a write: how the step left its files (undo expects them so). */
      readonly after?: string;
      /** What the whole result hides from the user (tag characters a model reads as ASCII, bidi controls); the model was told. */
      readonly hidden?: HiddenText;
    }
  /**
   * Tokens the conversation takes vs the model's context. `usedTokens` is absent when they
   * could not be counted (a server that stopped answering): `countError` says why, and the
   * meter shows the count as unknown rather than an empty context. `estimated`: the backend
   * could only estimate `usedTokens` (a server without a tokenizer: Ollama, LM Studio).
   */
  | { readonly type: "context"; readonly usedTokens?: number; readonly contextSize: number; readonly countError?: string; readonly estimated?: true }
  /**
   * Older messages condensed to stay in the context; `kinds`: what of them (absent in events
   * saved before it was said: tool results); `estimated`: judged from an estimate, the tokens
   * could not be counted.
   */
  | { readonly type: "condensed"; readonly messages: number; readonly kinds?: readonly CondensedKind[]; readonly estimated?: true }
  | { readonly type: "steer"; readonly message: string }
  /** Something the user should know about the run that is not the model's doing (files checkpoints leave out). */
  | { readonly type: "notice"; readonly level: "info" | "warning" | "error"; readonly text: string }
  /** Last event of a run. */
  | { readonly type: "end"; readonly result: AgentRunResult };

/**
 * Sent by the runtime when a tool call needs the user's yes under the approval policy.
 * The client shows it (a card with Approve / Deny) and answers; a cancelled run cancels
 * this request (the client hides the card).
 */
export const AgentApproveRequest = new RequestType<AgentApproveParams, { readonly approved: boolean }, void>("hearth/agent/approve");

export interface AgentApproveParams {
  readonly runId: string;
  readonly conversationId: string;
  readonly call: ToolCall;
  readonly effect: ToolEffect;
}

/**
 * Sent by the client to restore files from a checkpoint (Reject in a review, "restore"
 * on a message). `paths` limits it to some files (per-file Reject; only those changed since
 * the checkpoint are touched); with `conversationId` + `messageIndex` the conversation is
 * rewound too (the model forgets everything from that message on). Rejects with
 * InvalidInput, restoring nothing, while that conversation runs or when `messageIndex` is
 * no longer a message the user sent.
 */
export const CheckpointRestoreRequest = new RequestType<CheckpointRestoreParams, CheckpointRestoreResult, void>(
  "hearth/checkpoint/restore",
);

export interface CheckpointRestoreParams {
  readonly checkpoint: string;
  readonly paths?: readonly string[];
  readonly conversationId?: string;
  readonly messageIndex?: number;
  /**
   * The checkpoint holding the files as the step or run left them ("Undo this step": the
   * step's `after`; a review's Reject: the run's `endCheckpoint`). A file to restore that
   * differs from it now was changed since — by a later step or by hand — and restoring would
   * drop that change: nothing is restored and `changedSince` names them, unless `force`.
   * It ends the run's span too (which checkpoint each file goes back to: just before the
   * agent's first write of it), though another conversation's run started meanwhile.
   */
  readonly expect?: string;
  readonly force?: boolean;
}

export interface CheckpointRestoreResult {
  readonly restoredFiles: readonly string[];
  /** With `expect`: the files changed since it; nothing was restored. */
  readonly changedSince?: readonly string[];
  /**
   * Changed files the restore left as they are, and why: names Hearth cannot write back
   * under their own name (not UTF-8, a backslash on Linux, a line break, a leading or
   * trailing space), and in a whole restore (no `paths`) files whose content Hearth did not
   * write (`laterWork`: the user's own work or another program's, kept on purpose); and files
   * put back in the editor that VS Code did not save (`inEditor`: on disk as they were).
   */
  readonly notRestored?: readonly { readonly path: string; readonly reason: string; readonly laterWork?: boolean; readonly inEditor?: boolean }[];
  /** With `conversationId`: the files were restored and the conversation rewound, but its save failed; why, for the user. */
  readonly rewindNotSaved?: string;
}

/** Sent by the client for the left side of a review diff: a file's text at a checkpoint (null: it did not exist). */
export const CheckpointFileRequest = new RequestType<{ readonly checkpoint: string; readonly path: string }, { readonly content: string | null }, void>(
  "hearth/checkpoint/file",
);

/**
 * Sent by the client for "Export Conversation": the conversation as Markdown a teammate
 * can read and import (messages, tool calls, and the diff since `sinceCheckpoint`).
 */
export const ConversationExportRequest = new RequestType<ConversationExportParams, ConversationExportResult, void>("hearth/agent/export");

export interface ConversationExportResult {
  readonly markdown: string;
  /** Files that look like they hold secrets (.env, a key) whose contents the conversation holds: the export shares them. */
  readonly secretFiles?: readonly string[];
  /** Why the export holds no diff though one was asked for (over its limit, or its checkpoint gone), or the files its diff leaves out (a partial clone's, never downloaded): the chat says so too. */
  readonly patchLeftOut?: string;
}

export interface ConversationExportParams {
  readonly conversationId: string;
  readonly title: string;
  /** The checkpoint before the conversation's first message: the export carries the diff from there. */
  readonly sinceCheckpoint?: string;
}

/**
 * The longest conversation file an import takes (characters; the extension checks the file's
 * bytes before reading it). An export writes each message twice (readable, and base64 JSON:
 * 4/3 of it) plus a diff of at most 16 MiB twice (handoff.ts MAX_EXPORT_DIFF_BYTES), so the
 * 64 MiB conversation file the runtime keeps at most (conversation-store.ts MAX_FILE_BYTES)
 * exports some 2.3 times that, about 190 MiB; this leaves room for the readable layer's
 * headings and fences. It was 64 MiB: a conversation of some 27 MB (a day of long reads)
 * exported a file Hearth would not import back. A bigger file is no export of Hearth's:
 * reading it would hold several copies in memory for nothing.
 */
export const MAX_IMPORT_CHARS = 256 * 1024 * 1024;

/**
 * Sent by the client for "Import Conversation": the runtime parses an exported file and
 * keeps its messages as conversation `conversationId` (the next message continues it, with
 * this workspace's system prompt). Rejects with InvalidInput (the message says what is wrong).
 */
export const ConversationImportRequest = new RequestType<{ readonly conversationId: string; readonly markdown: string }, ConversationImportResult, void>(
  "hearth/agent/import",
);

export interface ConversationImportResult {
  readonly title: string;
  /** The conversation's messages after the system prompt (to rebuild the transcript). */
  readonly messages: readonly ChatMessage[];
  /** The diff the conversation made where it was exported ("" when none). */
  readonly patch: string;
  /** Messages (1-based in `messages`) whose readable text in the file was edited after export: the file reads otherwise than what was imported. */
  readonly edited?: readonly number[];
}

/** Sent by the client when the user deletes a conversation: the runtime drops its messages. */
export const ConversationForgetRequest = new RequestType<{ readonly conversationId: string }, void, void>("hearth/agent/forget");

/** Sent by the client for @-mention completion: files and symbols from the index matching `query`. */
export const MentionSearchRequest = new RequestType<{ readonly query: string; readonly limit?: number }, MentionSearchResult, void>(
  "hearth/index/mentions",
);

export interface MentionSearchResult {
  readonly files: readonly string[];
  readonly symbols: readonly { readonly name: string; readonly kind: string; readonly path: string; readonly line: number }[];
}

/**
 * Sent by the runtime after an applyEdit: save these documents so tools that read the disk see
 * the change. The client answers the ones whose save failed (VS Code's `TextDocument.save()`
 * answered false or threw: a read-only file, one changed on disk since it was opened, a full
 * disk); their change is in the editor only. An older client answers null: all saved.
 */
export const WorkspaceSaveRequest = new RequestType<{ readonly uris: readonly string[] }, WorkspaceSaveResult | null, void>("hearth/workspace/save");

/**
 * Sent by the runtime before an agent's write (and its checkpoint), with the files it is
 * about to write that have unsaved changes: the client saves those VS Code saves on its own
 * anyway (`files.autoSave` not "off" for the file, and not held back by
 * `files.autoSaveWhenNoErrors` while the file has errors), so the user's typing of a second
 * ago is in the checkpoint and the write is not refused for it (with "afterDelay", by
 * waiting for VS Code's own save, which formats nothing). A notebook open in the notebook
 * editor with unsaved cells (named by `hearth/workspace/unsavedNotebooks` first) is saved the
 * same way. The client answers the ones saved; an older client has no handler (an error): nothing saved, the write refused as before.
 */
export const WorkspaceAutoSaveRequest = new RequestType<{ readonly uris: readonly string[] }, WorkspaceAutoSaveResult, void>("hearth/workspace/autoSave");

/**
 * Sent by the runtime before an agent's write, delete or move of files that are not open as
 * text with unsaved changes: the client answers those open in VS Code's notebook editor with
 * unsaved changes (a `NotebookDocument`'s `isDirty`: edited cells, new outputs). A notebook
 * there has no text document for its file, only its cells', so the text documents' didChange
 * never told the runtime of them, and the agent's write landed on disk under the user's
 * unsaved cells. Those answered are refused as unsaved changes. An older client has no handler
 * (an error): nothing is refused for it, as before.
 */
export const WorkspaceUnsavedNotebooksRequest = new RequestType<{ readonly uris: readonly string[] }, WorkspaceUnsavedNotebooksResult, void>("hearth/workspace/unsavedNotebooks");

export interface WorkspaceUnsavedNotebooksResult {
  /** Documents of the request open as notebooks with unsaved changes (the request's URI strings). */
  readonly unsaved: readonly string[];
}

export interface WorkspaceAutoSaveResult {
  /** Documents of the request that were saved (the request's URI strings). */
  readonly saved: readonly string[];
}

export interface WorkspaceSaveResult {
  /** Documents of the request that were not saved (the request's URI strings). */
  readonly notSaved: readonly string[];
}


export type { JsonValue };
