/**
 * Wires ignored-settings.ts: checks the workspace's settings at start, on every change of
 * Hearth's settings and when the folder is trusted, and shows what Hearth ignores with the
 * way out (the user's own settings, or Manage Workspace Trust).
 */
import * as vscode from "vscode";
import { type IgnoredWorkspaceValue, SETTINGS_SECTION } from "../protocol/settings.ts";
import { ignoredWorkspaceSettings } from "./config.ts";
import { IgnoredSettingsNotice, noticeButton } from "./ignored-settings.ts";
import { INTERPRETER_SETTING } from "./python-choice.ts";
import { ignoredPythonSetting } from "./python-interpreter.ts";
import { diskFolders, type FolderChoice } from "./workspace-folder.ts";

/** Starts watching; the first check runs now. `folders`: the folder Hearth works in, whose interpreter setting the runs read. */
export function registerWorkspaceSettingsNotice(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, folders: FolderChoice): vscode.Disposable {
  const notice = new IgnoredSettingsNotice({ store: context.workspaceState, show, log: (line) => output.appendLine(`[extension] ${line}`) });
  // In a window of several folders the notice names the folder ("This folder" named none of them).
  const name = () => (folders.folder && diskFolders().length > 1 ? folders.nameOf(folders.folder) : undefined);
  const check = () => void notice.tell([...ignoredWorkspaceSettings(), ...ignoredPythonSetting(folders.folder, name())]);
  check();
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration(SETTINGS_SECTION) || e.affectsConfiguration(INTERPRETER_SETTING)) && check()),
    vscode.workspace.onDidGrantWorkspaceTrust(check),
    // Hearth moved to another folder (Choose Folder…, its folder removed): that folder's interpreter setting is the one its runs read.
    folders.onDidChange(check),
  );
}

function show(notice: IgnoredWorkspaceValue): void {
  const button = noticeButton(notice);
  void vscode.window.showWarningMessage(notice.text, button.label).then((pick) => {
    if (pick === button.label) void vscode.commands.executeCommand(button.command, ...button.args);
  });
}
