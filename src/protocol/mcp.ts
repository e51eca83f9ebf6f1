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
  /** Why not, for the runtime's log and the user ("the workspace is not trusted"). */
  readonly reason?: string;
  /** The answer is not final (an untrusted workspace may be trusted later): ask again next run. */
  readonly askAgain?: boolean;
}
