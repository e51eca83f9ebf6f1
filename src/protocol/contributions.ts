/**
 * The extension's contributions, named once. `package.json` must declare exactly these
 * (a unit test compares them), and the webview refers to commands by these ids.
 */

export const VIEW_CONTAINER_ID = "hearth";
export const CHAT_VIEW_ID = "hearth.chat";
/** The Project Memory tree: rules files and memory entries of the workspace (src/protocol/memory.ts). */
export const MEMORY_VIEW_ID = "hearth.memory";
/** The Welcome page's walkthrough (package.json `contributes.walkthroughs`); VS Code names it `hearth.hearth#start`. */
export const WALKTHROUGH_ID = "start";
/**
 * Context key, true while a model is loaded and ready (src/extension/walkthrough.ts): the
 * walkthrough's "Choose a model" step is checked by a model that works, not by a picker opened.
 */
export const MODEL_READY_CONTEXT = "hearth.modelReady";

export interface CommandSpec {
  readonly id: string;
  readonly title: string;
}

export const COMMANDS = {
  fixIssue: { id: "hearth.fixIssue", title: "Fix This Issue…" },
  newChat: { id: "hearth.newChat", title: "New Chat" },
  exportConversation: { id: "hearth.exportConversation", title: "Export Conversation…" },
  importConversation: { id: "hearth.importConversation", title: "Import Conversation…" },
  selectModel: { id: "hearth.selectModel", title: "Select Model…" },
  /** The no-model card's Choose GGUF File… straight to the file dialog (it opened Select Model's list). */
  chooseModelFile: { id: "hearth.chooseModelFile", title: "Choose GGUF Model File…" },
  /** The no-model card's Use Server URL… straight to the URL box (it opened Select Model's list). */
  useServerUrl: { id: "hearth.useServerUrl", title: "Use Server URL…" },
  downloadModel: { id: "hearth.downloadModel", title: "Download Model…" },
  downloadCuda: { id: "hearth.downloadCuda", title: "Download CUDA Acceleration" },
  manageModels: { id: "hearth.manageModels", title: "Manage Downloaded Models…" },
  restartRuntime: { id: "hearth.restartRuntime", title: "Restart Runtime" },
  chooseFolder: { id: "hearth.chooseFolder", title: "Choose Folder…" },
  showLog: { id: "hearth.showLog", title: "Show Log" },
  reindexWorkspace: { id: "hearth.reindexWorkspace", title: "Reindex Workspace" },
  toggleInlineCompletions: { id: "hearth.toggleInlineCompletions", title: "Toggle Inline Completions" },
  addMemory: { id: "hearth.addMemory", title: "Add Project Memory…" },
  editMemory: { id: "hearth.editMemory", title: "Edit Project Memory…" },
  forgetMemory: { id: "hearth.forgetMemory", title: "Forget Project Memory…" },
  setServerApiKey: { id: "hearth.setServerApiKey", title: "Set Server API Key…" },
  clearServerApiKey: { id: "hearth.clearServerApiKey", title: "Clear Server API Key" },
  snoozeInlineCompletions: { id: "hearth.snoozeInlineCompletions", title: "Snooze Inline Completions…" },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;
export const COMMAND_CATEGORY = "Hearth";
