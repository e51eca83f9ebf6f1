/**
 * Restoring files from a checkpoint (the review's "Restore" and a rewind): which changes
 * bring the workspace back to the checkpoint, applied in one `Workspace.apply` so the
 * editor records one undoable edit.
 */
import { join } from "node:path";
import { checkNotReadOnly } from "../tools/disk-workspace.ts";
import { type CheckpointStore, ToolError, type Workspace, type WorkspaceChange, decodeText } from "../tools/index.ts";

export interface RestoreOptions {
  readonly checkpoints: Pick<CheckpointStore, "agentBaselines" | "beginRestore" | "changedFiles" | "create" | "endRestore" | "fileAt" | "linksAmong" | "restoreLinks" | "restoreModes" | "unreadableHeld" | "unrecorded">;
  readonly checkpoint: string;
  /**
   * Only these paths (those of them changed since the checkpoint), the user having been asked
   * about later changes to them (changedSinceExpected); all the changed files when empty or
   * absent, but for the user's own later work (see restoreChanges).
   */
  readonly paths?: readonly string[];
  /**
   * With `paths` (a Reject, an Undo this step): the checkpoint of how the run or step left
   * them (the request's `expect`). The run's span reaches it, though another conversation's
   * run started meanwhile (its start would end the span before the agent's later writes).
   */
  readonly until?: string;
  /** Where files are looked up (the disk) to tell a file to delete from one that is already gone. */
  readonly disk: Pick<Workspace, "root" | "stat">;
  /**
   * Where the changes go (the editor, when it applies edits). `refuseUnsaved`: throws, as its
   * `apply` would, for a file among `paths` with unsaved changes (EditorWorkspace), so that a
   * restore from several checkpoints refuses before its first apply.
   */
  readonly target: Pick<Workspace, "apply"> & { refuseUnsaved?(paths: readonly string[]): Promise<void> };
}

/** What restoreCheckpoint sends on to the checkpoint one group of files goes back to. */
interface GroupOptions extends RestoreOptions {
  /** Restored as a whole restore is (the user's later work kept, nothing snapshotted) though `paths` names its files. */
  readonly whole?: boolean;
  /** Changed files another group restores, or that are left: not restored from this checkpoint. */
  readonly except?: ReadonlySet<string>;
}

/** What restoreChanges finds to put back from one checkpoint. */
interface RestorePlan {
  readonly changes: WorkspaceChange[];
  readonly links: string[];
  readonly binary: string[];
  readonly notRestored: NotRestored[];
}

/** A changed file a restore leaves as it is, and why. */
export interface NotRestored {
  readonly path: string;
  readonly reason: string;
  /** Left on purpose: content Hearth did not write (the user's own work since a run), which a whole restore does not write over. */
  readonly laterWork?: boolean;
  /** Put back in the editor, but VS Code did not save it: on disk it is as it was. */
  readonly inEditor?: boolean;
}

/** What a restore did: the files put back, and the changed ones it had to leave as they are. */
export interface RestoreOutcome {
  readonly restored: string[];
  readonly notRestored: NotRestored[];
}

/**
 * Why a Workspace cannot restore a changed file under its own name; undefined when it can.
 * Git names it by its bytes, the Workspace reads a name as text: bytes that are not UTF-8
 * arrive as U+FFFD, and the Workspace trims a name and takes a backslash for a folder
 * separator, so `notes.txt ` or `a\b.txt` would be written over `notes.txt` or `a/b.txt`.
 * A line break is a name checkpoints do not carry (fileAt would say "not there" and the
 * file would be deleted).
 */
export function unrestorableName(path: string): string | undefined {
  if (path.includes("\uFFFD")) return "its name is not valid UTF-8, and Hearth handles file names as text";
  if (/[\n\r]/.test(path)) return "its name holds a line break";
  if (path.includes("\\")) return "its name holds a backslash, which Hearth reads as a folder separator";
  if (path !== path.trim()) return "its name starts or ends with a space";
  return undefined;
}

/**
 * The changes that restore `paths` to the checkpoint: the checkpoint's content written
 * back, a file the checkpoint did not have deleted (if it is still there). Only files
 * changed since the checkpoint are touched, whatever `paths` names: a path the checkpoints
 * never hold (`.hearth/`, a git-ignored `.env`, a folder outside the workspace) would
 * otherwise read as "not in the checkpoint" and be deleted. `links`: the paths that are
 * or were links, and `binary`: files whose content is not text the editor takes (binary,
 * Latin-1: EditorWorkspace refuses them, and with them the whole restore), both put back on
 * disk by the store instead (CheckpointStore.restoreLinks); `notRestored`: those whose names
 * the Workspace cannot carry (unrestorableName) and, in a whole restore, the files whose
 * content Hearth did not write (CheckpointStore.unrecorded) — the user's edits and files
 * made after a run's end, or between two runs (the next run's start checkpoint holds those,
 * but they are still the user's), and the files they deleted (by hand, or by switching to a
 * branch without them): "Restore checkpoint" puts back what Hearth changed.
 * Named `paths` come after the user was asked.
 */
export async function restoreChanges(options: Omit<GroupOptions, "target">): Promise<RestorePlan> {
  const { checkpoints, checkpoint, disk } = options;
  const changed = await checkpoints.changedFiles(checkpoint);
  // Sets: a Reject all names every file of the review, some 120,000 for a run that regenerated a dataset.
  const named = options.paths?.length ? new Set(options.paths) : undefined;
  const wanted = (path: string) => (!named || named.has(path)) && !options.except?.has(path);
  const asked = changed.filter(wanted);
  const notRestored: NotRestored[] = asked.flatMap((path) => {
    const reason = unrestorableName(path);
    return reason ? [{ path, reason }] : [];
  });
  // Held by the checkpoint, unreadable now: taken for unchanged by the diff, though a command may have written it.
  const unreadable = new Set((await checkpoints.unreadableHeld(checkpoint)).filter(wanted));
  for (const path of unreadable) notRestored.push({ path, reason: UNREADABLE_NOW });
  const nameable = asked.filter((p) => !unrestorableName(p) && !unreadable.has(p));
  const later = named && !options.whole ? new Set<string>() : new Set(await checkpoints.unrecorded(nameable));
  const paths = nameable.filter((p) => !later.has(p));
  for (const path of later) notRestored.push({ path, reason: await laterWorkReason(checkpoints, checkpoint, disk, path), laterWork: true });
  // A link now or then: a workspace write would go through it (CheckpointStore.restoreLinks).
  const links = await checkpoints.linksAmong(checkpoint, paths);
  const linked = new Set(links);
  const changes: WorkspaceChange[] = [];
  const binary: string[] = [];
  for (const path of paths.filter((p) => !linked.has(p))) {
    const content = await checkpoints.fileAt(checkpoint, path);
    const there = (await disk.stat(path))?.type === "file";
    // Both workspaces refuse to write over or delete it, and with it the whole restore.
    if (there && (content === undefined || editorTakes(content)) && (await readOnlyNow(disk.root, path))) notRestored.push({ path, reason: READ_ONLY_NOW });
    else if (content && !editorTakes(content)) binary.push(path);
    else if (content) changes.push({ kind: "write", path, content });
    else if (there) changes.push({ kind: "delete", path });
  }
  return { changes, links, binary, notRestored };
}

/** Why a restore leaves a file a command made read-only (or another user's) since, as it is. */
const READ_ONLY_NOW = "it is read-only now, or another user's (a command changed its mode or owner), and Hearth does not write over such a file; make it writable (chmod u+w) and restore again";

/** Whether the workspaces' own check (checkNotReadOnly) refuses to write over or delete the file at `path` now. */
async function readOnlyNow(root: string, path: string): Promise<boolean> {
  return checkNotReadOnly(join(root, path), path).then(
    () => false,
    (error: unknown) => error instanceof ToolError,
  );
}

/** Why a restore leaves a file the checkpoint held, which this user may not read now, as it is. */
const UNREADABLE_NOW = "this user may not read it now (a command changed its mode or owner), so Hearth can neither tell whether it changed since the checkpoint nor put it back; make it readable (chmod u+rw) and restore again";

/** Whether the editor takes `content` as a text edit: UTF-8, or UTF-16 with a BOM (as EditorWorkspace decodes). */
function editorTakes(content: Uint8Array): boolean {
  try {
    return decodeText(content, "restored file").encoding !== "latin1";
  } catch {
    return false; // binary
  }
}

/** Why a whole restore leaves a file whose content Hearth did not write (or that Hearth did not delete) as it is. */
async function laterWorkReason(checkpoints: Pick<CheckpointStore, "fileAt">, checkpoint: string, disk: Pick<Workspace, "stat">, path: string): Promise<string> {
  if (!(await disk.stat(path))) return "it was deleted since, not by Hearth (by you, or by git: a checkout of a branch without it, a pull), and a restore does not bring back what you removed";
  const what = (await checkpoints.fileAt(checkpoint, path)) ? "it holds changes Hearth did not make" : "Hearth did not make it";
  return `${what} (your own work or another program's), and a restore does not overwrite or delete that`;
}

/**
 * Restores the files and says which were restored (none applied when nothing differs) and
 * which changed files it left as they are.
 * The workspace writes contents; the executable bits are put back afterwards. Links go
 * first: a folder that is a link now (`rm -rf lib && ln -s src lib`) would take the writes
 * of the files it held into the folder it points at. A link whose place a folder took is
 * made once the writes emptied that folder; binary files are put back on disk after the writes. Files written over or deleted whose content Hearth
 * did not write (named `paths` the user chose to restore over their own edits) are
 * snapshotted first: that work stays in the checkpoints. The restore is journalled while it
 * runs: a process killed between files leaves the workspace half-restored, and the next
 * CheckpointStore.open finishes it (`finishedRestore`).
 */
export async function restoreCheckpoint(options: RestoreOptions): Promise<RestoreOutcome> {
  const { groups, left } = await agentsChanges(options);
  const handled = new Set([...left.map((f) => f.path), ...[...groups.values()].flat()]);
  const whole = !options.paths?.length;
  let outcome: RestoreOutcome = { restored: [], notRestored: [] };
  // The files the user typed in first; then the restore's own checkpoint as asked (a whole restore: with the files no diff
  // lists, unreadable now), but the files that go elsewhere. One apply each: the editor refuses a file with unsaved changes
  // (and with it the rest of its apply), so every group's files are checked before the first is applied.
  const planned: [GroupOptions, RestorePlan][] = [];
  for (const group of [...[...groups].map(([checkpoint, paths]) => ({ ...options, checkpoint, paths, whole })), { ...options, except: handled }]) {
    planned.push([group, await restoreChanges(group)]);
  }
  if (planned.length > 1) await options.target.refuseUnsaved?.(planned.flatMap(([, plan]) => plan.changes.map((c) => (c.kind === "rename" ? c.from : c.path)))).catch(forTheUser);
  for (const [group, plan] of planned) {
    const more = await restoreFrom(group, plan);
    // Concatenated, not push(...): a run that changed some 120,000 files passes more than a call takes arguments.
    outcome = { restored: outcome.restored.concat(more.restored), notRestored: outcome.notRestored.concat(more.notRestored) };
  }
  return { ...outcome, notRestored: outcome.notRestored.concat(left) };
}

/**
 * Which checkpoint each changed file goes back to so that a restore takes back the agent's
 * changes and keeps the user's: the one just before the agent first wrote it (since the
 * restore's checkpoint, in its run for named paths — a Reject —, in every run since for a
 * whole restore), where that is another than the restore's own (`groups`: the user saved the
 * file during the run before the agent's write, by hand or by Hearth's auto-save flush; the
 * run's start holds it without that). A file no write of the agent's changed goes back to the
 * restore's own checkpoint (a Reject asks first, changedSinceExpected; a whole restore keeps
 * content Hearth did not write as it is). `left`: in a whole restore, which asks nothing
 * first, the files the user changed after the agent's first write (no checkpoint holds the
 * one change without the other: a Reject asks first instead).
 */
async function agentsChanges(options: RestoreOptions): Promise<{ groups: Map<string, string[]>; left: NotRestored[] }> {
  const { checkpoints, checkpoint } = options;
  const named = options.paths?.length ? new Set(options.paths) : undefined;
  const changed = (await checkpoints.changedFiles(checkpoint)).filter((p) => !named || named.has(p));
  const baselines = named ? await checkpoints.agentBaselines(checkpoint, changed, "run", options.until) : await checkpoints.agentBaselines(checkpoint, changed, "since");
  // A whole restore keeps content Hearth did not write as it is (restoreChanges): only Hearth's own goes elsewhere.
  const theirs = new Set(named || !baselines.size ? [] : await checkpoints.unrecorded([...baselines.keys()]));
  const groups = new Map<string, string[]>();
  const left: NotRestored[] = [];
  for (const [path, baseline] of baselines) {
    if (!baseline.changed || theirs.has(path)) continue;
    if (!named && baseline.userAfter) left.push({ path, reason: EDITED_BETWEEN, laterWork: true });
    else if (baseline.checkpoint && baseline.checkpoint !== checkpoint) groups.set(baseline.checkpoint, [...(groups.get(baseline.checkpoint) ?? []), path]);
  }
  return { groups, left };
}

/** Why a whole restore leaves a file the user changed between Hearth's edits as it is. */
const EDITED_BETWEEN = "you changed it between Hearth's edits (or after them), so no checkpoint holds your changes without Hearth's: it is left with both. Reject the run's review (it asks first, then drops your later changes with Hearth's) or take Hearth's changes out by hand";

/** restoreCheckpoint for the files that go back to one checkpoint, as restoreChanges planned them. */
async function restoreFrom(options: GroupOptions, plan: RestorePlan): Promise<RestoreOutcome> {
  const { checkpoints, checkpoint } = options;
  const { changes, links, binary, notRestored } = plan;
  const overwritten = [...changes.map((c) => (c.kind === "rename" ? c.from : c.path)), ...binary];
  // A whole restore left such files out already (restoreChanges).
  if (options.paths?.length && !options.whole && (await checkpoints.unrecorded([...overwritten, ...links])).length) await checkpoints.create(`before restoring ${checkpoint.slice(0, 8)}`);
  if (!changes.length && !links.length && !binary.length) return { restored: [], notRestored };
  // Killed between files, the next start finishes it (CheckpointStore.open).
  await checkpoints.beginRestore(checkpoint, [...new Set([...overwritten, ...changes.map((c) => (c.kind === "rename" ? c.to : c.path)), ...links])]);
  try {
    // Concatenated, not push(...): a run that changed some 120,000 files passes more than a call takes arguments.
    let relinked = links.length ? await checkpoints.restoreLinks(checkpoint, links) : [];
    // Applied, but a file VS Code did not save is back in the editor only: the others are restored all the same.
    const unsaved = new Set(changes.length ? await options.target.apply(changes).then(() => [], notSavedOnly) : []);
    for (const path of unsaved) notRestored.push({ path, reason: NOT_SAVED, inEditor: true });
    const written = changes.flatMap((c) => (c.kind === "write" && !unsaved.has(c.path) ? [c.path] : []));
    if (written.length) await checkpoints.restoreModes(checkpoint, written);
    const done = new Set(relinked);
    const waiting = links.filter((p) => !done.has(p));
    if (waiting.length && changes.length) relinked = relinked.concat(await checkpoints.restoreLinks(checkpoint, waiting));
    // After the edit: one the editor refuses (a file with unsaved changes) leaves these as they are too.
    if (binary.length) relinked = relinked.concat(await checkpoints.restoreLinks(checkpoint, binary));
    return { restored: [...changes.map((c) => (c.kind === "rename" ? c.to : c.path)).filter((p) => !unsaved.has(p)), ...relinked], notRestored };
  } finally {
    // A restore that failed was undone by its Workspace (or said what it left): nothing to finish.
    await checkpoints.endRestore();
  }
}

/**
 * What the chat says of a restore an earlier process began and CheckpointStore.open
 * finished (or could not): without it the workspace changed, or stayed half-restored,
 * with nothing said.
 */
export function finishedRestoreNotice(finished: NonNullable<CheckpointStore["finishedRestore"]>): string {
  const cutOff = `A restore${finished.checkpoint ? ` to checkpoint ${finished.checkpoint.slice(0, 8)}` : ""} was cut off (Hearth or the editor closed while it wrote files)`;
  if (finished.newer !== undefined) {
    return `${cutOff}; a newer version of Hearth began it, and its record (${finished.newer}) is one this version cannot read: files of this folder may be left half-restored. Its record is left as it is: open this folder with that version of Hearth to finish it, or check the files and restore again.`;
  }
  if (finished.failed !== undefined) {
    return `${cutOff}, and Hearth could not finish it (${finished.failed}): ${named(finished.left)} may be left half-restored. Check ${finished.left.length === 1 ? "it" : "them"}, and restore again if needed.`;
  }
  const kept = finished.left.length ? ` Kept ${named(finished.left)} as ${finished.left.length === 1 ? "it is: it" : "they are: they"} changed since (your own work or another program's).` : "";
  return `${cutOff}; Hearth finished it when it started again: ${finished.paths.length ? `${named(finished.paths)} put back` : "nothing was left to put back"}.${kept}`;
}

function named(paths: readonly string[]): string {
  const shown = paths.slice(0, 5).map((p) => `“${p}”`).join(", ");
  return paths.length > 5 ? `${shown} and ${paths.length - 5} more` : shown;
}

/** Why a restore leaves a file it put back in the editor, which VS Code did not save, as it is on disk. */
const NOT_SAVED = "VS Code did not save it after putting it back (VS Code says why)";

/**
 * The files of an applied edit VS Code did not save (EditorWorkspace's ToolError, data
 * `notSaved`); any other failure, nothing applied, goes on as forTheUser says it.
 */
function notSavedOnly(error: unknown): string[] {
  const notSaved = error instanceof ToolError ? (error.data as { notSaved?: unknown } | undefined)?.notSaved : undefined;
  if (Array.isArray(notSaved) && notSaved.length && notSaved.every((p) => typeof p === "string")) return notSaved as string[];
  return forTheUser(error);
}

/**
 * The editor's refusal of a file with unsaved changes is written for the model ("ask the
 * user to save…"); a restore is the user's own request, so it says what to do to them.
 */
function forTheUser(error: unknown): never {
  const data = error instanceof ToolError ? (error.data as { unsaved?: unknown; deleted?: unknown } | undefined) : undefined;
  const unsaved = error instanceof ToolError && error.code === "stale-file" ? data?.unsaved : undefined;
  // A file deleted (the agent's delete being rejected, say) while its tab stayed open, marked deleted.
  if (typeof unsaved === "string" && data?.deleted === true) throw new Error(`“${unsaved}” is open in the editor though it was deleted from disk: close its tab, then restore again.`);
  if (typeof unsaved === "string") throw new Error(`“${unsaved}” has unsaved changes in the editor: save or discard them there, then restore again.`);
  throw error;
}

/**
 * The files a restore to `checkpoint` would change (of `paths`, or all) that differ now from
 * `expected` — how the step or run being undone left them: a later step or the user changed
 * them since, and the restore would drop that change without a word. The run's span reaches
 * `expected`, though another conversation's run started meanwhile.
 */
export async function changedSinceExpected(
  checkpoints: Pick<CheckpointStore, "agentBaselines" | "changedFiles">,
  checkpoint: string,
  expected: string,
  paths?: readonly string[],
): Promise<string[]> {
  const named = new Set(paths); // a Reject all names every file of the review
  const wanted = (path: string) => !named.size || named.has(path);
  const restoring = new Set((await checkpoints.changedFiles(checkpoint)).filter(wanted));
  const since = (await checkpoints.changedFiles(expected)).filter((path) => restoring.has(path));
  // Saved by the user between the agent's writes (the restore goes back to before the first, and drops that save), or
  // changed by the user alone during the run (no write of the agent's did: the restore drops their change).
  const listed = new Set(since);
  const between = [...(await checkpoints.agentBaselines(checkpoint, [...restoring], "run", expected))].filter(([path, b]) => (b.userAfter || (b.changed && !b.checkpoint)) && !listed.has(path));
  return [...since, ...between.map(([path]) => path)];
}
