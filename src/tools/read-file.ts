/** read_file: a file's text with line numbers, whole or a line range, within a size budget. */
import { MAX_READ_CHARS, MAX_READ_FILE_BYTES } from "./limits.ts";
import { contentHash, decodeText, splitLines } from "./text-file.ts";
import { type Tool, ToolError, optionalInt, stringArg } from "./tool.ts";

export const readFileTool: Tool = {
  effect: "read",
  display: { title: "Read file", wouldLikeTo: "read {path}", keyArguments: ["path"], body: "arguments" },
  definition: {
    name: "read_file",
    description:
      "Read a text file. Lines are prefixed with their 1-based number and `| ` (not part of the file). " +
      "Long files are cut; ask for start_line/end_line to read further. Binary files are refused.",
    parameters: {
      type: "object",
      properties: {
        path: { type: "string", description: "File path relative to the workspace root." },
        start_line: { type: "integer", description: "First line to show (1-based, default 1)." },
        end_line: { type: "integer", description: "Last line to show (inclusive, default: end of file)." },
      },
      required: ["path"],
    },
  },
  async execute(input, ctx) {
    const path = await ctx.workspace.resolve(stringArg(input, "path"));
    const info = await ctx.workspace.stat(path);
    if (!info) throw new ToolError("not-found", `"${path}" does not exist`);
    if (info.type !== "file") throw new ToolError("not-a-file", `"${path}" is a directory; use list_files`);
    if (info.size > MAX_READ_FILE_BYTES) throw tooLarge(path, info.size);
    const bytes = await ctx.workspace.read(path);
    const lines = splitLines(decodeText(bytes, path).text);
    ctx.reads?.set(path, contentHash(bytes));
    const first = optionalInt(input, "start_line", 1, Number.MAX_SAFE_INTEGER) ?? 1;
    const last = Math.min(optionalInt(input, "end_line", 1, Number.MAX_SAFE_INTEGER) ?? lines.length, lines.length);
    if (lines.length === 0) return { text: `${path} is empty.`, data: { path, lines: 0 } };
    if (first > lines.length) throw new ToolError("invalid-input", `start_line ${first} is past the end of ${path} (${lines.length} lines)`);
    return render(path, lines.map((l) => l.text), first, last);
  },
};

/** Neither read_file nor search opens a file this large (search stops at 2 MB): a shell command can. */
function tooLarge(path: string, size: number): ToolError {
  const mb = (size / (1024 * 1024)).toFixed(1);
  return new ToolError(
    "too-large",
    `"${path}" is ${mb} MB, over read_file's ${MAX_READ_FILE_BYTES / (1024 * 1024)} MB limit (search skips it too). ` +
      `Look inside with run_command, e.g. grep -n "PATTERN" ${shellQuote(path)} or sed -n '1,200p' ${shellQuote(path)}`,
  );
}

function shellQuote(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`;
}

function render(path: string, lines: readonly string[], first: number, last: number): { text: string; data: unknown } {
  const width = String(last).length;
  const out: string[] = [];
  let used = 0;
  let shownTo = first - 1;
  for (let n = first; n <= last; n++) {
    const line = `${String(n).padStart(width)}| ${lines[n - 1]}`;
    if (used + line.length + 1 > MAX_READ_CHARS && out.length > 0) break;
    out.push(line);
    used += line.length + 1;
    shownTo = n;
  }
  const total = lines.length;
  const note = shownTo < last ? `\n[Cut at the size limit: showing lines ${first}-${shownTo} of ${total}. Continue with start_line=${shownTo + 1}.]` : first > 1 || last < total ? `\n[Lines ${first}-${last} of ${total}.]` : "";
  return { text: out.join("\n") + note, data: { path, startLine: first, endLine: shownTo, totalLines: total } };
}
