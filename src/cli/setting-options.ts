/**
 * The options that set one of Hearth's settings (--threads, --context), checked against the
 * setting's own range (SETTINGS in src/protocol/settings.ts) before anything starts. Past it the
 * runtime took the default without a word on the terminal (its warning went to its log only):
 * `--threads 1000` ran on automatic threads, `--context 300000` on auto context. Every other
 * whole-number option of the CLI is read here too (wholeNumberOption).
 */
import { SETTINGS, type Settings } from "../protocol/settings.ts";
import { UsageError } from "./command.ts";

/** The option's whole number, or undefined when it was not given; a UsageError naming the range otherwise. */
export function settingOption(value: string | boolean | undefined, flag: string, key: keyof Settings & ("threads" | "contextSize"), what: string, zero: string): number | undefined {
  if (value === undefined) return undefined;
  const spec = SETTINGS.find((s) => s.key === key)!;
  const n = digitsOnly(value);
  if (n !== undefined && n >= spec.minimum! && n <= spec.maximum!) return n;
  throw new UsageError(`${flag} needs a whole number of ${what} from ${spec.minimum} to ${spec.maximum!.toLocaleString("en-US")} (0 = ${zero}), not ${typed(value)}`);
}

/**
 * Any other whole-number option (--max-files, --max-file-kb, --tokens, --max-steps, --top,
 * --max-tokens): `min` or more, `what` said in the error ("a positive whole number"); undefined
 * when it was not given. Digits only, as settingOption: Number() read a number written as a
 * language other than English writes it silently wrong — `--max-files 1.000` (German's 1000)
 * as 1, `--max-file-kb 1.024` as 1.024 KiB, skipping every file — and "1e3", "0x10", "" too.
 */
export function wholeNumberOption(value: string | boolean | undefined, flag: string, min: number, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = digitsOnly(value);
  if (n !== undefined && n >= min) return n;
  throw new UsageError(`${flag} needs ${what}, not ${typed(value)}`);
}

/** The value as a whole number where it is digits alone (spaces around them aside). */
function digitsOnly(value: string | boolean): number | undefined {
  const text = typeof value === "string" ? value.trim() : "";
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The value as typed, and where digits are grouped or split (1.024, 1,5, 10 000) the way to write it. */
function typed(value: string | boolean): string {
  const text = typeof value === "string" ? value : "";
  const grouped = /\d[.,'\s\u00a0\u202f\u2019]+\d/.test(text.trim());
  return `${JSON.stringify(text)}${grouped ? ": write it with digits alone, no thousands separator or decimal point" : ""}`;
}
