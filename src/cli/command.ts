/**
 * The contract every `hearth <command>` implements. Commands are plain objects listed in
 * `commands.ts`; `main.ts` parses nothing but the command name, so each command owns its
 * flags and its `--help` text.
 */
import { accessSync, closeSync, constants, openSync, readFileSync, readlinkSync, readSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { homeFolder } from "../agent/home-folder.ts";
import { isScriptPath, notTheWeights, ollamaLayer, textWords, whatInstead } from "../models/index.ts";
import { editorText } from "../tools/text-file.ts";
import { charColumns } from "./columns.ts";

export interface CliIo {
  /** Writes to standard output (the command's result: text or JSON). */
  out(text: string): void;
  /** Writes to standard error (progress, warnings, errors). */
  err(text: string): void;
  /** Reads all of standard input (e.g. an issue text piped to `hearth locate`). */
  readStdin(): Promise<string>;
  /** Reads all of standard input as its bytes (a patch need not be UTF-8); absent where only text is at hand. */
  readStdinBytes?(): Promise<Uint8Array>;
  /** The directory the command was started in. */
  readonly cwd: string;
  /** Cancelled on Ctrl-C; long-running commands must honour it. */
  readonly signal: AbortSignal;
  /** Standard output is a terminal: a person reads what is printed there, not a program (`| git apply`), so text from a checkout is escaped. */
  readonly outIsTerminal?: boolean;
  /** Standard error is a terminal: progress may redraw a line with `\r` (never into a pipe or a log file). */
  readonly errIsTerminal?: boolean;
  /**
   * Standard error's width in columns now, when it is a terminal: a progress frame wider than
   * that wraps, and each redraw then leaves a line. Asked at each frame: a width taken once at
   * the start was kept after the window or the tmux pane was made narrower mid-download.
   */
  readonly errColumns?: () => number | undefined;
  /** Standard input is a terminal: reading it waits for the user to type, so say so first. */
  readonly inIsTerminal?: boolean;
}

export interface CliCommand {
  /** The word after `hearth`. */
  readonly name: string;
  /** One line for `hearth --help`. */
  readonly summary: string;
  /** Full usage text printed by `hearth <name> --help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Thrown for bad command-line input: main prints the message and the usage, exit code 2. */
export class UsageError extends Error {}

/** The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it: main's, or a command's that said itself what the stop left. The entry point makes it 128 + SIGTERM's or SIGHUP's number when one of those stopped it. */
export const CANCELLED_EXIT = 130;

/** The most a command reads of an input (stdin, a patch, an issue): real ones are far smaller. */
export const MAX_INPUT_BYTES = 32 * 1024 * 1024;

/**
 * Reads a text file the user named (`what`: "the patch file"), as a UsageError that says
 * what is wrong when it is missing, a folder, or over MAX_INPUT_BYTES: a disk image or a
 * log named by mistake would otherwise be read until the heap gives out.
 */
export function readInputFile(path: string, what: string): string {
  // UTF-16 where a byte-order mark says so (Windows PowerShell 5.1's `> ci.log`, Out-File), else UTF-8 without its mark.
  return editorText(readInputBytes(path, what));
}

/**
 * The absolute path of `--model FILE` (relative to where hearth runs), once it names a file:
 * a path that names nothing or a folder is a bad argument, said before a runtime or a run
 * starts; an empty one is none. It was "the model failed" (hearth fix's exit 3) once the run had started.
 */
export function modelFileOption(cwd: string, given: string | boolean | undefined): string | undefined {
  // Empty (a script's --model "$MODEL" with MODEL unset) is no --model, as an empty --server is no server.
  if (typeof given !== "string" || given === "") return undefined;
  const path = resolve(cwd, given);
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const target = code === "ENOENT" ? linkTarget(path) : undefined;
    if (target !== undefined) throw new UsageError(`--model ${path} is a link to ${resolve(dirname(path), target)}, which is not there (a disk not mounted, a file moved or deleted)`);
    throw new UsageError(`--model ${path}: ${code === "ENOENT" || code === "ENOTDIR" ? "there is no such file" : `it cannot be read (${code ?? (error as Error).message})`}`);
  }
  if (info.isDirectory()) throw new UsageError(`--model ${path} is a folder: give a .gguf file`);
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new UsageError(`--model ${path}: this user may not read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  // A script (*.json) is the scripted backend's; any other file must be a GGUF.
  const wrong = isScriptPath(path) || !info.isFile() ? undefined : notGguf(path, info.size);
  if (wrong) throw new UsageError(`--model ${path} ${wrong}`);
  return path;
}

/**
 * What `path` is instead of a GGUF model, from its first bytes; undefined when it starts as
 * one. A download saves what it was sent: a server's error page, a Git LFS pointer (a
 * clone without git lfs), or nothing. Found by the model's load, it was "the model failed".
 */
export function notGguf(path: string, size: number): string | undefined {
  if (size === 0) return "is empty: give the model's .gguf file";
  const head = firstBytes(path, 256);
  if (!head || head.subarray(0, 4).toString("latin1") === "GGUF") return undefined;
  const instead = whatInstead(head);
  if (instead?.kind === "page") return `is a web page, not a GGUF model (it starts with ${instead.start}): an error page saved in the model's place; download the model again (hearth models --download) or give the .gguf file`;
  if (instead?.kind === "lfs") return "is a Git LFS pointer, not the model: run git lfs pull in the repository it came from, or download the model (hearth models --download)";
  // Ollama's store names every layer of a model sha256-<hex>: its manifest says which holds the weights.
  const layer = ollamaLayer(path);
  if (layer && layer.kind !== "model") return `is ${notTheWeights(layer)}`;
  if (instead?.kind === "text") return `is ${textWords(instead)}; download the model again (hearth models --download) or give the .gguf file`;
  return "is not a GGUF model file (a GGUF starts with the bytes GGUF): give a .gguf model file";
}

/** Up to `count` bytes from the start of `path`; undefined where it cannot be read now (the model's load says why). */
function firstBytes(path: string, count: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const buffer = Buffer.alloc(count);
    return buffer.subarray(0, readSync(fd, buffer, 0, count, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What the link at `path` points to, if it is one. */
function linkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** readInputFile's bytes, as they are. */
export function readInputBytes(path: string, what: string): Buffer {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot read ${what} ${path}: ${code === "ENOENT" ? "there is no such file" : (error as Error).message}`);
  }
  if (stat.isDirectory()) throw new UsageError(`${capitalized(what)} ${path} is a folder: give a file`);
  if (stat.size > MAX_INPUT_BYTES) throw new UsageError(`${capitalized(what)} ${path} is over ${MAX_INPUT_BYTES / 1024 / 1024} MB: give the file itself, not a log or an archive`);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`Cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

/**
 * One progress frame for a terminal (`io.errIsTerminal`): `\r`, then `text` cut to one
 * column less than the terminal's width (`io.errColumns()`, asked for each frame; 80 when unknown) and padded over
 * the frame before. A frame that wrapped (a download's line in a 60-column pane) left a new
 * line at every redraw, since `\r` goes back only to the start of the last screen line.
 */
export function progressFrame(text: string, columns: number | undefined): string {
  const width = Math.max(1, (columns && columns > 1 ? columns : 80) - 1);
  // In columns, not characters: a CJK model name is two a letter (columns.ts).
  let used = 0;
  let kept = "";
  let before = "";
  for (const char of text) {
    const wide = charColumns(char, before);
    if (used + wide > width) break;
    used += wide;
    kept += char;
    before = char;
  }
  return `\r${kept}${" ".repeat(width - used)}`;
}

/**
 * The repository folder a command works in (`--repo`, default the current folder), as a
 * UsageError when it is missing or a file (`--repo setup.py`): git and the indexer would
 * otherwise fail deep inside with ENOTDIR.
 */
export function repoFolder(cwd: string, repo: string | undefined): string {
  const path = resolve(cwd, repo ?? ".");
  let folder: boolean;
  try {
    folder = statSync(path).isDirectory();
  } catch (error) {
    // A folder above it this user may not enter (another user's home, a 0700 build folder) fails
    // the same stat, though the folder is there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") throw new UsageError(`${path} cannot be reached by this user (${code}: a folder in its path may not be entered): run hearth as a user who may read it, or give a copy of it`);
    // A link there (ls shows it) that names itself, or a chain of them that comes back.
    if (code === "ELOOP") throw new UsageError(`${path} is a link that leads back to itself (ELOOP): give the repository's folder`);
    throw new UsageError(`No such folder: ${path}`);
  }
  if (!folder) throw new UsageError(`${path} is a file, not a folder: give the repository's folder`);
  try {
    // The folder itself may be there to stat but not to list (another user's 0700 home): its
    // files could not be read, and the run found "nothing to map" in it.
    accessSync(path, constants.R_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`${path} cannot be read by this user (${code}): run hearth as a user who may read it, or give a copy of it`);
  }
  return path;
}

/**
 * Refuses, before the work starts, an output a command could only fail to write at its end
 * (`hearth fix --out results/x.diff` where results is a file, a folder that is not
 * writable): found there, a whole fix was reported as "the model failed" and its patch was
 * not written. Folders that do not exist yet are fine: the writer makes them.
 */
export function writableFile(path: string, what: string): void {
  if (isFolder(path)) throw new UsageError(`cannot write ${what} to ${path}: it is a folder; give a file name`);
  writableFolder(dirname(path), path, what);
}

/** The folder hearth was started in where it no longer exists (main's currentFolder), which no output may make again. */
let goneFolder: string | undefined;

/** Refuses every output that would make `folder` again (the deleted folder hearth was started in: a relative --out). */
export function refuseMaking(folder: string): void {
  goneFolder = folder;
}

/** The nearest part of `folder` that exists is a folder this process may write in (the rest is made when written). */
export function writableFolder(folder: string, target: string, what: string): void {
  let dir = folder;
  for (;;) {
    if (dir === goneFolder) throw new UsageError(`cannot write ${what} to ${target}: ${dir}, the current folder, no longer exists (deleted, or replaced by a new clone) and hearth does not make it again: name a file in a folder that exists, or cd into one`);
    try {
      if (!statSync(dir).isDirectory()) throw new UsageError(`cannot write ${what} to ${target}: ${dir} is a file, not a folder`);
      accessSync(dir, constants.W_OK);
      return;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === "ENOENT" || code === "ENOTDIR") && dirname(dir) !== dir) dir = dirname(dir);
      else throw new UsageError(`cannot write ${what} to ${target}: ${code === "EACCES" ? `${dir} is not writable` : (error as Error).message}`);
    }
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const SHORT_OPTION = /^-[A-Za-z][A-Za-z0-9-]*$/;

/** The arguments before `--`: where `--help` asks for help (after it, `--help` is text). */
export function optionArgs(args: readonly string[]): readonly string[] {
  const end = args.indexOf("--");
  return end === -1 ? args : args.slice(0, end);
}

/** For commands that take only options: a word left over (`hearth index ~/src/app`) would otherwise be ignored. */
export function noPositional(positional: readonly string[]): void {
  if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}": give the folder with --repo DIR`);
}

/**
 * The candidate `word` was most likely meant to be (`fixx` → `fix`, `--jsn` → `json`), or
 * undefined when none is near: a few typos by edit distance (a swap of two neighbours counts
 * one), `_` for `-`, or the start of exactly one name (or one name the start of the word: --repository).
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const typed = word.toLowerCase().replace(/_/g, "-");
  const scored = candidates.map((name) => ({ name, d: editDistance(typed, name) })).sort((a, b) => a.d - b.d);
  const best = scored[0];
  if (best && best.d <= Math.max(1, Math.floor(Math.min(typed.length, best.name.length) / 3)) && scored[1]?.d !== best.d) return best.name;
  const starts = typed.length >= 2 ? candidates.filter((name) => name.startsWith(typed) || (name.length >= 3 && typed.startsWith(name))) : [];
  return starts.length === 1 ? starts[0] : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A `--name=~/…` value with `~` as the home folder, as the shell reads `--name ~/…`. No shell
 * expands a `~` after `--name=` (bash does only in an assignment such as A=~/x, zsh only with
 * magic_equal_subst), so `--repo=~/p` was "No such folder: <here>/~/p", and `--out=~/fix.diff`
 * or `--save=~/chat.md` made a folder named `~` in the current one. `~user/…` stays as written,
 * as a model path's and HEARTH_HOME's do (model-slot.ts expandHome, models.ts cliStoragePath).
 */
function shellTilde(value: string): string {
  return value === "~" || /^~[\\/]/.test(value) ? join(homeFolder(), value.slice(1)) : value;
}

/** Options whose value is text, not a path: an issue's or a query's words; a test command, whose shell reads its own `~`. */
const TEXT_OPTIONS = new Set(["issue", "query", "test-cmd"]);

/**
 * Minimal flag parser shared by commands: `--name value`, `--name=value` (a leading `~/` the
 * home folder, as the shell would have made it), boolean `--flag`.
 * `spec` maps each known flag to "string" or "boolean"; unknown flags are a UsageError.
 * `--` ends the options (what follows is text). A lone short option (`-n`, `-y`, `-p1`) is
 * refused too: taken as text it became the issue or the query (`hearth locate -n 3 <
 * issue.txt` ranked for the words "-n 3"). `-`, and text with a space or a dot, stay text.
 */
export function parseFlags(
  args: readonly string[],
  spec: Readonly<Record<string, "string" | "boolean">>,
): { flags: Record<string, string | boolean>; positional: string[] } {
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (SHORT_OPTION.test(arg)) throw new UsageError(`unknown option ${arg} (options start with --; after -- every word is text)`);
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = spec[name];
    if (!kind) {
      const meant = nearest(name, Object.keys(spec));
      throw new UsageError(`unknown option --${name}${meant ? `: did you mean --${meant}?` : ""}`);
    }
    if (kind === "boolean") {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
    } else if (eq !== -1) {
      flags[name] = TEXT_OPTIONS.has(name) ? arg.slice(eq + 1) : shellTilde(arg.slice(eq + 1));
    } else {
      const value = args[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    }
  }
  return { flags, positional };
}
