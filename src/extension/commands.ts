/**
 * Hearth's commands, each a `(ctx) => handler` factory. A command that needs something
 * this build does not have says so plainly: none is a silent no-op.
 */
import * as vscode from "vscode";
import { ResponseError } from "vscode-languageclient/node";
import { CHAT_VIEW_ID, COMMANDS, type CommandName } from "../protocol/contributions.ts";
import { ModelLoadRequest, ReindexRequest } from "../protocol/lsp-ext.ts";
import { MODEL_PRESETS, type ModelPreset } from "../protocol/settings.ts";
import { serverUrlProblem } from "../protocol/server-url.ts";
import type { ChatController } from "./chat/controller.ts";
import { stopRunFirst } from "./chat/run-start.ts";
import { readSettings, updateSetting } from "./config.ts";
import { fixIssueCommand } from "./fix-issue.ts";
import type { InlineCompletions } from "./inline-completions.ts";
import { type MemoryNode, type MemoryView, addMemory, editMemory, forgetMemory } from "./memory-view.ts";
import { type ModelChoice, checkAgain, modelPickState, workspaceServerEntry } from "./model-picks.ts";
import { downloadCudaInteractively, downloadModelInteractively, manageDownloadedModels } from "./model-ui.ts";
import { type Blocker, agentBlocker } from "../protocol/readiness.ts";
import type { RuntimeClient } from "./runtime-client.ts";
import { showFailure } from "./failure-notice.ts";
import { blockerActions, commandFailure, indexedMessage, reindexBlocker, requestNotice } from "./request-failure.ts";
import { type ServerKeys, clearedKeyMessage, serverOrigin } from "./server-key.ts";
import { type FolderChoice, diskFolders } from "./workspace-folder.ts";
import { folderOnDisk } from "./folder-paths.ts";
import type { ServerConsent } from "./server-consent.ts";

export interface CommandContext {
  readonly runtime: RuntimeClient;
  readonly output: vscode.LogOutputChannel;
  readonly chat: ChatController;
  readonly memory: MemoryView;
  readonly serverKeys: ServerKeys;
  readonly completions: InlineCompletions;
  readonly folders: FolderChoice;
  readonly serverConsent: ServerConsent;
}

type Factory = (ctx: CommandContext) => (...args: unknown[]) => Promise<unknown> | unknown;

const PRESET_LABELS: Record<Exclude<ModelPreset, "custom">, string> = {
  "qwen3.6-35b-a3b": "Qwen3.6-35B-A3B — newest, mixture of experts, fast on most GPUs",
  "qwen3.6-27b": "Qwen3.6-27B — newest, dense, stronger per token, needs more VRAM",
  "qwen3.5-35b-a3b": "Qwen3.5-35B-A3B — mixture of experts, fast on most GPUs",
  "qwen3.5-27b": "Qwen3.5-27B — dense, stronger per token, needs more VRAM",
};

/**
 * Fix This Issue refuses before it asks for the issue when no run could start (no model,
 * runtime down): the reason and the ways to get a model, and the open chat is left alone.
 */
const fixIssue: Factory = (ctx) => async (issue?: unknown) => {
  const blocker = agentBlocker(ctx.runtime.state, "notice");
  if (blocker) return offerModelChoices(blocker);
  return fixIssueCommand(ctx.chat, typeof issue === "string" ? issue : undefined);
};

/** A notification with the reason and the next step: the three ways to get a model, Open Folder…, or Restart Runtime. */
export function offerModelChoices(blocker: Blocker): Promise<void> {
  return showFailure(blocker.reason, blockerActions(blocker), { steps: { "Choose GGUF File…": () => chooseGgufFile(), "Use Server URL…": enterServerUrl } });
}

const manageModels: Factory = (ctx) => () => manageDownloadedModels(ctx.runtime);

const exportConversation: Factory = (ctx) => () => ctx.chat.exportConversation();
const importConversation: Factory = (ctx) => (file?: unknown) => ctx.chat.importConversation(file instanceof vscode.Uri ? file : undefined);

const newChat: Factory = (ctx) => async () => {
  await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
  ctx.chat.newChat();
};

/** Select Model: "loaded" only beside the model that is loaded, "selected, not loaded" beside the chosen one that is not. */
const selectModel: Factory = (ctx) => async () => {
  const current = readSettings();
  const choice: ModelChoice = current;
  const state = ctx.runtime.state;
  type Pick = vscode.QuickPickItem & { run: () => Promise<void> };
  const presets: Pick[] = MODEL_PRESETS.filter((p): p is Exclude<ModelPreset, "custom"> => p !== "custom").map((preset) => ({
    label: PRESET_LABELS[preset].split(" — ")[0]!,
    detail: PRESET_LABELS[preset].split(" — ")[1],
    description: modelPickState({ kind: "preset", preset }, choice, state),
    run: async () => {
      await updateSetting("modelPreset", preset);
      await updateSetting("modelPath", "");
      await updateSetting("serverUrl", "");
    },
  }));
  const picks: Pick[] = [
    ...presets,
    { label: "$(file) Choose a GGUF file…", description: pickDescription(modelPickState({ kind: "file" }, choice, state), current.modelPath), run: () => chooseGgufFile(ctx.runtime) },
    { label: "$(globe) Use a server URL…", description: pickDescription(modelPickState({ kind: "server" }, choice, state), current.serverUrl), run: enterServerUrl },
    ...workspaceServerPick(ctx.serverConsent),
    // Every download stays one step away, also the ones not recommended for this machine (sizes and needs listed there).
    { label: "$(cloud-download) Download a model…", detail: "Each model with its size and the memory it needs", run: async () => void (await vscode.commands.executeCommand(COMMANDS.downloadModel.id)) },
  ];
  const pick = await vscode.window.showQuickPick(picks, { title: "Hearth: Select Model", placeHolder: "Which model should Hearth use?" });
  await pick?.run();
};

/** The workspace's server URL the user has not agreed to (or kept local): one pick away. */
function workspaceServerPick(consent: ServerConsent): (vscode.QuickPickItem & { run: () => Promise<void> })[] {
  const url = consent.pending;
  if (!url) return [];
  return [{ ...workspaceServerEntry(url), run: () => consent.decide(url, "use") }];
}

function pickDescription(state: string | undefined, value: string): string | undefined {
  return [state, value].filter(Boolean).join(" · ") || undefined;
}

/** `runtime`: Select Model's, which asks it to check a failed model chosen again (`checkAgain`). */
async function chooseGgufFile(runtime?: RuntimeClient): Promise<void> {
  const files = await vscode.window.showOpenDialog({
    title: "Choose a GGUF model file",
    canSelectMany: false,
    filters: { "GGUF models": ["gguf"], "All files": ["*"] },
  });
  if (!files?.[0]) return;
  const before = readSettings();
  await updateSetting("modelPreset", "custom");
  await updateSetting("modelPath", files[0].fsPath);
  await updateSetting("serverUrl", "");
  // The state follows as the runtime's status; a runtime that stops meanwhile says so itself.
  if (runtime && checkAgain(before, readSettings(), runtime.state)) void runtime.request(ModelLoadRequest, {}).catch(() => undefined);
}

async function enterServerUrl(): Promise<void> {
  const url = await vscode.window.showInputBox({
    title: "OpenAI-compatible server URL",
    prompt: "llama-server, vLLM, SGLang or Ollama, e.g. http://127.0.0.1:8080/v1",
    value: readSettings().serverUrl || "http://127.0.0.1:8080/v1",
    // Says what to write (a scheme, brackets round an IPv6 address, no password), not "Not a URL".
    validateInput: (value) => serverUrlProblem(value),
  });
  if (url) await updateSetting("serverUrl", url);
}

const chooseModelFile: Factory = (ctx) => () => chooseGgufFile(ctx.runtime);
const useServerUrl: Factory = () => () => enterServerUrl();

const downloadModel: Factory = (ctx) => async () => {
  try {
    await downloadModelInteractively(ctx.runtime, chooseFileOrServer);
  } catch (error) {
    if (error instanceof ResponseError && error.code === -32601) {
      // A runtime without model downloads (MethodNotFound): say so and offer the other ways.
      const pick = await vscode.window.showInformationMessage(
        "Hearth: this runtime cannot download models. Use a GGUF file you already have, or an OpenAI-compatible server.",
        "Choose GGUF File…",
        "Use Server URL…",
      );
      if (pick === "Choose GGUF File…") await chooseGgufFile();
      if (pick === "Use Server URL…") await enterServerUrl();
      return;
    }
    void showRequestFailure(error);
  }
};

async function chooseFileOrServer(): Promise<void> {
  const pick = await vscode.window.showQuickPick(["$(file) Choose a GGUF file…", "$(globe) Use a server URL…"], { title: "Hearth: use a model without downloading" });
  if (pick?.includes("GGUF")) await chooseGgufFile();
  if (pick?.includes("server")) await enterServerUrl();
}

const downloadCuda: Factory = (ctx) => () => downloadCudaInteractively(ctx.runtime);

const restartRuntime: Factory = (ctx) => () => ctx.runtime.restart();

const showLog: Factory = (ctx) => () => ctx.output.show(true);

/**
 * Choose Folder: the folder of a multi-root window Hearth works in (its runtime restarts
 * there; remembered for this workspace). With no folder open it is VS Code's Open Folder;
 * with one, it says Hearth works there. A run in progress is stopped only after asking.
 */
const chooseFolder: Factory = (ctx) => async () => {
  const folders = diskFolders();
  if (folders.length === 0) return vscode.commands.executeCommand("vscode.openFolder");
  if (folders.length === 1) {
    return void vscode.window.showInformationMessage(`Hearth works in ${folders[0]!.name}, the only folder open. Add folders to the workspace to choose among them.`);
  }
  const current = ctx.folders.folder;
  const items = folders.map((folder) => ({ label: folder.name, description: ctx.folders.isCurrent(folder) ? "Hearth works here" : folderOnDisk(folder.uri.fsPath) ? undefined : "not on disk", detail: folder.uri.fsPath, folder }));
  const pick = await vscode.window.showQuickPick(items, { title: "Hearth: the folder the agent works in and the index covers", placeHolder: current ? `Now: ${current.name}` : undefined });
  if (!pick || ctx.folders.isCurrent(pick.folder)) return;
  // Chosen, it would be passed over (FolderChoice works only in a folder on disk while one is): say why instead of nothing.
  if (!folderOnDisk(pick.folder.uri.fsPath)) {
    return void vscode.window.showWarningMessage(`Hearth: ${pick.folder.uri.fsPath} is not on disk (moved or deleted since the workspace was saved); Hearth works in ${current ? ctx.folders.nameOf(current) : "no folder"}. Put the folder back, or remove it from the workspace and add it where it is now, then choose it again.`);
  }
  const stop = "Stop and Switch";
  const ask = async () => (await vscode.window.showWarningMessage(`Hearth is working in ${current ? ctx.folders.nameOf(current) : "this folder"}. Stop the run and work in ${ctx.folders.nameOf(pick.folder)}?`, { modal: true }, stop)) === stop;
  // The runtime restarts only once the run has ended (its commands stopped, its conversation saved).
  if (!(await stopRunFirst(ctx.chat, ask))) return;
  if (await ctx.folders.choose(pick.folder)) return;
  const now = ctx.folders.folder ? `Hearth works in ${ctx.folders.nameOf(ctx.folders.folder)}` : "Hearth works in no folder";
  void vscode.window.showWarningMessage(`Hearth: ${pick.folder.name} is no longer a folder of this window; ${now}. Add it back to the workspace, then choose it again.`);
};

const reindexWorkspace: Factory = (ctx) => async () => {
  const blocker = reindexBlocker(ctx.runtime.state);
  if (blocker) return showFailure(blocker.reason, blockerActions(blocker));
  try {
    const result = await ctx.runtime.request(ReindexRequest, { force: true });
    void vscode.window.showInformationMessage(indexedMessage(result.files, ctx.folders.folder && ctx.folders.nameOf(ctx.folders.folder), diskFolders().length));
  } catch (error) {
    void showRequestFailure(error);
  }
};

const toggleInlineCompletions: Factory = (ctx) => () => ctx.completions.toggle();

const snoozeInlineCompletions: Factory = (ctx) => () => ctx.completions.menu();

const addMemoryCommand: Factory = (ctx) => () => addMemory(ctx.memory);
const editMemoryCommand: Factory = (ctx) => (node) => editMemory(ctx.memory, node as MemoryNode | undefined);
const forgetMemoryCommand: Factory = (ctx) => (node) => forgetMemory(ctx.memory, node as MemoryNode | undefined);

/** Asks for the key of the configured server (password box) and keeps it in SecretStorage only. */
const setServerApiKey: Factory = (ctx) => async () => {
  const origin = serverOrigin(readSettings().serverUrl);
  if (!origin) {
    const pick = await vscode.window.showInformationMessage("Hearth: set a server URL first (hearth.serverUrl); the key is kept for that server only.", "Use Server URL…");
    if (pick) await enterServerUrl();
    if (!serverOrigin(readSettings().serverUrl)) return;
  }
  const url = readSettings().serverUrl;
  const key = await vscode.window.showInputBox({
    title: `Hearth: API key for ${serverOrigin(url)}`,
    prompt: "Kept in VS Code's secret storage, sent only to this server, never written to settings.",
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : "Enter the key (or press Escape)"),
  });
  if (!key) return;
  await ctx.serverKeys.set(url, key);
  void vscode.window.showInformationMessage(`Hearth: API key saved for ${serverOrigin(url)}; the runtime restarts to use it.`);
};

const clearServerApiKey: Factory = (ctx) => async () => {
  const url = readSettings().serverUrl;
  const cleared = await ctx.serverKeys.clear(url);
  void vscode.window.showInformationMessage(clearedKeyMessage(url, cleared));
};

const FACTORIES: Record<CommandName, Factory> = {
  fixIssue,
  newChat,
  exportConversation,
  importConversation,
  selectModel,
  chooseModelFile,
  useServerUrl,
  downloadModel,
  downloadCuda,
  manageModels,
  restartRuntime,
  chooseFolder,
  showLog,
  reindexWorkspace,
  toggleInlineCompletions,
  addMemory: addMemoryCommand,
  editMemory: editMemoryCommand,
  forgetMemory: forgetMemoryCommand,
  setServerApiKey,
  clearServerApiKey,
  snoozeInlineCompletions,
};

export function registerCommands(ctx: CommandContext): vscode.Disposable {
  return vscode.Disposable.from(
    ...Object.entries(FACTORIES).map(([name, factory]) => {
      const { id, title } = COMMANDS[name as CommandName];
      return vscode.commands.registerCommand(id, caught(ctx, title, factory(ctx)));
    }),
  );
}

/** No command ends in VS Code's "Command … resulted in an error" dialog: what one throws is logged and said with the way on (commandFailure). */
function caught(ctx: CommandContext, title: string, handler: (...args: unknown[]) => unknown): (...args: unknown[]) => Promise<unknown> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      ctx.output.appendLine(`[extension] ${title}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      const failure = commandFailure(title, error);
      if (failure) void showFailure(failure.message, failure.actions, { error: true });
      return undefined;
    }
  };
}

/** A request that failed: its message, with Restart Runtime when the runtime is stopped, else Show Log. */
export async function showRequestFailure(error: unknown): Promise<void> {
  const failure = requestNotice(error);
  if (failure) await showFailure(`Hearth: ${failure.message}`, failure.actions);
}
