/**
 * "Fix This Issue": the issue text comes from the editor selection, an input box, or a
 * GitHub issue URL (fetched with VS Code's GitHub sign-in); the agent runs in the chat
 * with a progress notification (Cancel stops it), and the end is a review: changed files,
 * each in a diff editor, Accept / Reject per file or all, and the test result.
 */
import * as vscode from "vscode";
import type { ChatController } from "./chat/controller.ts";
import { FIX_HERE_ANYWAY, fixEndMessage, type IssueToFix, issueForFolder, issueTooLong, runtimeRunsIn, STOP_AND_FIX, startFixConversation } from "./chat/fix-start.ts";
import { CHAT_VIEW_ID } from "../protocol/contributions.ts";
import { type FetchedIssue, fetchGitHubIssueDetails, type GitHubIssueRef, IssueFetchError, parseGitHubIssueUrl, unfetchableIssueUrl } from "../github/github-issue.ts";
import { readGitRemotes } from "../github/git-remotes.ts";
import { diskFolders } from "./workspace-folder.ts";

/** Asks VS Code's GitHub sign-in for a token: silently first, then (when `ask`) with the sign-in flow. */
async function githubToken(ask: boolean): Promise<string | undefined> {
  try {
    const session = await vscode.authentication.getSession("github", ["repo"], ask ? { createIfNone: true } : { silent: true });
    return session?.accessToken;
  } catch {
    return undefined; // no GitHub provider in this editor, or the user declined
  }
}

/** The command: gathers the issue, runs the fix in the chat, then offers the review. */
export async function fixIssueCommand(chat: ChatController, issueFromArgs?: string): Promise<void> {
  // A URL passed by another command goes the way a pasted one does: fetched, and checked.
  const issue = issueFromArgs?.trim() ? await resolveIssue(chat, issueFromArgs.trim()) : await issueText(chat);
  if (!issue) return;
  const tooLong = issueTooLong(issue.text);
  if (tooLong) return void vscode.window.showWarningMessage(`Hearth: ${tooLong}`);
  if (issue.note) void vscode.window.showInformationMessage(`Hearth: ${issue.note}`);
  await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
  const ask = async (question: string) => (await vscode.window.showWarningMessage(question, { modal: true }, STOP_AND_FIX)) === STOP_AND_FIX;
  if (!(await startFixConversation(chat, ask))) return;
  if (issue.folder && !(await workIn(chat, issue.folder))) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "Hearth is fixing the issue", cancellable: true },
    async (progress, token) => {
      token.onCancellationRequested(() => chat.stop());
      progress.report({ message: "the agent is working; follow it in the chat" });
      return chat.send(issue.text, [], "fix");
    },
  );
  if (!result) return;
  const { text, warning } = fixEndMessage(result);
  void (warning ? vscode.window.showWarningMessage(text) : vscode.window.showInformationMessage(text));
}

/**
 * Moves Hearth to `folder` (the clone of the issue's repository the user chose to fix it in)
 * and waits for its runtime there; false, said why, when the folder left the window or the
 * runtime did not start.
 */
async function workIn(chat: ChatController, folder: vscode.WorkspaceFolder): Promise<boolean> {
  if (!(await chat.folders.choose(folder)) || !chat.folders.isCurrent(folder)) {
    void vscode.window.showWarningMessage(`Hearth: ${chat.folders.nameOf(folder)} is no longer a folder of this window; the issue was not fixed.`);
    return false;
  }
  const state = await runtimeRunsIn(chat.runtime, chat.folders, folder, folder.uri.fsPath);
  if (state === "running") return true;
  void vscode.window.showWarningMessage(`Hearth: ${state}; the issue was not fixed.`);
  return false;
}

/** The selection in the active editor, else an input box that also takes a GitHub issue URL. */
async function issueText(chat: ChatController): Promise<IssueToFix<vscode.WorkspaceFolder> | undefined> {
  const editor = vscode.window.activeTextEditor;
  const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection).trim() : "";
  const input = selected || (await vscode.window.showInputBox({
    title: "Hearth: Fix This Issue",
    prompt: "Describe the problem, or paste a GitHub issue URL",
    placeHolder: "e.g. add(2, 3) returns -1   or   https://github.com/owner/repo/issues/42",
    ignoreFocusOut: true,
  }))?.trim();
  return input ? resolveIssue(chat, input) : undefined;
}

/**
 * The issue's text for the agent: the text itself, or a GitHub issue's, fetched — and only
 * after a yes when the issue is of another repository than the folder Hearth works in
 * (asked before the fetch where the URL says so; see issueForFolder). The remotes are read
 * from the config files: no git runs.
 */
async function resolveIssue(chat: ChatController, input: string): Promise<IssueToFix<vscode.WorkspaceFolder> | undefined> {
  const unfetchable = unfetchableIssueUrl(input);
  if (unfetchable) return void vscode.window.showWarningMessage(`Hearth: ${unfetchable}`);
  const ref = parseGitHubIssueUrl(input);
  if (!ref) return { text: input };
  // A folder not on disk (a virtual one) or none: nothing to compare.
  const folder = chat.folders.folder?.uri.scheme === "file" ? chat.folders.folder : undefined;
  const others = diskFolders().filter((f) => !chat.folders.isCurrent(f));
  return issueForFolder(ref, {
    folderName: folder ? chat.folders.nameOf(folder) : "",
    remotes: folder ? await readGitRemotes(folder.uri.fsPath) : undefined,
    others: await Promise.all(others.map(async (f) => ({ folder: f, name: chat.folders.nameOf(f), remotes: await readGitRemotes(f.uri.fsPath) }))),
    fetch: () => fetchIssue(ref),
    ask: async ({ message, detail, answers = [FIX_HERE_ANYWAY] }) => vscode.window.showWarningMessage(message, { modal: true, detail }, ...answers),
  });
}

/** The issue fetched under a cancellable progress, with sign-in offered for a private one; undefined when it could not be (said so) or was cancelled. */
async function fetchIssue(ref: GitHubIssueRef): Promise<FetchedIssue | undefined> {
  const progress = { location: vscode.ProgressLocation.Notification, title: `Fetching ${ref.owner}/${ref.repo}#${ref.number}…`, cancellable: true };
  return vscode.window.withProgress(progress, async (_, token) => {
    const cancel = new AbortController();
    token.onCancellationRequested(() => cancel.abort());
    try {
      return await fetchGitHubIssueDetails(ref, { token: await githubToken(false), signal: cancel.signal });
    } catch (error) {
      if (cancel.signal.aborted) return undefined; // the user cancelled: nothing to say
      if (!(error instanceof IssueFetchError)) throw error;
      // Private repositories need a signed-in account: offer it once.
      const signIn = /Sign in/.test(error.message) ? await vscode.window.showWarningMessage(error.message, "Sign in to GitHub") : undefined;
      if (signIn) {
        const token = await githubToken(true);
        if (token) {
          try {
            return await fetchGitHubIssueDetails(ref, { token, signal: cancel.signal });
          } catch (again) {
            if (cancel.signal.aborted) return undefined;
            if (!(again instanceof IssueFetchError)) throw again;
            void vscode.window.showErrorMessage(again.message);
            return undefined;
          }
        }
        void vscode.window.showErrorMessage("Hearth: GitHub sign-in is not available here. Paste the issue text instead.");
      } else if (!/Sign in/.test(error.message)) {
        void vscode.window.showErrorMessage(error.message);
      }
      return undefined;
    }
  });
}
