/** Reads Hearth's settings from VS Code's configuration: the one typed place that does. */
import * as vscode from "vscode";
import { type IgnoredWorkspaceValue, SETTINGS, SETTINGS_SECTION, type Settings, awaitingConsent, fromUserOnly, ignoredWorkspaceValue, invalidWorkspaceValue, layeredValue, sanitizeSettings, workspaceStillApplies } from "../protocol/settings.ts";
import { SettingsNotWritten } from "./request-failure.ts";

/** The user's answers about a workspace's server URL (server-consent.ts sets them at activation; until then, none). */
export interface ServerConsentHooks {
  /** The user agreed to send their code to this workspace server URL. */
  agreed(url: unknown): boolean;
}

const NO_CONSENT: ServerConsentHooks = { agreed: () => false };
let serverConsent = NO_CONSENT;

export function useServerConsent(hooks: ServerConsentHooks | undefined): void {
  serverConsent = hooks ?? NO_CONSENT;
}

/**
 * The raw `hearth` section (the runtime sanitizes it again), with what a repository's
 * `.vscode/settings.json` may set decided by `layeredValue`: VS Code already ignores
 * machine-scoped workspace values, but Hearth does not rely on it for the settings that
 * decide which file is loaded and what the agent may do unasked; a workspace's server URL
 * counts once the user agreed to it (server-consent.ts).
 */
export function readRawSettings(): Partial<Settings> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const trusted = vscode.workspace.isTrusted;
  return Object.fromEntries(SETTINGS.map((spec) => {
    const layers = config.inspect(spec.key) ?? {};
    // A workspace's invalid value, which VS Code's get returns as the most specific, gives way to the user's own (layeredValue).
    const guarded = fromUserOnly(spec) || spec.workspaceMayOnlyTighten || spec.workspaceNeedsConsent || invalidWorkspaceValue(spec, layers) !== undefined;
    return [spec.key, guarded ? layeredValue(spec, layers, trusted, (url) => serverConsent.agreed(url)) : config.get(spec.key)];
  })) as Partial<Settings>;
}

/** The trusted workspace's server URL while the user has not agreed to it (what to ask about); undefined otherwise. */
export function workspaceServerAwaitingConsent(): string | undefined {
  if (!vscode.workspace.isTrusted) return undefined;
  const spec = SETTINGS.find((s) => s.key === "serverUrl")!;
  const url = awaitingConsent(spec, vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect(spec.key) ?? {}, (u) => serverConsent.agreed(u));
  return typeof url === "string" ? url : undefined;
}

/** What `readRawSettings` leaves out of the workspace's settings now, in words (ignored-settings.ts tells it). */
export function ignoredWorkspaceSettings(): IgnoredWorkspaceValue[] {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return SETTINGS.flatMap((spec) => ignoredWorkspaceValue(spec, config.inspect(spec.key) ?? {}, vscode.workspace.isTrusted) ?? []);
}

export function readSettings(): Settings {
  return sanitizeSettings(readRawSettings()).settings;
}

/**
 * A language's own value of a Hearth setting in the user's settings (`"[python]": { … }`;
 * undefined removes it). A refusal VS Code shows itself is thrown on marked, as by updateSetting:
 * known by its name, not by VS Code's words, which follow the display language.
 */
export async function updateLanguageSetting<K extends keyof Settings>(languageId: string, key: K, value: Settings[K] | undefined): Promise<void> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, { languageId });
  await Promise.resolve(config.update(key, value, vscode.ConfigurationTarget.Global, true)).catch((error: unknown) => {
    throw SettingsNotWritten.from(error);
  });
}

export async function updateSetting<K extends keyof Settings>(key: K, value: Settings[K]): Promise<void> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  // Always the user's settings: writing where the workspace set it changed a repository's
  // committed .vscode/settings.json behind the user's back. Where the workspace's value still
  // applies over the user's, they are told so.
  // A refusal VS Code shows itself (a settings.json it cannot parse) is thrown on marked, so no second notice follows.
  await Promise.resolve(config.update(key, value, vscode.ConfigurationTarget.Global)).catch((error: unknown) => {
    throw SettingsNotWritten.from(error);
  });
  const spec = SETTINGS.find((s) => s.key === key);
  const still = spec && workspaceStillApplies(spec, config.inspect(key) ?? {}, value, vscode.workspace.isTrusted, (url) => serverConsent.agreed(url));
  if (!still) return;
  void vscode.window.showWarningMessage(still, OPEN_WORKSPACE_SETTINGS).then((pick) => {
    if (pick === OPEN_WORKSPACE_SETTINGS) void vscode.commands.executeCommand("workbench.action.openWorkspaceSettingsFile");
  });
}

const OPEN_WORKSPACE_SETTINGS = "Open Workspace Settings";
