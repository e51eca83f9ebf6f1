/** The status bar item: the runtime's state at a glance; a click opens the log or the fix. */
import * as vscode from "vscode";
import type { RuntimeConnection } from "../protocol/webview.ts";
import { lookFor } from "./status-look.ts";

export function createStatusBar(onDidChangeState: vscode.Event<RuntimeConnection>, initial: RuntimeConnection): vscode.Disposable {
  const item = vscode.window.createStatusBarItem("hearth.status", vscode.StatusBarAlignment.Left, 100);
  item.name = "Hearth";
  const render = (state: RuntimeConnection) => {
    const look = lookFor(state);
    item.text = look.text;
    item.tooltip = look.tooltip;
    item.command = look.command;
    item.backgroundColor = look.background ? new vscode.ThemeColor(`statusBarItem.${look.background}Background`) : undefined;
    item.show();
  };
  render(initial);
  return vscode.Disposable.from(item, onDidChangeState(render));
}
