/**
 * write_file: creates a file, or replaces one the agent has read and that has not changed
 * since (so a user's edit made meanwhile is never overwritten blind). A replaced file keeps
 * its line endings, BOM and encoding.
 */
import { unchangedLines } from "./edit-engine.ts";
import { type FileReads, afterWrite, goneSinceSeen, recordWhole, savedOtherwiseNote, unseenLines } from "./file-reads.ts";
import { type TextFile, checkJsonKept, contentHash, decodeText, encodeText, splitLines, toLf } from "./text-file.ts";
import { type Tool, type ToolContext, ToolError, stringArg } from "./tool.ts";
import { droppedLocation, nameInOtherCase, spellingNote } from "./path-spelling.ts";
import { type Workspace, quotedPath } from "./workspace.ts";

export const writeFileTool: Tool = {
  effect: "write",
  display: { title: "Write file", wouldLikeTo: "write {path}", keyArguments: ["path"], body: "diff", proposedChange: "content" },
  definition: {
    name: "write_file",
    description: "Create a new file with the given content, or replace a whole file you have read with read_file. Prefer edit_file or apply_patch to change part of a file.",
    parameters: {
      type: "object",
      properties: {
        path: { type: "string", description: "File path relative to the workspace root." },
        content: { type: "string", description: "The complete file content." },
      },
      required: ["path", "content"],
    },
  },
  async targets(input, ctx) {
    return [await ctx.workspace.resolve(stringArg(input, "path"))];
  },
  async execute(input, ctx) {
    const path = await ctx.workspace.resolve(stringArg(input, "path"));
    const content = stringArg(input, "content", true);
    const info = await ctx.workspace.stat(path);
    if (info?.type === "directory") throw new ToolError("not-a-file", `"${path}" is a directory`);
    // A file the model read that is gone now: the user (or a command) deleted or renamed it since. Made
    // again from the model's memory, it would undo that unseen; refused once, so a second call creates it.
    const gone = info ? undefined : goneSinceSeen(ctx.reads, path, quotedPath(path));
    if (gone && !(await deletedByOwnStep(ctx, path))) {
      ctx.reads?.delete(path);
      throw new ToolError("stale-file", `${gone} If the task does need it back, write_file it again: it is then created. Nothing was written.`);
    }
    const written = stringArg(input, "path");
    if (info && nameInOtherCase(written, path)) {
      throw new ToolError(
        "ambiguous-match",
        `${quotedPath(written)} is not on disk as written; ${quotedPath(path)} is, its name differing only in letter case. Nothing was written: to replace it, give its name as it is; a new file beside it needs a name that differs in more than letter case (macOS and Windows disks cannot hold both)`,
      );
    }
    const location = info ? droppedLocation(written, path) : undefined;
    if (location !== undefined) {
      throw new ToolError(
        "ambiguous-match",
        `${quotedPath(written)} is not on disk as written; ${quotedPath(path)} is, without the ${quotedPath(location)} after its name. Nothing was written: to replace it, give its name as it is; a new file needs another name`,
      );
    }
    const replaced = info ? await replacement(ctx.workspace, path, content, ctx.reads) : undefined;
    const bytes = replaced?.bytes ?? Buffer.from(content, "utf8");
    ctx.signal.throwIfAborted();
    // Refused when the file no longer holds what was checked (written meanwhile).
    await ctx.workspace.apply([{ kind: "write", path, content: bytes, ...(replaced ? { expected: replaced.current } : {}) }]);
    const saved = await afterWrite(ctx.workspace, path, bytes);
    if (ctx.reads) recordWhole(ctx.reads, path, contentHash(saved.bytes));
    const lines = content === "" ? 0 : toLf(content).replace(/\n$/, "").split("\n").length;
    const text = `${info ? "Replaced" : "Created"} ${path} (${lines} lines).${saved.changed ? `\n${savedOtherwiseNote([path])}` : ""}`;
    const note = spellingNote(ctx.workspace.root, written, path);
    return { text: note === undefined ? text : `${text}\n${note}`, data: { path, created: !info, lines } };
  },
};

/** The bytes that replace the file, and the file's bytes they were checked against. */
async function replacement(ws: Workspace, path: string, content: string, reads: FileReads | undefined): Promise<{ bytes: Uint8Array; current: Uint8Array }> {
  const current = await ws.read(path);
  const seen = reads?.get(path);
  if (reads && seen === undefined) throw new ToolError("stale-file", `"${path}" already exists and you have not read it; read it first (or use edit_file)`);
  if (seen !== undefined && seen.hash !== contentHash(current)) {
    throw new ToolError("stale-file", `"${path}" changed since you read it (perhaps the user edited it); read it again before replacing it`);
  }
  // The whole file replaces what the model thinks it holds: lines it never saw would be lost.
  if (seen?.condensed) {
    throw new ToolError("stale-file", `the conversation no longer shows "${path}" whole (what you read of it was condensed to fit the context); read_file it again before replacing it, or change it with edit_file`);
  }
  if (seen?.seen !== undefined) {
    const unseen = unseenLines(seen);
    const what = unseen === undefined || seen.seen.length === 0 ? "you changed it without reading it whole" : `you have not seen ${unseen}`;
    throw new ToolError("stale-file", `"${path}" was read only in part (${what}); replacing it whole would drop what you have not seen. Change it with edit_file, or read_file the rest first`);
  }
  const file = decodeText(current, path);
  const text = withLineEnds(file, content);
  checkJsonKept(path, file.text, text);
  return { bytes: encodeText(file, text, path), current };
}

/**
 * `content` with the line ends of the file it replaces. In a file whose lines all end alike,
 * every line ends so. In one of mixed ends (LF lines pasted into a CRLF file), a line kept
 * from the file ends as it did there and a new line as the line above it: made all alike,
 * every line of the other kind showed as changed.
 */
function withLineEnds(file: TextFile, content: string): string {
  const old = splitLines(file.text);
  if (new Set(old.map((l) => l.eol).filter((e) => e !== "")).size <= 1) return file.eol === "\n" ? content : toLf(content).replace(/\n/g, file.eol);
  const lines = toLf(content).split("\n");
  const ended = lines.slice(0, -1);
  const kept = unchangedLines(old.map((l) => l.text), ended);
  let text = "";
  let eol: string = file.eol;
  ended.forEach((line, i) => {
    const was = kept.get(i);
    eol = (was === undefined ? "" : old[was]!.eol) || eol;
    text += line + eol;
  });
  return text + lines.at(-1)!;
}

/**
 * Whether a step of this run deleted `path` — the agent's own command (rm, mv, git rm), which
 * the model knows of: the run's start checkpoint held it and no change in the user's time
 * (while the model thought or a question waited) touched it in this run
 * (CheckpointStore.agentBaselines). Then its write_file makes it again without being refused
 * first. Without checkpoints, or when they cannot tell, false.
 */
async function deletedByOwnStep(ctx: ToolContext, path: string): Promise<boolean> {
  const { checkpoints, runStart } = ctx;
  if (!checkpoints || !runStart) return false;
  try {
    if ((await checkpoints.fileAt(runStart, path)) === undefined) return false;
    const baseline = (await checkpoints.agentBaselines(runStart, [path], "run")).get(path);
    return baseline === undefined || (baseline.checkpoint !== undefined && !baseline.userAfter);
  } catch {
    return false;
  }
}
