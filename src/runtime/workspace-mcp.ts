/**
 * The workspace's MCP servers in the runtime: `.vscode/mcp.json` is read at the start of
 * each agent run (so an edited file counts from the next message), every server not yet
 * running is started only after the client's `hearth/mcp/consent` said yes for that exact
 * definition (src/protocol/mcp.ts), and the servers' tools join the run. Problems (a
 * broken entry, a server that would not start, a tool left out) are logged, and each
 * distinct one is shown to the user once. The editor's own MCP servers' tools
 * (editor-tools.ts) join too. Servers stop with the runtime: `dispose()` on
 * shutdown, and a synchronous kill when the process exits any other way.
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { Connection } from "vscode-languageserver/node";
import { McpConsentRequest } from "../protocol/mcp.ts";
import { VERSION } from "../protocol/version.ts";
import { McpConfigError, type McpConsent, McpServers, type McpServerConfig, parseMcpConfig } from "../tools/mcp/index.ts";
import type { Tool } from "../tools/index.ts";
import { editorMcpTools } from "./editor-tools.ts";
import { log } from "./log.ts";

/** Where VS Code keeps a workspace's MCP servers, relative to the folder. */
export const WORKSPACE_MCP_FILE = ".vscode/mcp.json";

/** Bytes of mcp.json read at most: a configuration is a few KiB; it is read at every message. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export class WorkspaceMcp {
  private readonly servers: McpServers;
  private readonly shown = new Set<string>();
  private readonly killOnExit = () => this.servers.killNow();

  constructor(
    private readonly connection: Pick<Connection, "sendRequest" | "window">,
    private readonly root: string,
  ) {
    this.servers = new McpServers({ consent: (server, signal) => this.consent(server, signal), connect: { version: VERSION } });
    process.once("exit", this.killOnExit);
  }

  /**
   * The tools of the workspace's servers and of the editor's own MCP servers for one run;
   * never throws (a broken file means no workspace MCP tools).
   */
  async tools(signal: AbortSignal): Promise<Tool[]> {
    const configs = await this.readConfig();
    const result = await this.servers.sync(configs, signal).catch((error: unknown) => {
      log("error", "starting the workspace's MCP servers failed", error);
      return { tools: [], problems: [] };
    });
    const editor = await editorMcpTools(this.connection, new Set(result.tools.map((t) => t.definition.name)), configs.map((c) => c.name), { signal });
    const tools = [...result.tools, ...editor.tools];
    for (const problem of [...result.problems, ...editor.skipped]) this.report(problem);
    if (tools.length) log("info", `MCP tools in this run: ${tools.map((t) => t.definition.name).join(", ")}`);
    return tools;
  }

  async dispose(): Promise<void> {
    process.removeListener("exit", this.killOnExit);
    await this.servers.close();
  }

  private async readConfig(): Promise<McpServerConfig[]> {
    let text: string | undefined;
    try {
      text = await readConfigFile(join(this.root, WORKSPACE_MCP_FILE));
    } catch (error) {
      this.report(`${WORKSPACE_MCP_FILE} ${(error as Error).message}, so no MCP server of it is started.`);
      return [];
    }
    if (text === undefined) return []; // no file, no servers (and any running ones stop)
    try {
      const config = parseMcpConfig(text, { workspaceFolder: this.root, source: WORKSPACE_MCP_FILE });
      for (const problem of config.problems) this.report(problem);
      return [...config.servers];
    } catch (error) {
      if (!(error instanceof McpConfigError)) throw error;
      this.report(error.message);
      return [];
    }
  }

  private async consent(server: McpServerConfig, signal: AbortSignal): Promise<McpConsent> {
    if (signal.aborted) return { allowed: false, reason: "the run was stopped", askAgain: true };
    const request = this.connection
      .sendRequest(McpConsentRequest, { server: server.name, source: WORKSPACE_MCP_FILE, workspaceFolder: this.root, definition: server.definition })
      .catch(() => undefined);
    // Stop while the question is open ends the run now; the question's answer is then not used.
    let onAbort = () => {};
    const stopped = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    const answer = await Promise.race([request, stopped]).finally(() => signal.removeEventListener("abort", onAbort));
    if (signal.aborted) return { allowed: false, reason: "the run was stopped", askAgain: true };
    if (answer?.allowed === true) return { allowed: true, ...this.withVariables(server, answer.variables) };
    return { allowed: false, reason: answer?.reason ?? "this editor did not allow it", ...(answer?.askAgain ? { askAgain: true } : {}) };
  }

  /**
   * The server resolved again with the editor's values of its `${env:NAME}` variables (the
   * runtime's own environment is an allowlist: keys and tokens are not in it).
   */
  private withVariables(server: McpServerConfig, variables: Readonly<Record<string, string>> | undefined): { config?: McpServerConfig } {
    if (!variables || Object.keys(variables).length === 0) return {};
    const text = JSON.stringify({ servers: { [server.name]: server.definition } });
    const config = parseMcpConfig(text, { workspaceFolder: this.root, source: WORKSPACE_MCP_FILE, env: { ...process.env, ...variables } }).servers[0];
    return config ? { config } : {};
  }

  /** Logs a problem; shows each distinct one to the user once per runtime. */
  private report(problem: string): void {
    log("warn", problem);
    if (this.shown.has(problem)) return;
    this.shown.add(problem);
    void this.connection.window.showWarningMessage(problem);
  }
}

/**
 * The file's text, undefined when there is none. A checkout can ship mcp.json as a link to
 * a device (`/dev/zero` never ends: read whole, it took over a GiB at every message) or a
 * FIFO (waits for a writer forever): it is opened without blocking and read only when it is
 * a regular file of at most MAX_CONFIG_BYTES. Throws an Error whose message follows the
 * file's name ("is a folder").
 */
async function readConfigFile(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new Error(code === "ENXIO" ? "is not a regular file (a socket)" : `cannot be read (${(error as Error).message})`);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new Error("is a folder");
    if (!info.isFile()) throw new Error("is not a regular file (a device, pipe or socket)");
    if (info.size > MAX_CONFIG_BYTES) throw new Error(`is ${(info.size / 1024 / 1024).toFixed(1)} MiB; Hearth reads it only up to ${MAX_CONFIG_BYTES / 1024 / 1024} MiB`);
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}
