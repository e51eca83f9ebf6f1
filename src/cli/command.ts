/**
 * The contract every `hearth <command>` implements. Commands are plain objects listed in
 * `commands.ts`; `main.ts` parses nothing but the command name, so each command owns its
 * flags and its `--help` text.
 */
export interface CliIo {
  /** Writes to standard output (the command's result: text or JSON). */
  out(text: string): void;
  /** Writes to standard error (progress, warnings, errors). */
  err(text: string): void;
  /** Reads all of standard input (e.g. an issue text piped to `hearth locate`). */
  readStdin(): Promise<string>;
  /** The directory the command was started in. */
  readonly cwd: string;
  /** Cancelled on Ctrl-C; long-running commands must honour it. */
  readonly signal: AbortSignal;
  /** Standard error is a terminal: progress may redraw a line with `\r` (never into a pipe or a log file). */
  readonly errIsTerminal?: boolean;
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

/**
 * Minimal flag parser shared by commands: `--name value`, `--name=value`, boolean `--flag`.
 * `spec` maps each known flag to "string" or "boolean"; unknown flags are a UsageError.
 */
export function parseFlags(
  args: readonly string[],
  spec: Readonly<Record<string, "string" | "boolean">>,
): { flags: Record<string, string | boolean>; positional: string[] } {
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--") || arg === "--") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === "boolean") {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
    } else if (eq !== -1) {
      flags[name] = arg.slice(eq + 1);
    } else {
      const value = args[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    }
  }
  return { flags, positional };
}
