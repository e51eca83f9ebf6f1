/**
 * `--mcp FILE` of `hearth fix` and `hearth chat`: MCP servers from a file the user names
 * (VS Code's mcp.json format, src/tools/mcp/config.ts). Naming the file is the user's
 * consent: its servers start without a question. A workspace's own `.vscode/mcp.json` is
 * never read by the CLI. Any broken entry or server that does not start stops the command
 * before the model loads, so an unattended run never goes ahead with fewer tools than the
 * user asked for; a tool left out for its schema is a warning.
 */
import { resolve } from "node:path";
import { questionInterface } from "./terminal-question.ts";
import type { ToolCall } from "../protocol/chat.ts";
import { hiddenInCall, hiddenTextWarning } from "../protocol/visible-text.ts";
import { VERSION } from "../protocol/version.ts";
import type { Tool } from "../tools/index.ts";
import { McpConfigError, McpServers, parseMcpConfig } from "../tools/mcp/index.ts";
import { type CliIo, readInputFile, UsageError } from "./command.ts";
import { terminalArguments, terminalName, terminalText, terminalWarning } from "./terminal-text.ts";

/** Started servers and their tools; `close()` stops them all. */
export interface CliMcp {
  readonly tools: Tool[];
  close(): Promise<void>;
}

/** Starts the servers of `file` (relative to the working directory); `${workspaceFolder}` is `workspaceFolder`. */
export async function openCliMcp(file: string, workspaceFolder: string, io: CliIo): Promise<CliMcp> {
  const path = resolve(io.cwd, file);
  const text = readInputFile(path, "the MCP configuration");
  let config: ReturnType<typeof parseMcpConfig>;
  try {
    config = parseMcpConfig(text, { workspaceFolder, source: file });
  } catch (error) {
    if (error instanceof McpConfigError) throw new UsageError(error.message);
    throw error;
  }
  if (config.problems.length) throw new UsageError(config.problems.join("\n"));
  const servers = new McpServers({ connect: { version: VERSION } });
  // Ctrl-C while a server starts: the start is abandoned and what did start is stopped.
  const result = await servers.sync(config.servers, io.signal);
  if (result.notStarted.length || io.signal.aborted) {
    await servers.close();
    throw new UsageError(result.notStarted.join("\n") || "cancelled while starting the MCP servers");
  }
  for (const problem of result.problems) io.err(`warning: ${terminalText(problem)}\n`);
  // The servers lead their own process groups: an exit without close() must not leave them running.
  const kill = () => servers.killNow();
  process.once("exit", kill);
  return {
    tools: result.tools,
    close: async () => {
      process.removeListener("exit", kill);
      await servers.close();
    },
  };
}

/** Asks on the terminal whether to run a tool call; no terminal, no yes. */
export async function confirmInTerminal(call: ToolCall, io: CliIo): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = questionInterface();
  try {
    const { warnings, question } = approvalQuestion(call);
    for (const warning of warnings) io.err(`${warning}\n`);
    const answer = await rl.question(question, { signal: io.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

/**
 * What the terminal shows before asking: warnings (a line each), then the question, as
 * `hearth fix` asks: the arguments cut and counted (terminalArguments), and text hidden
 * anywhere in the call warned of.
 */
export function approvalQuestion(call: ToolCall): { warnings: string[]; question: string } {
  const hidden = hiddenInCall(call.arguments);
  const warnings = hidden ? [`! ${terminalWarning(hiddenTextWarning(hidden, "This call", false))}`] : [];
  return { warnings, question: `Allow ${terminalName(call.name)} ${terminalArguments(call.arguments)}? [y/N] ` };
}
