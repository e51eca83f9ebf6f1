/**
 * A disk with no room left, told from an error of any source: node's ENOSPC or EDQUOT, or a
 * program's words for them (git's "No space left on device", which reaches Hearth as the text
 * of its stderr). Shared by the checkpoint store and the CLI's file writes.
 */

/** The system's words for a disk with no room left ("No space left on device", "Disk quota exceeded"); undefined for any other failure. */
export function diskFullWords(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOSPC") return "No space left on device";
  if (code === "EDQUOT") return "Disk quota exceeded";
  return /No space left on device|Disk quota exceeded/.exec(error instanceof Error ? error.message : String(error))?.[0];
}
