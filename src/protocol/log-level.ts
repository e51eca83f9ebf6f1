import { printableAscii } from "./printable-ascii.ts";

/** HEARTH_LOG_LEVEL, read alike by the runtime (its threshold) and the CLI (its warning before a command). */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Each level's rank: a line is logged when its level ranks at least the threshold's. */
export const LOG_LEVELS: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * HEARTH_LOG_LEVEL's level, in any case; unset or empty is info. Any other value is info too,
 * and `problem` says so with the accepted values: it fell back without a word, so a typo
 * (`HEARTH_LOG_LEVEL=verbose`) looked like a runtime that logged nothing more.
 */
export function parseLogLevel(value: string | undefined): { level: LogLevel; problem?: string } {
  const wanted = (value ?? "").trim().toLowerCase();
  if (wanted === "") return { level: "info" };
  if (Object.hasOwn(LOG_LEVELS, wanted)) return { level: wanted as LogLevel };
  // The value as printable ASCII, clipped: it is the user's, and goes to a terminal.
  const shown = printableAscii(value!, 60);
  return { level: "info", problem: `HEARTH_LOG_LEVEL=${shown} is not a log level: give debug, info, warn or error (info is used)` };
}
