/**
 * edit_file: search/replace edits in one file, all or nothing. See edit-engine.ts for the
 * matching; this file is the tool's schema, argument handling and the single write.
 */
import { type Edit, applyEdits } from "./edit-engine.ts";
import { MAX_EDIT_BYTES } from "./limits.ts";
import { afterWrite, goneSinceSeen, recordEdit, savedOtherwiseNote } from "./file-reads.ts";
import { checkJsonKept, contentHash, decodeText, encodeText } from "./text-file.ts";
import { type JsonValue, type Tool, ToolError, optionalBool, stringArg } from "./tool.ts";
import { spellingNote } from "./path-spelling.ts";

export const editFileTool: Tool = {
  effect: "write",
  display: { title: "Edit file", wouldLikeTo: "edit {path}", keyArguments: ["path"], body: "diff", proposedChange: "edits" },
  definition: {
    name: "edit_file",
    description:
      "Replace text in an existing file. old_text must match the file exactly once (copy it from read_file, without line numbers); " +
      "small whitespace or indentation differences are tolerated. For several changes to one file pass `edits`; they are applied in order, all or none. " +
      "On no match or several matches nothing is written and the closest candidates are shown.",
    parameters: {
      type: "object",
      properties: {
        path: { type: "string", description: "File path relative to the workspace root." },
        old_text: { type: "string", description: "The exact text to replace, with enough lines around it to be unique." },
        new_text: { type: "string", description: "The replacement text." },
        replace_all: { type: "boolean", description: "Replace every occurrence of old_text (default false)." },
        edits: {
          type: "array",
          description: "Several replacements instead of old_text/new_text: [{\"old_text\": …, \"new_text\": …}].",
          items: { type: "object", properties: { old_text: { type: "string" }, new_text: { type: "string" }, replace_all: { type: "boolean" } }, required: ["old_text", "new_text"] },
        },
      },
      required: ["path"],
    },
  },
  async targets(input, ctx) {
    return [await ctx.workspace.resolve(stringArg(input, "path"))];
  },
  async execute(input, ctx) {
    const path = await ctx.workspace.resolve(stringArg(input, "path"));
    const edits = readEdits(input);
    const info = await ctx.workspace.stat(path);
    if (!info) throw new ToolError("not-found", goneSinceSeen(ctx.reads, path, `"${path}"`) ?? `"${path}" does not exist; use write_file to create a new file`);
    if (info.type !== "file") throw new ToolError("not-a-file", `"${path}" is a directory`);
    if (info.size > MAX_EDIT_BYTES) throw new ToolError("too-large", `"${path}" is ${info.size} bytes; files over ${MAX_EDIT_BYTES} bytes are not edited`);
    const bytes = await ctx.workspace.read(path);
    const file = decodeText(bytes, path);
    const { text, applied } = withChangeSinceRead(() => applyEdits(file.text, file.eol, edits), path, ctx.reads?.get(path)?.hash, bytes);
    checkJsonKept(path, file.text, text);
    const out = encodeText(file, text, path);
    ctx.signal.throwIfAborted();
    await ctx.workspace.apply([{ kind: "write", path, content: out, expected: bytes }]);
    const saved = await afterWrite(ctx.workspace, path, out);
    if (ctx.reads) recordEdit(ctx.reads, path, contentHash(bytes), contentHash(saved.bytes));
    const where = applied.map((a, i) => `${edits.length > 1 ? `edit ${i + 1}: ` : ""}line ${a.lines.join(", ")}${a.level === "exact" ? "" : ` (matched ignoring ${a.level})`}`);
    const note = spellingNote(ctx.workspace.root, stringArg(input, "path"), path);
    const result = `Edited ${path}: ${where.join("; ")}.${saved.changed ? `\n${savedOtherwiseNote([path])}` : ""}`;
    return { text: note === undefined ? result : `${result}\n${note}`, data: { path, applied } };
  },
};

/**
 * applyEdits, whose no-match says so when the file is no longer as the model last read or
 * edited it: a formatter on save, a code generator or the user rewrote it, and the model's
 * old_text quotes what it read — read again, or it retries the same text.
 */
function withChangeSinceRead<T>(apply: () => T, path: string, seenHash: string | undefined, bytes: Uint8Array): T {
  try {
    return apply();
  } catch (error) {
    if (!(error instanceof ToolError) || error.code !== "no-match" || seenHash === undefined || seenHash === contentHash(bytes)) throw error;
    const changed = `"${path}" changed since you last read or edited it (the user, a formatter on save or another program): read_file it again and edit the text it holds now.`;
    throw new ToolError("no-match", `${changed} ${error.message}`, error.data);
  }
}

function readEdits(input: Record<string, JsonValue>): Edit[] {
  const raw = typeof input.edits === "string" ? parseJson(input.edits) : input.edits;
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw) || raw.length === 0) throw new ToolError("invalid-input", "edits must be a non-empty array of {old_text, new_text}");
    return raw.map((e, i) => {
      if (!e || typeof e !== "object" || Array.isArray(e)) throw new ToolError("invalid-input", `edits[${i}] must be an object with old_text and new_text`);
      return { oldText: stringArg(e, "old_text", true), newText: stringArg(e, "new_text", true), replaceAll: optionalBool(e, "replace_all") ?? false };
    });
  }
  if (input.old_text === undefined) throw new ToolError("invalid-input", "give old_text and new_text (or edits)");
  return [{ oldText: stringArg(input, "old_text", true), newText: stringArg(input, "new_text", true), replaceAll: optionalBool(input, "replace_all") ?? false }];
}

function parseJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new ToolError("invalid-input", "edits is not valid JSON");
  }
}
