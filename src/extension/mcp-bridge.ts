/**
 * MCP in the editor: answers the runtime's `hearth/mcp/consent` with a modal question
 * (mcp-consent.ts decides when to ask and remembers the answer), and lends the agent the
 * tools of VS Code's own MCP servers (`hearth/editorTools/*`, editor-tools.ts), reading the
 * resources their results link to (tool-result-text.ts).
 */
import * as vscode from "vscode";
import { EditorToolInvokeRequest, EditorToolsRequest, McpConsentRequest, type McpConsentParams } from "../protocol/mcp.ts";
import { editorMcpTools, invokeEditorTool, usableLm } from "./editor-tools.ts";
import { McpConsentGate, shownText } from "./mcp-consent.ts";
import type { RuntimeClient } from "./runtime-client.ts";
import type { ReadResource } from "./tool-result-text.ts";

const START = "Start Server";

/** Registers the consent handler on every runtime the client starts. */
export function registerMcpConsent(runtime: RuntimeClient, context: vscode.ExtensionContext): void {
  const gate = new McpConsentGate({ isTrusted: () => vscode.workspace.isTrusted, store: context.globalState, ask });
  runtime.onRequest(McpConsentRequest, (params) => gate.decide(params));
  // vscode.lm.tools / invokeTool are in VS Code 1.95's API, but editors built on it may lack them.
  runtime.onRequest(EditorToolsRequest, () => ({ tools: editorMcpTools(usableLm((vscode as { lm?: unknown }).lm)) }));
  runtime.onRequest(EditorToolInvokeRequest, (params, token) => invokeEditorTool(usableLm((vscode as { lm?: unknown }).lm), params.name, { ...params.input }, token, resourceReader(token)));
}

/**
 * Reads a resource a tool's result links to through VS Code's file system (tool-result-text.ts
 * decides which, and only mcp-resource: ones, served by the MCP server that returned them);
 * a stopped call stops waiting for it.
 */
function resourceReader(token: vscode.CancellationToken): ReadResource {
  return (uri) =>
    new Promise<Uint8Array>((resolve, reject) => {
      if (token.isCancellationRequested) return reject(new Error("the call was stopped"));
      const stopped = token.onCancellationRequested(() => reject(new Error("the call was stopped")));
      vscode.workspace.fs.readFile(vscode.Uri.from(uri)).then(resolve, reject).then(() => stopped.dispose());
    });
}

async function ask(params: McpConsentParams, summary: string): Promise<boolean> {
  const name = shownText(params.server); // quoted already when escaped
  const choice = await vscode.window.showWarningMessage(
    `Start the MCP server ${name === params.server ? `"${name}"` : name} from ${params.source}?`,
    {
      modal: true,
      detail: `It ${summary}.\n\nStart only servers you trust: a server runs with your permissions. Hearth's agent may then call its tools; each call asks you first like a command, under your approval policy. Hearth asks again if this entry changes.`,
    },
    START,
  );
  return choice === START;
}
