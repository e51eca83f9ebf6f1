/**
 * The record of a restore in progress, in the shadow git dir: written before a restore's
 * first change and removed after its last. One that outlives the process that wrote it (the
 * editor closed, the runtime killed between files) marks a workspace left half-restored,
 * which CheckpointStore.open finishes (see checkpoints.ts).
 */
import { readFileSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { isAlive, startedAfter } from "../protocol/processes.ts";
import { diskFullWords } from "../protocol/disk-full.ts";
import { PRIVATE_FILE } from "../protocol/make-folders.ts";
import { writeNew } from "./disk-workspace.ts";
import { ToolError } from "./tool.ts";

const JOURNAL_FILE = "hearth-restore.json";
/**
 * The journal's format: a Hearth that changes what the journal's fields mean writes a higher
 * one. A journal without it is an older Hearth's, of this format. One of a later format (a
 * newer Hearth's, in a window not reloaded since an update or after going back a version) is
 * neither followed nor removed here: that version finishes it.
 */
export const JOURNAL_FORMAT = 1;

/** A restore that began: by which process, to which checkpoint, and the paths it puts back. */
export interface RestoreJournal {
  /** JOURNAL_FORMAT; absent from journals older versions wrote. */
  readonly format?: number;
  readonly pid: number;
  /**
   * When the restore began (ISO 8601): a process with `pid` that started later is another one
   * given the dead one's pid (after a reboot, say). Absent from the first journals.
   */
  readonly started?: string;
  /** The checkpoint's full id. */
  readonly checkpoint: string;
  readonly paths: readonly string[];
}

/**
 * Writes the journal beside its place and renames it there once whole and flushed, so a crash
 * or a full disk never leaves a cut one. On a failure nothing is left beside it and the restore
 * must not begin: the error says why in words.
 */
export async function writeJournal(gitDir: string, journal: RestoreJournal): Promise<void> {
  const file = join(gitDir, JOURNAL_FILE);
  const beside = `${file}.tmp`;
  try {
    // One a killed restore left beside it is no one's now.
    await rm(beside, { force: true });
    await writeNew(beside, JSON.stringify({ format: JOURNAL_FORMAT, ...journal }), PRIVATE_FILE);
    await rename(beside, file);
  } catch (error) {
    await rm(beside, { force: true });
    const full = diskFullWords(error) ? ". Free some space on that disk, then try again" : "";
    throw new ToolError("io-error", `the restore to checkpoint ${journal.checkpoint.slice(0, 8)} could not begin: its record could not be written in ${gitDir} (${journalProblem(error)}); none of its files were touched${full}`);
  }
}

/** Why the journal could not be written, in words: node's "ENOSPC: no space left on device, write" is said as "the disk is full: No space left on device". */
function journalProblem(error: unknown): string {
  const full = diskFullWords(error);
  if (full) return `the disk is full: ${full}`;
  if ((error as NodeJS.ErrnoException).code === "EROFS") return "the disk is read-only";
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^[A-Z]+: /, "").replace(/, (open|write|rename|fsync)( '.*')?$/, "");
}

/** Removes the journal, and a file beside it that a process killed while writing it left. */
export async function clearJournal(gitDir: string): Promise<void> {
  await rm(join(gitDir, JOURNAL_FILE), { force: true });
  await rm(join(gitDir, `${JOURNAL_FILE}.tmp`), { force: true });
}

/**
 * The journal of a restore whose process is gone (undefined: none, or it is still running), or
 * `{ newer }` for one a newer Hearth wrote in a later format, which is left as it is.
 */
export async function abandonedJournal(gitDir: string): Promise<RestoreJournal | { readonly newer: string; readonly checkpoint?: string } | undefined> {
  const text = await readFile(join(gitDir, JOURNAL_FILE), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const journal = parsed as Partial<RestoreJournal> | undefined;
  // A record no Hearth wrote (cut short by a full disk): nothing to finish by it.
  if (typeof journal?.pid !== "number") return void (await clearJournal(gitDir));
  // Alive (this process included: its restore is under way): not ours to finish, nor to remove,
  // whatever else it holds (a newer Hearth's window restoring as this one opens).
  if (alive(journal as RestoreJournal)) return undefined;
  if (typeof journal.format === "number" && journal.format > JOURNAL_FORMAT) {
    return { newer: `format ${journal.format}`, ...(typeof journal.checkpoint === "string" ? { checkpoint: journal.checkpoint } : {}) };
  }
  const valid = typeof journal.checkpoint === "string" && Array.isArray(journal.paths) && journal.paths.every((p) => typeof p === "string");
  if (!valid) return void (await clearJournal(gitDir));
  return journal as RestoreJournal;
}

/** Whether the process that began the restore still runs: its pid alive, and not taken since by a later process. */
function alive(journal: RestoreJournal): boolean {
  if (!isAlive(journal.pid)) return false;
  const since = typeof journal.started === "string" ? Date.parse(journal.started) : NaN;
  return journal.pid === process.pid || Number.isNaN(since) || !startedAfter(journal.pid, since, (path) => readFileSync(path, "utf8"));
}
