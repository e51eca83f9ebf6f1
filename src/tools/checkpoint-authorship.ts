/**
 * Which content the checkpoints hold as Hearth's own writing, told apart from the user's by
 * the checkpoints' labels (agent/conversation-run.ts and agent/fix.ts write them): a run
 * begins with `before: …` (a Fix This Issue run with `before Hearth's fix`), snapshotting
 * the workspace as the user left it; `after …` checkpoints follow each write and the run's
 * end. Content an `after` checkpoint holds that differs from its run's start is Hearth's;
 * content first seen in a start checkpoint (an edit made between two runs), or in a
 * `before restoring …` one, is the user's, though a checkpoint holds it too.
 */

/** One checkpoint, oldest first, with each path's content there (a blob id; null: no file). */
export interface CheckpointContents {
  readonly label: string;
  /** The paths this checkpoint changed, or records in its extras, and their content there. */
  readonly changed: ReadonlyMap<string, string | null>;
}

const RUN_START = /^before(: | Hearth's fix$)/;
const AFTER_WRITE = /^after\b/;

/** Whether a checkpoint with this label is a run's first (the workspace as the user left it). */
export function isRunStart(label: string): boolean {
  return RUN_START.test(label);
}

/**
 * For each of `paths`, the blobs Hearth wrote: held by an `after` checkpoint and unlike
 * the path's content at that run's start checkpoint (an `after` with no start before it
 * counts whole). `history` is oldest first.
 */
export function hearthsContent(paths: readonly string[], history: readonly CheckpointContents[]): Map<string, Set<string>> {
  const written = new Map<string, Set<string>>();
  for (const path of paths) {
    const blobs = new Set<string>();
    let now: string | null = null;
    let atStart: string | null | undefined;
    for (const checkpoint of history) {
      if (checkpoint.changed.has(path)) now = checkpoint.changed.get(path)!;
      if (isRunStart(checkpoint.label)) atStart = now;
      else if (AFTER_WRITE.test(checkpoint.label) && now !== null && now !== atStart) blobs.add(now);
    }
    written.set(path, blobs);
  }
  return written;
}

/** For each of `paths`, every blob any checkpoint holds under it. */
export function heldAnywhere(paths: readonly string[], history: readonly CheckpointContents[]): Map<string, Set<string>> {
  const held = new Map<string, Set<string>>(paths.map((p) => [p, new Set()]));
  for (const checkpoint of history) {
    for (const [path, blob] of checkpoint.changed) if (blob !== null) held.get(path)?.add(blob);
  }
  return held;
}
