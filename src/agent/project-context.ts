/**
 * The project's own context for the agent's stable prompt prefix: `AGENTS.md`,
 * `.hearth/rules.md` and the memory entries in `.hearth/memory/` (format:
 * src/protocol/memory.ts), read through the `Workspace` and fitted to a token budget.
 *
 * Call `loadProjectContext` once per run, before building the system prompt: it reads the
 * files afresh every time, so an entry the user edited or added by hand is in the next
 * run, and it never changes during a run (the prompt prefix must stay stable).
 *
 *   const context = await loadProjectContext(workspace, { countTokens: backendTokenCounter(backend) });
 *   buildSystemPrompt({ ..., projectRules: context.text });
 *   log(context.summary);   // "AGENTS.md, .hearth/rules.md, 3 memories: 412 of 2,000 tokens"
 *
 * Budget order: the rules files first (a rules file too long for what is left is cut at a
 * line, or within the line that does not fit where whole lines fill less than half the room:
 * a minified one-line file, a title then a paragraph on one line), then memory entries whole, newest first (older ones are left out, and the prompt
 * says so and where to read them). What was cut is in `sources` and `summary`. A rules file
 * too large to read (over 1 MiB) is named in the prompt, with how to read it, where the budget
 * has room: the model would not know otherwise that the project has rules.
 */
import { DoesNotFitError, type ModelBackend } from "../models/index.ts";
import { MEMORY_DIR, type MemoryEntry, RULES_FILES, isMemoryPath, parseMemoryEntry } from "../protocol/memory.ts";
import { pairSafeEnd } from "../protocol/plain-text.ts";
import { MAX_READ_FILE_BYTES, type Workspace } from "../tools/index.ts";

/** Tokens in a text, by the model's tokenizer or an estimate. */
export type TokenCounter = (text: string, signal?: AbortSignal) => Promise<number>;

export interface ProjectContextOptions {
  /** Most tokens the rules and memories may take together (default 2,000). */
  readonly budgetTokens?: number;
  /** Default: an estimate of ~4 characters per token. Prefer `backendTokenCounter(backend)`. */
  readonly countTokens?: TokenCounter;
  readonly signal?: AbortSignal;
}

export interface ProjectContextSource {
  /** Workspace-relative, e.g. "AGENTS.md" or ".hearth/memory/2026-11-22-tests.md". */
  readonly path: string;
  readonly kind: "rules" | "memory";
  /** Tokens it takes in the prompt (0 when omitted). */
  readonly tokens: number;
  /** "truncated": a rules file cut at a line (or within a long line) to fit; "omitted": did not fit at all, or was not read (not a regular file, over 1 MiB). */
  readonly included: "whole" | "truncated" | "omitted";
  /** The file's size, where it was left out as too large to read. */
  readonly bytes?: number;
  /** Left out as not readable (a FIFO, a read that failed); a rules file omitted without this or `bytes` found no room. */
  readonly unreadable?: true;
}

export interface ProjectContext {
  /** Text for `buildSystemPrompt({ projectRules })`; "" when the project has none. */
  readonly text: string;
  /** Tokens `text` takes (by `countTokens`). */
  readonly tokens: number;
  readonly budgetTokens: number;
  /** Every file found, in prompt order, with what became of it. */
  readonly sources: readonly ProjectContextSource[];
  /** One line for logs and the UI: what is in, what was cut. "" when the project has none. */
  readonly summary: string;
}

/** A memory entry as found in the workspace. */
export interface StoredMemory {
  readonly path: string;
  readonly entry: MemoryEntry;
  /** Not read: not a regular file, or over `MAX_FILE_BYTES` (`entry` is then empty). */
  readonly leftOut?: true;
}

/** Rules and memory files over this are left out unread: the prompt takes a few KB of each. */
const MAX_FILE_BYTES = 1024 * 1024;

/** A file not read: `size` when it is too large (a FIFO or an unreadable file has none). */
interface LeftOut {
  readonly size?: number;
}

export const DEFAULT_PROJECT_CONTEXT_TOKENS = 2000;

/** A counter using the backend's own tokenizer; a text past the context counts as the context size + 1. */
export function backendTokenCounter(backend: ModelBackend): TokenCounter {
  return async (text, signal) => {
    try {
      return (await backend.tokenize(text, signal)).length;
    } catch (error) {
      if (error instanceof DoesNotFitError) return error.contextSize + 1;
      throw error;
    }
  };
}

/** ~4 characters per token: good enough where no tokenizer is at hand. */
export const estimateTokens: TokenCounter = async (text) => Math.ceil(text.length / 4);

/** Reads the rules and memories now and fits them to the budget. */
export async function loadProjectContext(workspace: Workspace, options: ProjectContextOptions = {}): Promise<ProjectContext> {
  const budget = Math.max(0, options.budgetTokens ?? DEFAULT_PROJECT_CONTEXT_TOKENS);
  const count = (text: string) => (options.countTokens ?? estimateTokens)(text, options.signal);
  const packer = new Packer(budget, count, budget * 8);
  for (const path of RULES_FILES) {
    const text = await readText(workspace, path);
    if (typeof text === "object") await packer.leaveOutRules(path, text.size);
    else if (text?.trim()) await packer.addRules(path, text.trim());
  }
  await packer.addMemories(await readMemories(workspace));
  return packer.result(count);
}

/** Every memory entry in `.hearth/memory/`, oldest first (by file name, which starts with the date). */
export async function readMemories(workspace: Workspace): Promise<StoredMemory[]> {
  const dir = await workspace.stat(MEMORY_DIR);
  if (dir?.type !== "directory") return [];
  const names = (await workspace.list(MEMORY_DIR)).filter((e) => e.type === "file").map((e) => `${MEMORY_DIR}/${e.name}`);
  const out: StoredMemory[] = [];
  for (const path of names.filter(isMemoryPath).sort()) {
    const text = await readText(workspace, path);
    if (typeof text === "object") out.push({ path, entry: parseMemoryEntry("", path), leftOut: true });
    else if (text !== undefined && text.trim()) out.push({ path, entry: parseMemoryEntry(text, path) });
  }
  return out;
}

/** How one memory entry reads in the prompt: a bullet, continuation lines indented. */
export function renderMemory(entry: MemoryEntry): string {
  const about = [entry.category, entry.date].filter(Boolean).join(", ");
  const body = entry.body.replace(/^#{1,6}\s+.*\n+/, "").trim() || entry.title;
  return `- ${entry.title}${about ? ` (${about})` : ""}: ${body.replace(/\n/g, "\n  ")}`;
}

/** Fills the budget in order and remembers what happened to each source. */
class Packer {
  private readonly parts: string[] = [];
  private readonly sources: ProjectContextSource[] = [];
  private used = 0;

  constructor(
    private readonly budget: number,
    private readonly count: (text: string) => Promise<number>,
    /** Characters read at most per file: a huge file is never tokenized whole. */
    private readonly maxChars: number,
  ) {}

  async addRules(path: string, text: string): Promise<void> {
    const part = `From ${path}:\n${text.slice(0, pairSafeEnd(text, this.maxChars))}`;
    const tokens = await this.count(`${part}\n\n`);
    if (text.length <= this.maxChars && this.used + tokens <= this.budget) {
      this.push(part, tokens, { path, kind: "rules", tokens, included: "whole" });
      return;
    }
    const cut = await this.longestFittingPrefix(part, this.budget - this.used);
    if (!cut) {
      this.sources.push({ path, kind: "rules", tokens: 0, included: "omitted" });
      return;
    }
    this.push(cut.text, cut.tokens, { path, kind: "rules", tokens: cut.tokens, included: "truncated" });
  }

  /**
   * A rules file too large to read: the model hears it is there and how to read it (left
   * unsaid, it would not know the project has rules), where the budget has room for that.
   */
  async leaveOutRules(path: string, size: number | undefined): Promise<void> {
    this.sources.push({ path, kind: "rules", tokens: 0, included: "omitted", ...(size === undefined ? { unreadable: true } : { bytes: size }) });
    if (size === undefined) return;
    // Only what can read it: search skips files over 2 MB, read_file refuses those over MAX_READ_FILE_BYTES.
    const how = size > MAX_READ_FILE_BYTES ? ", and for read_file: read it with run_command (grep -n, sed -n)" : ": read_file it in parts (start_line/end_line)";
    const note = `From ${path}: ${path} (${mib(size)}) is too large to include here${how} for the project's rules.`;
    const tokens = await this.count(`${note}\n\n`);
    if (this.used + tokens > this.budget) return;
    this.parts.push(note);
    this.used += tokens;
  }

  leaveOut(path: string, kind: ProjectContextSource["kind"]): void {
    this.sources.push({ path, kind, tokens: 0, included: "omitted" });
  }

  async addMemories(stored: readonly StoredMemory[]): Promise<void> {
    const memories = stored.filter((m) => !m.leftOut);
    if (memories.length === 0) {
      for (const m of stored) this.leaveOut(m.path, "memory");
      return;
    }
    const header = "Project memory (facts learned earlier, in .hearth/memory/):";
    const room = this.budget - this.used - (await this.count(`${header}\n`));
    const rendered = await Promise.all(memories.map(async (m) => {
      const whole = renderMemory(m.entry);
      const text = whole.slice(0, pairSafeEnd(whole, this.maxChars));
      return { path: m.path, text, tokens: await this.count(`${text}\n`) };
    }));
    let chosen = choose(rendered, room);
    let note = "";
    if (chosen.size < memories.length) {
      // The note saying what was left out must fit too: choose again with its room taken.
      note = omittedNote(memories.length - chosen.size);
      chosen = choose(rendered, room - (await this.count(note)));
      note = omittedNote(memories.length - chosen.size);
    }
    const tokensOf = new Map(rendered.map((r) => [r.path, r.tokens]));
    for (const { path } of stored) {
      const kept = chosen.has(path);
      this.sources.push({ path, kind: "memory", tokens: kept ? tokensOf.get(path)! : 0, included: kept ? "whole" : "omitted" });
    }
    if (chosen.size === 0) return;
    const lines = rendered.filter((r) => chosen.has(r.path)).map((r) => r.text);
    this.parts.push([header, ...lines, ...(note ? [note] : [])].join("\n"));
  }

  async result(count: (text: string) => Promise<number>): Promise<ProjectContext> {
    const text = this.parts.join("\n\n");
    const tokens = text ? await count(text) : 0;
    return { text, tokens, budgetTokens: this.budget, sources: this.sources, summary: summarize(this.sources, tokens, this.budget) };
  }

  private push(text: string, tokens: number, source: ProjectContextSource): void {
    this.parts.push(text);
    this.used += tokens;
    this.sources.push(source);
  }

  /**
   * The most whole lines of `text` (plus a note that it was cut) within `room` tokens; where
   * they fill less than half of it (a minified one-line file, a title then a paragraph on one
   * line), the most of the first line that does not fit.
   */
  private async longestFittingPrefix(text: string, room: number): Promise<{ text: string; tokens: number } | undefined> {
    const lines = text.split("\n");
    const note = "[… cut here to fit the prompt budget; read the file for the rest]";
    let lo = 2; // the "From …:" line and at least one line of the file
    let hi = lines.length;
    let best: { text: string; tokens: number } | undefined;
    let kept = 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const candidate = `${lines.slice(0, mid).join("\n")}\n${note}`;
      const tokens = await this.count(`${candidate}\n\n`);
      if (tokens <= room) {
        best = { text: candidate, tokens };
        kept = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (best && (best.tokens * 2 >= room || kept >= lines.length)) return best;
    return (await this.longestFittingLinePrefix(lines.slice(0, kept).join("\n"), lines[kept] ?? "", note, room)) ?? best;
  }

  /** The most characters of `line` after `head` (plus `note`) within `room` tokens, never half a surrogate pair; undefined when none fits. */
  private async longestFittingLinePrefix(head: string, line: string, note: string, room: number): Promise<{ text: string; tokens: number } | undefined> {
    let lo = 1;
    let hi = line.length;
    let best: { text: string; tokens: number } | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const end = pairSafeEnd(line, mid);
      const candidate = `${head}\n${line.slice(0, end)}\n${note}`;
      const tokens = end > 0 ? await this.count(`${candidate}\n\n`) : Infinity;
      if (tokens <= room) {
        best = { text: candidate, tokens };
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return best;
  }
}

/** Newest first (file names start with the date): when room runs out, the oldest are left out. */
function choose(rendered: readonly { path: string; tokens: number }[], room: number): Set<string> {
  const chosen = new Set<string>();
  let used = 0;
  for (const r of [...rendered].reverse()) {
    if (used + r.tokens > room) continue;
    chosen.add(r.path);
    used += r.tokens;
  }
  return chosen;
}

function omittedNote(omitted: number): string {
  return `(${omitted} older ${omitted === 1 ? "entry" : "entries"} in ${MEMORY_DIR}/ left out to save space; read_file them if needed.)`;
}

/**
 * What the chat tells the user when the project's rules files do not all reach the model
 * whole (cut to the budget, or left out); undefined when they do. Memories left out are not
 * named: the prompt says where they are, and they are many by design.
 */
export function rulesNotice(context: ProjectContext): string | undefined {
  const rules = context.sources.filter((s) => s.kind === "rules" && s.included !== "whole");
  if (rules.length === 0) return undefined;
  const what = rules.map((s) => s.included === "truncated"
    ? `${s.path} was cut to fit the ${context.budgetTokens.toLocaleString("en-US")} tokens the prompt gives the project's rules`
    : s.bytes !== undefined && s.bytes > MAX_READ_FILE_BYTES ? `${s.path} (${mib(s.bytes)}) was left out: too large to read (over 1 MiB), and too large for read_file: the model can look into it with run_command (grep -n, sed -n)`
    : s.bytes !== undefined ? `${s.path} (${mib(s.bytes)}) was left out: too large to read (over 1 MiB)`
    : s.unreadable ? `${s.path} was left out: it could not be read as a file`
    : `${s.path} was left out: no room was left for it in the ${context.budgetTokens.toLocaleString("en-US")} tokens the prompt gives the project's rules`);
  // read_file reaches the rest only of a file it can read: not a FIFO, not one over its limit.
  const readable = rules.filter((s) => !s.unreadable && (s.bytes ?? 0) <= MAX_READ_FILE_BYTES);
  const rest = readable.length === rules.length ? " It can read_file the rest when it needs it; shorter rules reach it whole."
    : readable.length > 0 ? ` It can read_file the rest of ${readable.map((s) => s.path).join(" and ")} when it needs it; shorter rules reach it whole.`
    : " Shorter rules reach it whole.";
  return `The model sees only part of this project's rules: ${what.join("; ")}.${rest}`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function summarize(sources: readonly ProjectContextSource[], tokens: number, budget: number): string {
  if (sources.length === 0) return "";
  const rules = sources.filter((s) => s.kind === "rules" && s.included !== "omitted").map((s) => s.path + (s.included === "truncated" ? " (cut)" : ""));
  const memories = sources.filter((s) => s.kind === "memory");
  const kept = memories.filter((s) => s.included === "whole").length;
  const parts = [...rules];
  if (memories.length) parts.push(`${kept} ${kept === 1 ? "memory" : "memories"}`);
  const left = sources.filter((s) => s.included === "omitted").map((s) => s.path);
  const out = `${parts.join(", ") || "nothing"}: ${tokens.toLocaleString("en-US")} of ${budget.toLocaleString("en-US")} tokens`;
  return left.length ? `${out}; left out: ${left.join(", ")}` : out;
}

/** The file's text; undefined when there is none; LeftOut when it is too large or cannot be read (a FIFO). */
async function readText(workspace: Workspace, path: string): Promise<string | LeftOut | undefined> {
  const info = await workspace.stat(path).catch(() => undefined);
  if (info?.type !== "file") return undefined;
  if (info.size > MAX_FILE_BYTES) return { size: info.size };
  const bytes = await workspace.read(path).catch(() => undefined);
  if (!bytes) return {};
  return new TextDecoder("utf-8").decode(bytes).replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
}
