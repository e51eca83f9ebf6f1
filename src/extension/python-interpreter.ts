/**
 * Reads the Python interpreter the user chose (python-choice.ts decides): the Python
 * extension's selected environment through its API (`ms-python.python` exports
 * `environments.getActiveEnvironmentPath` and `resolveEnvironment`), which may be absent,
 * slow to start or failing — then `python.defaultInterpreterPath` alone.
 */
import { homedir } from "node:os";
import * as vscode from "vscode";
import type { ChosenPython } from "../protocol/agent.ts";
import type { IgnoredWorkspaceValue, SettingLayers } from "../protocol/settings.ts";
import { unlessAborted } from "../protocol/wait.ts";
import { INTERPRETER_SETTING, type PythonChoice, ignoredInterpreter, pythonChoice } from "./python-choice.ts";

/** What the Python extension's API gives that is read here (its `PythonExtension` type, in part). */
interface PythonEnvironmentsApi {
  readonly environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { readonly path: string };
    resolveEnvironment(environment: { readonly path: string }): Promise<{ readonly executable?: { readonly uri?: vscode.Uri } } | undefined>;
  };
}

/** How long a run waits for the Python extension to start and answer: past it, the run goes on with the setting alone. */
const PYTHON_EXTENSION_MS = 5_000;

/** The interpreter a run's Python tests use in `folder`; undefined where nothing is chosen (the runtime finds the project's venv). */
export async function chosenPython(folder: vscode.WorkspaceFolder | undefined, log: (line: string) => void): Promise<ChosenPython | undefined> {
  return choice(folder, await selectedInterpreter(folder, log)).python;
}

/**
 * The untrusted folder's own `python.defaultInterpreterPath`, which Hearth ignores, in words
 * (workspace-settings-notice.ts tells it), for `folder`: the one Hearth works in (FolderChoice),
 * whose value the runs read, not the window's first; named (`folderName`) in a window of several.
 */
export function ignoredPythonSetting(folder: vscode.WorkspaceFolder | undefined, folderName?: string): IgnoredWorkspaceValue[] {
  const path = folderPath(folder);
  return ignoredInterpreter(path, { trusted: vscode.workspace.isTrusted, home: homedir(), layersFor: () => interpreterLayers(folder) }, folderName);
}

function choice(folder: vscode.WorkspaceFolder | undefined, selected: string | undefined): PythonChoice {
  return pythonChoice({ trusted: vscode.workspace.isTrusted, folder: folderPath(folder), home: homedir(), setting: interpreterLayers(folder), selected });
}

function folderPath(folder: vscode.WorkspaceFolder | undefined): string | undefined {
  return folder?.uri.scheme === "file" ? folder.uri.fsPath : undefined;
}

/** `python.defaultInterpreterPath`'s layers as VS Code reads them for `folder` (its own .vscode/settings.json among them). */
function interpreterLayers(folder: vscode.WorkspaceFolder | undefined): SettingLayers {
  const [section, key] = [INTERPRETER_SETTING.slice(0, INTERPRETER_SETTING.indexOf(".")), INTERPRETER_SETTING.slice(INTERPRETER_SETTING.indexOf(".") + 1)];
  return vscode.workspace.getConfiguration(section, folder?.uri).inspect<string>(key) ?? {};
}

/** The Python extension's selected interpreter for `folder`, where it is installed and answers in time. */
async function selectedInterpreter(folder: vscode.WorkspaceFolder | undefined, log: (line: string) => void): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonEnvironmentsApi>("ms-python.python");
  if (!extension) return undefined;
  try {
    const deadline = AbortSignal.timeout(PYTHON_EXTENSION_MS);
    const api = extension.isActive ? extension.exports : await unlessAborted(Promise.resolve(extension.activate()), deadline);
    const environments = api?.environments;
    if (!environments) return undefined;
    const active = environments.getActiveEnvironmentPath(folder?.uri);
    const resolved = await unlessAborted(environments.resolveEnvironment(active), deadline);
    const executable = resolved?.executable?.uri;
    // A conda environment without python of its own has no executable: its path is a folder, no program to run.
    return executable?.scheme === "file" ? executable.fsPath : undefined;
  } catch (error) {
    log(`[extension] the Python extension did not say which interpreter is selected (${error instanceof Error ? error.message : String(error)}); the tests use ${INTERPRETER_SETTING} or the project's virtual environment`);
    return undefined;
  }
}
