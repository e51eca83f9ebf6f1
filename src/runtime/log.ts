/**
 * The runtime's logger. stdout belongs to the LSP connection, so every log line goes to
 * stderr, which the extension shows in the "Hearth" output channel and the CLI passes
 * through (only with --verbose).
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold = LEVELS[(process.env.HEARTH_LOG_LEVEL as LogLevel) ?? "info"] ?? LEVELS.info;

export function setLogLevel(level: LogLevel): void {
  threshold = LEVELS[level];
}

export function log(level: LogLevel, message: string, error?: unknown): void {
  if (LEVELS[level] < threshold) return;
  const time = new Date().toISOString().slice(11, 23);
  const detail = error instanceof Error ? `\n${error.stack ?? error.message}` : error === undefined ? "" : ` ${String(error)}`;
  process.stderr.write(`[${time}] [${level}] ${message}${detail}\n`);
}
