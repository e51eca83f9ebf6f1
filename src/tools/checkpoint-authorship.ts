/**
 * Which content the checkpoints hold as Hearth's own writing, told apart from the user's by
 * the checkpoints' labels (agent/conversation-run.ts and agent/fix.ts write them): a run
 * begins with `before: …` (a Fix This Issue run with `before Hearth's fix`), snapshotting
 * the workspace as the user left it; `after …` checkpoints follow each write, each command
 * (ending its time: what follows is the user's) and the run's end. Content an `after` checkpoint holds that differs from its run's start is Hearth's;
 * content first seen in a start checkpoint (an edit made between two runs), or in a
 * `before restoring …` one, is the user's, though a checkpoint holds it too. A step's
 * `before <tool>` precedes each write or command: what changes from it to the next
 * checkpoint is the agent's, which tells a restore where to take each file back to
 * (agentBaselines: before the agent's first write, keeping what the user saved before it).
 */

/** One checkpoint, oldest first, with each path's content there (a blob id; null: no file). */
export interface CheckpointContents {
  readonly id: string;
  readonly label: string;
  /** The paths this checkpoint changed, or records in its extras, and their content there. */
  readonly changed: ReadonlyMap<string, string | null>;
  /**
   * Paths git changed here as the user's HEAD moved (a checkout, a pull, a reset: their
   * content is git's, though an `after` checkpoint holds it; checkpoint-git-head.ts).
   */
  readonly movedByGit?: ReadonlySet<string> | undefined;
}

/** Whether `checkpoint` holds `path` as the user's git left it (HEAD moved, and the file with it). */
function gitsContent(checkpoint: CheckpointContents, path: string): boolean {
  return checkpoint.changed.has(path) && checkpoint.movedByGit?.has(path) === true;
}

// `before:` alone: a message whose first line is empty (checkpointMessage trims the label's trailing space).
const RUN_START = /^before(:( |$)| Hearth's fix$)/;
const AFTER_WRITE = /^after\b/;
/** A write's own `after <tool>` (not a run's end, `after: …`): what it holds, the write made. */
const STEP_AFTER = /^after [^:]/;

/** Whether a checkpoint with this label is a run's first (the workspace as the user left it). */
export function isRunStart(label: string): boolean {
  return RUN_START.test(label);
}

/**
 * For each of `paths`, the blobs Hearth wrote: held by an `after` checkpoint and unlike
 * the path's content at that run's start checkpoint (an `after` with no start before it
 * counts whole), and written in a step's time, not the user's (usersChange: a hand edit while
 * the model thought, which later `after` checkpoints hold too, stays the user's until a step
 * changes the file). `history` is oldest first.
 */
export function hearthsContent(paths: readonly string[], history: readonly CheckpointContents[]): Map<string, Set<string>> {
  const written = new Map<string, Set<string>>();
  for (const path of paths) {
    const blobs = new Set<string>();
    let now: string | null = null;
    let atStart: string | null | undefined;
    let usersContent = false;
    history.forEach((checkpoint, i) => {
      const before = now;
      if (checkpoint.changed.has(path)) now = checkpoint.changed.get(path)!;
      // Within runs only: an `after` with no start before it (no run to tell its steps by) counts whole.
      if (i > 0 && now !== before) usersContent = atStart !== undefined && usersChange(history[i - 1]!.label, checkpoint.label);
      if (isRunStart(checkpoint.label) || gitsContent(checkpoint, path)) atStart = now;
      else if (AFTER_WRITE.test(checkpoint.label) && now !== null && now !== atStart && !usersContent) blobs.add(now);
    });
    written.set(path, blobs);
  }
  return written;
}

/**
 * Those of `paths` (files gone from disk) that a run of Hearth's deleted: an `after`
 * checkpoint holds no file where that run's start (or, with no start before it, an earlier
 * checkpoint) held one, and the file went in a step's time, not the user's (usersChange: it
 * was there at the checkpoint before a step's `before <tool>`, or before its `after <tool>`).
 * Any other delete is the user's — by hand, or a `git checkout` of a branch without the file,
 * during a run or after it — which a whole restore must not undo. `history` is oldest first.
 */
export function hearthsDeletes(paths: readonly string[], history: readonly CheckpointContents[]): Set<string> {
  const deleted = new Set<string>();
  for (const path of paths) {
    let now: string | null = null;
    let atStart: string | null | undefined;
    let held = false;
    // Gone in the user's time, and not back since: later `after` checkpoints hold the user's delete.
    let usersDelete = false;
    history.forEach((checkpoint, i) => {
      const before = now;
      if (checkpoint.changed.has(path)) now = checkpoint.changed.get(path)!;
      held ||= now !== null;
      if (now !== null) usersDelete = false;
      else if (before !== null && i > 0 && usersChange(history[i - 1]!.label, checkpoint.label)) usersDelete = true;
      if (isRunStart(checkpoint.label) || gitsContent(checkpoint, path)) atStart = now;
      else if (AFTER_WRITE.test(checkpoint.label) && now === null && !usersDelete && (atStart === undefined ? held : atStart !== null)) deleted.add(path);
    });
  }
  return deleted;
}

/**
 * Where a restore takes a file back to so that it takes back the agent's writes and keeps the
 * user's (AgentBaselines).
 */
export interface AgentBaseline {
  /** Any checkpoint after the restore's own changed it (else none tells who did: a file the checkpoints leave out). */
  readonly changed: boolean;
  /** The checkpoint just before the agent's first write of it; absent when only the user (or another program) changed it. */
  readonly checkpoint?: string;
  /**
   * The user changed it after that write (a save between two of the agent's writes, or after
   * the last) to content no earlier checkpoint of the span held: no checkpoint holds their
   * change without the agent's, so a restore drops one side or the other.
   */
  readonly userAfter: boolean;
}

/**
 * Whether the change from a checkpoint with this label to the next is the user's: a run's
 * start, an `after` (a write's, a run's end) and a `before restoring` are followed by what
 * the user did until the next, as nothing of the agent's runs then; a write's or a command's
 * `before <tool>` is followed by what the tool did.
 */
function userActsAfter(label: string): boolean {
  return isRunStart(label) || AFTER_WRITE.test(label) || label.startsWith("before restoring ");
}

/** Whether the change from a checkpoint labelled `previous` to the next, labelled `label`, is the user's (not into a write's own `after <tool>`). */
export function usersChange(previous: string, label: string): boolean {
  return userActsAfter(previous) && !STEP_AFTER.test(label);
}

/**
 * For each of `paths`, over `history[from..to]` (oldest first; `from` the checkpoint a restore
 * goes back to): where the agent's first write of it started from, and whether the user
 * changed it after. A user's change back to content the span held before (an undo, a restore)
 * is no new work.
 */
export function agentBaselines(paths: readonly string[], history: readonly CheckpointContents[], from: number, to: number): Map<string, AgentBaseline> {
  const baselines = new Map<string, AgentBaseline>();
  for (const path of paths) {
    let now: string | null = null;
    const seen = new Set<string | null>();
    let checkpoint: string | undefined;
    let changed = false;
    // The contents held before the user's first change after the agent's write: while one of
    // them comes back (a Reject or an undo of that change), the change is gone, nothing to keep.
    let beforeUsers: Set<string | null> | undefined;
    for (let i = 0; i <= to && i < history.length; i++) {
      const before: string | null = now;
      if (history[i]!.changed.has(path)) now = history[i]!.changed.get(path)!;
      if (i > from && now !== before) {
        changed = true;
        const previous = history[i - 1]!;
        if (beforeUsers?.has(now)) beforeUsers = undefined;
        else if (!usersChange(previous.label, history[i]!.label)) checkpoint ??= previous.id;
        else if (checkpoint !== undefined && !seen.has(now)) beforeUsers ??= new Set(seen);
      }
      if (i >= from) seen.add(now);
    }
    const userAfter = beforeUsers !== undefined;
    baselines.set(path, { changed, ...(checkpoint ? { checkpoint } : {}), userAfter });
  }
  return baselines;
}

/** For each of `paths`, every blob any checkpoint holds under it. */
export function heldAnywhere(paths: readonly string[], history: readonly CheckpointContents[]): Map<string, Set<string>> {
  const held = new Map<string, Set<string>>(paths.map((p) => [p, new Set()]));
  for (const checkpoint of history) {
    for (const [path, blob] of checkpoint.changed) if (blob !== null) held.get(path)?.add(blob);
  }
  return held;
}
