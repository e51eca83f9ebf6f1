/**
 * A limit of open files too low for Hearth (`ulimit -n` in the shell that starts it, a
 * container's `--ulimit nofile`, systemd's LimitNOFILE). Node raises its soft limit to the hard
 * one as it starts, so macOS's default soft 256 never reaches Hearth; a low hard limit does.
 * Under about 140, importing node-llama-cpp (whose modules Node opens many at a time) fails with
 * words that hide the cause — "Cannot find package '…/ipull/index.js'", "NoBinaryFoundError" —
 * and lower still the index fails with "EMFILE: too many open files". Read on Linux only
 * (/proc/self/limits); elsewhere the limit is not known and nothing is said before the run.
 * The CLI warns before a command (cli/main.ts); the runtime, which the editor starts with the
 * editor's own limit, says it in the model's load failure and system/info's (`modelLoadAdvice`).
 * No Node imports (protocol/ stays free of Node's modules): the caller hands over a reader of
 * PROC_LIMITS (node:fs's readFileSync as text).
 */

/** Where Linux gives a process its limits. */
export const PROC_LIMITS = "/proc/self/limits";
/** Below this many, hearth warns before a command that loads the model or indexes (measured: loading node-llama-cpp needs about 140, the runtime more). */
export const MIN_OPEN_FILES = 256;

/** The way out, as each message gives it. */
const RAISE = "raise it (ulimit -n 4096; in a container, --ulimit nofile=4096:4096) and run again";

/** This process's limit of open files (its soft limit, which Node has raised to the hard one), or undefined where it cannot be read. */
export function openFilesLimit(readText: (path: string) => string): number | undefined {
  let text: string;
  try {
    text = readText(PROC_LIMITS);
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

/** How the runtime (started by VS Code or by hearth, with their limit) says to raise it: the program that starts it is what holds the limit. */
const RAISE_FOR_RUNTIME = "raise the limit of the program that starts Hearth — ulimit -n 4096 in the shell that starts VS Code or hearth, LimitNOFILE=4096 in a systemd unit, --ulimit nofile=4096:4096 for a container — and start it again";

/**
 * What to add to a failure to load node-llama-cpp (NoBinaryFoundError, "Cannot find package",
 * "Cannot find module") in a process whose limit of open files is under MIN_OPEN_FILES, or to an
 * EMFILE / ENFILE at any limit: what the limit is and how to raise it; else undefined (another
 * failure, or one at a limit that is not low, is said as it is).
 */
export function modelLoadAdvice(error: unknown, limit: number | undefined): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const words = error instanceof Error ? error.message : String(error);
  if (code === "ENFILE" || /\bENFILE\b/.test(words)) return openFilesAdvice(error, limit);
  const emfile = code === "EMFILE" || /\bEMFILE\b/.test(words);
  // What a file node-llama-cpp could not open reads as; a failure of the model's own (a broken file) is not the limit's.
  const missing = emfile || (error as Error | undefined)?.name === "NoBinaryFoundError" || /NoBinaryFoundError|Cannot find (package|module)/.test(words) || code === "ERR_MODULE_NOT_FOUND";
  if (!missing || (!emfile && (limit === undefined || limit >= MIN_OPEN_FILES))) return undefined;
  const held = limit === undefined ? "this process's limit of open files (ulimit -n) was reached" : `this process may have only ${limit} files open at once (ulimit -n), under the ${MIN_OPEN_FILES} Hearth needs`;
  return `${held}, so node-llama-cpp could not open its own files (it then reads as a missing package or binary): ${RAISE_FOR_RUNTIME}`;
}
