/**
 * The record of a restore in progress, in the shadow git dir: written before a restore's
 * first change and removed after its last. One that outlives the process that wrote it (the
 * editor closed, the runtime killed between files) marks a workspace left half-restored,
 * which CheckpointStore.open finishes (see checkpoints.ts).
 */
import { readFileSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isAlive, startedAfter } from "../protocol/processes.ts";

const JOURNAL_FILE = "hearth-restore.json";

/** A restore that began: by which process, to which checkpoint, and the paths it puts back. */
export interface RestoreJournal {
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

export async function writeJournal(gitDir: string, journal: RestoreJournal): Promise<void> {
  const file = join(gitDir, JOURNAL_FILE);
  await writeFile(`${file}.tmp`, JSON.stringify(journal));
  await rename(`${file}.tmp`, file);
}

export async function clearJournal(gitDir: string): Promise<void> {
  await rm(join(gitDir, JOURNAL_FILE), { force: true });
}

/** The journal of a restore whose process is gone (undefined: none, or it is still running). */
export async function abandonedJournal(gitDir: string): Promise<RestoreJournal | undefined> {
  const text = await readFile(join(gitDir, JOURNAL_FILE), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const journal = parsed as Partial<RestoreJournal> | undefined;
  const valid = typeof journal?.pid === "number" && typeof journal.checkpoint === "string" && Array.isArray(journal.paths) && journal.paths.every((p) => typeof p === "string");
  // A record no Hearth wrote (cut short by a full disk): nothing to finish by it.
  if (!valid) return void (await clearJournal(gitDir));
  // Alive (this process included: its restore is under way): not ours to finish.
  return alive(journal as RestoreJournal) ? undefined : (journal as RestoreJournal);
}

/** Whether the process that began the restore still runs: its pid alive, and not taken since by a later process. */
function alive(journal: RestoreJournal): boolean {
  if (!isAlive(journal.pid)) return false;
  const since = typeof journal.started === "string" ? Date.parse(journal.started) : NaN;
  return journal.pid === process.pid || Number.isNaN(since) || !startedAfter(journal.pid, since, (path) => readFileSync(path, "utf8"));
}
