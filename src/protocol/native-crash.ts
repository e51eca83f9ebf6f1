/**
 * What a runtime that died natively left on stderr: llama.cpp's `GGML_ASSERT(…) failed`, a
 * C++ `terminate called …`, a CUDA error, Node's `FATAL ERROR: … heap out of memory`. The
 * process ends with a signal (SIGABRT, SIGSEGV) and nothing on the protocol, so this line
 * is the only words there are for why; the extension and the CLI show it with the signal.
 */
const NATIVE_FAILURE = /GGML_ASSERT|terminate called|Assertion .*failed|CUDA error|std::bad_alloc|Segmentation fault|FATAL ERROR|[Oo]ut of memory/;
/** Of a long line (a path, a formatted tensor shape) the start says enough. */
const MAX_LINE_CHARS = 240;
/** How much of the end of stderr is kept to look in. */
export const NATIVE_TAIL_CHARS = 16 * 1024;

/** The last line of `stderr` that says why the process failed natively, clipped; undefined when none does. */
export function nativeFailureLine(stderr: string): string | undefined {
  const lines = stderr.slice(-NATIVE_TAIL_CHARS).split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (NATIVE_FAILURE.test(line)) return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
  }
  return undefined;
}

/** What `stderrDrained` needs of a child process's stderr (a Node `Readable`). */
interface EndingStream {
  readonly readableEnded: boolean;
  once(event: "end" | "close", listener: () => void): unknown;
}

/**
 * Resolves when all a dead process wrote to stderr has been read (its exit can be seen
 * before its last words are), or after `capMs`: a process it started may hold the pipe open.
 */
export function stderrDrained(stderr: EndingStream | null | undefined, capMs = 1000): Promise<void> {
  if (!stderr || stderr.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, capMs);
    const done = (): void => (clearTimeout(timer), resolve());
    stderr.once("end", done);
    stderr.once("close", done);
  });
}
