/**
 * What a command says when the runtime could not do its part, and the buttons that lead on:
 * a stopped runtime offers Restart Runtime (its message used to tell the user to run that
 * command, with no button, or only Show Log), anything else the log. The pure half, without
 * `vscode`; `failure-notice.ts` shows it.
 */
import type { Blocker } from "../protocol/readiness.ts";
import type { RuntimeConnection } from "../protocol/webview.ts";

/** A request refused because no runtime runs; `stopped`: it gave up (failed), not starting. */
export class RuntimeNotRunningError extends Error {
  constructor(
    message: string,
    readonly stopped = false,
  ) {
    super(message);
  }
}

/** The buttons a failure notice may carry; `failure-notice.ts` runs each. */
export type FailureAction = "Restart Runtime" | "Show Log" | "Open Folder…" | "Download Model…" | "Choose GGUF File…" | "Use Server URL…" | "Open User Settings";

export interface RequestFailure {
  readonly message: string;
  readonly actions: readonly FailureAction[];
}

/** A failed request to the runtime: its message, and Restart Runtime when the runtime is stopped, else Show Log. */
export function requestFailure(error: unknown): RequestFailure {
  if (error instanceof RuntimeNotRunningError) return { message: error.message, actions: error.stopped ? ["Restart Runtime", "Show Log"] : ["Show Log"] };
  return { message: error instanceof Error ? error.message : String(error), actions: ["Show Log"] };
}

/** The buttons of a run refused before it started (`agentBlocker`'s reason). */
export function blockerActions({ needsModel, needsFolder, needsRestart }: Blocker): readonly FailureAction[] {
  if (needsFolder) return ["Open Folder…"];
  if (needsModel) return ["Download Model…", "Choose GGUF File…", "Use Server URL…"];
  return needsRestart ? ["Restart Runtime", "Show Log"] : ["Show Log"];
}

/**
 * Reindex Workspace with no folder open: refused before the runtime is asked (its answer,
 * "The workspace cannot be indexed: …", offered no way on). A runtime not running answers for itself.
 */
export function reindexBlocker(runtime: RuntimeConnection): Blocker | undefined {
  if (runtime.kind !== "running" || runtime.status.folder !== null) return undefined;
  return { reason: "Hearth: open a folder first; Hearth indexes the files of a folder.", needsModel: false, needsFolder: true };
}

/**
 * Import Conversation with no folder open (`folder`: the path of the folder Hearth works in):
 * refused before the file is chosen. Imported there, the chat could not continue it (Send
 * wants a folder) and opening a folder reloads the window, so the imported chat was gone.
 */
export function importBlocker(folder: string | undefined): Blocker | undefined {
  if (folder !== undefined) return undefined;
  return {
    reason: "Hearth: open a folder first; a conversation can be imported once a folder is open, and its chat continues there (the agent reads and changes that folder's files). In a window with no folder, the imported chat could not go on.",
    needsModel: false,
    needsFolder: true,
  };
}

/**
 * A command that threw (an error no step of it expected): said in Hearth's words, with the way
 * on. Left to VS Code, it was a modal "Command 'Hearth: …' resulted in an error" with no next
 * step. A user settings.json VS Code cannot write (a syntax error) is said with Open User
 * Settings: VS Code's own notice of it does not always come (test: e2e commands.e2e.ts).
 */
export function commandFailure(title: string, error: unknown): RequestFailure | undefined {
  const { message: reason, actions } = requestNotice(error) ?? requestFailure(error);
  return { message: `Hearth: ${title.replace(/…$/, "")} did not finish: ${reason}`, actions };
}

/**
 * What Reindex Workspace says when done: in a multi-root window (`folderCount` > 1) the folder
 * Hearth indexed, which "Hearth indexed 120 files." left the user to guess.
 */
export function indexedMessage(files: number, folder: string | undefined, folderCount: number): string {
  const count = `Hearth indexed ${files} ${files === 1 ? "file" : "files"}`;
  return folder && folderCount > 1 ? `${count} in ${folder} (the folder Hearth works in; Hearth: Choose Folder… changes it).` : `${count}.`;
}

/**
 * A settings write VS Code refused (its ConfigurationEditingError: "Unable to write into user
 * settings. Please open the user settings to correct errors/warnings in it and try again."):
 * VS Code shows it itself only sometimes, so Hearth says it too. Every settings write of Hearth's goes through
 * `updateSetting` or `updateLanguageSetting` (config.ts), which hand it on as
 * {@link SettingsNotWritten}; its words are not read here, since they follow the display language
 * (a write known by its English words alone gave a second notice under a German VS Code).
 */
export function saidByVsCode(error: unknown): boolean {
  return error instanceof SettingsNotWritten;
}

const ENGLISH_REFUSAL = /^Unable to write (in)?to (user|workspace|folder) settings/i;

/**
 * A settings write VS Code refused, as `updateSetting` throws it on. Its words follow the display
 * language, so VS Code's refusal is known by its name: VS Code's RPC hands the extension a plain
 * Error named after the error's ErrorNoTelemetry base, "CodeExpectedError" (its numeric code does
 * not cross; code-server 4.139's extensionHostProcess.js, receiveReplyErr). That name alone is
 * taken only here, where a settings write failed: VS Code gives it to other expected errors too
 * (a task that cannot run, say), which it does not show itself.
 */
export class SettingsNotWritten extends Error {
  constructor(readonly refusal: Error) {
    super(refusal.message);
    this.name = "SettingsNotWritten";
  }

  /** What `WorkspaceConfiguration.update` rejected with, as `updateSetting` throws it on. */
  static from(error: unknown): unknown {
    const refused = error instanceof Error && (error.name === VS_CODE_EXPECTED_ERROR || ENGLISH_REFUSAL.test(error.message));
    return refused ? new SettingsNotWritten(error) : error;
  }
}

/** The name VS Code gives the errors it reports itself (ErrorNoTelemetry), ConfigurationEditingError among them. */
const VS_CODE_EXPECTED_ERROR = "CodeExpectedError";

/**
 * requestFailure, and for a settings write VS Code refused (saidByVsCode) its words with Open User
 * Settings: VS Code's own notice of it (with Open Settings) comes only sometimes — in a real
 * workbench Select Model's refused write showed none about half the time, so the user was told
 * nothing — and a second notice is better than none.
 */
export function requestNotice(error: unknown): RequestFailure | undefined {
  return saidByVsCode(error) ? { message: (error as Error).message, actions: ["Open User Settings"] } : requestFailure(error);
}
