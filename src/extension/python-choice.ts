/**
 * Which Python interpreter the user chose in VS Code, for the test runs of a Python project
 * (`ChosenPython`, sent with each agent run): the Python extension's selected environment,
 * else `python.defaultInterpreterPath`; neither, and the runtime finds the venv in the
 * workspace's root as before. A conda environment, a venv kept outside the project or
 * poetry's under ~/.cache/pypoetry was otherwise never used: "No module named pytest".
 *
 * An untrusted folder's own `python.defaultInterpreterPath` chooses nothing: it would choose
 * the program Hearth runs (`"./run-me.sh"`, committed by whoever wrote the repository). Only
 * the user's value counts there, and the ignored one is told (ignored-settings.ts), as the
 * Python extension itself leaves such a value alone in Restricted Mode.
 *
 * No "vscode" import: python-interpreter.ts reads the settings and the Python extension.
 */
import { isAbsolute, join, resolve } from "node:path";
import type { ChosenPython } from "../protocol/agent.ts";
import type { IgnoredWorkspaceValue, SettingLayers } from "../protocol/settings.ts";
import { jsonEscape, visibleText } from "../protocol/visible-text.ts";

export const INTERPRETER_SETTING = "python.defaultInterpreterPath";

export interface PythonChoiceInput {
  readonly trusted: boolean;
  /** The workspace folder's path: `${workspaceFolder}`, and what a relative path starts from. */
  readonly folder: string | undefined;
  readonly home: string;
  /** `python.defaultInterpreterPath`'s layers (`WorkspaceConfiguration.inspect`). */
  readonly setting: SettingLayers;
  /** The Python extension's selected interpreter, where it is installed and answered. */
  readonly selected?: string | undefined;
}

export interface PythonChoice {
  readonly python?: ChosenPython;
  /** The untrusted folder's own value, left out, in words. */
  readonly ignored?: IgnoredWorkspaceValue;
}

export const SELECTED_IN_PYTHON_EXTENSION = "the interpreter selected in VS Code's Python extension";

/** The interpreter the test runs use, and the workspace value left out. */
export function pythonChoice(input: PythonChoiceInput): PythonChoice {
  const { setting, trusted } = input;
  const workspaceValue = setting.workspaceFolderValue ?? setting.workspaceValue;
  const workspace = interpreterPath(workspaceValue, input);
  const user = interpreterPath(setting.globalValue, input);
  const ignored = !trusted && workspace !== undefined && workspace !== user ? ignoredNotice(workspaceValue, setting.globalValue) : undefined;
  const told = ignored ? { ignored } : {};
  const selected = input.selected?.trim();
  // The Python extension may have applied the folder's value itself: that is not the user's choice either.
  if (selected && selected !== "python" && !(ignored && resolve(selected) === workspace)) return { python: { program: selected, from: SELECTED_IN_PYTHON_EXTENSION }, ...told };
  if (trusted && workspace !== undefined) return { python: { program: workspace, from: `${INTERPRETER_SETTING} in this workspace's settings` } };
  if (user !== undefined) return { python: { program: user, from: `${INTERPRETER_SETTING} in your user settings` }, ...told };
  return told;
}

/** `python.defaultInterpreterPath` as VS Code reads it for a folder of the window: each folder of a multi-root window has its own settings. */
export interface WindowPythonSettings {
  readonly trusted: boolean;
  readonly home: string;
  /** The setting's layers for `folder` (its path; undefined: the window's own, with no folder). */
  layersFor(folder: string | undefined): SettingLayers;
}

/**
 * The untrusted folder's own value Hearth ignores, in words, for the folder Hearth works in
 * (`folder`), whose value its runs read (`chosenPython`): the window's first folder's told a
 * value the runs never read, and missed the one they ignore. `folderName`, in a window of
 * several folders, names it ("The folder web is not trusted"), not "This folder".
 */
export function ignoredInterpreter(folder: string | undefined, settings: WindowPythonSettings, folderName?: string): IgnoredWorkspaceValue[] {
  const { ignored } = pythonChoice({ trusted: settings.trusted, folder, home: settings.home, setting: settings.layersFor(folder) });
  // In a window of several folders "This folder" named none of them: the folder is named.
  return ignored ? [folderName === undefined ? ignored : { ...ignored, text: ignored.text.replace(/^This folder/, `The folder ${visibleText(folderName, true)}`) }] : [];
}

/**
 * A `python.defaultInterpreterPath` value as the Python extension reads it: `${workspaceFolder}`
 * and `~` filled in, a relative path from the folder; a bare name (`python3.12`) as it is, for
 * the shell to find. Its default, "python", chooses nothing; nor does a variable not known here.
 */
function interpreterPath(value: unknown, input: PythonChoiceInput): string | undefined {
  if (typeof value !== "string") return undefined;
  let path = value.trim();
  if (path === "" || path === "python") return undefined;
  if (input.folder !== undefined) path = path.replace(/\$\{workspaceFolder\}/g, input.folder);
  if (path === "~" || path.startsWith("~/") || path.startsWith("~\\")) path = join(input.home, path.slice(1));
  if (path.includes("${")) return undefined;
  if (isAbsolute(path)) return resolve(path);
  if (!/[\\/]/.test(path)) return path;
  return input.folder === undefined ? undefined : resolve(input.folder, path);
}

function ignoredNotice(workspace: unknown, user: unknown): IgnoredWorkspaceValue {
  const yours = typeof user === "string" && user.trim() !== "" && user.trim() !== "python" ? `yours, ${JSON.stringify(user)}, or ` : "";
  return {
    key: INTERPRETER_SETTING,
    text: `This folder is not trusted, so Hearth ignores ${INTERPRETER_SETTING} ${visibleText(JSON.stringify(workspace), true, jsonEscape)} from its settings: the agent's test runs use ${yours}the project's virtual environment or python3, not that program. Trust the folder (Workspaces: Manage Workspace Trust) to run the tests with it.`,
    action: "trust",
  };
}
