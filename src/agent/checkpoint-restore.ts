/**
 * Restoring files from a checkpoint (the review's "Restore" and a rewind): which changes
 * bring the workspace back to the checkpoint, applied in one `Workspace.apply` so the
 * editor records one undoable edit.
 */
import type { CheckpointStore, Workspace, WorkspaceChange } from "../tools/index.ts";

export interface RestoreOptions {
  readonly checkpoints: Pick<CheckpointStore, "changedFiles" | "fileAt" | "linksAmong" | "restoreLinks" | "restoreModes">;
  readonly checkpoint: string;
  /** Only these paths (those of them changed since the checkpoint); all the changed files when empty or absent. */
  readonly paths?: readonly string[];
  /** Where files are looked up (the disk) to tell a file to delete from one that is already gone. */
  readonly disk: Pick<Workspace, "stat">;
  /** Where the changes go (the editor, when it applies edits). */
  readonly target: Pick<Workspace, "apply">;
}

/**
 * The changes that restore `paths` to the checkpoint: the checkpoint's content written
 * back, a file the checkpoint did not have deleted (if it is still there). Only files
 * changed since the checkpoint are touched, whatever `paths` names: a path the checkpoints
 * never hold (`.hearth/`, a git-ignored `.env`, a folder outside the workspace) would
 * otherwise read as "not in the checkpoint" and be deleted. `links`: the paths that are
 * or were links, restored on disk by the store instead.
 */
export async function restoreChanges(options: Omit<RestoreOptions, "target">): Promise<{ changes: WorkspaceChange[]; links: string[] }> {
  const { checkpoints, checkpoint, disk } = options;
  const changed = await checkpoints.changedFiles(checkpoint);
  const paths = options.paths?.length ? changed.filter((p) => options.paths!.includes(p)) : changed;
  // A link now or then: a workspace write would go through it (CheckpointStore.restoreLinks).
  const links = await checkpoints.linksAmong(checkpoint, paths);
  const changes: WorkspaceChange[] = [];
  for (const path of paths.filter((p) => !links.includes(p))) {
    const content = await checkpoints.fileAt(checkpoint, path);
    if (content) changes.push({ kind: "write", path, content });
    else if ((await disk.stat(path))?.type === "file") changes.push({ kind: "delete", path });
  }
  return { changes, links };
}

/**
 * Restores the files and says which were restored (none applied when nothing differs).
 * The workspace writes contents; the executable bits are put back afterwards. Links go
 * first: a folder that is a link now (`rm -rf lib && ln -s src lib`) would take the writes
 * of the files it held into the folder it points at. A link whose place a folder took is
 * made once the writes emptied that folder.
 */
export async function restoreCheckpoint(options: RestoreOptions): Promise<string[]> {
  const { checkpoints, checkpoint } = options;
  const { changes, links } = await restoreChanges(options);
  const relinked = links.length ? await checkpoints.restoreLinks(checkpoint, links) : [];
  if (changes.length) await options.target.apply(changes);
  const written = changes.flatMap((c) => (c.kind === "write" ? [c.path] : []));
  if (written.length) await checkpoints.restoreModes(checkpoint, written);
  const waiting = links.filter((p) => !relinked.includes(p));
  if (waiting.length && changes.length) relinked.push(...(await checkpoints.restoreLinks(checkpoint, waiting)));
  return [...changes.map((c) => (c.kind === "rename" ? c.to : c.path)), ...relinked];
}

/**
 * The files a restore to `checkpoint` would change (of `paths`, or all) that differ now from
 * `expected` — how the step or run being undone left them: a later step or the user changed
 * them since, and the restore would drop that change without a word.
 */
export async function changedSinceExpected(
  checkpoints: Pick<CheckpointStore, "changedFiles">,
  checkpoint: string,
  expected: string,
  paths?: readonly string[],
): Promise<string[]> {
  const wanted = (path: string) => !paths?.length || paths.includes(path);
  const restoring = new Set((await checkpoints.changedFiles(checkpoint)).filter(wanted));
  return (await checkpoints.changedFiles(expected)).filter((path) => restoring.has(path));
}
