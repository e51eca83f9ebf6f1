/**
 * Checkpoints and reviews in the chat: "Restore checkpoint" on a message, "Undo this step"
 * and "Open diff" on a tool card, and a review's Open / Accept / Reject per file or all.
 * Which files each acts on is decided in review-plan.ts; this asks and opens the editors.
 */
import * as vscode from "vscode";
import { CheckpointRestoreRequest, type CheckpointRestoreResult } from "../../protocol/agent.ts";
import type { ReviewAction } from "../../protocol/webview.ts";
import { checkpointUri } from "../checkpoint-documents.ts";
import { folderOfItem } from "../folder-paths.ts";
import { decisionPaths, diffBase, diffsToOpen, filesToOpen, findReview, laterChangesQuestion, notRestoredNotice, restoredNotice, restoreTarget } from "./review-plan.ts";
import type { ChatSession } from "./session.ts";

/** "Restore checkpoint" on a message (files and conversation) or "Undo this step" on a tool card (its files). */
export async function restore(chat: ChatSession, itemId: string): Promise<void> {
  if (chat.running) return void vscode.window.showWarningMessage("Stop the running reply before restoring a checkpoint.");
  const target = restoreTarget(chat.transcript.items.find((i) => i.id === itemId));
  if (!target || elsewhere(chat, itemId)) return;
  if (target.kind === "message") {
    const pick = await vscode.window.showWarningMessage(
      "Restore the workspace to before this message? Files Hearth changed since then go back, and the conversation continues from here.",
      { modal: true },
      "Restore",
    );
    if (pick !== "Restore") return;
    const result = await restoreFiles(chat, target.checkpoint, undefined, { conversationId: chat.transcript.id, messageIndex: target.messageIndex });
    if (!result) return;
    chat.apply({ type: "rewound", itemId });
    chat.apply({ type: "notice", level: "info", text: restoredNotice(target, result.restoredFiles) });
    if (result.rewindNotSaved) chat.apply({ type: "notice", level: "warning", text: result.rewindNotSaved });
    noticeNotRestored(chat, result);
  } else {
    const result = await restoreFiles(chat, target.checkpoint, target.paths, undefined, target.after ? { expect: target.after, action: "undo" } : undefined);
    if (!result) return;
    if (result.restoredFiles.length || !result.notRestored?.length) chat.apply({ type: "notice", level: "info", text: restoredNotice(target, result.restoredFiles) });
    noticeNotRestored(chat, result);
  }
}

/** A review's buttons: open the diffs, accept (nothing to do on disk) or reject (restore those files). */
export async function review(chat: ChatSession, action: ReviewAction, reviewId: string, path?: string): Promise<void> {
  const item = findReview(chat.transcript.items, reviewId);
  if (!item) return;
  if (action === "open") {
    return openDiffs(chat, reviewId, (file) => diffBase(item, file), filesToOpen(item, path), "before Hearth ↔ now");
  }
  const paths = decisionPaths(item, action, path);
  if (paths.length === 0) return;
  if (action === "accept") return chat.apply({ type: "reviewDecision", reviewId, paths, state: "accepted" });
  if (elsewhere(chat, reviewId)) return;
  const result = await restoreFiles(chat, item.checkpoint, paths, undefined, item.after ? { expect: item.after, action: "reject" } : undefined);
  if (!result) return;
  // A file left as it is stays pending: it was not rejected on disk.
  const left = new Set(result.notRestored?.map((f) => f.path));
  const rejected = paths.filter((p) => !left.has(p));
  if (rejected.length) chat.apply({ type: "reviewDecision", reviewId, paths: rejected, state: "rejected" });
  noticeNotRestored(chat, result);
}

/** A warning in the chat naming the changed files a restore left as they are, and why. */
function noticeNotRestored(chat: ChatSession, result: CheckpointRestoreResult): void {
  if (result.notRestored?.length) chat.apply({ type: "notice", level: "warning", text: notRestoredNotice(result.notRestored) });
}

/** Opens the diff of a tool card's change (before the call ↔ now). */
export async function openItemDiff(chat: ChatSession, itemId: string): Promise<void> {
  const item = chat.transcript.items.find((i) => i.id === itemId);
  if (item?.kind !== "tool" || !item.checkpoint) return;
  const checkpoint = item.checkpoint;
  await openDiffs(chat, itemId, () => checkpoint, item.changedFiles ?? [], `before ${item.name} ↔ now`);
}

/** The first few diffs; past them a notice that says so, and the changed files in a quick pick to open others one at a time. */
async function openDiffs(chat: ChatSession, itemId: string, base: (path: string) => string, paths: readonly string[], label: string): Promise<void> {
  const plan = diffsToOpen(paths);
  for (const path of plan.open) await openDiff(chat, itemId, base(path), path, label);
  if (!plan.notice) return;
  const choose = "Choose Files…";
  if ((await vscode.window.showInformationMessage(plan.notice, choose)) !== choose) return;
  const title = `${plan.offered.length.toLocaleString("en-US")} files changed (${label})`;
  for (;;) {
    const path = await vscode.window.showQuickPick(plan.offered, { title, placeHolder: "A file to open the diff of (Escape to stop)" });
    if (path === undefined) return;
    await openDiff(chat, itemId, base(path), path, label);
  }
}

/**
 * Restores through the runtime; undefined when it failed or the user kept the files. `check`:
 * the checkpoint of how the step or run left the files — those changed since (a later step,
 * the user's own edits) are restored only after a yes.
 */
async function restoreFiles(
  chat: ChatSession,
  checkpoint: string,
  paths?: readonly string[],
  rewind?: { conversationId: string; messageIndex: number },
  check?: { readonly expect: string; readonly action: "undo" | "reject" },
): Promise<CheckpointRestoreResult | undefined> {
  try {
    const request = { checkpoint, ...(paths ? { paths } : {}), ...rewind, ...(check ? { expect: check.expect } : {}) };
    let result = await chat.runtime.request(CheckpointRestoreRequest, request);
    if (check && result.changedSince?.length) {
      const question = laterChangesQuestion(check.action, result.changedSince, await notOnDisk(chat, result.changedSince));
      const pick = await vscode.window.showWarningMessage(question.message, { modal: true, detail: question.detail }, question.button);
      if (pick !== question.button) return undefined;
      result = await chat.runtime.request(CheckpointRestoreRequest, { ...request, force: true });
    }
    return result;
  } catch (error) {
    void vscode.window.showErrorMessage(`Hearth could not restore the checkpoint: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** Those of `paths` that are not in the folder now (renamed or deleted since): the question says a restore makes them again. */
async function notOnDisk(chat: ChatSession, paths: readonly string[]): Promise<Set<string>> {
  const folder = chat.folders.folder;
  if (!folder) return new Set();
  const gone = new Set<string>();
  for (const path of paths.slice(0, 1000)) {
    const there = await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder.uri, path)).then(() => true, () => false);
    if (!there) gone.add(path);
  }
  return gone;
}

/**
 * A conversation recorded in another folder than the one Hearth works in now: says so and
 * is true (its checkpoints are that folder's; a restore here would find none).
 */
function elsewhere(chat: ChatSession, itemId: string): boolean {
  const problem = chat.folders.elsewhere(folderOfItem(chat.transcript.items, itemId));
  if (problem) void vscode.window.showWarningMessage(problem);
  return problem !== undefined;
}

/** The checkpoint's file (the runtime reads it from its folder's checkpoints) beside the file now. */
async function openDiff(chat: ChatSession, itemId: string, checkpoint: string, path: string, label: string): Promise<void> {
  const folder = chat.folders.folder;
  if (!folder || elsewhere(chat, itemId)) return;
  await vscode.commands.executeCommand("vscode.diff", checkpointUri(checkpoint, path), vscode.Uri.joinPath(folder.uri, path), `${path} (${label})`, { preview: false });
}
