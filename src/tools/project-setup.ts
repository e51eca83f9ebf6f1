/**
 * What a project's setup says when its tests cannot run as detected: a JavaScript project's
 * dependencies not installed (the install command its lock file names), a Yarn Plug'n'Play
 * project run with npm, a package manager missing, or a monorepo whose tests are in its
 * workspaces' packages; a Python project's locked environment not made, or its own package
 * in src/ not installed. Read from the
 * workspace's files only; run_tests adds it to its result.
 */
import { posix } from "node:path";
import { missingProgram } from "../protocol/program-search.ts";
import { VENV_FOLDERS, configText, cut } from "./test-runners.ts";
import type { Workspace } from "./workspace.ts";

/** Lock files, in the order looked for, and the command that installs what each names. */
const LOCK_FILES: ReadonlyArray<readonly [string, string]> = [
  ["pnpm-lock.yaml", "pnpm install"],
  ["yarn.lock", "yarn install"],
  ["bun.lock", "bun install"],
  ["bun.lockb", "bun install"],
  ["package-lock.json", "npm ci"],
  ["npm-shrinkwrap.json", "npm ci"],
];

/** Programs that run package.json's scripts, with node_modules/.bin on PATH. */
const SCRIPT_RUNNERS = new Set(["npm", "npx", "pnpm", "yarn", "bun"]);

/**
 * Why a JavaScript project's test command found no program, where the project says: its
 * dependencies are not installed (no node_modules/; a fresh clone) — said with the install
 * command its lock file names — or it is a Yarn Plug'n'Play project (.pnp.cjs), whose packages
 * npm cannot find. "install jest" sent users to install one tool globally, in the wrong version.
 */
export async function uninstalledDependencies(workspace: Workspace, command: string, output: string): Promise<string | undefined> {
  const runner = command.trim().split(/\s+/)[0] ?? "";
  if (!SCRIPT_RUNNERS.has(runner)) return undefined;
  // The package manager itself missing (`pnpm test` without pnpm) is that, not the dependencies.
  if (missingProgram(output) === runner) return `install ${runner}${runner === "npm" || runner === "npx" ? " (it comes with Node.js)" : runner === "bun" ? "" : ` (\`corepack enable ${runner}\` does, with Node.js 16.13 or later)`}, or configure the test command`;
  const is = async (path: string, type: "file" | "directory") => (await workspace.stat(path).catch(() => undefined))?.type === type;
  if (!(await is("package.json", "file"))) return undefined;
  for (const pnp of [".pnp.cjs", ".pnp.js"]) {
    if (await is(pnp, "file")) {
      return command.trim().startsWith("yarn") ? `the project uses Yarn Plug'n'Play (${pnp}): install its dependencies with \`yarn install\`` : `the project uses Yarn Plug'n'Play (${pnp}), whose packages npm cannot find: configure the test command as \`yarn test\``;
    }
  }
  if (await is("node_modules", "directory")) return undefined;
  let install = "`npm install`";
  for (const [lock, command] of LOCK_FILES) {
    if (await is(lock, "file")) {
      install = `\`${command}\` (${lock})`;
      break;
    }
  }
  return `the project's dependencies are not installed (there is no node_modules/): install them with ${install}, then run the tests again`;
}

/** How many of a monorepo's packages with tests are named. */
const MAX_PACKAGES_NAMED = 5;

/**
 * Where a monorepo's tests are when its root package.json has no test script: the packages
 * of its workspaces (package.json's `workspaces`, pnpm-workspace.yaml's `packages`; `dir/*`
 * and plain folders, not `**`) that have one, said with how to run one. "none could be
 * detected" alone left the model guessing at a project whose every package has tests.
 */
export async function workspacePackageTests(workspace: Workspace): Promise<string | undefined> {
  const is = async (path: string, type: "file" | "directory") => (await workspace.stat(path).catch(() => undefined))?.type === type;
  const packages = await workspacePackages(workspace);
  if (packages === undefined) return undefined;
  const found: string[] = [];
  for (const folder of packages) {
    const scripts = (await readJson(workspace, `${folder}/package.json`)) as { scripts?: Record<string, unknown> } | undefined;
    const test = scripts?.scripts?.test;
    if (typeof test === "string" && test.trim() !== "" && !/no test specified/.test(test)) found.push(`${folder} (${cut(test, 80)})`);
  }
  if (found.length === 0) return undefined;
  const manager = (await is("pnpm-lock.yaml", "file")) || (await is("pnpm-workspace.yaml", "file")) ? "pnpm" : (await is("yarn.lock", "file")) ? "yarn" : (await is("bun.lock", "file")) || (await is("bun.lockb", "file")) ? "bun" : "npm";
  const more = found.length > MAX_PACKAGES_NAMED ? `, and ${found.length - MAX_PACKAGES_NAMED} more` : "";
  const first = found[0]!.slice(0, found[0]!.indexOf(" ("));
  return `package.json has no test script; the test scripts are in its workspaces' packages: ${found.slice(0, MAX_PACKAGES_NAMED).join(", ")}${more}; run one with run_tests' package (package "${first}"), or with run_command in its folder (cwd "${first}", ${manager} test)`;
}

/**
 * The folders of the root package.json's workspaces (npm, yarn: `workspaces`, or its
 * `packages`) and pnpm-workspace.yaml's `packages:`, in order; undefined where there is no
 * root package.json. run_tests' `package` names one of them: `folder` is among them too where
 * a pattern this does not list matches it (`packages/**`, or a `*` inside a path).
 */
export async function workspacePackages(workspace: Workspace, folder?: string): Promise<string[] | undefined> {
  const root = await readJson(workspace, "package.json");
  if (root === undefined) return undefined;
  const declared = (root as { workspaces?: unknown }).workspaces;
  const list = Array.isArray(declared) ? declared : (declared as { packages?: unknown } | undefined)?.packages;
  const patterns = [...(Array.isArray(list) ? list : []), ...pnpmWorkspacePackages((await configText(workspace, "pnpm-workspace.yaml")) ?? "")].filter((p): p is string => typeof p === "string");
  const folders = await packageFolders(workspace, patterns);
  if (folder !== undefined && !folders.includes(folder) && patterns.some((pattern) => globMatches(pattern, folder))) folders.push(folder);
  return folders;
}

/**
 * Whether a workspace pattern (`*` within a name, `**` for any folders) names `folder`. Matched
 * name by name (as a regular expression each `**` was `(?:[^/]+/)*`, and a repository's
 * pattern of many `**` names tried every way to split a deep folder among them: hours).
 */
function globMatches(pattern: string, folder: string): boolean {
  const clean = posix.normalize(pattern.replace(/^\.\//, "")).replace(/\/+$/, "");
  if (clean.startsWith("..") || posix.isAbsolute(clean) || clean.startsWith("!")) return false;
  const names = folder.split("/");
  // reached[j]: the pattern so far matches the first j names of the folder.
  let reached = names.map((_, j) => j === 0).concat(names.length === 0);
  for (const segment of clean.split("/")) {
    const next = reached.map(() => false);
    if (segment === "**") {
      // Any number of names, none of them empty.
      for (let j = 0; j <= names.length; j++) next[j] = reached[j]! || (j > 0 && next[j - 1]! && names[j - 1] !== "");
    } else {
      for (let j = 0; j < names.length; j++) if (reached[j] && nameMatches(segment, names[j]!)) next[j + 1] = true;
    }
    reached = next;
  }
  return reached[names.length]!;
}

/** Whether a name matches a pattern's name: `*` any characters, `?` one, the rest as written; in time |pattern| × |name| at most. */
function nameMatches(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === "?" || (pattern[p] !== "*" && pattern[p] === name[n]))) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resume = n;
    } else if (star !== -1) {
      p = star + 1;
      n = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** pnpm-workspace.yaml's `packages:` entries (`- 'libs/*'`), exclusions (`!…`) left out. */
function pnpmWorkspacePackages(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => /^packages:\s*$/.test(line));
  if (start === -1) return [];
  const found: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const item = workspaceEntry(line);
    if (item === undefined) {
      if (/^\S/.test(line)) break;
      continue;
    }
    if (!item.startsWith("!")) found.push(item);
  }
  return found;
}

/**
 * The entry of a YAML list line (`  - 'libs/*'  # note`): what is inside its quotes, or its text up to a comment, without the
 * blanks round it (those inside quotes kept). Written so that no two parts can take the same blanks: as
 * /^\s+-\s*["']?([^"'#]+?)["']?\s*(?:#.*)?$/ (every blank could go to three places) a line of 3,000 tabs took the
 * runtime 5 s, a pnpm-workspace.yaml's line of 100,000 some two days. Same entries, but none of blanks alone.
 */
function workspaceEntry(line: string): string | undefined {
  const m = /^\s+-\s*(?:["'](\s*))?([^"'#\s](?:[^"'#]*[^"'#\s])?)(?:(\s*)["'])?\s*(?:#.*)?$/.exec(line);
  return m ? (m[1] ?? "") + m[2] + (m[3] ?? "") : undefined;
}

/** The folders workspace patterns name, in order, each once: `dir/*` is dir's folders, anything else a folder itself. */
async function packageFolders(workspace: Workspace, patterns: readonly string[]): Promise<string[]> {
  const folders = new Set<string>();
  for (const pattern of patterns) {
    const clean = posix.normalize(pattern.replace(/^\.\//, "")).replace(/\/+$/, "");
    if (clean.startsWith("..") || posix.isAbsolute(clean) || clean.includes("**")) continue;
    if (clean.endsWith("/*") && !clean.slice(0, -2).includes("*")) {
      const parent = clean.slice(0, -2);
      const entries = await workspace.list(parent).catch(() => []);
      for (const entry of entries.filter((e) => e.type === "directory").sort((a, b) => a.name.localeCompare(b.name))) folders.add(`${parent}/${entry.name}`);
    } else if (!clean.includes("*")) folders.add(clean);
  }
  return [...folders];
}

/** A JSON file's value, or undefined where it is not there or is not JSON. */
async function readJson(workspace: Workspace, path: string): Promise<unknown> {
  const text = await configText(workspace, path);
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Python's lock files, in the order looked for: the command that makes the environment they
 * name, and what then runs the tests in it — uv and pdm make it in .venv/, which run_tests
 * then finds; poetry and pipenv make it outside the workspace, reached through their `run`.
 */
const PYTHON_LOCKS: ReadonlyArray<readonly [string, string, string]> = [
  ["uv.lock", "uv sync", "then run the tests again: they run with the .venv/ it makes"],
  ["poetry.lock", "poetry install", "and configure the test command as `poetry run pytest`"],
  ["pdm.lock", "pdm install", "then run the tests again: they run with the .venv/ it makes"],
  ["Pipfile.lock", "pipenv install --dev", "and configure the test command as `pipenv run pytest`"],
];

/**
 * Why a Python project's tests, run with the python3 on PATH, could not import a module,
 * where the project says: a lock file names its dependencies and no environment of its own is
 * in the workspace (a fresh clone of a uv or poetry project) — said with the command that
 * makes it. "0 passed, 1 failed" alone sent the model hunting for a bug in the test's import.
 */
export async function unmadePythonEnvironment(workspace: Workspace, command: string, output: string): Promise<string | undefined> {
  const module = output.match(/^(?:E\s+)?ModuleNotFoundError: No module named '([^']+)'/m)?.[1] ?? (/: No module named pytest\s*$/m.test(output) ? "pytest" : undefined);
  if (module === undefined) return undefined;
  const plain = /^\s*(?:python3?|pytest|py\.test)(?:\s|$)/.test(command);
  const is = async (path: string) => (await workspace.stat(path).catch(() => undefined))?.type === "file";
  const made = plain && (await Promise.all(VENV_FOLDERS.map((folder) => is(`${folder}/pyvenv.cfg`)))).some(Boolean);
  for (const [lock, make, then] of plain && !made ? PYTHON_LOCKS : []) {
    if (await is(lock)) return `No module named '${module}' with ${command.trim().split(/\s+/)[0]}, and the project's environment is not in the workspace: make it with \`${make}\` (${lock})${then.startsWith("then") ? ", " : " "}${then}`;
  }
  return uninstalledSrcPackage(workspace, command, module);
}

/**
 * Why the tests could not import the project's own package: it is in src/ (the "src layout"
 * of PyPA's guide, hatch's and uv's `--package` templates), which is on no Python's path until
 * the project is installed into the environment the tests run in. pytest's collection error
 * read "tests FAILED: 0 passed, 1 failed" and sent the model hunting for a bug in the import.
 */
async function uninstalledSrcPackage(workspace: Workspace, command: string, module: string): Promise<string | undefined> {
  if (!/(?:^|[\s/\\'])(?:python[\d.]*t?|pypy3?|pytest|py\.test)(?:\.exe)?'?(?:\s|$)/.test(command)) return undefined;
  const top = module.split(".")[0]!;
  const is = async (path: string) => (await workspace.stat(path).catch(() => undefined)) !== undefined;
  const place = (await is(`src/${top}`)) ? `src/${top}/` : (await is(`src/${top}.py`)) ? `src/${top}.py` : undefined;
  if (place === undefined) return undefined;
  const program = command.trim().split(/\s+/)[0]!;
  const python = /(?:^|[/\\])(?:python[\d.]*t?|pypy3?)(?:\.exe)?'?$/.test(program) ? program : /(?:^|[/\\])pytest(?:\.exe)?$/.test(program) && program !== "pytest" ? program.replace(/pytest(\.exe)?$/, "python$1") : undefined;
  const install = python ? `\`${python} -m pip install -e .\`` : "`pip install -e .` in the environment the tests run in (uv and poetry install it with `uv sync` / `poetry install`)";
  return `No module named '${module}': it is the project's own package, in ${place}, which is not installed for the Python the tests run with (a src/ layout is on no path until it is): install it with ${install}, or add pythonpath = ["src"] to pytest's settings ([tool.pytest.ini_options] in pyproject.toml)`;
}
