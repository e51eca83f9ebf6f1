/** Shows a failure (`request-failure.ts`) with its buttons and runs the one the user picks. */
import * as vscode from "vscode";
import { COMMANDS } from "../protocol/contributions.ts";
import type { FailureAction } from "./request-failure.ts";

type Steps = Partial<Record<FailureAction, () => Thenable<unknown>>>;

const COMMON: Steps = {
  "Restart Runtime": () => vscode.commands.executeCommand(COMMANDS.restartRuntime.id),
  "Show Log": () => vscode.commands.executeCommand(COMMANDS.showLog.id),
  "Open Folder…": () => vscode.commands.executeCommand("vscode.openFolder"),
  "Download Model…": () => vscode.commands.executeCommand(COMMANDS.downloadModel.id),
  "Open User Settings": () => vscode.commands.executeCommand("workbench.action.openSettingsJson"),
};

/** `steps` runs the buttons only the caller knows (Choose GGUF File…, Use Server URL…). */
export async function showFailure(message: string, actions: readonly FailureAction[], options: { error?: boolean; steps?: Steps } = {}): Promise<void> {
  const pick = await (options.error ? vscode.window.showErrorMessage(message, ...actions) : vscode.window.showWarningMessage(message, ...actions));
  if (pick) await (options.steps?.[pick] ?? COMMON[pick])?.();
}
