/**
 * Which Python interpreter the editor sends with a run: the Python extension's selected one,
 * else `python.defaultInterpreterPath`, and never an untrusted folder's own value (it would
 * choose the program Hearth runs), which is told as ignored.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SELECTED_IN_PYTHON_EXTENSION, ignoredInterpreter, pythonChoice } from "../../../src/extension/python-choice.ts";
import type { SettingLayers } from "../../../src/protocol/settings.ts";

const base = { folder: "/work/proj", home: "/home/ada" };

describe("the Python interpreter chosen in VS Code", () => {
  it("is the Python extension's selected interpreter, before any setting", () => {
    const choice = pythonChoice({ ...base, trusted: true, setting: { globalValue: "/usr/bin/python3" }, selected: "/home/ada/miniconda3/envs/p/bin/python" });
    assert.deepEqual(choice, { python: { program: "/home/ada/miniconda3/envs/p/bin/python", from: SELECTED_IN_PYTHON_EXTENSION } });
  });

  it("is python.defaultInterpreterPath where the Python extension is absent: the folder's in a trusted folder, with ${workspaceFolder} and ~ filled in", () => {
    assert.deepEqual(pythonChoice({ ...base, trusted: true, setting: { globalValue: "~/envs/all/bin/python", workspaceValue: "${workspaceFolder}/../envs/p/bin/python" } }), {
      python: { program: "/work/envs/p/bin/python", from: "python.defaultInterpreterPath in this workspace's settings" },
    });
    assert.deepEqual(pythonChoice({ ...base, trusted: true, setting: { globalValue: "~/envs/all/bin/python" } }), {
      python: { program: "/home/ada/envs/all/bin/python", from: "python.defaultInterpreterPath in your user settings" },
    });
  });

  it("is nothing for the setting's default \"python\" or the Python extension's bare \"python\": the runtime finds the project's venv", () => {
    assert.deepEqual(pythonChoice({ ...base, trusted: true, setting: { globalValue: "python" }, selected: "python" }), {});
  });

  it("ignores an untrusted folder's own python.defaultInterpreterPath, says so, and takes the user's", () => {
    const choice = pythonChoice({ ...base, trusted: false, setting: { globalValue: "/opt/py/bin/python", workspaceValue: "./run-me.sh" } });
    assert.deepEqual(choice.python, { program: "/opt/py/bin/python", from: "python.defaultInterpreterPath in your user settings" });
    assert.equal(choice.ignored?.action, "trust");
    assert.equal(choice.ignored?.key, "python.defaultInterpreterPath");
    assert.match(choice.ignored!.text, /^This folder is not trusted, so Hearth ignores python\.defaultInterpreterPath "\.\/run-me\.sh" from its settings: the agent's test runs use yours, "\/opt\/py\/bin\/python", or the project's virtual environment or python3, not that program\. Trust the folder/);
  });

  it("does not take the Python extension's interpreter where it is the untrusted folder's ignored value", () => {
    const choice = pythonChoice({ ...base, trusted: false, setting: { workspaceValue: "./run-me.sh" }, selected: "/work/proj/run-me.sh" });
    assert.equal(choice.python, undefined);
    assert.ok(choice.ignored);
    const other = pythonChoice({ ...base, trusted: false, setting: { workspaceValue: "./run-me.sh" }, selected: "/home/ada/.pyenv/versions/3.12.1/bin/python" });
    assert.deepEqual(other.python, { program: "/home/ada/.pyenv/versions/3.12.1/bin/python", from: SELECTED_IN_PYTHON_EXTENSION });
  });

  it("says nothing in an untrusted folder whose value is the user's own", () => {
    assert.deepEqual(pythonChoice({ ...base, trusted: false, setting: { globalValue: "/opt/py/bin/python", workspaceValue: "/opt/py/bin/python" } }).ignored, undefined);
  });
});

describe("the ignored python.defaultInterpreterPath told in a window of several folders", () => {
  // Each folder of a multi-root window has its own .vscode/settings.json: api (the first) sets nothing, web sets a program.
  const layers: Record<string, SettingLayers> = { "/w/api": { globalValue: "/opt/py/bin/python" }, "/w/web": { globalValue: "/opt/py/bin/python", workspaceFolderValue: "./run-me.sh" } };
  const settings = { trusted: false, home: "/home/ada", layersFor: (folder: string | undefined) => (folder === undefined ? {} : layers[folder]!) };

  it("is the value of the folder Hearth works in (web, the second), which its runs ignore, not the first folder's", () => {
    const told = ignoredInterpreter("/w/web", settings);
    assert.equal(told.length, 1);
    assert.match(told[0]!.text, /^This folder is not trusted, so Hearth ignores python\.defaultInterpreterPath "\.\/run-me\.sh" from its settings/);
    // The run in web ignores that very value (chosenPython reads web's).
    assert.equal(pythonChoice({ folder: "/w/web", home: "/home/ada", trusted: false, setting: layers["/w/web"]! }).python?.program, "/opt/py/bin/python");
  });

  it("is nothing where Hearth works in a folder that sets none, though another folder of the window does", () => {
    assert.deepEqual(ignoredInterpreter("/w/api", settings), []);
  });

  // "This folder is not trusted" in a window of api and web: which one? Its name is said (with its path where another folder shares it).
  it("names the folder in the notice where the window has several (the caller's name: FolderChoice.nameOf)", () => {
    const told = ignoredInterpreter("/w/web", settings, "web (/w/web)");
    assert.match(told[0]!.text, /^The folder web \(\/w\/web\) is not trusted, so Hearth ignores python\.defaultInterpreterPath "\.\/run-me\.sh" from its settings/);
    assert.match(told[0]!.text, /Trust the folder \(Workspaces: Manage Workspace Trust\)/);
  });
});
