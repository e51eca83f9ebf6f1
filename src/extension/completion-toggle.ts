/**
 * What "Hearth: Toggle Inline Completions" writes (pure, unit-tested without `vscode`).
 * `hearth.inlineCompletionsEnabled` is language-overridable, and VS Code lets a language's
 * value (`"[python]": {…}`, at any level) win over every plain one. The toggle flips what the
 * status item shows for the active editor: it used to flip the plain user value alone, so in
 * a file whose language was turned off it turned completions off everywhere else and left
 * this file off, the item unchanged.
 */

/** `WorkspaceConfiguration.inspect` of the setting for the active editor's language. */
export interface EnabledLayers {
  readonly defaultValue?: boolean;
  readonly globalValue?: boolean;
  readonly workspaceValue?: boolean;
  readonly workspaceFolderValue?: boolean;
  readonly defaultLanguageValue?: boolean;
  readonly globalLanguageValue?: boolean;
  readonly workspaceLanguageValue?: boolean;
  readonly workspaceFolderLanguageValue?: boolean;
}

/** The user's settings to write: the plain value, and whether the active language's own user value goes. */
export interface TogglePlan {
  readonly on: boolean;
  /** The user's `"[language]"` value says otherwise: removed, so the toggle holds in this file too. */
  readonly clearLanguage: boolean;
  /** The workspace's value for the language still decides this file: said to the user. */
  readonly stillHere?: string;
}

const SETTING = "hearth.inlineCompletionsEnabled";

/** The value that applies, as VS Code orders the layers: languages' first, the most specific first. */
export function enabledFrom(layers: EnabledLayers): boolean {
  const order = [
    layers.workspaceFolderLanguageValue,
    layers.workspaceLanguageValue,
    layers.globalLanguageValue,
    layers.defaultLanguageValue,
    layers.workspaceFolderValue,
    layers.workspaceValue,
    layers.globalValue,
    layers.defaultValue,
  ];
  return order.find((value) => typeof value === "boolean") ?? true;
}

/**
 * Snoozed, the toggle resumes and turns on, keeping each language's own value (the item said
 * "snoozed", not "off"); else it flips what applies in the active editor.
 */
export function planToggle(layers: EnabledLayers, language: string | undefined, snoozed: boolean): TogglePlan {
  const on = snoozed || !enabledFrom(layers);
  const clearLanguage = !snoozed && language !== undefined && layers.globalLanguageValue !== undefined && layers.globalLanguageValue !== on;
  const { globalLanguageValue: _, ...rest } = layers;
  const after = clearLanguage ? rest : layers;
  const workspaceLanguage = layers.workspaceFolderLanguageValue ?? layers.workspaceLanguageValue;
  // A plain workspace value is said by updateSetting (workspaceStillApplies); a language's is said here.
  if (language === undefined || workspaceLanguage === undefined || enabledFrom({ ...after, globalValue: on }) === on) return { on, clearLanguage };
  const stillHere = `Hearth: inline completions stay ${on ? "off" : "on"} in ${language} files: this workspace's settings set "[${language}]": { "${SETTING}": ${JSON.stringify(workspaceLanguage)} }, which applies over your user settings.`;
  return { on, clearLanguage, stillHere };
}
