/**
 * The options that set one of Hearth's settings (--threads, --context), checked against the
 * setting's own range (SETTINGS in src/protocol/settings.ts) before anything starts. Past it the
 * runtime took the default without a word on the terminal (its warning went to its log only):
 * `--threads 1000` ran on automatic threads, `--context 300000` on auto context.
 */
import { SETTINGS, type Settings } from "../protocol/settings.ts";
import { UsageError } from "./command.ts";

/** The option's whole number, or undefined when it was not given; a UsageError naming the range otherwise. */
export function settingOption(value: string | boolean | undefined, flag: string, key: keyof Settings & ("threads" | "contextSize"), what: string, zero: string): number | undefined {
  if (value === undefined) return undefined;
  const spec = SETTINGS.find((s) => s.key === key)!;
  const text = typeof value === "string" ? value.trim() : "";
  // Digits only: Number() reads "" as 0, "0x10" as 16 and "1e3" as 1000.
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(n) && n >= spec.minimum! && n <= spec.maximum!) return n;
  throw new UsageError(`${flag} needs a whole number of ${what} from ${spec.minimum} to ${spec.maximum!.toLocaleString("en-US")} (0 = ${zero}), not ${JSON.stringify(typeof value === "string" ? value : "")}`);
}
