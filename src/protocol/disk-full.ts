/**
 * A disk with no room left, told from an error of any source: node's ENOSPC or EDQUOT, or a
 * program's words for them (git's "No space left on device", which reaches Hearth as the text
 * of its stderr). Shared by the checkpoint store, the conversation store and the CLI's file writes.
 */
import { formatSize } from "./units.ts";

/** The system's words for a disk with no room left ("No space left on device", "Disk quota exceeded"); undefined for any other failure. */
export function diskFullWords(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOSPC") return "No space left on device";
  if (code === "EDQUOT") return "Disk quota exceeded";
  return /No space left on device|Disk quota exceeded/.exec(error instanceof Error ? error.message : String(error))?.[0];
}

/**
 * Why writing `needed` bytes into `folder` failed, where its disk is full: "the disk holding
 * /mnt/out is full: 0 KB free, 10 KB needed" (EDQUOT: "this user's disk quota on the disk
 * holding … is used up: 10 KB needed");
 * `free`: the disk's free bytes, left out where they could not be asked — and for a quota,
 * where the disk's free space is not what the user may still write (a quota used up on a disk
 * with gigabytes free read "12 GB free, 20 KB needed"). Undefined for any other failure.
 */
export function diskFullProblem(error: unknown, folder: string, needed: number, free: number | undefined): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EDQUOT") return `this user's disk quota on the disk holding ${folder} is used up: ${sizeWords(needed)} needed`;
  if (code !== "ENOSPC") return undefined;
  return `the disk holding ${folder} is full: ${free === undefined ? "" : `${sizeWords(free)} free, `}${sizeWords(needed)} needed`;
}

/** A size in words; under a MiB in KB (formatSize's unit would read "0.0 MiB"). */
export function sizeWords(bytes: number): string {
  return bytes < 1024 ** 2 ? `${Math.ceil(bytes / 1024)} KB` : formatSize(bytes);
}
