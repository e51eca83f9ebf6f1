/**
 * Inline completions on the wire. The completion itself is LSP's
 * `textDocument/inlineCompletion` (`InlineCompletionRequest` of
 * vscode-languageserver-protocol), sent by the extension's own inline completion provider
 * (which first checks the on/off setting, the snooze, the language and the typed-ahead
 * rule below, so most keystrokes send nothing). The runtime does not declare
 * `inlineCompletionProvider`, so vscode-languageclient registers no second provider.
 *
 *   client → `textDocument/didChange` (full text), then `textDocument/inlineCompletion` (id 12)
 *   runtime: cache → adaptive debounce → context → model → stop rules → response to 12
 *   next keystroke: client → `$/cancelRequest` {id: 12}; the runtime aborts the debounce or
 *   the generation itself (between prompt chunks and tokens) and answers RequestCancelled.
 *
 * `hearth/completions/stats` is for tests, the benchmark and "Show Log";
 * `hearth/completions/excluded` tells the status bar why a file is not completed.
 */
import { NotificationType, RequestType, RequestType0 } from "vscode-languageserver-protocol";

/** What the runtime did for one `textDocument/inlineCompletion` request. */
export interface CompletionRecord {
  /** The document version it answered for (every keystroke has its own). */
  readonly version: number;
  /**
   * "cache": served from the typed-ahead cache, no model call; "model": generated; "cancelled": the client cancelled first; "empty": nothing to offer;
   * "busy": the server stayed busy (or gave no answer in time) through every try; "error": the model or server failed (`CompletionStatus` says how).
   */
  readonly outcome: "cache" | "model" | "cancelled" | "empty" | "busy" | "error";
  /** Which model answered. */
  readonly model?: "completion" | "main";
  /** Whether it was a multi-line completion. */
  readonly multiline: boolean;
  /** Milliseconds waited by the adaptive debounce. */
  readonly debounceMs: number;
  /** Milliseconds inside the model backend's `complete()`. */
  readonly modelMs: number;
  /** Milliseconds from the request's arrival to its answer. */
  readonly handlerMs: number;
  readonly promptTokens?: number;
  /** Prompt tokens evaluated (the rest came from the cached state). */
  readonly evaluatedTokens?: number;
  readonly generatedTokens?: number;
}

/** Totals since the runtime started, and the latest records (oldest first). */
export interface CompletionStats {
  readonly requests: number;
  readonly cacheHits: number;
  readonly modelCalls: number;
  readonly cancelled: number;
  readonly recent: readonly CompletionRecord[];
}

/** A document's indentation, as the editor resolves it (`TextEditorOptions`). */
export interface IndentStyle {
  /** Spaces (true) or tabs (false). */
  readonly insertSpaces: boolean;
  /** Columns of a tab, and of an indentation level with spaces. */
  readonly tabSize: number;
}

/**
 * What Hearth's provider adds to LSP's `InlineCompletionParams`, as `hearth` (all optional:
 * another client sends none, and the runtime checks what it gets).
 */
export interface InlineCompletionExtras {
  /** The editor's indentation for the document; without it the runtime looks at the document. */
  readonly indentation?: IndentStyle;
  /**
   * A notebook cell: the URIs of the same notebook's earlier cells in its language, nearest
   * first (the runtime has their text: every cell is an open document). Their text goes
   * before the cell's in the prompt, so the model sees the notebook's imports.
   */
  readonly earlierCells?: readonly string[];
}

/**
 * Whether completions reach the model, so the status bar can say why none show:
 * "waiting": the server is busy (503, 429) or gave no answer within the time limit (it queues
 * requests behind another client's); the runtime tries again on a backoff and completions come
 * back on their own. "busy": every try of the last request found it so; nothing is tried again
 * before the next request (keystroke). "failing": the last request failed for another reason
 * (a body that is not JSON, a proxy's error page). "slow": the model gave no answer within the
 * time limit (`limitMs`), on this machine or on a server (`server`) that had a slot free (its
 * `/slots` said so: the request was worked on, not queued); not tried again. The next answer
 * clears each. "waiting" with `oneSlot`: the server has one slot (`llama-server -np 1`) and it is
 * taken, most often by the chat: nothing is sent while it is, its `/slots` is read until it frees,
 * and the completion then shows by itself, however long the chat ran.
 */
export type CompletionStatus =
  | { readonly state: "ready" }
  | { readonly state: "waiting" | "busy" | "failing"; readonly reason: string; readonly oneSlot?: true }
  | { readonly state: "slow"; readonly reason: string; readonly limitMs: number; readonly server?: true };

/** A time limit in the status's words: 3000 → "3 s", 2500 → "2.5 s". */
export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Sent by the runtime when the completion status changes (none while it stays "ready" from the start). */
export const CompletionStatusNotification = new NotificationType<CompletionStatus>("hearth/completions/status");

/**
 * Sent by the extension for the document in the active editor: why the runtime completes
 * none of it where its name does not tell (`settings.txt`, a link to `.env`; a hard link of
 * it), in words for the status bar; null when it completes it. Looked up once per open document.
 */
export const CompletionExclusionRequest = new RequestType<{ readonly uri: string }, string | null, void>("hearth/completions/excluded");

/** Sent by the client (tests, the benchmark); answers at once. */
export const CompletionStatsRequest = new RequestType0<CompletionStats, void>("hearth/completions/stats");

/** A completion as it was offered: where, after which text, and what. */
export interface OfferedCompletion {
  /** Text before the cursor when it was offered (the whole prefix, or the line's part of it). */
  readonly before: string;
  /** Text after the cursor when it was offered (the same span as `before`'s counterpart). */
  readonly after: string;
  readonly text: string;
}

/**
 * The typed-ahead rule both sides apply: while the user types characters the completion
 * predicted (and the text after the cursor is unchanged), the rest of the same completion
 * is still the answer, with no new model call. Undefined when it no longer applies.
 */
export function typedAhead(offered: OfferedCompletion, before: string, after: string): string | undefined {
  if (after !== offered.after || !before.startsWith(offered.before)) return undefined;
  const typed = before.slice(offered.before.length);
  if (!offered.text.startsWith(typed)) return undefined;
  const rest = offered.text.slice(typed.length);
  return rest.length > 0 ? rest : undefined;
}
