/**
 * MCP servers between the runtime and the extension. The runtime reads the workspace's
 * `.vscode/mcp.json` at the start of each agent run, but a checkout's file is a list of
 * commands written by whoever wrote the checkout: it starts none of them before the
 * extension said yes for that exact definition.
 *
 *   client → `hearth/agent/run` {…}                                   (request 9)
 *   runtime → `hearth/mcp/consent` {server, workspaceFolder, definition} (once per server not yet running)
 *   client → response {allowed} — no in an untrusted workspace; otherwise the user's answer,
 *            asked once per definition (a modal naming the command) and remembered
 *   runtime starts the allowed servers; their tools join the run (approved per call like run_command)
 *
 * A client that does not answer this request (the CLI's runtime client, an older
 * extension) never gets a workspace server started: the request fails, which counts as no.
 */
import { RequestType } from "vscode-languageserver-protocol";

/** Sent by the runtime to the client before it starts a server defined in the workspace. */
export const McpConsentRequest = new RequestType<McpConsentParams, McpConsentResult, void>("hearth/mcp/consent");

export interface McpConsentParams {
  /** The server's name (its key in `servers`). */
  readonly server: string;
  /** Where it is defined, workspace-relative (".vscode/mcp.json"). */
  readonly source: string;
  /** The folder `${workspaceFolder}` and the default working directory stand for. */
  readonly workspaceFolder: string;
  /**
   * The entry exactly as written in the file (variables unresolved). The client shows it
   * and remembers its answer under a hash of folder + name + this, so any change asks again.
   */
  readonly definition: Readonly<Record<string, unknown>>;
}

export interface McpConsentResult {
  readonly allowed: boolean;
  /**
   * With a yes: the values of the `${env:NAME}` variables the entry uses, from the editor's
   * environment (the runtime's own is an allowlist without keys and tokens; VS Code
   * resolves these from the editor's). Only the names this entry names, only for it.
   */
  readonly variables?: Readonly<Record<string, string>>;
  /** Why not, for the runtime's log and the user ("the workspace is not trusted"). */
  readonly reason?: string;
  /** The answer is not final (an untrusted workspace may be trusted later): ask again next run. */
  readonly askAgain?: boolean;
}

/*
 * VS Code's own MCP servers: the tools the user's VS Code registered from its MCP
 * configuration (`vscode.lm.tools`, names starting "mcp_") reach Hearth's agent through
 * the extension, which runs them with `vscode.lm.invokeTool`:
 *
 *   runtime → `hearth/editorTools/list` (at the start of each agent run)   client → {tools}
 *   runtime → `hearth/editorTools/invoke` {name, input} (after the user approved the call;
 *             `$/cancelRequest` when the run is stopped)                    client → {text, isError}
 *
 * A client without `vscode.lm.invokeTool` (older editors, the CLI) answers with no tools
 * or does not answer at all; the runtime then has none.
 */

/** Sent by the runtime to the client: the editor's MCP tools it may offer the agent. */
export const EditorToolsRequest = new RequestType<Record<string, never>, EditorToolsResult, void>("hearth/editorTools/list");

export interface EditorToolInfo {
  /** VS Code's name of the tool (e.g. "mcp_github_get_issue"). */
  readonly name: string;
  readonly description: string;
  /** Its JSON schema; absent for a tool without parameters. */
  readonly inputSchema?: Readonly<Record<string, unknown>>;
}

export interface EditorToolsResult {
  readonly tools: readonly EditorToolInfo[];
}

/** Sent by the runtime to the client to run one of the editor's tools (already approved in Hearth). */
export const EditorToolInvokeRequest = new RequestType<EditorToolInvokeParams, EditorToolInvokeResult, void>("hearth/editorTools/invoke");

export interface EditorToolInvokeParams {
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
}

export interface EditorToolInvokeResult {
  /** The tool's result as text (non-text parts summarised). */
  readonly text: string;
  /** The tool failed; `text` says why. */
  readonly isError?: boolean;
}
