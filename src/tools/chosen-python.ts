/**
 * The Python interpreter the user chose outside the project's files (`ChosenPython`, which
 * the editor sends with each run and `hearth fix` takes from its shell): where it is, and how
 * a command names it. A project's tests run with it in place of the venv in the workspace's
 * root (test-runners.ts `projectPython`): a conda environment, a venv kept elsewhere or
 * poetry's under ~/.cache/pypoetry was never found, and the tests ended "No module named pytest".
 */
import { stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { ChosenPython } from "../protocol/agent.ts";

export type { ChosenPython };

/**
 * The environment activated in the shell that started `hearth`: `$VIRTUAL_ENV` (venv's and
 * virtualenv's `activate`, `poetry shell`, `poetry run`, `uv run`), else `$CONDA_PREFIX` —
 * but not conda's `base`, which `auto_activate_base` activates in every shell: that is no
 * choice of this project's Python, and the project's own venv goes before it. The activated
 * python is usually the python3 on PATH too, but a venv in the project's root was taken over
 * it, and the question said only `python3`.
 */
export function pythonFromShell(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): ChosenPython | undefined {
  const windows = platform === "win32";
  const venv = env.VIRTUAL_ENV?.trim();
  if (venv) return { program: join(venv, windows ? "Scripts/python.exe" : "bin/python"), from: "the virtual environment activated in your shell ($VIRTUAL_ENV)" };
  const conda = env.CONDA_PREFIX?.trim();
  if (conda && env.CONDA_DEFAULT_ENV !== "base") return { program: join(conda, windows ? "python.exe" : "bin/python"), from: "the conda environment activated in your shell ($CONDA_PREFIX)" };
  return undefined;
}

/** Where a chosen interpreter is, for the test command: inside the workspace (its path from the root), outside it, or not there. */
export type ChosenPlace = { readonly kind: "inside"; readonly path: string } | { readonly kind: "outside" } | { readonly kind: "missing"; readonly folder?: boolean };

/**
 * Where `program` is. A bare name (`python3.12`, found on PATH by the shell) counts as outside.
 * One in the workspace is named by its path from the root, so that what is said of a
 * venv's python found there (a script, a `home =` in the workspace) is said of it too.
 */
export async function chosenPlace(root: string, program: string): Promise<ChosenPlace> {
  if (!isAbsolute(program)) return { kind: "outside" };
  // Followed through links: a venv's python is one, to the Python it was made from.
  const info = await stat(program).catch(() => undefined);
  // An environment's folder (set where its python was meant) is there, but runs nothing.
  if (!info?.isFile()) return info?.isDirectory() ? { kind: "missing", folder: true } : { kind: "missing" };
  const base = resolve(root);
  const path = resolve(program);
  if (!path.startsWith(`${base}${sep}`)) return { kind: "outside" };
  return { kind: "inside", path: relative(base, path).split(sep).join("/") };
}

