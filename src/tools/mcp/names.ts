/**
 * What an MCP tool is called for the model: `mcp__<server>__<tool>`, in the characters
 * every backend takes (OpenAI-compatible servers: `^[a-zA-Z0-9_-]{1,64}$`; Qwen's XML
 * `<function=NAME>` ends a name at `>` or a line break), unique among the tools of a run.
 */
import { createHash } from "node:crypto";
import { shownPath } from "../../indexer/text.ts";
import { unplainName } from "../../protocol/markup-names.ts";

/** Longest tool name OpenAI-compatible servers accept. */
export const MAX_TOOL_NAME = 64;

/** `mcp__<server>__<tool>`, sanitised, shortened with a hash when long, and not in `taken` (which it joins). */
export function mcpToolName(server: string, tool: string, taken: Set<string>): string {
  const base = fit(`mcp__${clean(server)}__${clean(tool)}`, `${server}\0${tool}`);
  let name = base;
  for (let n = 2; taken.has(name); n++) name = fit(`${base}_${n}`, `${server}\0${tool}\0${n}`, `_${n}`);
  taken.add(name);
  return name;
}

/** Whether a tool's name is an MCP tool's as `mcpToolName` makes it (a server's, or VS Code's own as `mcp__vscode__…`). */
export function isMcpToolName(name: string): boolean {
  return name.startsWith("mcp__");
}

function clean(part: string): string {
  return part.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "") || "x";
}

/** `name` within MAX_TOOL_NAME: a long one keeps its start and ends with a hash of `key` (and `suffix`). */
function fit(name: string, key: string, suffix = ""): string {
  if (name.length <= MAX_TOOL_NAME) return name;
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 8);
  return `${name.slice(0, MAX_TOOL_NAME - hash.length - 1 - suffix.length)}_${hash}${suffix}`;
}

/**
 * Why a parameter name cannot cross Qwen's `<parameter=NAME>` tags (protocol/markup-names.ts:
 * the rule Import Conversation holds a saved call's names to, so a conversation that called
 * the tool can be imported again), or undefined when it can.
 */
export function unusableParameterName(name: string): string | undefined {
  if (!name.trim()) return "an empty parameter name";
  const why = unplainName(name);
  return why && `parameter "${shownName(name)}" ${why}`;
}

/**
 * A server's tool name as people and the model read it: one with a line break or a bidi
 * override (which would fake a line of its own, or reverse text on the approval card) is
 * escaped as inside a JSON string; any other as it is.
 */
export function shownName(name: string): string {
  const shown = shownPath(name);
  return shown === name ? name : shown.slice(1, -1);
}
