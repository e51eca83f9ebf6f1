/**
 * Agent runs from the chat: send a message (or an issue) to the runtime and stream its
 * events into the transcript, Stop, and the approvals the runtime asks for — answered on
 * the tool card, or in a notification while the view is hidden.
 */
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { AgentApproveRequest, type AgentMode, AgentRunRequest, type AgentRunResult } from "../../protocol/agent.ts";
import { COMMANDS } from "../../protocol/contributions.ts";
import { agentBlocker } from "../../protocol/readiness.ts";
import { describeCall } from "../../protocol/tool-display.ts";
import { visibleText } from "../../protocol/visible-text.ts";
import { answerAfterStop } from "../../protocol/wait.ts";
import type { Mention } from "../../protocol/webview.ts";
import type { Attachments } from "./attachments.ts";
import { chosenPython } from "../python-interpreter.ts";
import { interruptedReview, reviewEvent } from "./run-review.ts";
import { EndedRuns, busyRefusal, continuesConversation, folderGoneMessage, folderLeftWindow, lastAnsweredIndex, runFailedText } from "./run-start.ts";
import type { ChatSession } from "./session.ts";

interface ActiveRun {
  readonly runId: string;
  readonly conversationId: string;
  readonly cancel: vscode.CancellationTokenSource;
  /** Fired by Stop: the runtime has {@link STOP_ANSWER_MS} to answer from then. */
  readonly stopped: AbortController;
}

/**
 * How long after Stop the run waits for the runtime's answer. A runtime that is stopped (SIGSTOP)
 * or stuck in native code never answers the cancel, and Stop did nothing; a healthy one answers
 * it at its next token or prompt batch, well within this even on a slow CPU.
 */
const STOP_ANSWER_MS = 10_000;
const STOP_UNANSWERED = `Hearth's runtime did not answer the Stop within ${STOP_ANSWER_MS / 1000} s: it is stopped or stuck (in native code, most likely). Restart Runtime ends it.`;

export class Runs implements vscode.Disposable {
  private run: ActiveRun | undefined;
  /** Runs ended here: a runtime that wakes after Stop's limit still sends events of its run. */
  private readonly ended = new EndedRuns();
  private readonly approvals = new Map<string, (approved: boolean) => void>();
  private readonly runningChanged = new vscode.EventEmitter<boolean>();
  /** A run started (true) or ended (false), for the status bar. */
  readonly onDidChangeRunning = this.runningChanged.event;
  /** Set by the chat view: approvals go to a notification while it is hidden. */
  viewVisible = false;

  constructor(
    private readonly chat: ChatSession,
    private readonly attachments: Attachments,
  ) {
    chat.runtime.onRequest(AgentApproveRequest, (params, token) => {
      // The card came first (the runtime sends `approvalRequest` before it asks), carrying the tool's display.
      const item = chat.toolItem(params.conversationId, params.call.id);
      const question = describeCall(params.call.name, params.call.arguments, item?.display);
      const runs = item?.approvalRuns ? `, which runs ${visibleText(item.approvalRuns, true)}` : "";
      return this.askApproval(params.call.id, item?.approvalReason ? `${question}${runs} (asked because ${item.approvalReason})` : `${question}${runs}`, token);
    });
  }

  get running(): boolean {
    return this.run !== undefined;
  }

  /** Whether `runId` is a run that ended here (its answer came, or Stop's limit passed): its late events are not shown. */
  hasEnded(runId: string): boolean {
    return this.ended.has(runId);
  }

  /** The conversation the run in progress belongs to. */
  get runningConversation(): string | undefined {
    return this.run?.conversationId;
  }

  dispose(): void {
    this.run?.cancel.cancel();
    this.runningChanged.dispose();
  }

  /**
   * Sends a message (chat) or an issue (fix) and runs the agent until it is done; resolves
   * with the run's result, or undefined when the run could not start (the transcript says why).
   */
  async send(text: string, mentions: readonly Mention[], mode: AgentMode = "chat"): Promise<AgentRunResult | undefined> {
    // The chat's box cleared as it sent the message: one refused here goes back to it, not lost.
    const returned = mode === "chat" && text.trim() !== "";
    if (this.run) {
      void vscode.window.showWarningMessage(busyRefusal({ stopping: this.run.stopped.signal.aborted, returned }));
      if (returned) this.chat.returnDraft(text, mentions);
      return undefined;
    }
    if (!text.trim()) return undefined;
    if (this.blocked()) {
      if (returned) this.chat.returnDraft(text, mentions);
      return undefined;
    }
    const attachments = await this.attachments.resolve(mentions);
    const runId = randomUUID();
    const transcript = this.chat.transcript;
    const run: ActiveRun = { runId, conversationId: transcript.id, cancel: new vscode.CancellationTokenSource(), stopped: new AbortController() };
    const continues = continuesConversation(transcript.items);
    const lastAnswered = lastAnsweredIndex(transcript.items);
    this.run = run;
    this.runningChanged.fire(true);
    // Shown at once; the runtime's first event fills in its checkpoint.
    const folder = this.chat.folders.folder?.uri.toString();
    transcript.items.push({ kind: "user", id: `user-${Date.now().toString(36)}`, text, ...(attachments.length ? { attachments } : {}), ...(folder ? { folder } : {}) });
    this.chat.apply({ type: "runStart", runId }, transcript);
    this.chat.showConversation();
    try {
      // Read at each run (the user may pick another interpreter between messages), once the run is under way: the Python extension may take seconds to start.
      const python = await chosenPython(this.chat.folders.folder, (line) => this.chat.output.appendLine(line));
      const request = this.chat.runtime.request(AgentRunRequest, { runId, conversationId: transcript.id, text, mode, attachments, ...(continues ? { continues } : {}), ...(lastAnswered !== undefined ? { lastAnswered } : {}), ...(python ? { python } : {}) }, run.cancel.token);
      const result = await answerAfterStop(request, run.stopped.signal, STOP_ANSWER_MS, () => new Error(STOP_UNANSWERED));
      // The runtime stopped for the restart ends the run as if Stop was pressed ("Stopped."): say why.
      const cut = result.stopReason !== "finished" && result.stopReason !== "answered" && !run.stopped.signal.aborted;
      const gone = cut ? this.folderGone(folder) : undefined;
      if (gone) this.chat.apply({ type: "notice", level: "warning", text: gone }, transcript);
      const review = reviewEvent(result);
      if (review) this.chat.apply(review, transcript);
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.chat.output.appendLine(`[chat] run failed: ${message}`);
      this.chat.apply({ type: "runFailed", message: this.folderGone(folder) ?? runFailedText(error) }, transcript);
      // The runtime died mid-run (or never answered Stop): no end, so no review but the one its steps' cards make.
      const review = interruptedReview(transcript.items);
      if (review) this.chat.apply(review, transcript);
      return undefined;
    } finally {
      this.withdrawApprovals(); // a run that ended asks nothing more
      run.cancel.dispose();
      this.ended.add(runId);
      if (this.run === run) {
        this.run = undefined;
        this.runningChanged.fire(false);
      }
      if (transcript.runId === runId) transcript.runId = undefined;
      this.chat.store.save(transcript);
      await this.chat.store.flush();
    }
  }

  /** Why a run in `folder` stopped when that folder left the window (the runtime restarted elsewhere); undefined while it is open. */
  private folderGone(folder: string | undefined): string | undefined {
    const open = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString());
    return folder && folderLeftWindow(folder, open) ? folderGoneMessage(vscode.Uri.parse(folder).fsPath, this.chat.folders.folder?.name) : undefined;
  }

  /** Stop: cancels the run (generation included) and withdraws any open approval. */
  stop(): void {
    this.run?.cancel.cancel();
    this.run?.stopped.abort();
    this.withdrawApprovals();
  }

  approve(callId: string, approved: boolean): void {
    this.approvals.get(callId)?.(approved);
    this.approvals.delete(callId);
  }

  /**
   * No model or no runtime: refuse before the message is added, so the chat does not show
   * a turn that did nothing (and a red error for it); say why and offer the way out.
   */
  private blocked(): boolean {
    const blocker = agentBlocker(this.chat.runtime.state);
    if (!blocker) return false;
    const action = blocker.needsModel ? "Select Model…" : blocker.needsFolder ? "Open Folder…" : undefined;
    void vscode.window.showWarningMessage(blocker.reason, ...(action ? [action] : [])).then((pick) => {
      if (pick) void vscode.commands.executeCommand(blocker.needsFolder ? "vscode.openFolder" : COMMANDS.selectModel.id);
    });
    return true;
  }

  private withdrawApprovals(): void {
    for (const resolve of this.approvals.values()) resolve(false);
    this.approvals.clear();
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
            this.chat.apply({ type: "approval", callId, approved: pick === "Approve" });
            done(pick === "Approve");
          }
        });
      }
    });
  }
}
