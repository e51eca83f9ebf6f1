/**
 * apply_patch: a unified diff, tolerant of the usual LLM mistakes (see patch/), applied
 * all or nothing through the workspace in one batch.
 */
import { shownLine, shownPath } from "../indexer/text.ts";
import { type FileOutcome, planPatch } from "./patch/plan.ts";
import { formatPlan } from "./patch/report.ts";
import { type FileRead, type FileReads, afterWrite, goneSinceSeen, recordEdit, recordWhole, savedOtherwiseNote, unseenLines } from "./file-reads.ts";
import { contentHash } from "./text-file.ts";
import { type Tool, ToolError, optionalBool, optionalString, stringArg } from "./tool.ts";
import type { Workspace, WorkspaceChange } from "./workspace.ts";

// A name or reason holding a newline would read as a line of the report of its own.
const SHOWN = { path: shownPath, line: shownLine };

export const applyPatchTool: Tool = {
  effect: "write",
  display: { title: "Apply patch", wouldLikeTo: "apply a patch", keyArguments: [], body: "diff", proposedChange: "patch" },
  definition: {
    name: "apply_patch",
    description:
      "Apply a unified diff (as `git diff` prints it) to one or more files: modify, create (--- /dev/null), delete (+++ /dev/null) or rename. " +
      "Hunk line numbers may be approximate; each hunk needs a few unchanged context lines to be located. " +
      "Nothing is written unless every hunk of every file applies; failures name the hunk and the closest text in the file.",
    parameters: {
      type: "object",
      properties: {
        patch: { type: "string", description: "The unified diff." },
        path: { type: "string", description: "File to patch when the diff has no ---/+++ file headers." },
        dry_run: { type: "boolean", description: "Only check whether the patch applies (default false)." },
      },
      required: ["patch"],
    },
  },
  async targets(input, ctx) {
    // The plan names every file the patch creates, changes, deletes or renames (both ends).
    if (optionalBool(input, "dry_run")) return [];
    const defaultPath = optionalString(input, "path");
    const plan = await planPatch(ctx.workspace, stringArg(input, "patch"), { keepJson: true, ...(defaultPath ? { defaultPath } : {}) });
    return changedPaths(plan.changes);
  },
  // A patch that does not apply, or a dry run, answers with the lines near its hunks: every file it names.
  async shows(input, ctx) {
    const defaultPath = optionalString(input, "path");
    const plan = await planPatch(ctx.workspace, stringArg(input, "patch"), { keepJson: true, ...(defaultPath ? { defaultPath } : {}) });
    return plan.files.flatMap((file) => (file.newPath === undefined ? [file.path] : [file.path, file.newPath]));
  },
  async execute(input, ctx) {
    const patch = stringArg(input, "patch");
    const defaultPath = optionalString(input, "path");
    const plan = await planPatch(ctx.workspace, patch, { keepJson: true, ...(defaultPath ? { defaultPath } : {}) });
    const dryRun = optionalBool(input, "dry_run") ?? false;
    if (!plan.ok) {
      const changed = ctx.reads ? await changedSinceRead(ctx.workspace, ctx.reads, plan.files) : [];
      throw new ToolError("patch-failed", [...changed, formatPlan(plan, "applied", SHOWN)].join("\n"), { files: plan.files });
    }
    if (ctx.reads) await refuseBlindDeletes(ctx.workspace, ctx.reads, plan.files);
    ctx.signal.throwIfAborted();
    // A dry run runs the write's own checks too (a read-only file): "would apply" is what the real call does.
    if (dryRun) {
      // runTool saves the user's typing VS Code auto-saves anyway before the real call (its targets),
      // which then goes through: the dry run does as well, or it refuses "unsaved changes" the real
      // call never meets. Only the editor knows which files it auto-saves (per language and folder,
      // files.autoSaveWhenNoErrors), and saving them is what it does on its own anyway; no checkpoint.
      await ctx.workspace.flushAutoSave?.(changedPaths(plan.changes));
      await ctx.workspace.check?.(plan.changes);
    } else {
      const moved = ctx.reads ? await movedHashes(ctx.workspace, plan.changes) : new Map<string, string>();
      await ctx.workspace.apply(plan.changes);
      // What a read gives now: the editor's save may have changed it (its save settings).
      const saved = new Map<string, Uint8Array>();
      const changed: string[] = [];
      for (const change of plan.changes) {
        const [path, content] = change.kind === "write" ? [change.path, change.content] : change.kind === "rename" ? [change.to, change.content] : [];
        if (path === undefined || content === undefined) continue;
        const after = await afterWrite(ctx.workspace, path, content);
        saved.set(path, after.bytes);
        if (after.changed) changed.push(path);
      }
      if (ctx.reads) remember(ctx.reads, plan.changes, moved, saved);
      const text = formatPlan(plan, "applied", SHOWN);
      return { text: changed.length ? `${text}\n${savedOtherwiseNote(changed)}` : text, data: { files: plan.files, dryRun } };
    }
    return { text: formatPlan(plan, "would apply", SHOWN), data: { files: plan.files, dryRun } };
  },
};

/** Every file the changes create, change, delete or rename (both ends). */
function changedPaths(changes: readonly WorkspaceChange[]): string[] {
  return changes.flatMap((change) => (change.kind === "rename" ? [change.from, change.to] : [change.path]));
}

/**
 * A sentence for each file whose hunks failed that is no longer as the model last read or
 * edited it: a formatter on save, a code generator or the user rewrote it, and the hunks quote
 * what the model read — read again, or it sends the same hunks (edit_file says the same); or
 * renamed or deleted it since (goneSinceSeen).
 */
async function changedSinceRead(ws: Workspace, reads: ReadonlyMap<string, FileRead>, files: readonly FileOutcome[]): Promise<string[]> {
  const changed: string[] = [];
  for (const file of files) {
    const seen = reads.get(file.path);
    if (file.ok || seen === undefined) continue;
    const bytes = await ws.read(file.path).catch(() => undefined);
    const gone = bytes === undefined && file.operation !== "create" && (await ws.stat(file.path).catch(() => undefined)) === undefined;
    if (gone) changed.push(goneSinceSeen(reads, file.path, `"${shownPath(file.path)}"`)!);
    if (bytes === undefined || contentHash(bytes) === seen.hash || !file.hunks.some((h) => !h.ok)) continue;
    changed.push(`"${shownPath(file.path)}" changed since you last read or edited it (the user, a formatter on save or another program): read_file it again and base the hunks on the text it holds now.`);
  }
  return changed;
}

/** The hash of each file a rename moves, as it is before the patch (a name set aside in a swap is not there yet). */
async function movedHashes(ws: Workspace, changes: readonly WorkspaceChange[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const change of changes) {
    if (change.kind !== "rename") continue;
    const bytes = await ws.read(change.from).catch(() => undefined);
    if (bytes !== undefined) hashes.set(change.from, contentHash(bytes));
  }
  return hashes;
}

/**
 * What the files hold now, for write_file's read-first check (as edit_file records its own
 * writes): a file the patch created the model wrote whole; one it changed by hunks it knows
 * whole only if it had read it whole, and as it was before the patch (`moved`: a renamed
 * file's hash then). A renamed file's record moves. `saved`: what a read of each written file
 * gives after the write (`afterWrite`: the editor's save settings may have changed it).
 */
function remember(reads: FileReads, changes: readonly WorkspaceChange[], moved: Map<string, string>, saved: ReadonlyMap<string, Uint8Array>): void {
  for (const change of changes) {
    if (change.kind === "write") {
      const now = contentHash(saved.get(change.path) ?? change.content);
      if (change.expected) recordEdit(reads, change.path, contentHash(change.expected), now);
      else recordWhole(reads, change.path, now);
    } else if (change.kind === "delete") reads.delete(change.path);
    else {
      const seen = reads.get(change.from);
      const before = moved.get(change.from);
      reads.delete(change.from);
      reads.delete(change.to);
      moved.delete(change.from);
      if (before !== undefined) moved.set(change.to, before);
      if (seen === undefined) continue;
      reads.set(change.to, seen);
      // Hunks applied to bytes the model never saw (the user changed the file since its read) leave it not seen whole.
      if (change.content) recordEdit(reads, change.to, before ?? "", contentHash(saved.get(change.to) ?? change.content));
    }
  }
}

/**
 * A delete with no hunks (`deleted file mode` alone; git writes a deleted file's lines as a
 * hunk) names none of the file's lines: as write_file, it takes only a file the model saw
 * whole and that has not changed since, or an empty one.
 */
async function refuseBlindDeletes(ws: Workspace, reads: ReadonlyMap<string, FileRead>, files: readonly FileOutcome[]): Promise<void> {
  for (const file of files) {
    if (file.operation !== "delete" || file.hunks.length > 0) continue;
    const bytes = await ws.read(file.path).catch(() => undefined);
    if (bytes === undefined || bytes.length === 0) continue;
    const seen = reads.get(file.path);
    if (seen?.hash === contentHash(bytes) && seen.seen === undefined) continue;
    const unseen = seen?.hash === contentHash(bytes) ? (unseenLines(seen) ?? "all of it, having changed it without reading it whole") : undefined;
    const why = seen === undefined ? "you have not read it" : unseen !== undefined ? `you have not seen ${unseen}` : "it changed since you read it (perhaps the user edited it)";
    throw new ToolError("stale-file", `the patch deletes "${file.path}" with no hunks, and ${why}; nothing was written. Read it first, or give its lines as the hunk that removes them`);
  }
}
