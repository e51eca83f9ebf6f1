/**
 * Extension entry point: wires the runtime client, the status bar, the chat view and the
 * commands. Every disposable goes through `context.subscriptions`. Activation must stay
 * cheap (target < 50 ms): the runtime starts in the background, never awaited here.
 */
import { performance } from "node:perf_hooks";
import * as vscode from "vscode";
import { ChatController } from "./chat/controller.ts";
import { ChatViewProvider } from "./chat-view.ts";
import { registerCheckpointDocuments } from "./checkpoint-documents.ts";
import { registerCommands } from "./commands.ts";
import { InlineCompletions } from "./inline-completions.ts";
import { registerMcpConsent } from "./mcp-bridge.ts";
import { registerLanguageModelProvider } from "./lm-provider.ts";
import { MemoryView } from "./memory-view.ts";
import { RuntimeClient } from "./runtime-client.ts";
import { ServerConsent } from "./server-consent.ts";
import { ServerKeys } from "./server-key.ts";
import { FolderChoice } from "./workspace-folder.ts";
import { createStatusBar } from "./status-bar.ts";
import { registerWorkspaceSettingsNotice } from "./workspace-settings-notice.ts";
import { registerModelReadyContext } from "./walkthrough.ts";

/** What `activate` returns: lets tests and other extensions read Hearth's state. */
export interface HearthApi {
  /** Milliseconds `activate()` took, start to end. */
  readonly activationMs: number;
  readonly runtime: RuntimeClient;
  readonly chat: ChatController;
}

export function activate(context: vscode.ExtensionContext): HearthApi {
  const started = performance.now();
  const output = vscode.window.createOutputChannel("Hearth", { log: true });
  const serverKeys = new ServerKeys(context.secrets);
  // Before the runtime reads any settings: a workspace's server URL counts only once agreed to.
  const serverConsent = new ServerConsent(context.workspaceState);
  const folders = new FolderChoice(context.workspaceState);
  const runtime = new RuntimeClient(context, output, serverKeys, folders);
  // The runtime's conversations (runtime-client.ts's storagePath): the history lists those other windows on this folder stored.
  const conversations = context.storageUri && vscode.Uri.joinPath(context.storageUri, "conversations").fsPath;
  const chat = new ChatController(runtime, context.workspaceState, output, folders, conversations);
  // A restart for a proxy change waits for the chat's run to end.
  runtime.restartsWaitFor(chat);
  const memory = new MemoryView(folders);
  const completions = new InlineCompletions(runtime);
  context.subscriptions.push(
    output,
    serverConsent,
    serverConsent.onDidChange(() => void runtime.settingsChanged()),
    folders,
    runtime,
    chat,
    memory,
    createStatusBar(runtime.onDidChangeState, runtime.state, chat),
    // The Welcome page walkthrough's "Choose a model" step is checked once a model is ready.
    registerModelReadyContext(runtime.onDidChangeState, runtime.state),
    ChatViewProvider.register(context.extensionUri, runtime, chat),
    registerCheckpointDocuments(runtime),
    completions,
    registerCommands({ runtime, output, chat, memory, serverKeys, completions, folders, serverConsent }),
    registerLanguageModelProvider(runtime, output),
    // What the workspace's settings set that Hearth does not apply is said, not dropped silently.
    registerWorkspaceSettingsNotice(context, output, folders),
  );
  registerMcpConsent(runtime, context);
  // Spawning the runtime is not activation's work: start it right after activate returns.
  setImmediate(() => {
    void runtime.start();
    void serverConsent.ask();
  });
  const activationMs = performance.now() - started;
  output.appendLine(`[extension] Hearth ${context.extension.packageJSON.version} activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, runtime, chat };
}

export function deactivate(): void {
  // Disposing context.subscriptions stops the runtime (shutdown, then kill after a grace period).
}
