/**
 * A limit of open files too low for hearth (`ulimit -n` in the shell that starts it, a
 * container's `--ulimit nofile`, systemd's LimitNOFILE). Node raises its soft limit to the hard
 * one as it starts, so macOS's default soft 256 never reaches hearth; a low hard limit does.
 * Under about 140, importing node-llama-cpp (whose modules Node opens many at a time) fails with
 * words that hide the cause — "Cannot find package '…/ipull/index.js'", "NoBinaryFoundError" —
 * and lower still the index fails with "EMFILE: too many open files". Read on Linux only
 * (/proc/self/limits); elsewhere the limit is not known and nothing is said before the run.
 */
import { readFileSync } from "node:fs";

/** Below this many, hearth warns before a command that loads the model or indexes (measured: loading node-llama-cpp needs about 140, the runtime more). */
export const MIN_OPEN_FILES = 256;

/** The way out, as each message gives it. */
const RAISE = "raise it (ulimit -n 4096; in a container, --ulimit nofile=4096:4096) and run again";

/** This process's limit of open files (its soft limit, which Node has raised to the hard one), or undefined where it cannot be read. */
export function openFilesLimit(readLimits: () => string = () => readFileSync("/proc/self/limits", "utf8")): number | undefined {
  let text: string;
  try {
    text = readLimits();
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\d+)\s/m.exec(text)?.[1];
  return soft === undefined ? undefined : Number(soft);
}

/** The warning line for a limit under MIN_OPEN_FILES, or undefined. */
export function lowOpenFilesWarning(limit: number | undefined): string | undefined {
  if (limit === undefined || limit >= MIN_OPEN_FILES) return undefined;
  return `hearth: warning: this process may have only ${limit} files open at once (ulimit -n), under the ${MIN_OPEN_FILES} hearth needs: loading the model then fails (as a missing package or binary) and indexing may fail with "too many open files"; ${RAISE}`;
}

/**
 * What to add to an error that is a full table of open files: node's EMFILE (this process's
 * limit) or ENFILE (the whole system's), or the runtime's message carrying those words; else undefined.
 */
export function openFilesAdvice(error: unknown, limit: number | undefined): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const words = error instanceof Error ? error.message : String(error);
  if (code === "EMFILE" || /\bEMFILE\b/.test(words)) return `too many files open at once for this process's limit (ulimit -n${limit === undefined ? "" : `: ${limit}`}): ${RAISE}`;
  if (code === "ENFILE" || /\bENFILE\b/.test(words)) return "the system's table of open files is full (all processes' files together): close programs that hold many files open, or raise the system's limit (fs.file-max), and run again";
  return undefined;
}
