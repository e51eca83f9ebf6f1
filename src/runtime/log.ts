/**
 * The runtime's logger. stdout belongs to the LSP connection. Once the connection is up,
 * lines go to the client as `window/logMessage` with their level (the extension's "Hearth"
 * output channel shows them as info/warn/error; the CLI prints them with --verbose);
 * before that, and for anything written by native code, stderr.
 */
import { LOG_LEVELS as LEVELS, type LogLevel, parseLogLevel } from "../protocol/log-level.ts";

export type { LogLevel };
export { parseLogLevel };

const parsedLevel = parseLogLevel(process.env.HEARTH_LOG_LEVEL);
const threshold = LEVELS[parsedLevel.level];
/** Said once, on the first client sink: before it, stderr may go nowhere anyone reads. */
let levelProblem = parsedLevel.problem;

export type LogSink = (level: LogLevel, text: string) => void;

const stderrSink: LogSink = (level, text) => {
  const time = new Date().toISOString().slice(11, 23);
  process.stderr.write(`[${time}] [${level}] ${text}\n`);
};
let sink: LogSink = stderrSink;

/** Routes log lines to the client once the connection exists; `undefined` goes back to stderr. */
export function setLogSink(next: LogSink | undefined): void {
  sink = next ?? stderrSink;
  if (next && levelProblem) {
    log("warn", levelProblem);
    levelProblem = undefined;
  }
}

export function log(level: LogLevel, message: string, error?: unknown): void {
  if (LEVELS[level] < threshold) return;
  const detail = error instanceof Error ? `\n${error.stack ?? error.message}` : error === undefined ? "" : ` ${String(error)}`;
  try {
    sink(level, `${message}${detail}`);
  } catch {
    stderrSink(level, `${message}${detail}`); // the connection is gone: the log must not be
  }
}
