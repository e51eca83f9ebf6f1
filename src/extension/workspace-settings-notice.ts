/**
 * Wires ignored-settings.ts: checks the workspace's settings at start, on every change of
 * Hearth's settings and when the folder is trusted, and shows what Hearth ignores with the
 * way out (the user's own settings, or Manage Workspace Trust).
 */
import * as vscode from "vscode";
import { type IgnoredWorkspaceValue, SETTINGS_SECTION } from "../protocol/settings.ts";
import { ignoredWorkspaceSettings } from "./config.ts";
import { IgnoredSettingsNotice } from "./ignored-settings.ts";
import { INTERPRETER_SETTING } from "./python-choice.ts";
import { ignoredPythonSetting } from "./python-interpreter.ts";
import { diskFolders, type FolderChoice } from "./workspace-folder.ts";

const OPEN_USER_SETTINGS = "Open User Settings";
const MANAGE_TRUST = "Manage Workspace Trust";
const OPEN_WORKSPACE_SETTINGS = "Open Workspace Settings";

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
  const action = notice.action === "trust" ? MANAGE_TRUST : notice.action === "workspaceSettings" ? OPEN_WORKSPACE_SETTINGS : OPEN_USER_SETTINGS;
  void vscode.window.showWarningMessage(notice.text, action).then((pick) => {
    if (pick === MANAGE_TRUST) void vscode.commands.executeCommand("workbench.trust.manage");
    else if (pick === OPEN_WORKSPACE_SETTINGS) void vscode.commands.executeCommand("workbench.action.openWorkspaceSettingsFile");
    else if (pick === OPEN_USER_SETTINGS) void vscode.commands.executeCommand("workbench.action.openGlobalSettings", notice.key.includes(".") ? notice.key : `${SETTINGS_SECTION}.${notice.key}`);
  });
}
