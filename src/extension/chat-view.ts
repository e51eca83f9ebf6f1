/**
 * The "Chat" webview view in Hearth's activity-bar container: serves the page (strict CSP:
 * nonce'd script, no remote resources), posts the runtime's state and the conversation,
 * and hands the page's messages — checked, they are untrusted — to the ChatController.
 */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { CHAT_VIEW_ID, COMMANDS } from "../protocol/contributions.ts";
import { ModelCatalogRequest, SystemInfoRequest } from "../protocol/lsp-ext.ts";
import type { SystemInfo } from "../protocol/status.ts";
import { type ToWebview, isFromWebview } from "../protocol/webview.ts";
import { readSettings } from "./config.ts";
import { type DownloadProgress, onDidChangeDownload } from "./model-ui.ts";
import { folderOfItem, linkInFolder } from "./folder-paths.ts";
import { visibleText } from "../protocol/visible-text.ts";
import type { ChatController } from "./chat/controller.ts";
import type { RuntimeClient } from "./runtime-client.ts";
import type { FolderChoice } from "./workspace-folder.ts";

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private system: SystemInfo | undefined;
  private probing = false;
  private download: DownloadProgress | undefined;
  private recommended: { name: string; sizeBytes: number; fits: boolean; reason: string } | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runtime: RuntimeClient,
    private readonly chat: ChatController,
  ) {
    this.disposables.push(
      chat.onDidPost((message) => void this.view?.webview.postMessage(message)),
      runtime.onDidChangeState(() => {
        this.postState();
        this.probeSystem();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration("hearth") && this.postState()),
      // "api (1 of 2 folders)" appears when a folder is added, though Hearth stays where it works.
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.postState()),
      onDidChangeDownload((download) => {
        this.download = download;
        this.postState();
      }),
    );
  }

  static register(extensionUri: vscode.Uri, runtime: RuntimeClient, chat: ChatController): vscode.Disposable {
    const provider = new ChatViewProvider(extensionUri, runtime, chat);
    return vscode.Disposable.from(provider, vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, provider));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const webview = view.webview;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "out"), vscode.Uri.joinPath(this.extensionUri, "media")] };
    webview.html = this.html(webview);
    this.disposables.push(
      webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)),
      view.onDidChangeVisibility(() => {
        this.chat.viewVisible = view.visible;
        if (view.visible) this.postAll();
      }),
      view.onDidDispose(() => {
        this.view = undefined;
        this.chat.viewVisible = false;
      }),
    );
    this.chat.viewVisible = view.visible;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private onMessage(message: unknown): void {
    const commandNames = Object.keys(COMMANDS);
    if (!isFromWebview(message, commandNames)) return; // untrusted input: ignore anything else
    const chat = this.chat;
    switch (message.type) {
      case "ready":
        return this.postAll();
      case "runCommand":
        return void vscode.commands.executeCommand(COMMANDS[message.command].id);
      case "send":
        return void chat.send(message.text, message.mentions);
      case "stop":
        return chat.stop();
      case "approve":
        return chat.approve(message.callId, message.approved);
      case "mentionQuery":
        return void chat.mentions(message.requestId, message.query).then((answer) => this.view?.webview.postMessage(answer));
      case "newChat":
        return chat.newChat();
      case "openConversation":
        return chat.open(message.id);
      case "deleteConversation":
        return void chat.delete(message.id);
      case "restore":
        return void chat.restore(message.itemId);
      case "code":
        return void chat.code(message.action, message.code);
      case "review":
        return void chat.review(message.action, message.reviewId, message.path);
      case "openDiff":
        return void chat.openItemDiff(message.itemId);
      case "openFile":
        // Relative to the folder the conversation's agent worked in (the window may have several).
        return void openWorkspaceFile(chat.folders, chat.folders.folderFor(folderOfItem(chat.transcript.items)), message.path, message.line);
    }
  }

  private postAll(): void {
    this.postState();
    void this.view?.webview.postMessage(this.chat.snapshot());
  }

  /** Asks the runtime once which GPU/CPU it runs on (it loads node-llama-cpp's binaries for that). */
  private probeSystem(): void {
    if (this.system || this.probing || this.runtime.state.kind !== "running") return;
    this.probing = true;
    this.runtime
      .request(SystemInfoRequest)
      .then((system) => {
        this.system = system;
        this.postState();
        return this.runtime.request(ModelCatalogRequest);
      })
      .then((catalog) => {
        // What the Download button fetches, with its size ("Download Qwen3.6-35B-A3B Q4_K_M (19.7 GiB)"),
        // and whether it fits this machine at all (no Download button for one that does not).
        const { preset, quantization, fits, reason } = catalog.recommendation;
        const info = catalog.presets.find((p) => p.id === preset);
        const quant = info?.quantizations.find((q) => q.id === quantization);
        if (info && quant) this.recommended = { name: `${info.name} ${quant.id}`, sizeBytes: quant.sizeBytes, fits, reason };
        this.postState();
      })
      .catch(() => undefined) // the runtime restarted meanwhile: the next "running" state asks again
      .finally(() => (this.probing = false));
  }

  private postState(): void {
    const message: ToWebview = {
      type: "state",
      runtime: this.runtime.state,
      inlineCompletions: readSettings().inlineCompletionsEnabled,
      system: this.system,
      ...(this.download ? { download: this.download } : {}),
      ...(this.recommended ? { recommended: this.recommended } : {}),
      ...(this.chat.folders.label ? { folder: this.chat.folders.label } : {}),
    };
    void this.view?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString("base64");
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...path)).toString();
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset("media", "chat.css")}">
<title>Hearth</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="muted">Connecting to Hearth…</p></main>
<script nonce="${nonce}" src="${asset("out", "webview.js")}"></script>
</body>
</html>`;
  }
}

/**
 * Opens a file the transcript names — relative to the folder, or absolute under it as the
 * agent's tools take it — and never anything outside the folder; says why when it cannot.
 */
async function openWorkspaceFile(folders: FolderChoice, folder: vscode.WorkspaceFolder | undefined, path: string, line?: number): Promise<void> {
  if (!folder) return void vscode.window.showWarningMessage(`Hearth could not open ${visibleText(path, true)}: the folder this conversation worked in is not open.`);
  const relative = linkInFolder(folder.uri.fsPath, path);
  if (relative === undefined) return void vscode.window.showWarningMessage(`Hearth opens only files in ${folders.nameOf(folder)}: ${visibleText(path, true)} is not one.`);
  const uri = vscode.Uri.joinPath(folder.uri, relative);
  const position = new vscode.Position(Math.max(0, (line ?? 1) - 1), 0);
  try {
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(position, position), preview: true });
  } catch (error) {
    void vscode.window.showWarningMessage(`Hearth could not open ${relative} in ${folders.nameOf(folder)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
