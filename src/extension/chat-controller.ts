/**
 * The chat's brain on the extension side: the open conversation and its history, agent
 * runs in the runtime (start, stream, stop), approvals, reviews of what a run changed
 * (diff editors, accept / reject per file or all), restoring checkpoints, and the
 * buttons of code blocks. The webview only renders; Fix This Issue runs through here too.
 */
import { randomUUID } from "node:crypto";
import { relative, sep } from "node:path";
import * as vscode from "vscode";
import {
  AgentApproveRequest,
  AgentEventNotification,
  type AgentMode,
  AgentRunRequest,
  type AgentRunResult,
  type Attachment,
  CheckpointRestoreRequest,
  ConversationExportRequest,
  ConversationForgetRequest,
  ConversationImportRequest,
  MentionSearchRequest,
  WorkspaceSaveRequest,
} from "../protocol/agent.ts";
import { CHAT_VIEW_ID, COMMANDS } from "../protocol/contributions.ts";
import { runBlocker } from "../protocol/readiness.ts";
import { applyTranscriptEvent, newTranscript, type Transcript, type TranscriptEvent, type TranscriptItem, transcriptFromMessages } from "../protocol/transcript.ts";
import type { CodeAction, Mention, ReviewAction, ToWebview } from "../protocol/webview.ts";
import { describeCall } from "./call-description.ts";
import { CHECKPOINT_SCHEME, checkpointUri } from "./checkpoint-documents.ts";
import type { RuntimeClient } from "./runtime-client.ts";
import { TranscriptStore } from "./transcript-store.ts";

/** Problems attached to a message, at most. */
const MAX_PROBLEMS = 50;

interface ActiveRun {
  readonly runId: string;
  readonly conversationId: string;
  readonly cancel: vscode.CancellationTokenSource;
}

export class ChatController implements vscode.Disposable {
  private transcript: Transcript;
  private run: ActiveRun | undefined;
  private readonly approvals = new Map<string, (approved: boolean) => void>();
  private readonly store: TranscriptStore;
  private readonly posted = new vscode.EventEmitter<ToWebview>();
  private readonly disposables: vscode.Disposable[] = [this.posted];
  /** What the chat view should show; it forwards these to the webview. */
  readonly onDidPost = this.posted.event;
  private readonly runningChanged = new vscode.EventEmitter<boolean>();
  /** A run started (true) or ended (false), for the status bar. */
  readonly onDidChangeRunning = this.runningChanged.event;
  /** The editor the user last worked in (the chat view has focus when they send). */
  private lastEditor: vscode.TextEditor | undefined = vscode.window.activeTextEditor;

  constructor(
    private readonly runtime: RuntimeClient,
    memento: vscode.Memento,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.disposables.push(this.runningChanged);
    this.store = new TranscriptStore(memento);
    const latest = this.store.list()[0];
    this.transcript = (latest && this.store.get(latest.id)) || newTranscript(randomUUID());
    if (this.transcript.runId) this.apply({ type: "runFailed", message: "This run was interrupted when the window closed." });
    runtime.onNotification(AgentEventNotification, (params) => this.onRunEvent(params.conversationId, params.event));
    runtime.onRequest(AgentApproveRequest, (params, token) => this.askApproval(params.call.id, describeCall(params.call.name, params.call.arguments), token));
    runtime.onRequest(WorkspaceSaveRequest, async (params) => {
      for (const uri of params.uris) {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === vscode.Uri.parse(uri).toString());
        if (doc?.isDirty) await doc.save();
      }
    });
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor && editor.document.uri.scheme === "file") this.lastEditor = editor;
      }),
    );
  }

  dispose(): void {
    this.run?.cancel.cancel();
    void this.store.flush();
    for (const d of this.disposables) d.dispose();
  }

  /** The whole conversation and history, for a view that (re)appears. */
  snapshot(): ToWebview {
    return { type: "conversation", transcript: this.transcript, history: this.store.list() };
  }

  get running(): boolean {
    return this.run !== undefined;
  }

  // ---- runs --------------------------------------------------------------------------

  /**
   * Sends a message (chat) or an issue (fix) and runs the agent until it is done; resolves
   * with the run's result, or undefined when the run could not start (the transcript says why).
   */
  async send(text: string, mentions: readonly Mention[], mode: AgentMode = "chat"): Promise<AgentRunResult | undefined> {
    if (this.run) {
      void vscode.window.showWarningMessage("Hearth is still working on the last message. Stop it first.");
      return undefined;
    }
    if (!text.trim()) return undefined;
    // No model or no runtime: refuse before the message is added, so the chat does not show
    // a turn that did nothing (and a red error for it); say why and offer the way out.
    const blocker = runBlocker(this.runtime.state);
    if (blocker) {
      void vscode.window.showWarningMessage(blocker.reason, ...(blocker.needsModel ? ["Select Model…"] : [])).then((pick) => {
        if (pick) void vscode.commands.executeCommand(COMMANDS.selectModel.id);
      });
      return undefined;
    }
    const attachments = await this.resolveMentions(mentions);
    const runId = randomUUID();
    const run: ActiveRun = { runId, conversationId: this.transcript.id, cancel: new vscode.CancellationTokenSource() };
    this.run = run;
    this.runningChanged.fire(true);
    const transcript = this.transcript;
    // Shown at once; the runtime's first event fills in its checkpoint.
    transcript.items.push({ kind: "user", id: `user-${Date.now().toString(36)}`, text, ...(attachments.length ? { attachments } : {}) });
    this.apply({ type: "runStart", runId }, transcript);
    this.post(this.snapshot());
    try {
      const result = await this.runtime.request(
        AgentRunRequest,
        { runId, conversationId: transcript.id, text, mode, attachments },
        run.cancel.token,
      );
      if (result.changedFiles.length > 0 && result.startCheckpoint) {
        this.apply(
          {
            type: "review",
            checkpoint: result.startCheckpoint,
            summary: reviewSummary(result),
            files: result.changedFiles,
            ...(result.tests ? { tests: result.tests } : {}),
          },
          transcript,
        );
      }
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.output.appendLine(`[chat] run failed: ${message}`);
      this.apply({ type: "runFailed", message: `The run stopped: ${message}` }, transcript);
      return undefined;
    } finally {
      for (const resolve of this.approvals.values()) resolve(false); // a run that ended asks nothing more
      this.approvals.clear();
      run.cancel.dispose();
      if (this.run === run) {
        this.run = undefined;
        this.runningChanged.fire(false);
      }
      if (transcript.runId === runId) transcript.runId = undefined;
      this.store.save(transcript);
      await this.store.flush();
    }
  }

  /** Stop: cancels the run (generation included) and withdraws any open approval. */
  stop(): void {
    this.run?.cancel.cancel();
    for (const resolve of this.approvals.values()) resolve(false);
    this.approvals.clear();
  }

  approve(callId: string, approved: boolean): void {
    this.approvals.get(callId)?.(approved);
    this.approvals.delete(callId);
  }

  private askApproval(callId: string, description: string, token: vscode.CancellationToken): Promise<{ approved: boolean }> {
    return new Promise((resolve) => {
      const done = (approved: boolean) => {
        sub.dispose();
        this.approvals.delete(callId);
        resolve({ approved });
      };
      const sub = token.onCancellationRequested(() => done(false));
      this.approvals.set(callId, done);
      // The card in the chat is the main place to answer; a notification helps when the view is hidden.
      if (!this.viewVisible) {
        void vscode.window.showInformationMessage(`Hearth wants to ${description}.`, "Approve", "Deny").then((pick) => {
          if (pick && this.approvals.get(callId) === done) {
            this.apply({ type: "approval", callId, approved: pick === "Approve" });
            done(pick === "Approve");
          }
        });
      }
    });
  }

  /** Set by the chat view. */
  viewVisible = false;

  private onRunEvent(conversationId: string, event: TranscriptEvent): void {
    const transcript = conversationId === this.transcript.id ? this.transcript : this.store.get(conversationId);
    if (!transcript) return;
    this.apply(event, transcript);
  }

  /** Applies an event to a transcript, persists it, and streams it to the view when it is open. */
  private apply(event: TranscriptEvent, transcript: Transcript = this.transcript): void {
    // The same time on both sides: item ids derive from it, and the webview's buttons send them back.
    const at = Date.now();
    applyTranscriptEvent(transcript, event, at);
    this.store.save(transcript);
    if (transcript === this.transcript) this.post({ type: "event", conversationId: transcript.id, event, at });
  }

  private post(message: ToWebview): void {
    this.posted.fire(message);
  }

  // ---- conversations -----------------------------------------------------------------

  newChat(): void {
    if (this.run) this.stop();
    this.transcript = newTranscript(randomUUID());
    this.post(this.snapshot());
  }

  open(id: string): void {
    const transcript = this.store.get(id);
    if (!transcript || this.run) return;
    this.transcript = transcript;
    this.post(this.snapshot());
  }

  async delete(id: string): Promise<void> {
    if (this.run?.conversationId === id) this.stop();
    await this.store.delete(id);
    await this.runtime.request(ConversationForgetRequest, { conversationId: id }).catch(() => undefined);
    if (this.transcript.id === id) this.transcript = newTranscript(randomUUID());
    this.post(this.snapshot());
  }

  /** "Export Conversation": the open conversation as a Markdown file a teammate can import. */
  async exportConversation(): Promise<void> {
    const transcript = this.transcript;
    const first = transcript.items.find((i) => i.kind === "user" && i.checkpoint);
    if (!transcript.items.some((i) => i.kind === "user")) return void vscode.window.showInformationMessage("Hearth: this chat is empty; there is nothing to export yet.");
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: "Export Conversation",
      filters: { Markdown: ["md"] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${fileNameFrom(transcript.title)}.md`) } : {}),
    });
    if (!target) return;
    const { markdown } = await this.runtime.request(ConversationExportRequest, {
      conversationId: transcript.id,
      title: transcript.title,
      ...(first?.kind === "user" && first.checkpoint ? { sinceCheckpoint: first.checkpoint } : {}),
    });
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(markdown));
    void vscode.window.showInformationMessage(`Hearth: exported “${transcript.title}” to ${vscode.workspace.asRelativePath(target)}. A teammate continues it with "Hearth: Import Conversation…".`);
  }

  /** "Import Conversation": opens an exported file as a new chat that continues where it left off. */
  async importConversation(file?: vscode.Uri): Promise<void> {
    const uri = file ?? (await vscode.window.showOpenDialog({ title: "Import Conversation", filters: { Markdown: ["md"] }, canSelectMany: false }))?.[0];
    if (!uri) return;
    if (this.run) return void vscode.window.showWarningMessage("Stop the running reply before importing a conversation.");
    const markdown = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const id = randomUUID();
    let imported;
    try {
      imported = await this.runtime.request(ConversationImportRequest, { conversationId: id, markdown });
    } catch (error) {
      return void vscode.window.showErrorMessage(`Hearth could not import ${vscode.workspace.asRelativePath(uri)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const transcript = transcriptFromMessages(id, imported.title, imported.messages);
    const changed = (imported.patch.match(/^diff --git /gm) ?? []).length;
    transcript.items.push({
      kind: "notice",
      id: `notice-import-${Date.now().toString(36)}`,
      level: "info",
      text: `Imported from ${vscode.workspace.asRelativePath(uri)}${changed ? `; where it was exported it changed ${plural(changed, "file")} (the diff is in the file)` : ""}. Send a message to continue.`,
    });
    this.transcript = transcript;
    this.store.save(transcript);
    await this.store.flush();
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    this.post(this.snapshot());
  }

  // ---- checkpoints and reviews -------------------------------------------------------

  /** "Restore checkpoint" on a message (files and conversation) or "Undo this step" on a tool card (its files). */
  async restore(itemId: string): Promise<void> {
    if (this.run) return void vscode.window.showWarningMessage("Stop the running reply before restoring a checkpoint.");
    const item = this.transcript.items.find((i) => i.id === itemId);
    if (item?.kind === "user" && item.checkpoint && item.messageIndex !== undefined) {
      const pick = await vscode.window.showWarningMessage(
        "Restore the workspace to before this message? Files Hearth changed since then go back, and the conversation continues from here.",
        { modal: true },
        "Restore",
      );
      if (pick !== "Restore") return;
      const result = await this.restoreFiles(item.checkpoint, undefined, { conversationId: this.transcript.id, messageIndex: item.messageIndex });
      if (!result) return;
      this.apply({ type: "rewound", itemId });
      this.apply({ type: "notice", level: "info", text: `Restored ${plural(result.length, "file")} to before “${shorten(item.text)}”.` });
    } else if (item?.kind === "tool" && item.checkpoint && item.changedFiles?.length) {
      const result = await this.restoreFiles(item.checkpoint, item.changedFiles);
      if (result) this.apply({ type: "notice", level: "info", text: `Undid ${item.name} on ${item.changedFiles.join(", ")}.` });
    }
  }

  async review(action: ReviewAction, reviewId: string, path?: string): Promise<void> {
    const review = this.transcript.items.find((i): i is Extract<TranscriptItem, { kind: "review" }> => i.kind === "review" && i.id === reviewId);
    if (!review) return;
    // Accept takes pending files; Reject also takes accepted ones (a change of mind); a rejected file is final.
    const eligible = review.files.filter((f) => (action === "accept" ? f.state === "pending" : f.state !== "rejected")).map((f) => f.path);
    const paths = path ? eligible.filter((p) => p === path) : review.files.filter((f) => f.state === "pending").map((f) => f.path);
    if (action === "open") {
      for (const p of path ? [path] : review.files.map((f) => f.path)) await openDiff(review.checkpoint, p, "before Hearth ↔ now");
      return;
    }
    if (paths.length === 0) return;
    if (action === "accept") {
      this.apply({ type: "reviewDecision", reviewId, paths, state: "accepted" });
      return;
    }
    const restored = await this.restoreFiles(review.checkpoint, paths);
    if (restored) this.apply({ type: "reviewDecision", reviewId, paths, state: "rejected" });
  }

  /** Opens the diff of a tool card's change (before the call ↔ now). */
  async openItemDiff(itemId: string): Promise<void> {
    const item = this.transcript.items.find((i) => i.id === itemId);
    if (item?.kind !== "tool" || !item.checkpoint) return;
    for (const path of item.changedFiles ?? []) await openDiff(item.checkpoint, path, `before ${item.name} ↔ now`);
  }

  private async restoreFiles(checkpoint: string, paths?: readonly string[], rewind?: { conversationId: string; messageIndex: number }): Promise<readonly string[] | undefined> {
    try {
      const result = await this.runtime.request(CheckpointRestoreRequest, { checkpoint, ...(paths ? { paths } : {}), ...rewind });
      return result.restoredFiles;
    } catch (error) {
      void vscode.window.showErrorMessage(`Hearth could not restore the checkpoint: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  // ---- input helpers -----------------------------------------------------------------

  async mentions(requestId: number, query: string): Promise<ToWebview> {
    const result = await this.runtime.request(MentionSearchRequest, { query, limit: 8 }).catch(() => ({ files: [], symbols: [] }));
    const items: Mention[] = [
      ...result.files.map((path): Mention => ({ kind: "file", path })),
      ...result.symbols.map((s): Mention => ({ kind: "symbol", name: s.name, symbolKind: s.kind, path: s.path, line: s.line })),
    ];
    return { type: "mentions", requestId, items };
  }

  /** A code block's buttons. */
  async code(action: CodeAction, code: string): Promise<void> {
    if (action === "copy") {
      await vscode.env.clipboard.writeText(code);
      void vscode.window.setStatusBarMessage("Hearth: copied to the clipboard", 2000);
      return;
    }
    const editor = this.lastEditor ?? vscode.window.activeTextEditor;
    if (!editor) return void vscode.window.showWarningMessage("Open a file first: Hearth inserts code into the editor you last used.");
    await vscode.window.showTextDocument(editor.document, editor.viewColumn);
    if (action === "insert") {
      await editor.edit((edit) => edit.insert(editor.selection.active, code));
      return;
    }
    // Apply: replaces the selection, or (after asking) the whole file; undoable with Ctrl+Z.
    let range: vscode.Range = editor.selection;
    if (editor.selection.isEmpty) {
      const name = vscode.workspace.asRelativePath(editor.document.uri);
      const pick = await vscode.window.showWarningMessage(`Replace all of ${name} with this code block?`, { modal: true }, "Replace");
      if (pick !== "Replace") return;
      range = new vscode.Range(0, 0, editor.document.lineCount, 0);
    }
    await editor.edit((edit) => edit.replace(range, code));
  }

  private async resolveMentions(mentions: readonly Mention[]): Promise<Attachment[]> {
    const out: Attachment[] = [];
    for (const m of mentions) {
      if (m.kind === "file") out.push({ kind: "file", path: m.path });
      else if (m.kind === "symbol") out.push({ kind: "symbol", name: m.name, path: m.path, line: m.line });
      else if (m.kind === "selection") {
        const editor = this.lastEditor ?? vscode.window.activeTextEditor;
        if (!editor || editor.selection.isEmpty) continue;
        const { start, end } = editor.selection;
        out.push({ kind: "selection", path: workspacePath(editor.document.uri), startLine: start.line, endLine: end.line, text: editor.document.getText(editor.selection) });
      } else {
        const text = formatProblems();
        if (text) out.push({ kind: "problems", text });
      }
    }
    return out;
  }
}

async function openDiff(checkpoint: string, path: string, label: string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return;
  await vscode.commands.executeCommand("vscode.diff", checkpointUri(checkpoint, path), vscode.Uri.joinPath(folder.uri, path), `${path} (${label})`, { preview: false });
}

function formatProblems(): string {
  const lines: string[] = [];
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    if (uri.scheme !== "file" && uri.scheme !== CHECKPOINT_SCHEME) continue;
    for (const d of diagnostics) {
      if (d.severity > vscode.DiagnosticSeverity.Warning) continue;
      const severity = d.severity === vscode.DiagnosticSeverity.Error ? "error" : "warning";
      lines.push(`${workspacePath(uri)}:${d.range.start.line + 1}: ${severity}: ${d.message}`);
      if (lines.length >= MAX_PROBLEMS) return lines.join("\n");
    }
  }
  return lines.join("\n");
}

function workspacePath(uri: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder ? relative(folder.uri.fsPath, uri.fsPath).split(sep).join("/") : uri.fsPath;
}

/** What an approval notification says: "edit calc.py", "run `npm test`". */
function reviewSummary(result: AgentRunResult): string {
  const files = plural(result.changedFiles.length, "file");
  if (result.stopReason === "finished" || result.stopReason === "answered") return `Hearth changed ${files}.`;
  return `Hearth changed ${files} before it stopped (${result.stopReason.replace(/-/g, " ")}).`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function shorten(text: string): string {
  const line = text.trim().split("\n")[0]!;
  return line.length > 50 ? `${line.slice(0, 49)}…` : line;
}

/** A file name from a conversation title. */
function fileNameFrom(title: string): string {
  return title.replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-|-$/g, "").slice(0, 60).toLowerCase() || "conversation";
}
