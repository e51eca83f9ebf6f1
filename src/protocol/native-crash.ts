/**
 * What a runtime that died natively left on stderr: llama.cpp's `GGML_ASSERT(…) failed`, a
 * C++ `terminate called …`, a CUDA error, Node's `FATAL ERROR: … heap out of memory`. The
 * process ends with a signal (SIGABRT, SIGSEGV) and nothing on the protocol, so this line
 * is the only words there are for why; the extension and the CLI show it with the signal.
 */
const NATIVE_FAILURE = /GGML_ASSERT|terminate called|Assertion .*failed|CUDA error|std::bad_alloc|Segmentation fault|FATAL ERROR|[Oo]ut of memory/;
/**
 * A native allocation of the process's own memory that failed and ended the process: ggml's
 * `GGML_ASSERT(ctx->mem_buffer != NULL) failed` (after its "ggml_aligned_malloc: insufficient
 * memory (attempted to allocate 394.82 MB)"), a C++ bad_alloc. Under a limit of virtual
 * memory (ulimit -v 2000000) a tiny model's 512-token context aborted so, on a machine with
 * 20 GiB free, and the assertion alone said nothing of memory. Not a GPU's (CUDA error: out of
 * memory). ggml's "insufficient memory" line alone is no failure: a buffer ggml could not
 * allocate is refused (node-llama-cpp then tries a smaller context) and the process goes on,
 * so a later death for another reason (a SIGSEGV with no words, a kill) was said to be memory.
 */
const ALLOCATION_FAILED = /mem_buffer != NULL|std::bad_alloc/;
/** What an allocation failure's line is followed by. */
export const ALLOCATION_ADVICE = "the runtime could not get the memory it asked for: the machine has too little free, or a limit on the process's memory (ulimit -v) holds it back; close other programs, use a smaller model or context, or raise the limit (ulimit -v unlimited)";
/** Of a long line (a path, a formatted tensor shape) the start says enough. */
const MAX_LINE_CHARS = 240;
/** How much of the end of stderr is kept to look in. */
export const NATIVE_TAIL_CHARS = 16 * 1024;

/**
 * The last line of `stderr` that says why the process failed natively, clipped, with
 * ALLOCATION_ADVICE after it when the process ran out of memory; undefined when none does.
 */
export function nativeFailureLine(stderr: string): string | undefined {
  const lines = stderr.slice(-NATIVE_TAIL_CHARS).split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!NATIVE_FAILURE.test(line)) continue;
    const clipped = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
    return ALLOCATION_FAILED.test(line) ? `${clipped}: ${ALLOCATION_ADVICE}` : clipped;
  }
  return undefined;
}

/**
 * Why a process a signal ended without a word most likely died, and the way out, for the
 * signals nobody in Hearth sends: SIGBUS, which a memory-mapped model file cut short or
 * replaced under the runtime gives at its next read (seen: a tiny GGUF truncated after its
 * load, then one evaluation); SIGILL, an instruction this CPU lacks in native code built for
 * newer ones. `killedFromOutside`: also SIGKILL, where Hearth itself did not kill the process
 * (the system's out-of-memory killer sends it, and nothing is written). Undefined otherwise.
 */
export function signalCause(signal: NodeJS.Signals | null, killedFromOutside = false): string | undefined {
  if (signal === "SIGBUS") return MODEL_FILE_CHANGED;
  if (signal === "SIGILL") return CPU_LACKS_INSTRUCTION;
  if (signal === "SIGKILL" && killedFromOutside) return KILLED_FROM_OUTSIDE;
  return undefined;
}

const MODEL_FILE_CHANGED =
  "the model file changed while the runtime used it — cut short, overwritten by a download or a copy, or on a drive or network share that went away (the model is read from its file as it runs); leave the model file in place while Hearth uses it, and download it again if it was cut short";
const CPU_LACKS_INSTRUCTION =
  "this CPU lacks an instruction the runtime's native code (llama.cpp) uses — an old CPU, or a virtual machine that does not pass the CPU's features (AVX) through; on a virtual machine give it the host's CPU model (QEMU/libvirt: host-passthrough), or run the model with a server built for this machine (llama-server, Ollama) and point Hearth at it (hearth.serverUrl, hearth --server)";
const KILLED_FROM_OUTSIDE =
  "killed from outside, most often by the system's out-of-memory killer when the model and its context needed more memory than was free ('journalctl -k' or 'dmesg' then says 'Out of memory: Killed process'); close other programs, or use a smaller model or context size";

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
