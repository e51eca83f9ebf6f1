/** find_symbol: where a name is defined (and optionally used), from the repository index. */
import { shownPath } from "../indexer/index.ts";
import { shownLine } from "../indexer/text.ts";
import { type Tool, ToolError, optionalBool, optionalInt, stringArg } from "./tool.ts";

export const findSymbolTool: Tool = {
  effect: "read",
  display: { title: "Find symbol", wouldLikeTo: "find the definition of {name}", keyArguments: ["name"], body: "arguments" },
  definition: {
    name: "find_symbol",
    description: "Find where a function, class, method, type or variable is defined (from the code index), with its signature; optionally also where it is referenced.",
    parameters: {
      type: "object",
      properties: {
        name: { type: "string", description: "The symbol's name, e.g. parseConfig or UserService." },
        references: { type: "boolean", description: "Also list references (calls, type uses, imports). Default false." },
        max_results: { type: "integer", description: "At most this many of each (default 30)." },
      },
      required: ["name"],
    },
  },
  async execute(input, ctx) {
    if (!ctx.index) throw new ToolError("unavailable", "the code index is not ready yet; use search instead");
    const name = stringArg(input, "name").trim();
    const limit = optionalInt(input, "max_results", 1, 500) ?? 30;
    const definitions = await ctx.index.findDefinitions(name, limit);
    const references = optionalBool(input, "references") ? await ctx.index.findReferences(name, limit) : [];
    const parts: string[] = [];
    parts.push(definitions.length === 0 ? `No definition of "${name}" found.` : `Definitions of ${name}:`);
    for (const d of definitions) parts.push(`${shownPath(d.path)}:${d.line + 1}: ${d.kind}${d.scope ? ` in ${shownLine(d.scope)}` : ""}: ${shownLine(d.signature)}`);
    if (optionalBool(input, "references")) {
      parts.push(references.length === 0 ? `No references to "${name}" found.` : `References to ${name}:`);
      for (const r of references) parts.push(`${shownPath(r.path)}:${r.line + 1}: ${r.kind}${r.scope ? ` in ${shownLine(r.scope)}` : ""}`);
    }
    return { text: parts.join("\n"), data: { definitions, references } };
  },
};
