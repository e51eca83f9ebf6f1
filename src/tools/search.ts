/** search: a regular expression over the workspace's text files, ignores honoured, results capped. */
import { globRegex, under, workspaceFiles } from "./file-walk.ts";
import { isBinary } from "./text-file.ts";
import { type Tool, ToolError, optionalBool, optionalInt, optionalString, stringArg } from "./tool.ts";

const DEFAULT_LIMIT = 100;
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_LINE_CHARS = 240;

export interface SearchHit {
  readonly path: string;
  readonly line: number;
  readonly text: string;
}

export const searchTool: Tool = {
  effect: "read",
  definition: {
    name: "search",
    description: "Search the workspace's text files for a regular expression (JavaScript syntax). Returns path:line: text for each matching line, capped. .gitignore'd files are skipped.",
    parameters: {
      type: "object",
      properties: {
        pattern: { type: "string", description: "Regular expression, e.g. \"def (parse|load)_config\"." },
        path: { type: "string", description: "Folder or file to search in (default: the whole workspace)." },
        glob: { type: "string", description: "Only files matching this glob, e.g. \"*.py\"." },
        case_sensitive: { type: "boolean", description: "Default: case-sensitive only if the pattern has an upper-case letter." },
        max_results: { type: "integer", description: `At most this many matching lines (default ${DEFAULT_LIMIT}).` },
      },
      required: ["pattern"],
    },
  },
  async execute(input, ctx) {
    const pattern = stringArg(input, "pattern");
    const caseSensitive = optionalBool(input, "case_sensitive") ?? /[A-Z]/.test(pattern.replace(/\\./g, ""));
    const regex = compile(pattern, caseSensitive);
    const dir = await ctx.workspace.resolve(optionalString(input, "path") ?? ".");
    const glob = optionalString(input, "glob");
    const fileRegex = glob ? globRegex(glob) : undefined;
    const limit = optionalInt(input, "max_results", 1, 5000) ?? DEFAULT_LIMIT;
    const files = under(await workspaceFiles(ctx.workspace.root, ctx.signal), dir).filter((p) => !fileRegex || fileRegex.test(p));
    const hits: SearchHit[] = [];
    let truncated = false;
    for (const path of files) {
      ctx.signal.throwIfAborted();
      const found = await searchFile(ctx.workspace, path, regex);
      hits.push(...found);
      if (hits.length > limit) {
        truncated = true;
        break;
      }
    }
    const shown = hits.slice(0, limit);
    const lines = shown.map((h) => `${h.path}:${h.line}: ${h.text}`);
    const note = truncated ? `\n[More than ${limit} matches; results cut. Narrow with path, glob or a more specific pattern.]` : "";
    return { text: shown.length === 0 ? `No matches for /${pattern}/ in ${files.length} files.` : lines.join("\n") + note, data: { hits: shown, truncated } };
  },
};

function compile(pattern: string, caseSensitive: boolean): RegExp {
  try {
    return new RegExp(pattern, caseSensitive ? "" : "i");
  } catch (error) {
    throw new ToolError("invalid-input", `invalid regular expression: ${(error as Error).message}. Escape special characters like ( [ . * with a backslash to match them literally`);
  }
}

async function searchFile(ws: { stat(p: string): Promise<{ size: number } | undefined>; read(p: string): Promise<Uint8Array> }, path: string, regex: RegExp): Promise<SearchHit[]> {
  const info = await ws.stat(path);
  if (!info || info.size > MAX_FILE_BYTES) return [];
  const bytes = await ws.read(path).catch(() => undefined);
  if (!bytes || isBinary(bytes)) return [];
  const hits: SearchHit[] = [];
  const lines = Buffer.from(bytes).toString("utf8").split(/\r?\n/);
  lines.forEach((text, i) => {
    if (regex.test(text)) hits.push({ path, line: i + 1, text: text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text });
  });
  return hits;
}
