/**
 * The chat's conversations: new, open from the history, delete, and Export / Import
 * Conversation (a Markdown file a teammate continues from).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { posix } from "node:path";
import * as vscode from "vscode";
import { ConversationExportRequest, ConversationForgetRequest, ConversationImportRequest } from "../../protocol/agent.ts";
import { CHAT_VIEW_ID } from "../../protocol/contributions.ts";
import { newTranscript } from "../../protocol/transcript.ts";
import { type ExportFileOps, exportFileName, exportParams, exportTemporaryName, importedTranscript, importSizeProblem, writeBeside, writeExport } from "./conversation-files.ts";
import { showFailure } from "../failure-notice.ts";
import { blockerActions, importBlocker } from "../request-failure.ts";
import type { ChatSession } from "./session.ts";

/** Starts an empty conversation (stopping a run in progress). */
export function newChat(chat: ChatSession): void {
  if (chat.running) chat.stop();
  chat.transcript = newTranscript(randomUUID());
  chat.showConversation();
}

/**
 * Opens a conversation from the history; not while a run is in progress. One that cannot be
 * shown (deleted in another window, a damaged file) is named with why, and the list redrawn.
 */
export async function openConversation(chat: ChatSession, id: string): Promise<void> {
  if (chat.running) return;
  const opened = await chat.store.open(id);
  if ("problem" in opened) {
    void vscode.window.showWarningMessage(`Hearth: ${opened.problem}`);
    return chat.showConversation();
  }
  if (chat.running) return;
  chat.transcript = opened.transcript;
  chat.showConversation();
}

/** Deletes a conversation here and in the runtime (which forgets its messages). */
export async function deleteConversation(chat: ChatSession, id: string, runningConversation: string | undefined): Promise<void> {
  if (runningConversation === id) chat.stop();
  await chat.store.delete(id);
  await chat.runtime.request(ConversationForgetRequest, { conversationId: id }).catch(() => undefined);
  if (chat.transcript.id === id) chat.transcript = newTranscript(randomUUID());
  chat.showConversation();
}

const EXPORT_FILES: ExportFileOps<vscode.Uri> = {
  writeFile: async (at, bytes) => vscode.workspace.fs.writeFile(at, bytes),
  rename: async (from, to) => vscode.workspace.fs.rename(from, to, { overwrite: true }),
  delete: async (at) => vscode.workspace.fs.delete(at),
};

/** "Export Conversation": the open conversation as a Markdown file a teammate can import. */
export async function exportConversation(chat: ChatSession): Promise<void> {
  const transcript = chat.transcript;
  const params = exportParams(transcript);
  if (!params) return void vscode.window.showInformationMessage("Hearth: this chat is empty; there is nothing to export yet.");
  const folder = chat.folders.folder?.uri;
  const target = await vscode.window.showSaveDialog({
    title: "Export Conversation",
    filters: { Markdown: ["md"] },
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, exportFileName(transcript.title)) } : {}),
  });
  if (!target) return;
  const done = await writeExport({
    ask: () => chat.runtime.request(ConversationExportRequest, params),
    confirmSecrets: async (secretFiles) => {
      const names = secretFiles.slice(0, 3).join(", ") + (secretFiles.length > 3 ? ` and ${secretFiles.length - 3} more` : "");
      const pick = await vscode.window.showWarningMessage(
        `This conversation holds what Hearth read or wrote of ${names}, which look${secretFiles.length === 1 ? "s" : ""} like holding secrets (keys, tokens, passwords): anyone who gets the export can read them. Export anyway?`,
        { modal: true },
        "Export Anyway",
      );
      return pick === "Export Anyway";
    },
    write: (markdown) => writeBeside(EXPORT_FILES, target, vscode.Uri.joinPath(target, "..", exportTemporaryName(posix.basename(target.path), randomBytes(6).toString("hex"))), new TextEncoder().encode(markdown)),
  });
  if ("problem" in done) return void vscode.window.showErrorMessage(`Hearth could not export “${transcript.title}” to ${vscode.workspace.asRelativePath(target)}: ${done.problem}`);
  if (done.outcome === "declined") return;
  const exported = `Hearth: exported “${transcript.title}” to ${vscode.workspace.asRelativePath(target)}. A teammate continues it with "Hearth: Import Conversation…".`;
  if (done.patchLeftOut) return void vscode.window.showWarningMessage(`${exported} ${done.patchLeftOut}`);
  void vscode.window.showInformationMessage(exported);
}

/** An export, or a conversation file Hearth set aside (the chat names it: `<id>.older-hearth-<time>.json` and the like). */
const IMPORT_FILTERS = { "Hearth conversation": ["md", "json"], Markdown: ["md"], "Saved conversation": ["json"] };

/** "Import Conversation": opens an exported file as a new chat that continues where it left off. */
export async function importConversation(chat: ChatSession, file?: vscode.Uri): Promise<void> {
  // No folder open: the chat could not continue it, and opening a folder reloads the window (the imported chat gone).
  const blocker = importBlocker(chat.folders.folder?.uri.fsPath);
  if (blocker) return showFailure(blocker.reason, blockerActions(blocker));
  const uri = file ?? (await vscode.window.showOpenDialog({ title: "Import Conversation", filters: IMPORT_FILTERS, canSelectMany: false }))?.[0];
  if (!uri) return;
  if (chat.running) return void vscode.window.showWarningMessage("Stop the running reply before importing a conversation.");
  const tooLarge = importSizeProblem((await vscode.workspace.fs.stat(uri)).size);
  if (tooLarge) return void vscode.window.showErrorMessage(`Hearth could not import ${vscode.workspace.asRelativePath(uri)}: ${tooLarge}`);
  const markdown = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const id = randomUUID();
  let imported;
  try {
    imported = await chat.runtime.request(ConversationImportRequest, { conversationId: id, markdown });
  } catch (error) {
    return void vscode.window.showErrorMessage(`Hearth could not import ${vscode.workspace.asRelativePath(uri)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const transcript = importedTranscript(id, imported, vscode.workspace.asRelativePath(uri));
  chat.transcript = transcript;
  chat.store.save(transcript);
  await chat.store.flush();
  await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
  chat.showConversation();
}
