/** The status bar item: the runtime's state at a glance; a click opens the log or the fix. */
import * as vscode from "vscode";
import type { RuntimeConnection } from "../protocol/webview.ts";
import { type DownloadProgress, onDidChangeDownload } from "./model-ui.ts";
import { type Activity, lookFor } from "./status-look.ts";

/** A reply in progress (the chat controller), so the item can say "working". */
export interface RunActivity {
  readonly running: boolean;
  readonly onDidChangeRunning: vscode.Event<boolean>;
}

export function createStatusBar(onDidChangeState: vscode.Event<RuntimeConnection>, initial: RuntimeConnection, runs?: RunActivity): vscode.Disposable {
  const item = vscode.window.createStatusBarItem("hearth.status", vscode.StatusBarAlignment.Left, 100);
  item.name = "Hearth";
  let state = initial;
  let download: DownloadProgress | undefined;
  const render = () => {
    const activity: Activity = { ...(download ? { download } : {}), running: runs?.running ?? false };
    const look = lookFor(state, activity);
    item.text = look.text;
    item.tooltip = look.tooltip;
    item.command = look.command;
    item.backgroundColor = look.background ? new vscode.ThemeColor(`statusBarItem.${look.background}Background`) : undefined;
    item.show();
  };
  render();
  return vscode.Disposable.from(
    item,
    onDidChangeState((next) => {
      state = next;
      render();
    }),
    onDidChangeDownload((next) => {
      download = next;
      render();
    }),
    ...(runs ? [runs.onDidChangeRunning(render)] : []),
  );
}
