/** Reads Hearth's settings from VS Code's configuration: the one typed place that does. */
import * as vscode from "vscode";
import { SETTINGS, SETTINGS_SECTION, type Settings, sanitizeSettings } from "../protocol/settings.ts";

/** The raw `hearth` section as the user wrote it (the runtime sanitizes it again). */
export function readRawSettings(): Partial<Settings> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return Object.fromEntries(SETTINGS.map((spec) => [spec.key, config.get(spec.key)])) as Partial<Settings>;
}

export function readSettings(): Settings {
  return sanitizeSettings(readRawSettings()).settings;
}

export async function updateSetting<K extends keyof Settings>(key: K, value: Settings[K]): Promise<void> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  // Write where the user already set it (workspace or global); default to global.
  const inspect = config.inspect(key);
  const target = inspect?.workspaceFolderValue !== undefined
    ? vscode.ConfigurationTarget.WorkspaceFolder
    : inspect?.workspaceValue !== undefined
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
  await config.update(key, value, target);
}
