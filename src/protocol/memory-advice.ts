/**
 * What to choose by after the runtime died loading its model, most often by the system's
 * out-of-memory killer (SIGKILL, no words): the model file's size against the memory free
 * once the runtime is gone (where the system says it truly: see MachineMemory.freeBytes; on
 * macOS against all of the memory) — Hearth's own check before a load (embedded-backend.ts
 * checkMemory) weighs the file against the machine's memory, and auto context size sizes the
 * context to the free memory — and, where the file fits, the context size, whose memory comes
 * on top. Shared by the extension (its give-up message) and the CLI (hearth chat's loadDeath;
 * hearth status --load does not use it).
 */
import { type CgroupLimits, MEMORY_LIMIT_WHERE, processMemory } from "./cgroup-limits.ts";
import { formatSize } from "./units.ts";

/** The machine's memory once the runtime is gone, and the model it was loading. */
export interface MachineMemory {
  /**
   * Memory the system can hand out now, the runtime stopped: os.freemem, which is Linux's
   * MemAvailable (libuv reads /proc/meminfo) and Windows' available physical memory (standby
   * pages included). Absent on macOS and the BSDs, where os.freemem counts only the pages free
   * this moment — not the inactive or purgeable ones the system gives back at once, so a 16 GB
   * Mac with room to spare reads "0.4 GiB free" — a wrong limit to name.
   */
  readonly freeBytes?: number;
  readonly totalBytes: number;
  /**
   * Set where the total is this process's cgroup memory limit (a container's `--memory`), less
   * than the machine's: os.totalmem and os.freemem say the host's there, and the limit is what
   * the out-of-memory killer held the runtime to.
   */
  readonly limited?: true;
  /** The model file's name and size, where the runtime named its file and it can be read. */
  readonly model?: { readonly name: string; readonly bytes: number };
  /** The context size asked for: 0 is auto (sized to the free memory at the load). */
  readonly contextSize: number;
}

/** What {@link machineMemory} reads with: node:fs's file size, node:os's freemem and totalmem, process.platform (protocol/ imports no Node module). */
export interface MemoryCalls {
  readonly platform: string;
  readonly fileSize: (path: string) => number;
  readonly freemem: () => number;
  readonly totalmem: () => number;
  /** This process's cgroup limits (protocol/cgroup-limits.ts read with node:fs); absent: none. */
  readonly cgroupLimits?: () => CgroupLimits;
}

/** {@link MachineMemory} read now, for the model file at `modelPath` (when one is known). */
export function machineMemory(modelPath: string | undefined, contextSize: number, sys: MemoryCalls): MachineMemory {
  let model: MachineMemory["model"];
  try {
    if (modelPath) model = { name: modelPath.split(/[\\/]/).pop() ?? modelPath, bytes: sys.fileSize(modelPath) };
  } catch {
    model = undefined; // gone or unreadable: said without its size
  }
  const limited = sys.cgroupLimits ? processMemory(sys.cgroupLimits(), { total: sys.totalmem(), free: sys.freemem() }) : undefined;
  if (limited?.limited) return { freeBytes: limited.freeBytes, totalBytes: limited.totalBytes, limited: true, contextSize, ...(model ? { model } : {}) };
  const free = FREE_MEMORY_MEANS_AVAILABLE.has(sys.platform) ? { freeBytes: sys.freemem() } : {};
  return { ...free, totalBytes: sys.totalmem(), contextSize, ...(model ? { model } : {}) };
}

/** Where os.freemem is the memory the system can hand out (see {@link MachineMemory.freeBytes}). */
const FREE_MEMORY_MEANS_AVAILABLE = new Set(["linux", "win32"]);

/** How each surface names its ways out. */
export interface AdviceWords {
  /** Choosing another model: 'choose a smaller model or quantization with "Hearth: Select Model…"'. */
  readonly choose: string;
  /** The context size's setting or option: "hearth.contextSize", "--context". */
  readonly context: string;
  /** What comes after: "then Restart". */
  readonly then: string;
}

/** The advice, a sentence (or two) of its own. */
export function memoryAdvice(memory: MachineMemory, words: AdviceWords): string {
  if (memory.freeBytes === undefined) return againstAllMemory(memory, words);
  const free = memory.limited
    ? `${formatSize(memory.freeBytes)} of the ${formatSize(memory.totalBytes)} of memory this process is limited to (a container's memory limit, not the machine's) is free now (the runtime stopped)`
    : `${formatSize(memory.freeBytes)} of this machine's ${formatSize(memory.totalBytes)} of memory is free now (the runtime stopped)`;
  const raise = memory.limited ? `raise the container's memory limit (${MEMORY_LIMIT_WHERE}), ` : "";
  if (!memory.model) return `${capital(free)}; the model and its context may need more: close other programs, ${raise}or ${words.choose}, ${words.then}.`;
  const file = `The model file ${memory.model.name} is ${formatSize(memory.model.bytes)}`;
  // Larger than all of its memory (or of the limit), closing programs cannot make room.
  const close = memory.model.bytes < memory.totalBytes ? "close other programs, or " : "";
  if (memory.model.bytes >= memory.freeBytes) return `${file} and ${free}: ${close}${raise}${raise && !close ? "or " : ""}${words.choose} (a file under ${formatSize(memory.freeBytes)}, less its context's memory), ${words.then}.`;
  // In a container the limit is what ran out: raising it is a way too, and auto is sized to it (c8def41a).
  const context =
    memory.contextSize > 0
      ? memory.limited
        ? `set ${words.context} below its ${memory.contextSize.toLocaleString("en-US")} tokens, or to 0 (auto: sized to what the limit leaves), or ${raise.slice(0, -2)}`
        : `set ${words.context} below its ${memory.contextSize.toLocaleString("en-US")} tokens, or to 0 (auto: sized to the free memory)`
      : `close other programs, ${raise}or ${words.choose}`;
  return `${file} and ${free}: the file fits, so its context (or other programs meanwhile) took the rest — ${context}, ${words.then}.`;
}

/** The advice where the memory free now is not known: the file against all of the machine's memory. */
function againstAllMemory(memory: MachineMemory, words: AdviceWords): string {
  const total = formatSize(memory.totalBytes);
  if (!memory.model) return `This machine has ${total} of memory; the model and its context may need more: close other programs, or ${words.choose}, ${words.then}.`;
  const file = `The model file ${memory.model.name} is ${formatSize(memory.model.bytes)}`;
  if (memory.model.bytes >= memory.totalBytes) return `${file}, more than all of this machine's ${total} of memory: ${words.choose} (a file well under ${total}: its context and other programs need memory too), ${words.then}.`;
  const context =
    memory.contextSize > 0
      ? `set ${words.context} below its ${memory.contextSize.toLocaleString("en-US")} tokens (or to 0: auto, sized to the free memory), close other programs, or ${words.choose}`
      : `close other programs, or ${words.choose}`;
  return `${file} of this machine's ${total} of memory: with its context and what other programs use it did not fit — ${context}, ${words.then}.`;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
