/**
 * What an approval notification says a tool call will do ("Hearth wants to …"). Pure, so
 * it is unit-tested without VS Code. An MCP tool is named as the server's tool whatever its
 * arguments are called: a `command` or `path` argument means what that server makes of it,
 * not a local command or file, and the user must not be told otherwise.
 */
export function describeCall(name: string, args: Record<string, unknown>): string {
  const mcp = /^mcp__(.+?)__(.+)$/.exec(name);
  if (mcp) return `call the tool "${mcp[2]}" of the MCP server "${mcp[1]}" with ${summarizeArguments(args)}`;
  const path = typeof args.path === "string" ? args.path : undefined;
  const command = typeof args.command === "string" ? args.command : undefined;
  if (command) return `run \`${command}\``;
  if (name === "run_tests") return "run the tests";
  if (path) return `${name === "write_file" ? "write" : name === "edit_file" ? "edit" : name.replace(/_/g, " ")} ${path}`;
  return `use ${name}`;
}

/** The arguments as compact JSON, cut at 120 characters (the card shows them whole). */
function summarizeArguments(args: Record<string, unknown>): string {
  if (Object.keys(args).length === 0) return "no arguments";
  const json = JSON.stringify(args);
  return json.length > 120 ? `${json.slice(0, 119)}…` : json;
}
