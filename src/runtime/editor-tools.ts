/**
 * The tools of VS Code's own MCP servers, lent by the extension (`hearth/editorTools/*`,
 * src/protocol/mcp.ts), as agent tools named `mcp__vscode__<name>`: schema-checked,
 * approved like commands, results capped, a call ended after 5 minutes, like the
 * workspace's MCP tools (src/tools/mcp).
 * A client that lends none (the CLI, an editor without `vscode.lm.invokeTool`) gives none.
 */
import { CancellationTokenSource, type Connection } from "vscode-languageserver/node";
import { EditorToolInvokeRequest, EditorToolsRequest } from "../protocol/mcp.ts";
import { type McpToolSet, mcpTools } from "../tools/mcp/index.ts";
import { type Clock, systemClock } from "../models/index.ts";
import { type JsonValue, ToolError } from "../tools/index.ts";
import { untilStopped } from "./rpc.ts";

/**
 * The editor's MCP tools for one run; `taken` holds the names already in use (and gets
 * these). `ownServers`: servers Hearth runs itself from the workspace's mcp.json — VS Code
 * may run the same file's servers and list their tools as `mcp_<server>_<tool>`, and the
 * model should not see each tool twice.
 */
export async function editorMcpTools(connection: Pick<Connection, "sendRequest">, taken: Set<string>, ownServers: readonly string[] = [], options: EditorToolOptions = {}): Promise<McpToolSet> {
  // The run's stop ends the listing (a window gone never answers it): the run goes on without them, to its end.
  const { signal = new AbortController().signal } = options;
  const listed = await untilStopped(signal, (token) => connection.sendRequest(EditorToolsRequest, {}, token), () => signal.reason).catch(() => undefined);
  const prefixes = ownServers.map(vscodeToolPrefix);
  const tools = (Array.isArray(listed?.tools) ? listed.tools : []).filter((tool) => !prefixes.some((prefix) => comparable(tool.name).startsWith(prefix)));
  if (!tools.length) return { tools: [], skipped: [] };
  return mcpTools(
    {
      name: "vscode",
      tools: tools.map((tool) => ({ name: tool.name, description: tool.description, inputSchema: { type: "object", properties: {}, ...tool.inputSchema } })),
      call: async (name, args, signal) => {
        const result = await invoke(connection, name, args, signal, options);
        return { content: [{ type: "text", text: result.text }], ...(result.isError ? { isError: true } : {}) };
      },
    },
    taken,
  );
}

/**
 * The start of the names VS Code gives a server's tools, as VS Code makes it (its
 * McpPrefixGenerator): "mcp_", the name lower-cased with runs of other characters than
 * `a-z0-9_.-` as "_", cut to 13 characters, "_" — "sequential-thinking" becomes
 * "mcp_sequential-th_". Compared in the {@link comparable} form.
 */
function vscodeToolPrefix(server: string): string {
  return comparable(`mcp_${server.toLowerCase().replace(/[^a-z0-9_.-]+/g, "_").slice(0, 13)}_`);
}

/** A tool name with VS Code's and Hearth's spellings of other characters made alike. */
function comparable(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]+/g, "_");
}

export interface EditorToolOptions {
  /** The run's: its stop ends the listing of the tools. */
  readonly signal?: AbortSignal;
  /** Timers for the call deadline (tests move a fake one). */
  readonly clock?: Clock;
  /** How long one call may take; default as long as a workspace MCP server's call (src/tools/mcp/connection.ts). */
  readonly callTimeoutMs?: number;
}

const CALL_TIMEOUT_MS = 5 * 60_000;

/**
 * One invocation; Stop cancels the request and ends the call at once, whether or not the
 * editor answers. A call not answered by the deadline (VS Code's MCP server hangs, its
 * confirmation is never answered) is cancelled and ends as a timeout the model reads: without
 * one, an unattended run (Fix This Issue under auto-all) waited forever.
 */
async function invoke(connection: Pick<Connection, "sendRequest">, name: string, input: Record<string, JsonValue>, signal: AbortSignal, options: EditorToolOptions) {
  signal.throwIfAborted();
  const { clock = systemClock, callTimeoutMs = CALL_TIMEOUT_MS } = options;
  const cancel = new CancellationTokenSource();
  let onAbort = () => {};
  let timer: unknown;
  const ended = new Promise<never>((_, reject) => {
    onAbort = () => {
      cancel.cancel();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    timer = clock.setTimeout(() => {
      cancel.cancel();
      reject(new ToolError("timeout", `VS Code did not answer the call to "${name}" within ${Math.round(callTimeoutMs / 1000)} s; the call was cancelled.`));
    }, callTimeoutMs);
  });
  try {
    return await Promise.race([connection.sendRequest(EditorToolInvokeRequest, { name, input }, cancel.token), ended]);
  } finally {
    clock.clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    cancel.dispose();
  }
}
