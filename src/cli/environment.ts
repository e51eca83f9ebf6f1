/**
 * HEARTH_* variables hearth does not read, named before a command runs. A typo of one it
 * reads (`HEARTH_HOEM`) sent downloads to the default folder without a word, and one named
 * like an option (`HEARTH_THREADS=abc`) did nothing, silently. Other HEARTH_* names (the
 * test suites' and benchmarks' own) say nothing: they are not meant for hearth.
 */
import { parseLogLevel } from "../protocol/log-level.ts";
import { printableAscii } from "../protocol/printable-ascii.ts";
import { programSearchEnv } from "../protocol/program-search.ts";
import { nearest } from "./command.ts";

/** The variables hearth and the runtime it starts read (HEARTH_RUN_ID: set by hearth for the commands it runs). */
const READ = ["HEARTH_HOME", "HEARTH_API_KEY", "HEARTH_LOG_LEVEL", "HEARTH_RUN_ID"];

/** Options a user may look for as a variable, and how each is given instead. */
const OPTIONS: Record<string, string> = {
  THREADS: "--threads N",
  MODEL: "--model FILE.gguf",
  MODEL_PATH: "--model FILE.gguf",
  SERVER: "--server URL",
  SERVER_URL: "--server URL",
  CONTEXT: "--context N",
  CONTEXT_SIZE: "--context N",
  MAX_TOKENS: "--max-tokens N",
  MAX_STEPS: "--max-steps N",
  STATE_DIR: "--state-dir DIR",
  REPO: "--repo DIR",
  TEST_CMD: "--test-cmd CMD",
  YES: "--yes",
};

/**
 * One warning line for each such variable in `env`, and for a HEARTH_LOG_LEVEL that is no level.
 * A variable named like an option the command's `args` give is a wrapper's own (HEARTH_MODEL
 * passed on as --model "$HEARTH_MODEL"): naming it on every run would be noise.
 */
export function environmentWarnings(env: NodeJS.ProcessEnv, args: readonly string[] = []): string[] {
  const warnings: string[] = [];
  const logLevel = parseLogLevel(env.HEARTH_LOG_LEVEL).problem;
  if (logLevel) warnings.push(`hearth: warning: ${logLevel}`);
  for (const name of Object.keys(env).filter((key) => key.startsWith("HEARTH_") && !READ.includes(key))) {
    const option = OPTIONS[name.slice("HEARTH_".length)];
    const flag = option?.split(" ")[0];
    if (flag && args.some((arg) => arg === flag || arg.startsWith(`${flag}=`))) continue;
    const meant = option ? undefined : readNear(name);
    if (option) warnings.push(`hearth: warning: ${printableAscii(name)} is not a variable hearth reads: give ${option} to the command (hearth <command> --help lists its options)`);
    else if (meant) warnings.push(`hearth: warning: ${printableAscii(name)} is not a variable hearth reads: did you mean ${meant}?`);
  }
  return warnings;
}

/** The variable hearth reads that `name` is a typo of (nearest compares option-like words: `home`, `api-key`). */
function readNear(name: string): string | undefined {
  const word = (variable: string) => variable.slice("HEARTH_".length).toLowerCase().replace(/_/g, "-");
  const meant = nearest(word(name), READ.map(word));
  return meant === undefined ? undefined : `HEARTH_${meant.toUpperCase().replace(/-/g, "_")}`;
}

/**
 * hearth's own environment, `env`, with program-search.ts's rule applied in place: `hearth fix`
 * runs the agent in this process (checkpoints, git in the repository, the model's commands),
 * and on Windows libuv reads NoDefaultCurrentDirectoryInExePath from the spawning process's
 * environment, not the child's. Run once, at the process's start.
 */
export function ownProgramSearch(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): void {
  const safe = programSearchEnv(env, platform);
  for (const name of Object.keys(env)) if (safe[name] === undefined) delete env[name];
  for (const [name, value] of Object.entries(safe)) if (env[name] !== value) env[name] = value;
}
