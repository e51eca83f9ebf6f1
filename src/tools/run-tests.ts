/**
 * run_tests: runs the project's tests — the command the user configured, else one detected
 * from the project's files — and reports pass/fail counts next to the (middle-truncated)
 * output. A failing test run is a result, not an error: the model needs its output.
 */
import { join } from "node:path";
import { runShell } from "./run-command.ts";
import { countTests, detectTestCommand } from "./test-runners.ts";
import { type Tool, ToolError, optionalInt, optionalString } from "./tool.ts";

const DEFAULT_TIMEOUT_S = 600;

export const runTestsTool: Tool = {
  effect: "command",
  display: { title: "Run tests", wouldLikeTo: ["run `{command}`", "run the tests"], keyArguments: ["command", "filter"], body: "arguments" },
  failuresByOutput: true,
  definition: {
    name: "run_tests",
    description: "Run the project's tests (the configured test command, or one detected from package.json, pyproject/pytest, go.mod, Cargo.toml, pom.xml or Gradle) and report how many passed and failed. Optionally narrow it with a filter appended to the command (a test file or name).",
    parameters: {
      type: "object",
      properties: {
        filter: { type: "string", description: "Appended to the test command, e.g. a test file path." },
        timeout_seconds: { type: "integer", description: `Time limit (default ${DEFAULT_TIMEOUT_S}, at most 3600).` },
      },
      required: [],
    },
  },
  async execute(input, ctx) {
    const detected = ctx.testCommand ? { command: ctx.testCommand, because: "the configured test command" } : await detectTestCommand(ctx.workspace);
    if (!detected) {
      throw new ToolError("unavailable", "no test command is configured and none could be detected from the project's files; use run_command with the right command");
    }
    const filter = optionalString(input, "filter");
    if (filter && /[;&|`$<>\n]/.test(filter)) throw new ToolError("invalid-input", "the filter may not contain shell operators; use run_command for anything more");
    const command = filter ? `${detected.command} ${filter}` : detected.command;
    const timeoutS = optionalInt(input, "timeout_seconds", 1, 3600) ?? DEFAULT_TIMEOUT_S;
    const outcome = await runShell(command, join(ctx.workspace.root, "."), timeoutS * 1000, ctx.signal);
    if (outcome.cancelled) throw new ToolError("cancelled", "the test run was cancelled; its processes were stopped", outcome);
    if (outcome.timedOut) throw new ToolError("timeout", `the tests ran past ${timeoutS} s and were stopped. Output so far:\n${outcome.output}`, outcome);
    const counts = countTests(outcome.output);
    const passed = outcome.exitCode === 0;
    const summary = counts ? `${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""}` : "counts not recognized";
    return {
      text: `$ ${command}  (${detected.because})\n[tests ${passed ? "PASSED" : "FAILED"}: ${summary}; exit code ${outcome.exitCode}]\n${outcome.output}`,
      data: { command, passed, counts, exitCode: outcome.exitCode },
    };
  },
};
