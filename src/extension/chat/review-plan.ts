/**
 * Which files a review button or a restore acts on, and what the chat says afterwards.
 * Pure: the VS Code side (reviews.ts) opens diffs and asks the runtime to restore.
 */
import type { TranscriptItem } from "../../protocol/transcript.ts";
import { visibleText } from "../../protocol/visible-text.ts";
import { plural, shorten } from "./wording.ts";

export type ReviewItem = Extract<TranscriptItem, { kind: "review" }>;

/** The review with this id in the conversation, if it is still there. */
export function findReview(items: readonly TranscriptItem[], reviewId: string): ReviewItem | undefined {
  return items.find((i): i is ReviewItem => i.kind === "review" && i.id === reviewId);
}

/**
 * The files Accept or Reject takes. One file (`path`): Accept takes it while pending,
 * Reject also when accepted (a change of mind); a rejected file is final. All files: the
 * pending ones.
 */
export function decisionPaths(review: ReviewItem, action: "accept" | "reject", path?: string): string[] {
  if (!path) return review.files.filter((f) => f.state === "pending").map((f) => f.path);
  const eligible = review.files.filter((f) => (action === "accept" ? f.state === "pending" : f.state !== "rejected"));
  return eligible.filter((f) => f.path === path).map((f) => f.path);
}

/** Diff tabs Open diff opens at once: a build watcher or formatter can change thousands of files in one step. */
export const DIFFS_OPENED = 10;

/**
 * Which diffs Open diff opens now; past DIFFS_OPENED, the notice that says so and the files
 * offered in a quick pick (all of them) to open others.
 */
export function diffsToOpen(paths: readonly string[]): { open: string[]; offered: string[]; notice?: string } {
  if (paths.length <= DIFFS_OPENED) return { open: [...paths], offered: [] };
  const notice = `Opened the diffs of the first ${DIFFS_OPENED} of the ${paths.length.toLocaleString("en-US")} changed files, not a tab for each. Choose Files… lists them all to open others.`;
  return { open: paths.slice(0, DIFFS_OPENED), offered: [...paths], notice };
}

/** The files Open shows: one, or all of the review's; a path not in the review (the page's message is untrusted) opens nothing. */
export function filesToOpen(review: ReviewItem, path?: string): string[] {
  return review.files.filter((f) => !path || f.path === path).map((f) => f.path);
}

/**
 * The checkpoint a review's diff of `path` starts from: just before the agent's first write of
 * it where the user saved it earlier in the run (their typing is not Hearth's), else the run's start.
 */
export function diffBase(review: ReviewItem, path: string): string {
  const base = review.diffBases && Object.hasOwn(review.diffBases, path) ? review.diffBases[path] : undefined;
  return typeof base === "string" ? base : review.checkpoint;
}

/**
 * What "Restore checkpoint" (a message: files and conversation) or "Undo this step" (a
 * tool card: its files) restores; undefined for an item that has nothing to restore.
 */
export type RestoreTarget =
  | { readonly kind: "message"; readonly checkpoint: string; readonly messageIndex: number; readonly text: string }
  | { readonly kind: "step"; readonly checkpoint: string; readonly paths: readonly string[]; readonly tool: string; readonly after?: string };

export function restoreTarget(item: TranscriptItem | undefined): RestoreTarget | undefined {
  if (item?.kind === "user" && item.checkpoint && item.messageIndex !== undefined) {
    return { kind: "message", checkpoint: item.checkpoint, messageIndex: item.messageIndex, text: item.text };
  }
  if (item?.kind === "tool" && item.checkpoint && item.changedFiles?.length) {
    return { kind: "step", checkpoint: item.checkpoint, paths: item.changedFiles, tool: item.name, ...(item.after ? { after: item.after } : {}) };
  }
  return undefined;
}

/** The notice after a restore: how many files went back, to before which message or step. */
export function restoredNotice(target: RestoreTarget, restored: readonly string[]): string {
  if (target.kind === "message") return `Restored ${plural(restored.length, "file")} to before “${shorten(target.text)}”.`;
  return `Undid ${target.tool} on ${target.paths.join(", ")}.`;
}

/**
 * The warning after a restore that left changed files as they are (the runtime's
 * `notRestored`): which, and why, so nobody takes them for restored. Files Hearth cannot
 * write back come first, then those put back in the editor that VS Code did not save
 * (`inEditor`); the user's own later work (`laterWork`) was kept on purpose, and the notice
 * says so and how to have the earlier version anyway.
 */
export function notRestoredNotice(files: readonly { readonly path: string; readonly reason: string; readonly laterWork?: boolean; readonly inEditor?: boolean }[]): string {
  const kept = files.filter((f) => f.laterWork);
  const inEditor = files.filter((f) => f.inEditor && !f.laterWork);
  const stuck = files.filter((f) => !f.laterWork && !f.inEditor);
  return [stuck.length ? cannotWriteBack(stuck) : "", inEditor.length ? notSaved(inEditor) : "", kept.length ? keptOnPurpose(kept) : ""].filter(Boolean).join(" ");
}

/** Files the restore put back in the editor that VS Code did not save (a read-only file, one changed on disk since it was opened). */
function notSaved(files: readonly { readonly path: string }[]): string {
  if (files.length === 1) {
    return `Put ${quoted(files[0]!.path)} back in the editor, but VS Code did not save it (it says why): on disk it is still as it was. Save it there to restore it, or revert it to keep it as it is.`;
  }
  const shown = files.slice(0, 5).map((f) => quoted(f.path)).join(", ");
  const more = files.length > 5 ? ` and ${plural(files.length - 5, "more file")}` : "";
  return `Put ${plural(files.length, "file")} back in the editor, but VS Code did not save them (it says why): on disk they are still as they were. Save them there to restore them, or revert them to keep them as they are: ${shown}${more}.`;
}

const quoted = (path: string) => `“${visibleText(path, true)}”`;

function cannotWriteBack(files: readonly { readonly path: string; readonly reason: string }[]): string {
  if (files.length === 1) {
    const [file] = files as [{ path: string; reason: string }];
    return `Left ${quoted(file.path)} as it is now: ${file.reason}, so Hearth cannot write it back. Put it back by hand if you need its earlier content.`;
  }
  const shown = files.slice(0, 5).map((f) => `${quoted(f.path)} (${f.reason})`).join(", ");
  const more = files.length > 5 ? ` and ${plural(files.length - 5, "more file")}` : "";
  return `Left ${plural(files.length, "file")} as they are now, since Hearth cannot write them back: ${shown}${more}. Put them back by hand if you need their earlier content.`;
}

function keptOnPurpose(files: readonly { readonly path: string; readonly reason: string }[]): string {
  if (files.length === 1) {
    const [file] = files as [{ path: string; reason: string }];
    return `Kept ${quoted(file.path)} as it is now, on purpose: ${file.reason}. To have its earlier version anyway, put it back by hand (the file's Timeline view lists the versions saved in VS Code).`;
  }
  const shown = files.slice(0, 5).map((f) => quoted(f.path)).join(", ");
  const more = files.length > 5 ? ` and ${plural(files.length - 5, "more file")}` : "";
  return `Kept ${plural(files.length, "file")} as they are now, on purpose: they hold changes Hearth did not make (your own work or another program's), and a restore does not overwrite or delete that: ${shown}${more}. To have their earlier versions anyway, put them back by hand (a file's Timeline view lists the versions saved in VS Code).`;
}

/**
 * The question before "Undo this step" or a review's Reject puts back files that changed
 * after the step or run (the runtime's `changedSince`): a later step's edits or the user's
 * own would go with it. `gone`: those of them not on disk now (renamed or deleted since),
 * which the restore creates again rather than overwrites.
 */
export function laterChangesQuestion(action: "undo" | "reject", files: readonly string[], gone: ReadonlySet<string> = new Set()): { readonly message: string; readonly detail: string; readonly button: string } {
  const since = action === "undo" ? "this step" : "Hearth's run";
  const changed = files.filter((f) => !gone.has(f));
  const missing = files.filter((f) => gone.has(f));
  const message: string[] = [];
  const detail: string[] = [];
  if (changed.length) {
    const them = changed.length === 1 ? "it" : "them";
    message.push(`${namesOf(changed)} ${changed.length === 1 ? "has" : "have"} changed since ${since}, by a later step or by hand${action === "undo" ? "" : " — or by hand during it, after Hearth's first edit"}.`);
    detail.push(action === "undo"
      ? `Undoing the step puts back ${changed.length === 1 ? "its" : "their"} version from before the step, and those later changes to ${them} are lost.`
      : `Rejecting puts back ${changed.length === 1 ? "its" : "their"} version from just before Hearth first edited ${them}, and the changes made to ${them} after that are lost.`);
  }
  if (missing.length) {
    // Renamed or deleted since (by hand, a later step): the restore makes the file again; a renamed copy is not touched.
    const one = missing.length === 1;
    const them = one ? "it" : "them";
    message.push(`${namesOf(missing)} ${one ? "is" : "are"} gone: deleted or renamed since ${since}${action === "undo" ? "" : " or during it"}.`);
    detail.push(`${action === "undo" ? "Undoing the step" : "Rejecting"} creates ${them} again as ${one ? "it was" : "they were"} ${action === "undo" ? "before the step" : `just before Hearth first edited ${them}`}; a copy renamed elsewhere is left as it is, Hearth's edit in it.`);
  }
  return { message: message.join(" "), detail: detail.join(" "), button: action === "undo" ? "Undo Step Anyway" : "Reject Anyway" };
}

/** Up to three names, shown safely, then how many more. */
function namesOf(files: readonly string[]): string {
  const shown = files.slice(0, 3).map((f) => visibleText(f, true)).join(", ");
  return files.length <= 3 ? shown : `${shown} and ${plural(files.length - 3, "more file")}`;
}
