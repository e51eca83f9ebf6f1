/**
 * How a tool call is shown to the user: its card in the chat and the approval question
 * ("Hearth wants to …"). Each tool carries its own `ToolDisplay` next to its definition
 * (src/tools, one file per tool; MCP tools get one from `mcpToolDisplay`), and the runtime
 * sends it with the call's events (the model's `toolCall`, `approvalRequest`, `toolStart`),
 * so a new tool changes nothing outside its own file. A call without one — an imported
 * conversation, a card saved before displays existed — gets `defaultToolDisplay`, from
 * its name and effect.
 *
 * Templates: `{arg}` is the call's argument `arg` (a non-empty string or a number); `{*}`
 * is all the arguments as compact JSON, cut at 120 characters. Of several templates the
 * first whose arguments are all given is used.
 */
import type { ToolEffect } from "./agent.ts";
import { visibleText } from "./visible-text.ts";

/**
 * What the card shows under its first line: "diff" the change (proposed before approval,
 * the real one after) with Open diff; "memory" the memory entry proposed; "control" one
 * quiet line (what the call says shows as the run's notice); "arguments" the arguments not
 * on the first line, collapsed.
 */
export type ToolCardBody = "diff" | "memory" | "control" | "arguments";

/** How a write's arguments describe its change before it runs (body "diff"). */
export type ProposedChange =
  /** `edits: [{old_text, new_text}]`, or one `old_text` / `new_text` pair. */
  | "edits"
  /** `patch`: a unified diff. */
  | "patch"
  /** `content`: the whole new file at `path`. */
  | "content";

export interface ToolDisplay {
  /** The card's title: "Edit file". */
  readonly title: string;
  /** What the call will do, after "Hearth wants to ": "edit {path}" (templates: see above). */
  readonly wouldLikeTo: string | readonly string[];
  /**
   * Arguments on the card's first line, in this order (`path` as a link that opens the
   * file, `command` as a shell line); the rest are in the body.
   */
  readonly keyArguments: readonly string[];
  readonly body: ToolCardBody;
  /** Body "diff": how the arguments describe the change before it is made. */
  readonly proposedChange?: ProposedChange;
}

/** The first-line arguments of a tool without its own display. */
const DEFAULT_KEY_ARGUMENTS = ["path", "command", "pattern", "name", "query", "glob", "filter", "cwd"];

/** An MCP tool's name as src/tools/mcp/names.ts makes it. */
const MCP_NAME = /^mcp__(.+?)__(.+)$/;

/**
 * The display of a tool that brings none: an MCP tool (by its `mcp__server__tool` name) as
 * `mcpToolDisplay`; any other by its name, its effect deciding the card's body.
 */
export function defaultToolDisplay(name: string, effect?: ToolEffect): ToolDisplay {
  const mcp = MCP_NAME.exec(name);
  if (mcp) return mcpToolDisplay(mcp[1]!, mcp[2]!);
  return {
    title: name,
    // A `command` or `path` argument of a tool Hearth does not know is taken at its word.
    wouldLikeTo: ["run `{command}`", `${name.replace(/_/g, " ")} {path}`, `use ${name}`],
    keyArguments: DEFAULT_KEY_ARGUMENTS,
    body: effect === "write" ? "diff" : effect === "memory" ? "memory" : effect === "control" ? "control" : "arguments",
  };
}

/**
 * An MCP server's tool: named as the server's whatever its arguments are called — a
 * `command` or `path` argument means what that server makes of it, not a local command
 * or file, and the user must not be told otherwise.
 */
export function mcpToolDisplay(server: string, tool: string): ToolDisplay {
  return {
    title: `${tool} (${server})`,
    wouldLikeTo: `call the tool "${tool}" of the MCP server "${server}" with {*}`,
    keyArguments: DEFAULT_KEY_ARGUMENTS,
    body: "arguments",
  };
}

/** What "Hearth wants to …" says of a call: "edit calc.py", "run `npm test`". */
export function describeCall(name: string, args: Record<string, unknown>, display: ToolDisplay = defaultToolDisplay(name)): string {
  const templates = typeof display.wouldLikeTo === "string" ? [display.wouldLikeTo] : display.wouldLikeTo;
  for (const template of templates) {
    const text = fillTemplate(template, args);
    if (text !== undefined) return text;
  }
  return `use ${display.title}`;
}

/** The template with the arguments filled in, or undefined when one it names is not given. */
export function fillTemplate(template: string, args: Record<string, unknown>): string | undefined {
  let missing = false;
  const text = template.replace(/\{([^{}]+)\}/g, (_, name: string) => {
    if (name === "*") return summarizeArguments(args);
    const value = args[name];
    // Shown to be approved: a bidi override or a line break in a command or path is written out, not obeyed.
    if (typeof value === "number" || (typeof value === "string" && value !== "")) return visibleText(String(value), true);
    missing = true;
    return "";
  });
  return missing ? undefined : text;
}

/** The arguments as compact JSON, cut at 120 characters (the card shows them whole). */
function summarizeArguments(args: Record<string, unknown>): string {
  if (Object.keys(args).length === 0) return "no arguments";
  const json = visibleText(JSON.stringify(args), true);
  return json.length > 120 ? `${json.slice(0, 119)}…` : json;
}

