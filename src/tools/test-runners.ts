/**
 * Which test command a project uses, and how many tests passed or failed according to its
 * output. Detection looks only at files in the workspace root (package.json's test script —
 * with its pretest and posttest and the .npmrc settings that change how npm runs them; by yarn
 * in a Plug'n'Play project —,
 * pytest.ini / pyproject.toml / setup.cfg / tox.ini / setup.py — with the addopts of pytest's
 * configuration files —, deno.json(c) (its test task, else deno test), go.mod, Cargo.toml, pom.xml,
 * build.gradle(.kts), a Ruby project's spec/ or .rspec (rspec) or Rakefile with test/ (rake test; both through
 * bundle exec with a Gemfile), mix.exs (mix test), phpunit.xml(.dist) (vendor/bin/phpunit, or pest with tests/Pest.php), CMakeLists.txt with a configured build/ (or CLion's cmake-build-debug/-release: cmake --build, then
 * ctest there), a makefile's test target (make test), test_*.py for unittest; Python's run with the interpreter the user chose,
 * else the virtual environment in the root, `.venv/` or `venv/`, where there is one); counting understands the summary lines of
 * node's test runner, Jest/Vitest, Deno, bun, Mocha, pytest, unittest, go test, cargo, Maven, Gradle, CTest, RSpec, Minitest, PHPUnit (Pest's is Jest's form) and ExUnit.
 */
import { isAbsolute, posix, resolve, sep } from "node:path";
import { ToolError } from "./tool.ts";
import { cargoUnfinished, goJsonCounts, goUnfinished } from "./compiled-tests.ts";
import { pairSafeEnd } from "./text-file.ts";
import type { Workspace } from "./workspace.ts";
import { type ChosenPython, chosenPlace } from "./chosen-python.ts";
import { shellWord } from "../protocol/shell-word.ts";

export interface DetectedRunner {
  readonly command: string;
  /** Why this command: the file that gave it away (the repository's scripts cut at 300 characters each: the model reads it with every run). */
  readonly because: string;
  /** `because` with nothing cut, where it cut something: what the approval question shows. */
  readonly whole?: string;
}

export interface TestCounts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Summed over lines (one per test or test binary: go, cargo), not read from one summary: output cut in the middle undercounts. */
  readonly fromEveryLine?: true;
  /** What was counted where it is not tests: go test without -v names only the tests that fail, so its packages are counted. */
  readonly unit?: "packages";
}

/**
 * The test command the root's files point to. A package.json that cannot be read as JSON
 * does not stop the search (a Python project with a stray broken one); when nothing else
 * is found, the ToolError names it rather than saying nothing was detected.
 */
export async function detectTestCommand(workspace: Workspace, python?: ChosenPython): Promise<DetectedRunner | undefined> {
  // A file the workspace will not look at (a link out of it) is not there for detection.
  const exists = async (path: string) => (await workspace.stat(path).catch(() => undefined))?.type === "file";
  const npm = await packageScripts(workspace, "test");
  // The scripts are what runs: a repository can make them anything, so they are named where the command is shown.
  const test = npm.scripts?.find((s) => s.name === "test")?.text;
  if (npm.scripts && test && !/no test specified/.test(test)) {
    const pnp = await plugAndPlay(workspace);
    return pnp ? yarnRunner("yarn test", "", test, pnp, await yarnPathLines(workspace)) : npmRunner("npm test", "", npm.scripts, await npmrcRunSettings(workspace));
  }
  const other = await detectOtherRunner(workspace, exists, python);
  if (!other && npm.problem) throw new ToolError("unavailable", `${npm.problem}, and no other test setup was found; fix it, or use run_command with the right command`);
  return other;
}

/** Larger than any real package.json: not read at all. */
const MAX_PACKAGE_JSON_BYTES = 4 * 1024 * 1024;

/**
 * What a configured test command runs where the repository decides it — `npm test` and
 * `npm run NAME` run package.json's scripts under the project's .npmrc, pytest adds its
 * configuration files' addopts — after "the configured test command". Under auto-edit the
 * model can rewrite those files without asking, and the approval of the command showed only
 * its words ("npm test"). Any other command says what it runs itself.
 */
export async function configuredRunner(command: string, workspace: Workspace): Promise<DetectedRunner> {
  const because = "the configured test command";
  const yarnScript = yarnScriptRun(command);
  const pnp = yarnScript === undefined ? undefined : await plugAndPlay(workspace);
  if (yarnScript !== undefined && pnp !== undefined) {
    const scripts = (await packageScripts(workspace, yarnScript)).scripts;
    const text = scripts?.find((s) => s.name === yarnScript)?.text;
    if (text !== undefined) return yarnRunner(command, `${because}; `, text, pnp, await yarnPathLines(workspace), yarnScript);
  }
  const script = npmScriptRun(command);
  if (script !== undefined) {
    if (npmSettingOptions(command)) return { command, because: `${because}; its npm options can make npm run another package.json's scripts, or run them differently, than the workspace's package.json and .npmrc say` };
    const npm = await packageScripts(workspace, script);
    if (npm.scripts) return npmRunner(command, `${because}; `, npm.scripts, await npmrcRunSettings(workspace));
    // npm reads a package.json the workspace will not (a link out of it): that it is there is said.
    return { command, because: npm.problem ? `${because}; ${npm.problem}` : because };
  }
  const venv = commandVenv(command);
  const program = venv === undefined ? undefined : await venvProgramTold(workspace, command.trim().split(/\s+/)[0]!);
  const home = venv === undefined ? undefined : await venvHomeTold(workspace, venv, posix.dirname(command.trim().split(/\s+/)[0]!));
  const lead = program || home ? (max: number) => [because, program?.(max), home?.(max)].filter((part) => part !== undefined).join("; ") : because;
  if (!PYTEST_COMMAND.test(command)) return told(command, lead, "", []);
  const moved = managerDirectory(command);
  const root = await pytestAddopts(workspace);
  if (moved === undefined) return told(command, lead, "pytest's settings that add to the command or say where it writes", root);
  const folder = posix.normalize(moved).replace(/\/+$/, "");
  if (posix.isAbsolute(folder) || folder === ".." || folder.startsWith("../")) {
    const away = (max: number) => `${typeof lead === "string" ? lead : lead(max)}; its project manager runs pytest in ${cut(moved, max)}, whose configuration files are not named here`;
    return told(command, away, "pytest's settings that add to the command or say where it writes", root);
  }
  // pytest there looks for its configuration from that folder upwards: the folder's own are read first.
  return told(command, lead, "pytest's settings that add to the command or say where it writes", [...(folder === "." ? [] : await pytestAddopts(workspace, `${folder}/`)), ...root]);
}

/**
 * The folder a project manager's option makes pytest run in (`uv run --directory sub pytest`,
 * poetry's `-C sub` / `--directory sub`, before `run` or after it), where it has one: pytest
 * there reads sub/pytest.ini, not the root's, and the question named only the root's.
 */
function managerDirectory(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  if (!/^(?:uv|poetry|pdm|pipenv|hatch|rye)$/.test(words[0] ?? "")) return undefined;
  let found: string | undefined;
  // Up to the python or pytest it runs: pytest's own options after it are pytest's.
  for (let i = 1; i < words.length && !/(?:^|[/\\])(?:python[\d.]*|pytest|py\.test)(?:\.exe)?$/.test(words[i]!); i++) {
    const word = words[i]!;
    const joined = word.match(/^(?:--directory|-C)=?(.+)$/)?.[1];
    if (joined !== undefined && (word.startsWith("--directory=") || word.startsWith("-C"))) found = joined;
    else if ((word === "--directory" || word === "-C") && words[i + 1] !== undefined) found = words[++i];
  }
  return found?.replace(/^["']|["']$/g, "");
}

/** The package.json script an npm command runs: "test" for `npm test` (`npm t`, `npm tst`), NAME for `npm run NAME`; else undefined. */
function npmScriptRun(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  if (words[0] !== "npm") return undefined;
  if (["test", "t", "tst"].includes(words[1] ?? "")) return "test";
  return ["run", "run-script", "rum", "urn"].includes(words[1] ?? "") && words[2] && !words[2].startsWith("-") ? words[2] : undefined;
}

/** The package.json script a plain `yarn test` / `yarn run NAME` runs (no options: they are said as the configured command only). */
function yarnScriptRun(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  if (words[0] !== "yarn") return undefined;
  if (words[1] === "test") return "test";
  return words[1] === "run" && words[2] && !words[2].startsWith("-") ? words[2] : undefined;
}

/**
 * The Yarn Plug'n'Play loader in the root (.pnp.cjs; .pnp.js before Yarn 3), if there is
 * one: the project's packages are in .yarn/'s zips, found only by the node that yarn starts
 * (no node_modules/). `npm test` there ended "`jest` was not found (exit code 127)" on
 * every run, and hearth fix's final test run failed with it whatever the fix.
 */
async function plugAndPlay(workspace: Workspace): Promise<string | undefined> {
  for (const name of [".pnp.cjs", ".pnp.js"]) {
    if ((await workspace.stat(name).catch(() => undefined))?.type === "file") return name;
  }
  return undefined;
}

/**
 * .yarnrc.yml's `yarnPath` lines: the yarn that runs the scripts is the JavaScript file it
 * names (the global yarn hands over to it), which the repository holds.
 */
async function yarnPathLines(workspace: Workspace): Promise<string[]> {
  const text = await configText(workspace, ".yarnrc.yml");
  if (text === null) return [".yarnrc.yml: (could not be read here; it can name the yarn that runs them)"];
  return (text ?? "").split(/\r?\n|\r/).filter((line) => /^\s*["']?yarnPath["']?\s*:/.test(line)).map((line) => `.yarnrc.yml: ${line.trim()}`);
}

/**
 * A `yarn` command in a Plug'n'Play project: the script it runs (Yarn 2 and later run no
 * pre/post scripts but the install's), why yarn, and the yarn that .yarnrc.yml says runs it.
 */
function yarnRunner(command: string, lead: string, script: string, pnp: string, yarnPath: readonly string[], name = "test"): DetectedRunner {
  const told = (max: number) =>
    `${lead}package.json's ${name} script: ${cut(script, max)}; run by yarn, as the project uses Yarn Plug'n'Play (${pnp}), whose packages npm cannot find${yarnPath.length ? `; and the yarn that runs it: ${yarnPath.map((line) => cut(line, max)).join("; ")}` : ""}`;
  const because = told(MAX_SCRIPT_TOLD);
  const whole = told(Infinity);
  return { command, because, ...(whole !== because ? { whole } : {}) };
}

/** npm options that change only what it prints, or whether it fails on a missing script: the scripts named stay the ones that run. */
const NPM_OUTPUT_OPTIONS = /^(?:-s|--silent|-q|--quiet|-d{1,3}|--verbose|--loglevel=\w+|--if-present|--foreground-scripts|--no-color|--color(?:=\w+)?)$/;

/**
 * Whether an npm command holds, before `--`, an option that can change which package.json
 * and .npmrc npm reads or how it runs their scripts (`npm test --prefix sub` and `-C sub` ran
 * sub/package.json's test script, `-w`, `--userconfig=…`, `--script-shell=…`): any npm
 * option but those that change only its output.
 */
function npmSettingOptions(command: string): boolean {
  const words = command.trim().split(/\s+/);
  const end = words.indexOf("--");
  return words.slice(1, end === -1 ? undefined : end).some((word) => /^["'\\]*-/.test(word) && !NPM_OUTPUT_OPTIONS.test(word));
}

interface NpmScript {
  readonly name: string;
  readonly text: string;
}

/**
 * package.json's scripts that npm runs for script `name` when it has that script (a non-empty
 * string), in its order: `preNAME`, NAME and `postNAME` (npm runs the other two around it,
 * unless ignore-scripts is set); or why package.json could not be read. A card that named only
 * the test script ("jest") was approved while a `pretest` of `curl … | sh` ran first.
 */
async function packageScripts(workspace: Workspace, name: string): Promise<{ scripts?: NpmScript[]; problem?: string }> {
  let pkg: unknown;
  try {
    const info = await workspace.stat("package.json");
    if (info?.type !== "file") return {};
    if (info.size > MAX_PACKAGE_JSON_BYTES) return { problem: `package.json is ${info.size} bytes, too large to read` };
    pkg = JSON.parse(new TextDecoder().decode(await workspace.read("package.json")));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { problem: error instanceof SyntaxError ? `package.json is not valid JSON (${why})` : `package.json could not be read (${why})` };
  }
  const scripts = (pkg as { scripts?: Record<string, unknown> } | null)?.scripts;
  const text = (name: string) => (scripts && typeof scripts === "object" && Object.hasOwn(scripts, name) ? scripts[name] : undefined);
  const main = text(name);
  if (typeof main !== "string" || main.trim() === "") return {};
  // npm runs a pre/post script that is any non-empty string; one of another type it does not run.
  return {
    scripts: [`pre${name}`, name, `post${name}`].flatMap((each) => {
      const script = text(each);
      return typeof script === "string" && script !== "" ? [{ name: each, text: script }] : [];
    }),
  };
}

/** An npm command, the scripts it runs (after `lead`) and the .npmrc settings that change how: cut for the model, whole for the approval question. */
function npmRunner(command: string, lead: string, scripts: readonly NpmScript[], npmrc: NpmrcSettings): DetectedRunner {
  const them = scripts.length === 1 ? "it" : "them";
  const told = (max: number) => {
    const run =
      lead +
      (scripts.length === 1
        ? `package.json's ${scripts[0]!.name} script: ${cut(scripts[0]!.text, max)}`
        : `package.json's scripts, run in this order: ${scripts.map((s) => `${s.name}: ${cut(s.text, max)}`).join("; ")}`);
    if (npmrc.unread !== undefined) return `${run}; and the project's .npmrc, which can change how npm runs ${them} and could not be read here (${npmrc.unread})`;
    return npmrc.lines.length === 0 ? run : `${run}; and the project's .npmrc, which changes how npm runs ${them}: ${npmrc.lines.map((line) => cut(line, max)).join("; ")}`;
  };
  const because = told(MAX_SCRIPT_TOLD);
  const whole = told(Infinity);
  return { command, because, ...(whole !== because ? { whole } : {}) };
}

/** The settings lines of a .npmrc that change what npm's scripts run, or why it could not be read. */
interface NpmrcSettings {
  readonly lines: readonly string[];
  readonly unread?: string;
}

/**
 * The lines of the project's .npmrc (beside package.json, read by npm for every script) that
 * change what the scripts run: `script-shell` runs its program in place of sh with each
 * script, `node-options` is every node's NODE_OPTIONS (`--require ./x.js`). A card naming only
 * the test script ("echo real-test") was approved while the .npmrc's `script-shell=./x.sh` ran.
 * `workspace`, `workspaces` and `include-workspace-root` choose which packages' scripts run:
 * with `workspace=sub`, `npm test` ran sub/package.json's test script, not the root's.
 * Lines are split and keys read as npm's ini reader does (a lone CR ends a line, a key may be
 * quoted: npm 11 ran script-shell from both); underscores for dashes and any case are taken
 * too: it errs on naming too much.
 */
async function npmrcRunSettings(workspace: Workspace): Promise<NpmrcSettings> {
  let text: string;
  try {
    const info = await workspace.stat(".npmrc");
    if (info?.type !== "file") return { lines: [] };
    if (info.size > MAX_PACKAGE_JSON_BYTES) return { lines: [], unread: `it is ${info.size} bytes` };
    text = new TextDecoder().decode(await workspace.read(".npmrc"));
  } catch (error) {
    // npm reads it all the same (a link out of the workspace too): that it is there is said.
    return { lines: [], unread: error instanceof Error ? error.message : String(error) };
  }
  return { lines: text.split(/[\r\n]+/).map((line) => line.trim()).filter((line) => RUN_SETTING.test(npmrcKey(line))) };
}

const RUN_SETTING = /^(?:script[-_]shell|node[-_]options|workspaces?|include[-_]workspace[-_]root)$/i;

/**
 * A .npmrc line's key as npm's ini reader takes it: before the first `=`, trimmed; a quoted
 * one is read as JSON, after its single quotes go (`"script\u002dshell" = ./x.sh` is
 * script-shell: npm ran it), and left as it is where that fails.
 */
function npmrcKey(line: string): string {
  const key = line.split("=", 1)[0]!.trim();
  if (key.length < 2 || !/^(["']).*\1$/.test(key)) return key;
  const inner = key.startsWith("'") ? key.slice(1, -1) : key;
  try {
    const parsed: unknown = JSON.parse(inner);
    return typeof parsed === "string" ? parsed : inner;
  } catch {
    return inner;
  }
}

/** How much of each script the model reads with every run_tests result. */
const MAX_SCRIPT_TOLD = 300;

async function detectOtherRunner(workspace: Workspace, exists: (path: string) => Promise<boolean>, chosen: ChosenPython | undefined): Promise<DetectedRunner | undefined> {
  const deno = await denoRunner(workspace);
  if (deno) return deno;
  const python = await projectPython(workspace, chosen);
  for (const file of ["pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "setup.py"]) {
    if (await exists(file)) return told(`${python.program} -m pytest -q`, (max) => `${file} (a Python project)${python.because(max)}`, "pytest's settings that add to the command or say where it writes", await pytestAddopts(workspace));
  }
  if (await exists("go.mod")) return { command: "go test ./...", because: "go.mod" };
  if (await exists("Cargo.toml")) return { command: "cargo test", because: "Cargo.toml" };
  // The Maven wrapper, as Gradle's: the Maven the project is built with (Spring Initializr's projects ship it), where no mvn may be installed.
  if (await exists("pom.xml")) return { command: (await exists("mvnw")) ? "./mvnw -q test" : "mvn -q test", because: "pom.xml" };
  for (const file of ["build.gradle", "build.gradle.kts"]) {
    if (await exists(file)) return { command: (await exists("gradlew")) ? "./gradlew test" : "gradle test", because: file };
  }
  // CMake: ctest runs in a configured build folder (CTestTestfile.cmake there); cmake --build first, or it runs stale binaries.
  if (await exists("CMakeLists.txt")) {
    for (const build of ["build", "cmake-build-debug", "cmake-build-release"]) {
      if (await exists(`${build}/CTestTestfile.cmake`)) return { command: `cmake --build ${build} && ctest --test-dir ${build} --output-on-failure`, because: `CMakeLists.txt, configured in ${build}/` };
    }
  }
  const ruby = await rubyRunner(workspace, exists);
  if (ruby) return ruby;
  if (await exists("mix.exs")) return { command: "mix test", because: "mix.exs (an Elixir project)" };
  const php = await phpRunner(exists);
  if (php) return php;
  const make = await makeTestRunner(workspace);
  if (make) return make;
  const root = await workspace.list(".");
  if (root.some((e) => e.type === "file" && /^test_.*\.py$|_test\.py$/.test(e.name))) {
    return told(`${python.program} -m unittest -q`, (max) => `test_*.py files (unittest)${python.because(max)}`, "", []);
  }
  return undefined;
}

/**
 * A Ruby project's tests: RSpec where there is a spec/ folder or a .rspec file, else Minitest
 * through the Rakefile's test task (Rails' and a gem's test/ folder); through Bundler where
 * there is a Gemfile, so that the project's gem versions run. It was "none could be detected".
 */
async function rubyRunner(workspace: Workspace, exists: (path: string) => Promise<boolean>): Promise<DetectedRunner | undefined> {
  const folder = async (path: string) => (await workspace.stat(path).catch(() => undefined))?.type === "directory";
  const bundle = (await exists("Gemfile")) ? "bundle exec " : "";
  const by = bundle ? ", through Bundler (Gemfile)" : "";
  if ((await exists(".rspec")) || (bundle && (await folder("spec")))) return { command: `${bundle}rspec`, because: `${(await exists(".rspec")) ? ".rspec" : "spec/"} (RSpec)${by}` };
  for (const file of ["Rakefile", "rakefile", "Rakefile.rb"]) {
    if ((await exists(file)) && (await folder("test"))) return { command: `${bundle}rake test`, because: `${file} and test/ (Minitest through rake)${by}` };
  }
  return undefined;
}

/**
 * A PHP project's tests: Pest where tests/Pest.php is there, else PHPUnit where its
 * configuration is (phpunit.xml, phpunit.xml.dist, phpunit.dist.xml); the project's own from
 * Composer's vendor/bin where there is a composer.json (its version, as `composer test` would).
 */
async function phpRunner(exists: (path: string) => Promise<boolean>): Promise<DetectedRunner | undefined> {
  const config = (await Promise.all(PHPUNIT_CONFIGS.map(async (file) => ((await exists(file)) ? file : undefined)))).find((file) => file !== undefined);
  if (config === undefined) return undefined;
  const vendor = (await exists("composer.json")) ? "vendor/bin/" : "";
  if (await exists("tests/Pest.php")) return { command: `${vendor}pest`, because: `tests/Pest.php and ${config} (Pest)` };
  return { command: `${vendor}phpunit`, because: `${config} (PHPUnit)` };
}

const PHPUNIT_CONFIGS = ["phpunit.xml", "phpunit.xml.dist", "phpunit.dist.xml"];

/** The makefiles GNU make reads, in its order. */
const MAKEFILES = ["GNUmakefile", "makefile", "Makefile"];

/**
 * `make test` where the root's makefile has a `test` target (a C project's, or any project's
 * whose tests a Makefile runs): said with the target's prerequisites, which make builds first,
 * and its recipe (cut for the model, whole for the approval question). It was "none could be
 * detected", and hearth fix had no final test run.
 */
async function makeTestRunner(workspace: Workspace): Promise<DetectedRunner | undefined> {
  for (const file of MAKEFILES) {
    const text = await configText(workspace, file);
    if (text === undefined) continue;
    if (text === null) return undefined;
    const lines = text.split(/\r?\n/);
    const at = lines.findIndex((line) => /^test\s*::?(?!=)/.test(line));
    if (at === -1) return undefined;
    const needs = lines[at]!.replace(/^test\s*::?/, "").replace(/[;#].*$/, "").trim();
    const inline = /^test\s*::?[^;#]*;(.*)$/.exec(lines[at]!)?.[1]?.trim();
    const recipe = [...(inline ? [inline] : [])];
    for (let i = at + 1; i < lines.length && /^\t/.test(lines[i]!); i++) recipe.push(lines[i]!.trim());
    const say = (max: number) => `${file}'s test target${needs ? `, after ${cut(needs, max)}` : ""}: ${recipe.length ? cut(recipe.join("; "), max) : "(no recipe of its own)"}`;
    return { command: "make test", because: say(MAX_SCRIPT_TOLD), ...(say(Infinity) !== say(MAX_SCRIPT_TOLD) ? { whole: say(Infinity) } : {}) };
  }
  return undefined;
}

/**
 * A Deno project's tests (deno.json or deno.jsonc in the root): its `test` task where it has
 * one (`deno task test`: the permissions its tests need are given there), else `deno test`.
 * It was "none could be detected" (Deno projects have no package.json).
 */
async function denoRunner(workspace: Workspace): Promise<DetectedRunner | undefined> {
  for (const file of ["deno.json", "deno.jsonc"]) {
    const text = await configText(workspace, file);
    if (text === undefined) continue;
    const task = text === null ? undefined : denoTask(text, "test");
    if (task === undefined) return { command: "deno test", because: `${file} (a Deno project)` };
    const first = task.dependencies.length ? `, after the tasks it depends on: ${task.dependencies.join(", ")}` : "";
    const say = (max: number) => `${file}'s test task: ${cut(task.command, max)}${first}`;
    return { command: "deno task test", because: say(MAX_SCRIPT_TOLD), ...(say(Infinity) !== say(MAX_SCRIPT_TOLD) ? { whole: say(Infinity) } : {}) };
  }
  return undefined;
}

/**
 * deno.json(c)'s task `name`: a string, or the `command` of Deno 2's object form with the tasks
 * it depends on (`dependencies`, which deno task runs first); undefined where there is none
 * or the file is not JSON with comments.
 */
function denoTask(text: string, name: string): { command: string; dependencies: string[] } | undefined {
  // JSONC: comments and trailing commas go, strings are kept as they are.
  const strip = (from: string, what: RegExp) => from.replace(what, (match) => (match.startsWith('"') ? match : ""));
  const json = strip(strip(text, /"(?:[^"\\\n]|\\.)*"|\/\/[^\n]*|\/\*[\s\S]*?\*\//g), /"(?:[^"\\\n]|\\.)*"|,(?=\s*[}\]])/g);
  try {
    const tasks = (JSON.parse(json) as { tasks?: Record<string, unknown> } | null)?.tasks;
    const task = tasks && typeof tasks === "object" && Object.hasOwn(tasks, name) ? tasks[name] : undefined;
    const form = typeof task === "object" && task !== null ? (task as { command?: unknown; dependencies?: unknown }) : { command: task };
    const dependencies = Array.isArray(form.dependencies) ? form.dependencies.filter((each): each is string => typeof each === "string") : [];
    return typeof form.command === "string" && form.command.trim() !== "" ? { command: form.command, dependencies } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The folders a project's virtual environment is made in, in the order VS Code's Python
 * extension prefers them. It picks such an environment in the workspace over the python3 on
 * PATH, and the project's dependencies (pytest among them) are installed there, not in the
 * system's Python: `python3 -m pytest` in such a project failed with "No module named pytest",
 * or with an ImportError of the project's own dependencies in every test file.
 */
export const VENV_FOLDERS = [".venv", "venv", "env", ".env"];

/**
 * The Python a project's tests run with: the one the user chose (`chosen`: in the editor, or
 * the shell's activated environment), where it is there; else that of its virtual environment
 * in the workspace's root (a folder with pyvenv.cfg, which `python -m venv`, virtualenv, uv
 * and poetry's in-project environments write), else python3 (Debian and macOS have no `python`).
 * `because` follows the detected file's name (given `max`, what venvProgramTold cuts at).
 */
async function projectPython(workspace: Workspace, chosen?: ChosenPython): Promise<{ program: string; because: (max: number) => string }> {
  const place = chosen && (await chosenPlace(workspace.root, chosen.program));
  if (chosen && place?.kind === "outside") return { program: shellWord(chosen.program), because: (max) => `, with ${chosen.from}: ${cut(chosen.program, max)}` };
  if (chosen && place?.kind === "inside") {
    // A file in the workspace runs as the repository wrote it: said as a venv's found there is.
    const folder = posix.dirname(posix.dirname(place.path));
    const itself = await venvProgramTold(workspace, place.path);
    const home = /\/(?:bin|Scripts)\/[^/]+$/.test(place.path) ? await venvHomeTold(workspace, folder, posix.dirname(place.path)) : undefined;
    // sh looks a word with no slash up on PATH (CPython's in-tree ./python ran the installed one), and reads `PY=3.12/bin/python` as a variable.
    const program = place.path.includes("/") && !/^[A-Za-z_]\w*=/.test(place.path) ? place.path : `./${place.path}`;
    return { program: shellWord(program), because: (max) => `, with ${chosen.from}: ${cut(place.path, max)}${itself ? `; ${itself(max)}` : ""}${home ? `; ${home(max)}` : ""}` };
  }
  const found = await workspacePython(workspace);
  if (!chosen) return found;
  // Not there (a setting left from a removed environment): the run goes on as without it, and says so.
  const why = place?.kind === "missing" && place.folder ? "which is a folder, not a program: choose the python in it (bin/python, or Scripts\\python.exe on Windows)" : "which is not there";
  return { program: found.program, because: (max) => `${found.because(max)}; not with ${chosen.from}, ${cut(chosen.program, max)}, ${why}` };
}

/** The python of the virtual environment in the workspace's root, else python3. */
async function workspacePython(workspace: Workspace): Promise<{ program: string; because: (max: number) => string }> {
  const is = async (path: string, type: "file" | "directory") => (await workspace.stat(path).catch(() => undefined))?.type === type;
  const [here, other] = process.platform === "win32" ? VENV_LAYOUTS : [VENV_LAYOUTS[1], VENV_LAYOUTS[0]];
  let foreign = "";
  for (const folder of VENV_FOLDERS) {
    if (!(await is(`${folder}/pyvenv.cfg`, "file"))) continue;
    // Its python is a link out of the workspace (to the Python it was made from): the folder is what is checked.
    if (!(await is(`${folder}/${here.folder}`, "directory"))) {
      if (!foreign && (await is(`${folder}/${other.folder}`, "directory"))) {
        foreign = `, not with its virtual environment ${folder}/, made on ${other.system} (it has ${other.folder}/, no ${here.folder}/), whose python cannot run here: make it again here (python3 -m venv ${folder}) to run the tests with it`;
      }
      continue;
    }
    const program = `${folder}/${here.folder}/${here.python}`;
    const itself = await venvProgramTold(workspace, program);
    const home = await venvHomeTold(workspace, folder);
    return { program, because: (max) => `, with its virtual environment ${folder}/ (the one VS Code's Python extension uses)${itself ? `; ${itself(max)}` : ""}${home ? `; ${home(max)}` : ""}` };
  }
  return { program: "python3", because: () => foreign };
}

/**
 * Where a venv keeps its python on Windows, and elsewhere. One made on the other system (a
 * checkout's, a shared folder's) cannot run here: `.venv/Scripts/python.exe` on Linux ended
 * "tests FAILED: counts not recognized; exit code 126".
 */
const VENV_LAYOUTS = [
  { system: "Windows", folder: "Scripts", python: "python.exe" },
  { system: "Linux or macOS", folder: "bin", python: "python" },
] as const;

/**
 * What a virtual environment's program that a command runs is, where it is not the link out
 * of the workspace to an installed Python that a venv holds: a file in the workspace, which
 * runs as the repository (or the model, under auto-edit) wrote it — a checkout's
 * `.venv/bin/python` that was `#!/bin/sh` and a download piped to sh was asked about as "its
 * virtual environment .venv/" alone. Said with its text (cut at `max`), a program (a venv
 * made with --copies) by its size.
 */
async function venvProgramTold(workspace: Workspace, program: string): Promise<((max: number) => string) | undefined> {
  // stat refuses a link out of the workspace: the usual venv, whose python is the one it was made from.
  const info = await workspace.stat(program).catch(() => undefined);
  if (info?.type !== "file") return undefined;
  const text = await configText(workspace, program);
  const script = typeof text === "string" && !text.includes("\0") ? text : undefined;
  const what = /\/python[\d.]*(?:\.exe)?$/.test(program) ? "not a link to an installed Python" : "a script";
  const lead = `${program} is a file in the workspace, ${what}: it runs as the file says`;
  return (max) => (script === undefined ? `${lead} (a program of ${info.size} bytes)` : `${lead}: ${cut(script, max)}`);
}

/**
 * The `home =` lines of a venv's pyvenv.cfg that name a folder in the workspace: python takes
 * its standard library (and with `include-system-site-packages`, more packages) from beside
 * that folder, a relative one from the folder the tests run in — a checkout's `.venv/` whose
 * bin/python was the usual link to an installed Python and whose `home = evil/bin` made every
 * run import the repository's evil/lib/python3.X/json.py, asked about as "its virtual
 * environment .venv/" alone. A real venv's home is the Python it was made from: nothing is said.
 * Where the venv has no pyvenv.cfg of its own, python reads the one beside it (`programFolder`,
 * .venv/bin/): a configured `.venv/bin/python` with only .venv/bin/pyvenv.cfg was asked about as
 * the configured test command alone.
 */
async function venvHomeTold(workspace: Workspace, folder: string, programFolder?: string): Promise<((max: number) => string) | undefined> {
  let cfg = `${folder}/pyvenv.cfg`;
  let text = await configText(workspace, cfg);
  if (text === undefined && programFolder !== undefined) {
    cfg = `${programFolder}/pyvenv.cfg`;
    text = await configText(workspace, cfg);
  }
  if (!text) return undefined;
  const root = resolve(workspace.root);
  const inside = text
    .split(/\r?\n|\r/)
    .map(homeSetting)
    .filter((home): home is string => home !== undefined && home !== "" && (!isAbsolute(home) || resolve(home) === root || resolve(home).startsWith(`${root}${sep}`)));
  if (inside.length === 0) return undefined;
  return (max) => inside.map((home) => `${cfg} says home = ${cut(home, max)}, a folder in the workspace: python takes its standard library from there`).join("; ");
}

/** The virtual environment folder whose python or pytest a command runs (`.venv` for `.venv/bin/python -m pytest`), if it does. */
export function commandVenv(command: string): string | undefined {
  return command.match(VENV_PYTHON)?.[1];
}

const VENV_PYTHON = /^\s*((?:[^\s/]+\/)*[^\s/]+)\/(?:bin\/(?:python3?|pytest)|Scripts\/(?:python|pytest)(?:\.exe)?)(?:\s|$)/;

/**
 * A runner whose configuration in the repository changes what it runs: `lines` (cut for the
 * model, whole for the approval question) follow `because` (given `max` where it cuts too), under `what`.
 */
function told(command: string, because: string | ((max: number) => string), what: string, lines: readonly string[]): DetectedRunner {
  const say = (max: number) => {
    const lead = typeof because === "string" ? because : because(max);
    return lines.length === 0 ? lead : `${lead}; and ${what}: ${lines.map((line) => cut(line, max)).join("; ")}`;
  };
  const short = say(MAX_SCRIPT_TOLD);
  const whole = say(Infinity);
  return { command, because: short, ...(whole !== short ? { whole } : {}) };
}

/**
 * A pytest command: the detected one or a configured one, a virtual environment's
 * (`.venv/bin/python -m pytest`, `.venv/bin/pytest`) and one a project manager runs in its
 * environment (`uv run pytest`, `poetry run pytest`, pdm, pipenv, hatch, rye; an option before
 * `run` or pytest may take a value: `uv run --python 3.12 pytest`, `poetry -C sub run pytest`) too: that pytest reads the same configuration files.
 * A python in single quotes is one too (shellWord's, for the interpreter the user chose at a path
 * with a space): its filter's and, in fix mode, the root's addopts went unnamed. So is PyPy's
 * (pypy3) and a free-threaded build's (python3.13t), which the user may choose.
 */
const PYTEST_COMMAND = /^\s*(?:(?:uv|poetry|pdm|pipenv|hatch|rye)\s+(?:-\S+\s+(?:[^-\s]\S*\s+)?)*run\s+(?:-\S+\s+(?:[^-\s]\S*\s+)?)*)?(?:(?:(?:\S*[/\\])?(?:python|pypy)(?:\d+(?:\.\d+)*t?)?(?:\.exe)?|'(?:[^']|'\\'')*[/\\](?:python|pypy)(?:\d+(?:\.\d+)*t?)?(?:\.exe)?')\s+-m\s+pytest|(?:\S*[/\\])?(?:pytest|py\.test)(?:\.exe)?)(?:\s|$)/;

/**
 * For a pytest command, the `addopts` of the configuration files in the folders the model's
 * filter names, deepest first: pytest looks for its configuration from the common folder of
 * the paths it is given upwards, so `pytest sub/test_a.py` reads sub/pytest.ini, not the
 * root's (a sub/pytest.ini's `-p` plugin loaded while the question named only the root's).
 * Every word that could be a path counts (an option's value too): it errs on naming too much.
 */
export async function pytestFilterAddopts(workspace: Workspace, command: string, filter: string | undefined): Promise<string[]> {
  if (!filter || !PYTEST_COMMAND.test(command)) return [];
  const folders = new Set<string>();
  for (const word of filter.split(/\s+/)) {
    const path = word.replace(/["'\\]/g, "").replace(/::.*$/, "");
    if (path === "" || path.startsWith("-") || posix.isAbsolute(path)) continue;
    for (let folder = posix.normalize(path); folder !== "." && folder !== "/" && !folder.startsWith(".."); folder = posix.dirname(folder)) folders.add(folder.replace(/\/+$/, ""));
  }
  const deepestFirst = [...folders].sort((a, b) => b.split("/").length - a.split("/").length);
  const found: string[] = [];
  for (const folder of deepestFirst) {
    if ((await workspace.stat(folder).catch(() => undefined))?.type !== "directory") continue;
    found.push(...(await pytestAddopts(workspace, `${folder}/`)));
  }
  return found;
}

/** pytest's configuration files, in the order it looks (pytest.toml and .pytest.toml since pytest 9): pytest reads the first that holds its section. */
const PYTEST_CONFIGS = ["pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"];

/**
 * The `addopts` settings of pytest's configuration files (`file: addopts = …`, continuation
 * lines joined): options pytest adds to every run — `-p` loads a plugin, `--basetemp=DIR`
 * empties DIR first (a checkout's pytest.ini emptied a folder of the user's home while the
 * card said `python3 -m pytest -q`) —, and its `log_file` and `cache_dir` (PYTEST_SETTINGS).
 * Every file's are named, the one pytest uses among them.
 */
async function pytestAddopts(workspace: Workspace, folder = ""): Promise<string[]> {
  const found: string[] = [];
  for (const name of PYTEST_CONFIGS) {
    const file = `${folder}${name}`;
    const text = await configText(workspace, file);
    if (text === undefined) continue;
    if (text === null) found.push(`${file}: (could not be read here; what it adds is not known)`);
    else for (const setting of settingLines(text, PYTEST_SETTINGS)) found.push(`${file}: ${setting}`);
  }
  return found;
}

/**
 * pytest's settings that change what a run does beyond the tests: `addopts`, and where it
 * writes — `log_file` is emptied and written (a user's file named there was emptied), and
 * `cache_dir` is a folder it writes, wherever they point.
 */
const PYTEST_SETTINGS = "(?:addopts|log_file|cache_dir)";

/**
 * The value of a pyvenv.cfg line `home = …`, blanks round it taken off (one with a line break inside is none, as `.` reads).
 * As /^\s*home\s*=\s*(.*?)\s*$/i — three parts that could each take the same blanks — a checkout's pyvenv.cfg with a
 * line of 4,000 tabs and a U+2028 (no match) took the runtime 26 s at each failed test run, one of 100,000 days.
 */
function homeSetting(line: string): string | undefined {
  const name = /^\s*home\s*=/i.exec(line);
  if (!name) return undefined;
  const value = line.slice(name[0].length).trim();
  return /[\n\r\u2028\u2029]/.test(value) ? undefined : value;
}

/** A configuration file's text; undefined when it is not there, null when it is there but cannot be read here (too large, a link out). */
export async function configText(workspace: Workspace, path: string): Promise<string | null | undefined> {
  try {
    const info = await workspace.stat(path);
    if (info?.type !== "file") return undefined;
    if (info.size > MAX_PACKAGE_JSON_BYTES) return null;
    return new TextDecoder().decode(await workspace.read(path));
  } catch {
    return null;
  }
}

/**
 * Each `name = value` (or `name: value`; TOML's `"name" =`, `a.b.name =`, `a = { name = … }`) line of an INI or TOML file, with what continues it
 * joined by spaces: indented lines after it (INI), the lines up to a TOML array's `]` or to
 * the end of a triple-quoted string. `name` is a regular expression's source (one name or several).
 */
function settingLines(text: string, name: string): string[] {
  // As Python's splitlines, which pytest's INI reader uses: a lone CR or a form feed ends a line too.
  const lines = text.split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/);
  // TOML also writes the key quoted, at the end of a dotted key, or inside an inline table (pytest reads each).
  const start = new RegExp(`(?:^|[\\s.{,])["']?${name}["']?\\s*[=:]`, "i");
  const found: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!start.test(withoutUnicodeEscapes(lines[i]!))) continue;
    const parts = [lines[i]!.trim()];
    while (i + 1 < lines.length && (unfinished(parts.join("\n")) || /^[ \t]+\S/.test(lines[i + 1]!))) parts.push(lines[++i]!.trim());
    found.push(parts.filter((part) => part !== "").join(" "));
  }
  return found;
}

/**
 * A line with TOML's \uXXXX and \UXXXXXXXX escapes written as their characters, for finding a
 * key: a quoted key may spell itself with them (pytest 9 loaded the plugin of
 * `"add\u006fpts" = "-p evil"`). Wherever they are, as naming too much is the safe side.
 */
function withoutUnicodeEscapes(line: string): string {
  return line.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (escape, four: string | undefined, eight: string | undefined) => {
    const code = parseInt(four ?? eight!, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : escape;
  });
}

/** A TOML value not closed yet: an open triple-quoted string, or an array without its `]`. */
function unfinished(value: string): boolean {
  const odd = (quote: string) => value.split(quote).length % 2 === 0;
  return odd('"""') || odd("'''") || /=\s*\[[^\]]*$/.test(value);
}

type Counter = (output: string) => TestCounts | undefined;

const num = (m: RegExpMatchArray | null, i = 1) => (m ? Number(m[i]) : 0);

/** Each parser recognizes one runner's summary; the first that matches wins. */
const COUNTERS: readonly Counter[] = [
  (out) => {
    // node --test (tap and spec): "# pass 3" / "ℹ pass 3"
    const pass = out.match(/^(?:#|ℹ) pass (\d+)/m);
    if (!pass) return undefined;
    return { passed: num(pass), failed: num(out.match(/^(?:#|ℹ) fail (\d+)/m)), skipped: num(out.match(/^(?:#|ℹ) skipped (\d+)/m)) };
  },
  (out) => {
    // Jest / Vitest: "Tests:       1 failed, 3 passed, 4 total" / "Tests  1 failed | 3 passed (4)"
    const line = out.match(/^\s*Tests:?\s+(.*)$/m)?.[1];
    if (!line || !/passed|failed/.test(line)) return undefined;
    return { passed: num(line.match(/(\d+) passed/)), failed: num(line.match(/(\d+) failed/)), skipped: num(line.match(/(\d+) (?:skipped|todo)/)) };
  },
  (out) => {
    // Deno: "FAILED | 1 passed | 1 failed | 1 ignored (5ms)", "ok | 1 passed (2 steps) | 0 failed | 2 filtered out (11ms)" (deno test 2.x).
    const m = [...out.matchAll(/^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?((?: \| \d+ [a-z ]+?)*) \(\d/gm)].at(-1);
    if (!m) return undefined;
    return { passed: Number(m[1]), failed: Number(m[2]), skipped: num(m[3]!.match(/\| (\d+) ignored/)) };
  },
  (out) => {
    // bun test: " 3 pass", " 1 skip", " 1 todo", " 1 fail" lines, then "Ran 6 tests across 2 files. [12.00ms]"; with --bail
    // only the tests' own "(pass) name" / "(fail) name" lines before it.
    if (!/^Ran \d+ tests? across \d+ files?\./m.test(out)) return undefined;
    const count = (word: string) => {
      const total = [...out.matchAll(new RegExp(`^ (\\d+) ${word}$`, "gm"))].at(-1);
      return total ? Number(total[1]) : (out.match(new RegExp(`^\\(${word}\\) `, "gm")) ?? []).length;
    };
    return { passed: count("pass"), failed: count("fail"), skipped: count("skip") + count("todo") };
  },
  (out) => {
    // pytest: "==== 2 failed, 5 passed, 1 skipped in 0.12s ====", with -q "2 failed, 5 passed in 0.12s".
    // The last one: a failure's captured output can hold an inner run's (pytester, a test that runs pytest).
    const line = [...out.matchAll(/^(?:=+ )?((?:\d+ [a-z]+, )*\d+ [a-z]+) in [\d.]+s\b/gm)].at(-1)?.[1];
    if (!line || !/passed|failed|error/.test(line)) return undefined;
    return { passed: num(line.match(/(\d+) passed/)), failed: num(line.match(/(\d+) failed/)) + num(line.match(/(\d+) errors?/)), skipped: num(line.match(/(\d+) skipped/)) };
  },
  (out) => {
    // unittest: "Ran 4 tests in 0.001s" then "OK" or "FAILED (failures=1, errors=1, skipped=1)"
    const ran = out.match(/^Ran (\d+) tests? in/m);
    if (!ran) return undefined;
    const failed = num(out.match(/failures=(\d+)/)) + num(out.match(/errors=(\d+)/));
    const skipped = num(out.match(/skipped=(\d+)/));
    return { passed: num(ran) - failed - skipped, failed, skipped };
  },
  (out) => {
    // cargo: "test result: ok. 3 passed; 1 failed; 0 ignored" (one line per test binary)
    const lines = [...out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)];
    if (!lines.length) return undefined;
    const sum = lines.reduce((a, m) => ({ passed: a.passed + Number(m[1]), failed: a.failed + Number(m[2]), skipped: a.skipped + Number(m[3]) }), cargoUnfinished(out));
    return { ...sum, fromEveryLine: true };
  },
  (out) => {
    // Maven surefire / Gradle: "Tests run: 5, Failures: 1, Errors: 0, Skipped: 0" (last is the total)
    const all = [...out.matchAll(/Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)/g)];
    const m = all.at(-1);
    if (!m) return undefined;
    const failed = Number(m[2]) + Number(m[3]);
    return { passed: Number(m[1]) - failed - Number(m[4]), failed, skipped: Number(m[4]) };
  },
  (out) => {
    // go test -json: one event a line. go test -v: "=== RUN   TestX", then "--- PASS: TestX" / "--- FAIL: TestX" (subtests indented).
    const pass = (out.match(/^\s*--- PASS:/gm) ?? []).length;
    const fail = (out.match(/^\s*--- FAIL:/gm) ?? []).length;
    const json = goJsonCounts(out);
    if (json) return { ...json, fromEveryLine: true };
    const failed = /^=== RUN /m.test(out) ? fail + goUnfinished(out) : 0;
    if (pass + failed > 0) return { passed: pass, failed, skipped: (out.match(/^\s*--- SKIP:/gm) ?? []).length, fromEveryLine: true };
    // Without -v go names only failing tests ("--- FAIL"), so packages are counted: "ok  pkg 0.01s", "FAIL pkg 0.02s",
    // "FAIL pkg [build failed]"; "ok pkg 0.01s [no tests to run]" (a -run matching none) and "?  pkg [no test files]" ran nothing.
    const okPkgs = (out.match(/^ok\s+\S+\s+(?:\S+s|\(cached\))(?:\s+coverage:[^\n[]*)?\s*$/gm) ?? []).length;
    const failPkgs = (out.match(/^FAIL\s+\S+\s+(?:\S+s|\[(?:build|setup) failed\])\s*$/gm) ?? []).length;
    const idle = (out.match(/^(?:ok\s+\S+\s.*\[no tests to run\]|\?\s+\S+\s+\[no test files\])\s*$/gm) ?? []).length;
    if (okPkgs + failPkgs + idle > 0) return { passed: okPkgs, failed: failPkgs, skipped: 0, fromEveryLine: true, unit: "packages" };
    return pass + fail > 0 ? { passed: pass, failed: fail, skipped: (out.match(/^\s*--- SKIP:/gm) ?? []).length, fromEveryLine: true } : undefined;
  },
  (out) => {
    // Gradle: "5 tests completed, 1 failed, 1 skipped" (printed where a test failed or was skipped; a clean run prints no counts).
    const m = out.match(/^(\d+) tests? completed, (\d+) failed(?:, (\d+) skipped)?\s*$/m);
    if (!m) return undefined;
    const skipped = Number(m[3] ?? 0);
    return { passed: Number(m[1]) - Number(m[2]) - skipped, failed: Number(m[2]), skipped };
  },
  (out) => {
    // CTest: "67% tests passed, 1 tests failed out of 3"
    const m = out.match(/^\d+% tests passed, (\d+) tests? failed out of (\d+)/m);
    return m ? { passed: Number(m[2]) - Number(m[1]), failed: Number(m[1]), skipped: 0 } : undefined;
  },
  (out) => {
    // RSpec: "5 examples, 1 failure, 2 pending" (", 1 error occurred outside of examples": a spec file that did not load).
    const m = [...out.matchAll(/^(\d+) examples?, (\d+) failures?(?:, (\d+) pending)?(?:, (\d+) errors? occurred outside of examples)?$/gm)].at(-1);
    if (!m) return undefined;
    const skipped = Number(m[3] ?? 0);
    return { passed: Number(m[1]) - Number(m[2]) - skipped, failed: Number(m[2]) + Number(m[4] ?? 0), skipped };
  },
  (out) => {
    // Minitest: "4 runs, 2 assertions, 1 failures, 1 errors, 1 skips".
    const m = [...out.matchAll(/^(\d+) runs, \d+ assertions, (\d+) failures, (\d+) errors, (\d+) skips$/gm)].at(-1);
    if (!m) return undefined;
    const failed = Number(m[2]) + Number(m[3]);
    return { passed: Number(m[1]) - failed - Number(m[4]), failed, skipped: Number(m[4]) };
  },
  (out) => {
    // PHPUnit: "OK (2 tests, 2 assertions)", else "Tests: 5, Assertions: 3, Errors: 1, Failures: 1, Skipped: 1." (and Incomplete:, Risky:, Warnings: …;
    // PHPUnit 10 and later also "PHPUnit Warnings:", "PHPUnit Deprecations:", "PHPUnit Notices:" — PHPUnit 11 reports its doc-comment annotations as such).
    const ok = [...out.matchAll(/^OK \((\d+) tests?, \d+ assertions?\)$/gm)].at(-1);
    if (ok) return { passed: Number(ok[1]), failed: 0, skipped: 0 };
    const line = [...out.matchAll(/^Tests: (\d+), Assertions: \d+((?:, (?:PHPUnit )?[A-Z][a-z]+: \d+)*)\.$/gm)].at(-1);
    if (!line) return undefined;
    const field = (name: string) => num(line[2]!.match(new RegExp(`, ${name}: (\\d+)`)));
    const failed = field("Errors") + field("Failures");
    const skipped = field("Skipped") + field("Incomplete");
    return { passed: Number(line[1]) - failed - skipped, failed, skipped };
  },
  (out) => {
    // ExUnit (mix test): "1 doctest, 3 tests, 1 failure, 1 skipped" (and ", 1 invalid": a failed setup_all; Elixir 1.14's ", 2 excluded", counted in the tests),
    // tests counting the skipped ones. Later Elixir ends " (2 excluded)", the excluded left out of the tests: they are added to the skipped, not taken from the tests.
    // An umbrella project's mix test runs each app's tests in turn, each ending in its own summary: they are summed (the last alone was one app's).
    const lines = [...out.matchAll(/^(?:(\d+) doctests?, )?(?:(\d+) propert(?:y|ies), )?(\d+) tests?, (\d+) failures?((?:, \d+ (?:invalid|skipped|excluded))*)(?: \((\d+) excluded\))?$/gm)];
    if (lines.length === 0) return undefined;
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const m of lines) {
      const more = (word: string) => num(m[5]!.match(new RegExp(`, (\\d+) ${word}`)));
      const failed = Number(m[4]) + more("invalid");
      const skipped = more("skipped") + more("excluded");
      counts.passed += Number(m[1] ?? 0) + Number(m[2] ?? 0) + Number(m[3]) - failed - skipped;
      counts.failed += failed;
      counts.skipped += skipped + Number(m[6] ?? 0);
    }
    return lines.length > 1 ? { ...counts, fromEveryLine: true } : counts;
  },
  (out) => {
    // Mocha: "  3 passing (12ms)" / "  1 failing"
    const passing = out.match(/^\s+(\d+) passing/m);
    if (!passing) return undefined;
    return { passed: num(passing), failed: num(out.match(/^\s+(\d+) failing/m)), skipped: num(out.match(/^\s+(\d+) pending/m)) };
  },
];

/**
 * The lines of a test summary printed before the list of failures — node's spec reporter
 * ("ℹ pass 3") and Mocha ("  3 passing"); the other runners end with theirs. With a few
 * dozen failures such a summary fell in the middle runShell cuts from long output, and the
 * run read "counts not recognized"; runShell keeps these lines from there. `words`: text
 * every such line holds, looked for with indexOf (cheap in gigabytes of output); `keeps`
 * decides on the line, in colour too.
 */
export const LEADING_SUMMARY = {
  words: ["ℹ ", " passing", " failing", " pending"],
  keeps: (line: string): boolean => /^(?:ℹ (?:tests|suites|pass|fail|cancelled|skipped|todo) \d|[ \t]+\d+ (?:passing|failing|pending)\b)/.test(withoutColour(line)),
} as const;

/**
 * pytest's list of failures (failure-details.ts): "==== FAILURES ====" (or ERRORS: collection
 * and fixture errors), a "____ test_name ____" header per failure, up to the next "==== … ===="
 * line (short test summary, warnings, the counts). Inside a failure, frames are separated by
 * "_ _ _" and captured output by "---- … ----" lines, neither a header.
 */
export const FAILURE_SECTIONS = {
  listWords: [" FAILURES =", " ERRORS ="],
  opensList: (line: string): boolean => /^=+ (?:FAILURES|ERRORS) =+$/.test(line),
  opensSection: (line: string): boolean => /^_{3,} \S.* _{3,}$/.test(line),
  endsList: (line: string): boolean => /^=+ \S.* =+$/.test(line),
} as const;

/** Pass/fail counts from a test run's output, when its summary is recognized (in colour too). */
export function countTests(output: string): TestCounts | undefined {
  const plain = withoutColour(output);
  for (const counter of COUNTERS) {
    const counts = counter(plain);
    if (counts) return counts;
  }
  return undefined;
}

/**
 * Output without terminal control sequences (CSI: colours, bold, cursor moves): a summary
 * in colour — $FORCE_COLOR, pytest's --color=yes, jest --colors — reads like a plain one.
 */
export function withoutColour(output: string): string {
  return output.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "");
}

/** At most `max` characters, an ellipsis saying where it was cut (surrogate pairs kept whole). */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, pairSafeEnd(text, max - 1))}…`;
}
