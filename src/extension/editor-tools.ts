/**
 * The editor's MCP tools for Hearth's agent, without a "vscode" import so unit tests run it:
 * which of `vscode.lm.tools` are offered (those VS Code registered from MCP servers, named
 * "mcp_…": Hearth's own tools already read, search and edit, and other extensions' tools
 * expect VS Code's chat around them), and running one (its result's parts as text:
 * tool-result-text.ts).
 * mcp-bridge.ts passes the real `vscode.lm` in.
 */
import type { EditorToolInfo, EditorToolInvokeResult } from "../protocol/mcp.ts";
import { type ReadResource, toolResultText } from "./tool-result-text.ts";

/** The part of `vscode.lm` used here (VS Code 1.95+; checked at run time, absent in some editors). */
export interface LmTools {
  readonly tools: readonly { readonly name: string; readonly description: string; readonly inputSchema?: object | undefined }[];
  invokeTool(name: string, options: { input: object; toolInvocationToken: undefined }, token?: unknown): PromiseLike<{ readonly content: readonly unknown[] }>;
}

/** `vscode.lm` when it can list and invoke tools, else undefined. */
export function usableLm(lm: unknown): LmTools | undefined {
  const candidate = lm as Partial<LmTools> | undefined;
  return typeof candidate?.invokeTool === "function" && Array.isArray(candidate.tools) ? (candidate as LmTools) : undefined;
}

/** The tools offered to the agent: VS Code's MCP servers' tools. */
export function editorMcpTools(lm: LmTools | undefined): EditorToolInfo[] {
  if (!lm) return [];
  return lm.tools
    .filter((tool) => tool.name.startsWith("mcp_"))
    .map((tool) => ({ name: tool.name, description: tool.description, ...(tool.inputSchema ? { inputSchema: tool.inputSchema as Record<string, unknown> } : {}) }));
}

/**
 * Runs one tool; a throw becomes an error result with its message. `read` reads the
 * resources the result links to (embedded resources arrive as links; tool-result-text.ts).
 */
export async function invokeEditorTool(lm: LmTools | undefined, name: string, input: Record<string, unknown>, token?: unknown, read?: ReadResource): Promise<EditorToolInvokeResult> {
  if (!lm) return { text: "This editor cannot run its tools for extensions (vscode.lm.invokeTool is missing).", isError: true };
  try {
    const result = await lm.invokeTool(name, { input, toolInvocationToken: undefined }, token);
    return { text: await toolResultText(result.content, read) };
  } catch (error) {
    return { text: error instanceof Error ? error.message : String(error), isError: true };
  }
}
