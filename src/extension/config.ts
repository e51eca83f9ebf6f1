/** Reads Hearth's settings from VS Code's configuration: the one typed place that does. */
import * as vscode from "vscode";
import { SETTINGS, SETTINGS_SECTION, type Settings, layeredValue, sanitizeSettings } from "../protocol/settings.ts";

/**
 * The raw `hearth` section (the runtime sanitizes it again), with what a repository's
 * `.vscode/settings.json` may set decided by `layeredValue`: VS Code already ignores
 * machine-scoped workspace values, but Hearth does not rely on it for the settings that
 * decide which file is loaded and what the agent may do unasked.
 */
export function readRawSettings(): Partial<Settings> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const trusted = vscode.workspace.isTrusted;
  return Object.fromEntries(SETTINGS.map((spec) => {
    const guarded = spec.scope === "machine" || spec.scope === "application" || spec.workspaceMayOnlyTighten;
    return [spec.key, guarded ? layeredValue(spec, config.inspect(spec.key) ?? {}, trusted) : config.get(spec.key)];
  })) as Partial<Settings>;
}

export function readSettings(): Settings {
  return sanitizeSettings(readRawSettings()).settings;
}

export async function updateSetting<K extends keyof Settings>(key: K, value: Settings[K]): Promise<void> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  // Write where the user already set it (workspace or global); default to global. A
  // user-only setting always goes to the user's settings (a workspace value would not count).
  const inspect = config.inspect(key);
  const scope = SETTINGS.find((spec) => spec.key === key)?.scope;
  const userOnly = scope === "machine" || scope === "application";
  const target = userOnly
    ? vscode.ConfigurationTarget.Global
    : inspect?.workspaceFolderValue !== undefined
    ? vscode.ConfigurationTarget.WorkspaceFolder
    : inspect?.workspaceValue !== undefined
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
  await config.update(key, value, target);
}
