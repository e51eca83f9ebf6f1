/**
 * Messages between the extension and the chat webview (`postMessage`), as discriminated
 * unions. The webview imports only this folder.
 */
import type { CommandName } from "./contributions.ts";
import type { RuntimeStatus, SystemInfo } from "./status.ts";
import type { ConversationSummary, Transcript, TranscriptEvent } from "./transcript.ts";

/** The extension's view of its runtime process. */
export type RuntimeConnection =
  | { readonly kind: "starting" }
  | { readonly kind: "running"; readonly status: RuntimeStatus }
  | { readonly kind: "restarting"; readonly attempt: number; readonly inSeconds: number; readonly reason: string }
  | { readonly kind: "failed"; readonly message: string };

/** Something the user can @-mention in the input box (what the extension attaches to the message). */
export type Mention =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "symbol"; readonly name: string; readonly symbolKind: string; readonly path: string; readonly line: number }
  /** The active editor's selection (resolved to text when the message is sent). */
  | { readonly kind: "selection" }
  /** The workspace's errors and warnings from VS Code's Problems. */
  | { readonly kind: "problems" };

/** Extension → webview. */
export type ToWebview =
  /** Sent when the view is shown and whenever the runtime's state changes. */
  | {
      readonly type: "state";
      readonly runtime: RuntimeConnection;
      readonly inlineCompletions: boolean;
      /** The machine as the runtime sees it; absent until the runtime has probed it. */
      readonly system?: SystemInfo;
      /** Progress of a model download started from the view or the palette (0..1), if one runs. */
      readonly download?: { readonly preset: string; readonly fraction: number; readonly detail: string };
      /**
       * The model the view's Download button fetches (this machine's recommendation), with its
       * download size; `fits` false when nothing Hearth offers fits the machine (then the view
       * offers no download, only the reason and the other ways), `reason` says why.
       */
      readonly recommended?: { readonly name: string; readonly sizeBytes: number; readonly fits?: boolean; readonly reason?: string };
      /** Where Hearth works in a window of several folders: "api (2 of 3 folders)"; absent with one folder or none. */
      readonly folder?: string;
    }
  /** The whole open conversation and the history list: on show, on switching, after a restore. */
  | { readonly type: "conversation"; readonly transcript: Transcript; readonly history: readonly ConversationSummary[] }
  /**
   * One change to the open conversation (streamed during a run). `at`: the time the
   * extension passed to `applyTranscriptEvent`; the webview passes the same, so the ids of
   * the items an event creates (assistant, notice, review) are the same on both sides.
   */
  | { readonly type: "event"; readonly conversationId: string; readonly event: TranscriptEvent; readonly at?: number }
  /** Answer to `mentionQuery`. */
  | { readonly type: "mentions"; readonly requestId: number; readonly items: readonly Mention[] }
  /** Put text in the input box and focus it (e.g. "Explain" on a selection). */
  | { readonly type: "prefill"; readonly text: string; readonly mentions?: readonly Mention[] };

/** Review buttons: one file (`path`) or every pending file of the review. */
export type ReviewAction = "open" | "accept" | "reject";

/** What a code block's buttons do. */
export type CodeAction = "copy" | "insert" | "apply";

/** Webview → extension. */
export type FromWebview =
  /** Sent once the page's script runs; the extension answers with `state` and `conversation`. */
  | { readonly type: "ready" }
  /** A button in the view that runs one of Hearth's commands. */
  | { readonly type: "runCommand"; readonly command: CommandName }
  | { readonly type: "send"; readonly text: string; readonly mentions: readonly Mention[] }
  /** The Stop button: cancel the running reply at once. */
  | { readonly type: "stop" }
  | { readonly type: "approve"; readonly callId: string; readonly approved: boolean }
  /** The input box wants completions for "@query". */
  | { readonly type: "mentionQuery"; readonly requestId: number; readonly query: string }
  | { readonly type: "newChat" }
  | { readonly type: "openConversation"; readonly id: string }
  | { readonly type: "deleteConversation"; readonly id: string }
  /** Restore the files (and the conversation) to before a user message or a tool call. */
  | { readonly type: "restore"; readonly itemId: string }
  | { readonly type: "code"; readonly action: CodeAction; readonly code: string; readonly language?: string }
  | { readonly type: "review"; readonly action: ReviewAction; readonly reviewId: string; readonly path?: string }
  /** Open a file the transcript mentions, or a tool card's diff. */
  | { readonly type: "openFile"; readonly path: string; readonly line?: number }
  | { readonly type: "openDiff"; readonly itemId: string };

const FROM_WEBVIEW_FIELDS: Record<FromWebview["type"], Record<string, "string" | "number" | "boolean" | "array" | "string?" | "number?">> = {
  ready: {},
  runCommand: { command: "string" },
  send: { text: "string", mentions: "array" },
  stop: {},
  approve: { callId: "string", approved: "boolean" },
  mentionQuery: { requestId: "number", query: "string" },
  newChat: {},
  openConversation: { id: "string" },
  deleteConversation: { id: "string" },
  restore: { itemId: "string" },
  code: { action: "string", code: "string", language: "string?" },
  review: { action: "string", reviewId: "string", path: "string?" },
  openFile: { path: "string", line: "number?" },
  openDiff: { itemId: "string" },
};

/** Type guard for messages arriving from the webview (untrusted input): shape and field types. */
export function isFromWebview(value: unknown, commands: readonly string[]): value is FromWebview {
  if (!value || typeof value !== "object") return false;
  const msg = value as Record<string, unknown>;
  const fields = typeof msg.type === "string" && Object.hasOwn(FROM_WEBVIEW_FIELDS, msg.type) ? FROM_WEBVIEW_FIELDS[msg.type as FromWebview["type"]] : undefined;
  if (!fields) return false;
  for (const [key, kind] of Object.entries(fields)) {
    const v = msg[key];
    const optional = kind.endsWith("?");
    if (v === undefined && optional) continue;
    const base = optional ? kind.slice(0, -1) : kind;
    if (base === "array" ? !Array.isArray(v) : typeof v !== base) return false;
  }
  if (msg.type === "runCommand") return commands.includes(msg.command as string);
  if (msg.type === "code") return ["copy", "insert", "apply"].includes(msg.action as string);
  if (msg.type === "review") return ["open", "accept", "reject"].includes(msg.action as string);
  if (msg.type === "send") return (msg.mentions as unknown[]).every(isMention);
  return true;
}

function isMention(value: unknown): value is Mention {
  if (!value || typeof value !== "object") return false;
  const m = value as Record<string, unknown>;
  switch (m.kind) {
    case "file":
      return typeof m.path === "string";
    case "symbol":
      return typeof m.name === "string" && typeof m.path === "string" && typeof m.line === "number" && typeof m.symbolKind === "string";
    case "selection":
    case "problems":
      return true;
    default:
      return false;
  }
}
