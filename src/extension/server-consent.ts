/**
 * A workspace's `hearth.serverUrl` — a team's committed server, or a URL anyone who can
 * commit to the repository wrote — sends the user's code and chats to that server instead of
 * keeping them on this machine. It counts only once the user agreed, per workspace and URL
 * (workspaceState): asked in a notification when the workspace names one (at start, on a
 * settings change, once the folder is trusted), and from Select Model. "Keep Local" is
 * remembered too; the user's own settings never need an answer.
 */
import * as vscode from "vscode";
import { useServerConsent, workspaceServerAwaitingConsent } from "./config.ts";
import { serverConsentQuestion } from "./server-key.ts";

/** workspaceState key: { [url]: "use" | "local" }. */
const DECISIONS_KEY = "hearth.workspaceServer";

type Decision = "use" | "local";

export class ServerConsent implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** The user answered: the settings the runtime gets may have changed. */
  readonly onDidChange = this.changed.event;
  /** URLs asked about in this window (a dismissed question is not asked again until the next window). */
  private readonly asked = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly state: vscode.Memento) {
    useServerConsent({ agreed: (url) => typeof url === "string" && this.decision(url) === "use" });
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration("hearth.serverUrl") && void this.ask()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.ask()),
    );
  }

  /** The workspace's server URL the user has not agreed to (refused included), for Select Model. */
  get pending(): string | undefined {
    return workspaceServerAwaitingConsent();
  }

  /** Asks about the workspace's server URL if it awaits an answer and was not asked in this window. */
  async ask(): Promise<void> {
    const url = this.pending;
    if (!url || this.asked.has(url) || this.decision(url)) return;
    this.asked.add(url);
    const use = "Use This Server";
    const pick = await vscode.window.showWarningMessage(
      serverConsentQuestion(url),
      use,
      "Keep Local",
    );
    if (pick) await this.decide(url, pick === use ? "use" : "local");
  }

  /** Records the answer for this workspace and tells the runtime. */
  async decide(url: string, decision: Decision): Promise<void> {
    await this.state.update(DECISIONS_KEY, { ...this.decisions(), [url]: decision });
    this.changed.fire();
  }

  dispose(): void {
    useServerConsent(undefined);
    for (const d of this.disposables) d.dispose();
  }

  private decision(url: string): Decision | undefined {
    const decisions = this.decisions();
    return Object.hasOwn(decisions, url) ? decisions[url] : undefined;
  }

  private decisions(): Record<string, Decision> {
    const stored = this.state.get<unknown>(DECISIONS_KEY);
    return stored && typeof stored === "object" ? (stored as Record<string, Decision>) : {};
  }
}
