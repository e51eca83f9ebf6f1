/**
 * The chat's brain on the extension side, composed of its sections: `runs.ts` (send,
 * Stop, approvals), `conversations.ts` (new, open, delete, export, import), `reviews.ts`
 * (restore checkpoints, reviews, diffs) and `attachments.ts` (@-mentions, code blocks).
 * This file holds what they share — the open conversation and its history — and the
 * methods the chat view, the commands and Fix This Issue call. The webview only renders.
 */
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { type AutoSave, autoSaveOf, openSavable, saveAutoSaved, saveEdited, unsavedNotebooks } from "../edit-saves.ts";
import { AgentEventNotification, type AgentMode, type AgentRunResult, ConversationForgetRequest, WorkspaceAutoSaveRequest, WorkspaceSaveRequest, WorkspaceUnsavedNotebooksRequest } from "../../protocol/agent.ts";
import { applyTranscriptEvent, newTranscript, type Transcript, type TranscriptEvent, type TranscriptItem } from "../../protocol/transcript.ts";
import type { CodeAction, Mention, ReviewAction, ToWebview } from "../../protocol/webview.ts";
import type { RuntimeClient } from "../runtime-client.ts";
import { TranscriptStore } from "../transcript-store.ts";
import type { FolderChoice } from "../workspace-folder.ts";
import { Attachments } from "./attachments.ts";
import * as conversations from "./conversations.ts";
import * as reviews from "./reviews.ts";
import { interruptedReview } from "./run-review.ts";
import { Runs } from "./runs.ts";
import type { ChatSession } from "./session.ts";

export class ChatController implements vscode.Disposable, ChatSession {
  transcript: Transcript;
  readonly store: TranscriptStore;
  private readonly posted = new vscode.EventEmitter<ToWebview>();
  /** What the chat view should show; it forwards these to the webview. */
  readonly onDidPost = this.posted.event;
  private readonly attachments: Attachments;
  private readonly runs: Runs;
  /** A run started (true) or ended (false), for the status bar. */
  readonly onDidChangeRunning: vscode.Event<boolean>;

  constructor(
    readonly runtime: RuntimeClient,
    memento: vscode.Memento,
    readonly output: vscode.LogOutputChannel,
    readonly folders: FolderChoice,
    /** The runtime's conversations in the folder's storage, shared by the windows on the folder. */
    conversationsDir?: string,
  ) {
    // Without a folder's storage, a conversation dropped from the history (past the newest 100) is dropped in the runtime too.
    this.store = new TranscriptStore(
      memento,
      (ids) => {
        for (const id of ids) void runtime.request(ConversationForgetRequest, { conversationId: id }).catch(() => undefined);
      },
      conversationsDir,
      () => this.showConversation(), // the folder's conversations, read in the background
    );
    this.transcript = this.store.latest() ?? newTranscript(randomUUID());
    if (this.transcript.runId) {
      this.apply({ type: "runFailed", message: "This run was interrupted when the window closed." });
      // Its end, which brings the review of its files, never came: the steps' cards still say what it changed.
      const review = interruptedReview(this.transcript.items);
      if (review) this.apply(review);
    }
    this.attachments = new Attachments(runtime, folders);
    this.runs = new Runs(this, this.attachments);
    this.onDidChangeRunning = this.runs.onDidChangeRunning;
    // A run given up on (the runtime did not answer Stop in time) may still send events once it wakes: not shown.
    runtime.onNotification(AgentEventNotification, (params) => this.runs.hasEnded(params.runId) || this.onRunEvent(params.conversationId, params.event));
    const openDocument = (uri: string) => vscode.workspace.textDocuments.find((d) => d.uri.toString() === vscode.Uri.parse(uri).toString());
    runtime.onRequest(WorkspaceSaveRequest, (params) => saveEdited(params.uris, openDocument));
    const openNotebook = (uri: string) => vscode.workspace.notebookDocuments.find((d) => d.uri.toString() === vscode.Uri.parse(uri).toString());
    // A notebook's unsaved cells are saved as a text file's are, where VS Code auto-saves it.
    runtime.onRequest(WorkspaceAutoSaveRequest, (params) => saveAutoSaved(params.uris, (uri) => openSavable(uri, openDocument, openNotebook), autoSaveFor, savedByVsCode));
    runtime.onRequest(WorkspaceUnsavedNotebooksRequest, (params) => unsavedNotebooks(params.uris, openNotebook));
  }

  dispose(): void {
    this.runs.dispose();
    void this.store.flush();
    this.attachments.dispose();
    this.posted.dispose();
  }

  /** The whole conversation and history, for a view that (re)appears. */
  snapshot(): ToWebview {
    return { type: "conversation", transcript: this.transcript, history: this.store.list() };
  }

  showConversation(): void {
    this.posted.fire(this.snapshot());
  }

  get running(): boolean {
    return this.runs.running;
  }

  returnDraft(text: string, mentions: readonly Mention[]): void {
    this.posted.fire({ type: "prefill", text, mentions: [...mentions] });
  }

  /** Set by the chat view: approvals go to a notification while it is hidden. */
  get viewVisible(): boolean {
    return this.runs.viewVisible;
  }

  set viewVisible(visible: boolean) {
    this.runs.viewVisible = visible;
  }

  /** Applies an event to a transcript, persists it, and streams it to the view when it is open. */
  apply(event: TranscriptEvent, transcript: Transcript = this.transcript): void {
    // The same time on both sides: item ids derive from it, and the webview's buttons send them back.
    const at = Date.now();
    applyTranscriptEvent(transcript, event, at);
    // A reply's text as it streams is written less often: each write serializes the whole history (transcript-store.ts).
    this.store.save(transcript, event.type === "model" && (event.event.type === "text" || event.event.type === "thinking"));
    if (transcript === this.transcript) this.posted.fire({ type: "event", conversationId: transcript.id, event, at });
  }

  toolItem(conversationId: string, callId: string): Extract<TranscriptItem, { kind: "tool" }> | undefined {
    return this.conversation(conversationId)?.items.find((i): i is Extract<TranscriptItem, { kind: "tool" }> => i.kind === "tool" && i.id === callId);
  }

  private conversation(id: string): Transcript | undefined {
    return id === this.transcript.id ? this.transcript : this.store.get(id);
  }

  private onRunEvent(conversationId: string, event: TranscriptEvent): void {
    const transcript = this.conversation(conversationId);
    if (transcript) this.apply(event, transcript);
  }

  // Runs (runs.ts).
  send(text: string, mentions: readonly Mention[], mode: AgentMode = "chat"): Promise<AgentRunResult | undefined> {
    return this.runs.send(text, mentions, mode);
  }
  stop(): void {
    this.runs.stop();
  }
  approve(callId: string, approved: boolean): void {
    this.runs.approve(callId, approved);
  }

  // Conversations (conversations.ts).
  newChat(): void {
    conversations.newChat(this);
  }
  open(id: string): void {
    void conversations.openConversation(this, id);
  }
  delete(id: string): Promise<void> {
    return conversations.deleteConversation(this, id, this.runs.runningConversation);
  }
  exportConversation(): Promise<void> {
    return conversations.exportConversation(this);
  }
  importConversation(file?: vscode.Uri): Promise<void> {
    return conversations.importConversation(this, file);
  }

  // Checkpoints and reviews (reviews.ts).
  restore(itemId: string): Promise<void> {
    return reviews.restore(this, itemId);
  }
  review(action: ReviewAction, reviewId: string, path?: string): Promise<void> {
    return reviews.review(this, action, reviewId, path);
  }
  openItemDiff(itemId: string): Promise<void> {
    return reviews.openItemDiff(this, itemId);
  }

  // Input helpers (attachments.ts).
  mentions(requestId: number, query: string): Promise<ToWebview> {
    return this.attachments.mentions(requestId, query);
  }
  code(action: CodeAction, code: string): Promise<void> {
    return this.attachments.code(action, code);
  }
}

/** How VS Code auto-saves `document` (its settings for that file and its language — a notebook has none —, its errors now). */
function autoSaveFor(document: vscode.TextDocument | vscode.NotebookDocument): AutoSave {
  const hasErrors = vscode.languages.getDiagnostics(document.uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error);
  const settings = (scope: { readonly uri: vscode.Uri; readonly languageId?: string }) =>
    vscode.workspace.getConfiguration("files", scope.languageId === undefined ? scope.uri : { uri: scope.uri, languageId: scope.languageId });
  return autoSaveOf("languageId" in document ? document : { uri: document.uri }, settings, hasErrors);
}

/** Whether VS Code saved `document` (a text document or a notebook) itself (its auto-save) within `ms` milliseconds. */
function savedByVsCode(document: vscode.TextDocument | vscode.NotebookDocument, ms: number): Promise<boolean> {
  if (!document.isDirty) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      listener.dispose();
      resolve(!document.isDirty);
    };
    const saves = "notebookType" in document ? vscode.workspace.onDidSaveNotebookDocument : vscode.workspace.onDidSaveTextDocument;
    const listener = saves((saved: { readonly uri: vscode.Uri }) => saved.uri.toString() === document.uri.toString() && done());
    const timer = setTimeout(done, ms);
  });
}
