/**
 * What the chat's sections (runs, conversations, reviews) share: the open conversation,
 * the history store, the runtime, and the one way to change a transcript (`apply`), so
 * the view and the persisted history never drift apart. `ChatController` implements it.
 */
import type * as vscode from "vscode";
import type { Mention } from "../../protocol/webview.ts";
import type { Transcript, TranscriptEvent, TranscriptItem } from "../../protocol/transcript.ts";
import type { RuntimeClient } from "../runtime-client.ts";
import type { TranscriptStore } from "../transcript-store.ts";
import type { FolderChoice } from "../workspace-folder.ts";

export interface ChatSession {
  readonly runtime: RuntimeClient;
  readonly store: TranscriptStore;
  readonly output: vscode.LogOutputChannel;
  /** The folder the runtime works in: its paths are relative to it. */
  readonly folders: FolderChoice;
  /** The conversation the view shows. */
  transcript: Transcript;
  /** A run is in progress. */
  readonly running: boolean;
  /** Applies an event to a transcript (default: the open one), persists it, and streams it to the view when it is the open one. */
  apply(event: TranscriptEvent, transcript?: Transcript): void;
  /** Sends the whole open conversation and the history to the view. */
  showConversation(): void;
  /** Puts a message the chat refused back in the view's box (it cleared as it sent it). */
  returnDraft(text: string, mentions: readonly Mention[]): void;
  /** Stops the run in progress, if any. */
  stop(): void;
  /** The card of a tool call in a conversation (the open one or one in the history). */
  toolItem(conversationId: string, callId: string): Extract<TranscriptItem, { kind: "tool" }> | undefined;
}
