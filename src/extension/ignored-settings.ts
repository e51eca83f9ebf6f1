/**
 * Tells the user about a workspace's setting Hearth does not apply (`ignoredWorkspaceValue`
 * in src/protocol/settings.ts: a model path, a looser approval policy, an exception to the
 * exclusion list, an untrusted folder's server URL). Left out silently, a repository's
 * `"hearth.approvalPolicy": "auto-all"` would look applied to whoever reads the file. Each
 * sentence is shown once per workspace (remembered in workspaceState: another value is
 * another sentence) and written to the log once per window.
 *
 * No "vscode" import: the notification and the storage are passed in
 * (workspace-settings-notice.ts wires them), so unit tests run this as it is.
 */
import { type IgnoredWorkspaceValue, SETTINGS_SECTION } from "../protocol/settings.ts";

/** workspaceState key: the sentences already shown for this workspace. */
export const IGNORED_SETTINGS_KEY = "hearth.ignoredWorkspaceSettings";

/** The newest sentences kept (a workspace whose settings keep changing must not grow it without end). */
const REMEMBERED = 50;

/** Where shown sentences are kept (VS Code's `Memento`). */
export interface NoticeStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface IgnoredSettingsNoticeOptions {
  readonly store: NoticeStore;
  readonly show: (notice: IgnoredWorkspaceValue) => void;
  readonly log: (line: string) => void;
}

export class IgnoredSettingsNotice {
  private readonly logged = new Set<string>();
  /** One check at a time: a settings change and a trust grant together tell a value once. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: IgnoredSettingsNoticeOptions) {}

  /** Logs and shows what was not told yet of the values ignored now; never rejects (its caller does not wait on it). */
  tell(notices: readonly IgnoredWorkspaceValue[]): Promise<void> {
    // A check whose write workspaceState refused (its database locked, the disk full) is logged and stops none after it.
    this.queue = this.queue.then(() => this.tellNow(notices)).catch((error: unknown) => {
      this.options.log(`could not remember in this workspace's state which ignored settings Hearth told of (${error instanceof Error ? error.message : String(error)}): another window may tell them again`);
    });
    return this.queue;
  }

  private async tellNow(notices: readonly IgnoredWorkspaceValue[]): Promise<void> {
    for (const notice of notices) {
      if (this.logged.has(notice.text)) continue;
      this.logged.add(notice.text);
      this.options.log(notice.text);
    }
    const told = this.told();
    const fresh = notices.filter((notice) => !told.includes(notice.text));
    if (!fresh.length) return;
    const remembered = this.options.store.update(IGNORED_SETTINGS_KEY, [...told, ...fresh.map((notice) => notice.text)].slice(-REMEMBERED));
    // Shown even where remembering it fails: then it is only told again in another window.
    for (const notice of fresh) this.options.show(notice);
    await remembered;
  }

  private told(): string[] {
    const value = this.options.store.get<unknown>(IGNORED_SETTINGS_KEY);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
  }
}

/** A notice's button: its label, and the VS Code command it runs with its arguments. */
export interface NoticeButton {
  readonly label: string;
  readonly command: string;
  readonly args: readonly unknown[];
}

/**
 * The button that leads to the file to mend. A folder's own value (a window of several folders)
 * opens that folder's .vscode/settings.json: workbench.action.openWorkspaceSettingsFile opens
 * the .code-workspace file there. VS Code's openFolderSettingsFile takes no folder (it asks
 * which one, and opens that folder's settings.json directly in a one-folder window).
 */
export function noticeButton(notice: IgnoredWorkspaceValue): NoticeButton {
  switch (notice.action) {
    case "trust":
      return { label: "Manage Workspace Trust", command: "workbench.trust.manage", args: [] };
    case "workspaceSettings":
      return { label: "Open Workspace Settings", command: "workbench.action.openWorkspaceSettingsFile", args: [] };
    case "folderSettings":
      return { label: "Open Folder Settings", command: "workbench.action.openFolderSettingsFile", args: [] };
    case "userSettings":
      return { label: "Open User Settings", command: "workbench.action.openGlobalSettings", args: [notice.key.includes(".") ? notice.key : `${SETTINGS_SECTION}.${notice.key}`] };
  }
}
