/**
 * run_tests: runs the project's tests — the command the user configured, else one detected
 * from the project's files — and reports pass/fail counts next to the (middle-truncated)
 * output. A failing test run is a result, not an error: the model needs its output.
 */
import { join } from "node:path";
import { type CommandOutcome, runShell } from "./run-command.ts";
import { MAX_COMMAND_OUTPUT_CHARS } from "./limits.ts";
import { type DetectedRunner, type TestCounts, commandVenv, configText, configuredRunner, countTests, detectTestCommand, pytestFilterAddopts, withoutColour } from "./test-runners.ts";
import { missingProgram } from "../protocol/program-search.ts";
import { uninstalledDependencies, unmadePythonEnvironment, workspacePackageTests } from "./project-setup.ts";
import { packageScope } from "./package-folder.ts";
import { type Tool, ToolError, optionalInt, optionalString } from "./tool.ts";
import type { ChosenPython } from "./chosen-python.ts";
import { shellWord } from "../protocol/shell-word.ts";
import { type Unexecutable, buildFailure, compiledFilter, lacksExecBit, toolchainInstall, unstartedRunner } from "./compiled-tests.ts";
import type { Workspace } from "./workspace.ts";

const DEFAULT_TIMEOUT_S = 600;

export const runTestsTool: Tool = {
  effect: "command",
  display: { title: "Run tests", wouldLikeTo: ["run `{command}`", "run the tests"], keyArguments: ["command", "package", "filter"], body: "arguments" },
  failuresByOutput: true,
  definition: {
    name: "run_tests",
    description: "Run the project's tests (the configured test command, or one detected from package.json, deno.json, pyproject/pytest, go.mod, Cargo.toml, pom.xml, Gradle, a configured CMake build, a Ruby project's spec/ or Rakefile, phpunit.xml, mix.exs or a Makefile's test target) and report how many passed and failed. Optionally narrow it with a filter appended to the command (a test file or name). In an npm, pnpm or yarn workspaces repository (a monorepo), package runs one workspace package's own tests in its folder instead of the root's.",
    parameters: {
      type: "object",
      properties: {
        filter: { type: "string", description: "A test file or name, appended to the test command (for go test it becomes -run NAME, or a package path such as ./calc/...; for Maven -Dtest=NAME; for Gradle --tests NAME)." },
        package: { type: "string", description: "The folder of one workspace package (packages/foo) of an npm, pnpm or yarn workspaces repository: its own test script runs in that folder, and filter is relative to it. Leave it out for the root's tests." },
        timeout_seconds: { type: "integer", description: `Time limit (default ${DEFAULT_TIMEOUT_S}, at most 3600).` },
      },
      required: [],
    },
  },
  describeRun: async (input, ctx) => {
    const scope = await packageScope(ctx.workspace, optionalString(input, "package"));
    return testRunShown(scope?.workspace ?? ctx.workspace, scope ? undefined : ctx.testCommand, optionalString(input, "filter"), ctx.python, scope?.folder);
  },
  async execute(input, ctx) {
    // A workspace package's own tests: detected from its folder's files (the configured command is the root's), run there.
    const scope = await packageScope(ctx.workspace, optionalString(input, "package"));
    const workspace = scope?.workspace ?? ctx.workspace;
    const detected = await testCommand(workspace, scope ? undefined : ctx.testCommand, ctx.python);
    if (!detected && scope) throw new ToolError("unavailable", `the package ${scope.folder} has no test script (its package.json's scripts.test) and no other test setup was found there; leave package out to run the root's tests, or use run_command in that folder`);
    if (!detected) {
      const packages = await workspacePackageTests(ctx.workspace);
      throw new ToolError("unavailable", packages ? `${packages}, or configure the test command` : "no test command is configured and none could be detected from the project's files; use run_command with the right command");
    }
    const written = optionalString(input, "filter");
    const { filter, rest } = await namedFiles(workspace, detected, written);
    if (written && (/[;&|`$<>]/.test(rest) || written.includes("\n"))) throw new ToolError("invalid-input", "the filter may not contain shell operators; use run_command for anything more");
    const command = withFilter(detected.command, filter);
    const watching = watchMode(`${command}\n${detected.whole ?? detected.because}`);
    if (watching) throw new ToolError("unavailable", `the test command runs in watch mode (${detected.because}): ${watching.option} waits for file changes and never ends, so the run would only stop at its time limit. Run the tests once with run_command instead — ${watching.once} — or configure a test command that ends`);
    const timeoutS = optionalInt(input, "timeout_seconds", 1, 3600) ?? DEFAULT_TIMEOUT_S;
    const outcome = await runShell(command, join(ctx.workspace.root, scope?.folder ?? "."), timeoutS * 1000, ctx.signal, MAX_COMMAND_OUTPUT_CHARS, { timeLimit: ctx.timeLimit, networkOff: ctx.networkOff });
    if (outcome.cancelled) throw new ToolError("cancelled", "the test run was cancelled; its processes were stopped", outcome);
    if (outcome.timedOut) throw new ToolError("timeout", `the tests ran past ${timeoutS} s and were stopped. Output so far:\n${outcome.output}${outcome.output === "" || outcome.output.endsWith("\n") ? "" : "\n"}${TESTS_NEVER_END}`, outcome);
    const counts = countTests(outcome.output);
    const dependencies =
      outcome.exitCode === 127 ? await uninstalledDependencies(ctx.workspace, command, outcome.output) : outcome.exitCode !== 0 ? await unmadePythonEnvironment(workspace, command, outcome.output) : undefined;
    const venv = commandVenv(command);
    const byUv = venv !== undefined && outcome.exitCode !== 0 && /^uv\s*=/m.test((await configText(workspace, `${venv}/pyvenv.cfg`)) ?? "");
    const unexecutable = await lacksExecBit(workspace.root, command, outcome.exitCode, withoutColour(outcome.output));
    const { line, passed } = verdict(command, outcome, counts, filter, { dependencies, byUv, python: ctx.python, unexecutable });
    return {
      text: `$ ${command}  (${scope ? `in ${scope.folder}/: ` : ""}${detected.because})\n[${line}]\n${outcome.output}`,
      data: { command, passed, counts, exitCode: outcome.exitCode, ...(scope ? { package: scope.folder } : {}) },
    };
  },
};

/**
 * Said at run_tests' time limit: told only "ran past 600 s", a model had nothing to try but a
 * larger timeout_seconds (up to 3600), the user waiting out each one. A watch mode that
 * `watchMode` cannot see in the scripts (ng test, Karma: their config decides) ends here.
 */
const TESTS_NEVER_END = "[Tests that do not end are most often a runner in watch mode, waiting for file changes (Angular's ng test, Karma), or one test waiting for input or a server: run them once with run_command (ng test --watch=false, karma start --single-run, the runner without its watch option), or narrow the run with filter to find the test that hangs. A larger timeout_seconds helps only tests that end.]";

/**
 * The watch option a test command runs with, in the command or the scripts behind it
 * (package.json's `jest --watch`, `vitest watch`, `mocha -w`), and the one-shot form to run
 * instead. Such a run waits for file changes even with CI=1 and no terminal, and run_tests
 * waited out its time limit (600 s by default), then said only that it ran past it. Options
 * that only look alike run: `--watch=false`, `--no-watch`, jest's `--watchman`, mocha's
 * `--watch-files` alone; so does `vitest`, which runs once under CI.
 */
export function watchMode(text: string): { option: string; once: string } | undefined {
  const option =
    /(?:^|[\s;&|(])(--watch(?:All)?)(?=$|[\s;&|)])/m.exec(text)?.[1] ??
    /\bvitest\s+(?:watch|dev)\b/.exec(text)?.[0] ??
    /\bmocha\b[^\n;&|]*?\s(-w)(?=$|\s)/m.exec(text)?.[1];
  if (option === undefined) return undefined;
  const runner = /\b(jest|vitest|mocha)\b/.exec(text)?.[1];
  const once = runner === "vitest" ? "npx vitest run" : runner ? `npx ${runner} (without ${option})` : `the same command without ${option}`;
  return { option: `\`${option}\``, once };
}

/** The configured test command, else the one the project's files point to (a Python project's with the interpreter the user chose). */
async function testCommand(workspace: Workspace, configured: string | undefined, python?: ChosenPython): Promise<DetectedRunner | undefined> {
  if (!configured) return detectTestCommand(workspace, python);
  // Fix This Issue passes the detected command on as configured: where it is the chosen python's, what detection says of it (where that python was chosen, a script of the workspace's) was lost to "the configured test command".
  const detected = python ? await detectTestCommand(workspace, python).catch(() => undefined) : undefined;
  return detected?.command === configured ? detected : configuredRunner(configured, workspace);
}

/**
 * What a test run runs, for the approval question: the command and, whole, the repository's
 * scripts and settings behind it ("`npm test` (package.json's test script: jest)"); undefined
 * when no command is found. The agent's `run_tests` and the fix's final test run both ask with it.
 */
export async function testRunShown(workspace: Workspace, configured: string | undefined, filter?: string, python?: ChosenPython, folder?: string): Promise<string | undefined> {
  const detected = await testCommand(workspace, configured, python).catch(() => undefined);
  if (!detected) return undefined;
  const folders = await pytestFilterAddopts(workspace, detected.command, filter);
  const more = folders.length ? `; and the configuration files in the folders the filter names, which pytest reads before the root's: ${folders.join("; ")}` : "";
  const where = folder === undefined ? "" : ` in the workspace package ${folder}/ (its own package.json and files)`;
  return `\`${withFilter(detected.command, (await namedFiles(workspace, detected, filter)).filter)}\`${where} (${detected.whole ?? detected.because}${more})`;
}

/**
 * The filter with each word that names a file or folder of the workspace passed on as that
 * name — a Next.js route's test `app/[id]/page.test.tsx` or `app/(shop)/cart.test.tsx`,
 * Remix's `routes/$id.test.tsx`, a pytest node id `tests/test_a.py::test_x[1-2]`: in single
 * quotes, so that the shell neither fails at `(` nor expands `$id` or a `[…]` glob, and for
 * Jest, which reads each word as a regular expression of the path, with its special characters
 * escaped, so that `[id]` matches [id] rather than i or d ("No tests found"). `rest`: the words
 * taken as written, which the shell-operator check is for. Go, Maven, Gradle and ctest's
 * filters are a test's name, quoted as it is (compiledFilter).
 */
async function namedFiles(workspace: Workspace, detected: DetectedRunner, filter: string | undefined): Promise<{ filter: string | undefined; rest: string }> {
  if (!filter || compiledFilter(detected.command, filter) !== undefined) return { filter, rest: filter ?? "" };
  const jest = /\bjest\b|\breact-scripts\s+test\b/.test(`${detected.command}\n${detected.whole ?? detected.because}`);
  const rest: string[] = [];
  const words = await Promise.all(
    filter.split(/(\s+)/).map(async (word) => {
      if (word.trim() === "") return word;
      const name = /^(["'])(.*)\1$/s.exec(word)?.[2] ?? word;
      const path = name.replace(/::.*$/s, "");
      const special = shellWord(name) !== name || (jest && /[*+?^${}()|[\]\\]/.test(name));
      if (!special || path === "" || path.startsWith("-") || (await workspace.stat(path).catch(() => undefined)) === undefined) {
        rest.push(word);
        return word;
      }
      return shellWord(jest ? name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : name);
    }),
  );
  return { filter: words.join(""), rest: rest.join(" ") };
}

/**
 * The command with the model's filter after it. npm takes an option anywhere before `--` as
 * its own setting, so for an npm command with no `--` yet a filter holding an option goes
 * after one: `npm test a.test.js --prefix=sub` ran sub/package.json's test script (and
 * `--script-shell=…`, `--userconfig=…` change how it runs) while the question named the
 * root's; after `--` the options reach the test script, as the model meant them to. A word
 * the shell unquotes into an option ('--prefix=sub', \--prefix=sub) counts too.
 */
function withFilter(command: string, filter: string | undefined): string {
  if (!filter) return command;
  const compiled = compiledFilter(command, filter);
  if (compiled !== undefined) return compiled;
  const words = command.trim().split(/\s+/);
  const npmOptions = words[0] === "npm" && !words.includes("--") && /(?:^|\s)["'\\]*-/.test(filter);
  return npmOptions ? `${command} -- ${filter}` : `${command} ${filter}`;
}

/** What run_tests found around a run, for its verdict. */
interface RunFindings {
  /** Why the runner is not installed, where the project says (uninstalledDependencies, unmadePythonEnvironment). */
  dependencies: string | undefined;
  /** The command's venv was made by uv. */
  byUv: boolean;
  python: ChosenPython | undefined;
  /** The script (`./gradlew`, `android/gradlew`) the shell could not run, for its missing executable bit where the file was found (lacksExecBit). */
  unexecutable: Unexecutable | undefined;
}

/**
 * How the run went, in words: a runner that is not installed (`dependencies`: why, where the
 * project says: uninstalledDependencies, unmadePythonEnvironment — which a failed run's line
 * ends with too) and a run that found no tests
 * are said as such — "tests FAILED: counts not recognized" sends the model hunting for a
 * bug in the code, and "tests PASSED: 0 passed" tells it a fix is verified.
 */
function verdict(command: string, outcome: CommandOutcome, counts: TestCounts | undefined, filter: string | undefined, found: RunFindings): { line: string; passed: boolean } {
  const { dependencies, byUv, python, unexecutable } = found;
  const exit = outcome.exitCode === null ? `killed by ${outcome.signal ?? "a signal"}` : `exit code ${outcome.exitCode}`;
  const venv = commandVenv(command);
  const inVenv = venv === undefined ? undefined : venvProblem(command, outcome, venv, exit, byUv);
  if (inVenv) return { passed: false, line: `tests did not run: ${inVenv}` };
  const chosen = python && command.startsWith(`${shellWord(python.program)} `) && outcome.exitCode !== 0 && /: No module named pytest\s*$/m.test(outcome.output);
  if (chosen) {
    const program = shellWord(python.program);
    return { passed: false, line: `tests did not run: pytest is not installed for ${python.from}, ${python.program} (${exit}); install it there: ${program} -m pip install pytest (or the project's test dependencies), or choose the interpreter that has them` };
  }
  const missing = missingRunner(outcome);
  if (missing) {
    const program = missingProgram(outcome.output);
    return { passed: false, line: `tests did not run: ${missing} (${exit}); ${dependencies ?? (program && toolchainInstall(program)) ?? "install it or the project's dependencies, or configure the test command"}` };
  }
  const unstarted = unstartedRunner(outcome.exitCode, withoutColour(outcome.output), exit, unexecutable);
  if (unstarted) return { passed: false, line: `tests did not run: ${unstarted}` };
  const build = outcome.exitCode !== 0 ? buildFailure(withoutColour(outcome.output)) : undefined;
  if (build) return { passed: false, line: `the tests did not build: ${build.words} — its errors are in the output below; fix them and run the tests again (${exit})${otherPackages(counts, build.packages)}` };
  if (noTestsRan(outcome, counts)) {
    return { passed: false, line: `no tests ran: the runner found no tests${filter ? ` matching the filter "${filter}"` : ""} (${exit})` };
  }
  const why = dependencies === undefined ? "" : `; ${dependencies}`;
  if (counts && total(counts) === 0) return { passed: false, line: `no tests ran: the runner failed before running any (${exit})${why}` };
  const passed = outcome.exitCode === 0;
  // "tests PASSED: counts not recognized" read as something gone wrong: the run passed, only its counting did not.
  if (passed && !counts) return { passed, line: `tests PASSED: the test command passed (${exit}); Hearth could not count its tests, as no test runner's summary it knows is in the output` };
  return { passed, line: `tests ${passed ? "PASSED" : "FAILED"}: ${summary(counts, outcome.omittedChars)}; ${exit}${passed ? "" : why}` };
}

/** How go's packages that did build went, besides the `unbuilt` ones its count holds as failed. */
function otherPackages(counts: TestCounts | undefined, unbuilt: number): string {
  if (counts?.unit !== "packages" || counts.passed + counts.failed <= unbuilt) return "";
  return `; the other packages: ${counts.passed} passed, ${counts.failed - unbuilt} failed`;
}

function summary(counts: TestCounts | undefined, omittedChars: number): string {
  if (!counts) return "counts not recognized";
  const partial = counts.fromEveryLine === true && omittedChars > 0;
  const unit = counts.unit === "packages" ? " (packages: without -v go test names only the tests that fail)" : "";
  const numbers = `${partial ? "at least " : ""}${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""}${unit}`;
  return partial ? `${numbers} (counted in the output kept; ${omittedChars} characters were cut from the middle)` : numbers;
}

/**
 * What is wrong with the virtual environment `venv` whose python or pytest `outcome`'s command
 * ran, said with what to do there: its python gone (made on another machine, or from a Python
 * since removed: its link points nowhere), or pytest not installed in it — "install pytest"
 * alone sent users to the system's pip, which the venv does not see; `byUv`: uv made it (pip-less), so uv installs.
 */
function venvProblem(command: string, outcome: CommandOutcome, venv: string, exit: string, byUv: boolean): string | undefined {
  const python = venvPython(command.trim().split(/\s+/)[0]!);
  // uv's venvs (`uv = …` in pyvenv.cfg) hold no pip: `python -m pip` there ends "No module named pip".
  const install = byUv ? `uv pip install --python ${python} pytest (or the project's test dependencies: uv sync)` : `${python} -m pip install pytest (or the project's test dependencies)`;
  if (outcome.exitCode === 127) {
    const program = missingProgram(outcome.output);
    if (program === undefined || !program.startsWith(`${venv}/`)) return undefined;
    if (/\/pytest(?:\.exe)?$/.test(program)) return `pytest is not installed in the virtual environment ${venv}/ (${exit}); install it there: ${install}`;
    return `the virtual environment ${venv}/ has no working python (${exit}); make it again (python3 -m venv ${venv}) and install the project's dependencies into it, or configure the test command`;
  }
  if (outcome.exitCode !== 0 && /: No module named pytest\s*$/m.test(outcome.output)) {
    return `pytest is not installed in the virtual environment ${venv}/ (${exit}); install it there: ${install}`;
  }
  return undefined;
}

/** The python beside a venv's pytest (the python itself as it is). */
function venvPython(program: string): string {
  return program.replace(/pytest(\.exe)?$/, (_, exe: string | undefined) => `python${exe ?? ""}`);
}

/** The shell's "not found" (exit 127: dash, bash in any language), or `python -m pytest` without pytest. */
function missingRunner(outcome: CommandOutcome): string | undefined {
  if (outcome.exitCode === 127) {
    const program = missingProgram(outcome.output);
    return program ? `\`${program}\` was not found` : "a program it needs was not found";
  }
  if (outcome.exitCode !== 0 && /: No module named pytest\s*$/m.test(outcome.output)) return "pytest is not installed for this Python";
  return undefined;
}

/**
 * Whether the runner found nothing to run: a summary with no tests in it and a clean exit
 * (node, unittest before 3.12, cargo), or the words pytest ("no tests ran in 0.01s"),
 * unittest since 3.12 ("NO TESTS RAN"), Jest ("No tests found, exiting with code 1"), bun
 * ("No tests found!", `-t`'s 'error: regex "x" matched 0 tests.') and Deno ("error: No test
 * modules found") use for it.
 */
function noTestsRan(outcome: CommandOutcome, counts: TestCounts | undefined): boolean {
  const output = withoutColour(outcome.output);
  const said = /^(?:=+ )?no tests ran\b/im.test(output) || /^No tests found(?:, exiting with code|!$)/m.test(output) || /^error: (?:regex ".*" matched 0 tests\.|No test modules found$)/m.test(output);
  if (!counts) return said;
  return total(counts) === 0 && (said || outcome.exitCode === 0);
}

function total(counts: TestCounts): number {
  return counts.passed + counts.failed + counts.skipped;
}
