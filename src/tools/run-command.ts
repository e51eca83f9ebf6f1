/**
 * run_command: a shell command in the workspace with a time limit. The command runs in its
 * own process group so a timeout or a cancel kills everything it started (test runners
 * fork); output is kept head and tail with a marker in the middle, because the first
 * lines (what ran) and the last lines (the failure summary) are what the model needs.
 */
import { type ChildProcess, type ChildProcessByStdio, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import { readFileSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { ENTERPRISE_TOKEN_VARIABLES, GITHUB_TOKEN_VARIABLES } from "../protocol/github-tokens.ts";
import { type LeftBehind, RUN_MARKER_VAR, type RunIdentity, type RunProcess, SIGKILL_WAIT_MS, leftBehind, stillRunning, stopLeftBehind, stopRun } from "./process-tree.ts";
import { MAX_COMMAND_OUTPUT_CHARS, MAX_COMMAND_PROCESSES } from "./limits.ts";
import { OutputDecoder } from "./output-decoder.ts";
import { userProgramEnv } from "./user-program-env.ts";
import { NO_NETWORK_NOTE, type NetworkOff, looksLikeNoNetwork, serviceOffNote, unreachedServices } from "./command-network.ts";
import { FirstSections, type SectionRule, showSection } from "./failure-details.ts";
import { FAILURE_SECTIONS, LEADING_SUMMARY } from "./test-runners.ts";
import { TerminalText } from "../protocol/terminal-text.ts";
import { pairSafeEnd, pairSafeStart } from "./text-file.ts";
import { secretSafeEnd, secretSafeStart } from "../protocol/secret-values.ts";
import { type Tool, ToolError, optionalInt, optionalString, stringArg } from "./tool.ts";

const DEFAULT_TIMEOUT_S = 120;
const KILL_GRACE_MS = 2000;
/** The longest stopping a command takes: its grace after SIGTERM, then the wait for SIGKILL to take effect. */
export const COMMAND_STOP_MS = KILL_GRACE_MS + SIGKILL_WAIT_MS;
/** How long output still in the pipes is read after the shell exited (see `drained`). */
const EXIT_DRAIN_MS = 200;

/** How a command ended. */
export interface CommandOutcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly output: string;
  readonly omittedChars: number;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  readonly durationMs: number;
  /** Processes the command started that were still running when the call returned. */
  readonly stillRunning: readonly number[];
}

export const runCommandTool: Tool = {
  effect: "command",
  display: { title: "Run command", wouldLikeTo: "run `{command}`", keyArguments: ["command", "cwd"], body: "arguments" },
  failuresByOutput: true,
  definition: {
    name: "run_command",
    description: "Run a shell command (e.g. the tests) in the workspace and return its exit code and output (stdout and stderr together; long output is cut in the middle). Non-interactive: stdin is closed.",
    parameters: {
      type: "object",
      properties: {
        command: { type: "string", description: "The command line, run with sh -c." },
        cwd: { type: "string", description: "Folder to run in, relative to the workspace root (default: the root)." },
        timeout_seconds: { type: "integer", description: `Time limit (default ${DEFAULT_TIMEOUT_S}, at most 1800).` },
      },
      required: ["command"],
    },
  },
  async execute(input, ctx) {
    const command = stringArg(input, "command");
    const cwd = await ctx.workspace.resolve(optionalString(input, "cwd") ?? ".");
    const folder = await ctx.workspace.stat(cwd);
    if (!folder) throw new ToolError("not-found", `cwd "${cwd}" does not exist`);
    if (folder.type !== "directory") throw new ToolError("invalid-input", `cwd "${cwd}" is a file, not a folder`);
    const timeoutS = optionalInt(input, "timeout_seconds", 1, 1800) ?? DEFAULT_TIMEOUT_S;
    const outcome = await runShell(command, join(ctx.workspace.root, cwd), timeoutS * 1000, ctx.signal, MAX_COMMAND_OUTPUT_CHARS, { timeLimit: ctx.timeLimit, networkOff: ctx.networkOff });
    const omitted = outcome.omittedChars > 0 ? ` (${outcome.omittedChars} characters cut from the middle)` : "";
    if (outcome.cancelled) throw new ToolError("cancelled", `the command was cancelled; its processes were stopped. Output so far:\n${outcome.output}`, outcome);
    if (outcome.timedOut) throw new ToolError("timeout", `the command ran past ${timeoutS} s and was stopped. Output so far${omitted}:\n${outcome.output}${outcome.output === "" || outcome.output.endsWith("\n") ? "" : "\n"}${EDITOR_WAITING.test(outcome.output) ? EDITOR_WAITED : NEVER_ENDS}`, outcome);
    const status = outcome.exitCode === null ? `killed by ${outcome.signal}` : `exit code ${outcome.exitCode}`;
    const gpg = outcome.exitCode !== null && outcome.exitCode !== 0 && GPG_SIGN_FAILED.test(outcome.output) ? `${outcome.output === "" || outcome.output.endsWith("\n") ? "" : "\n"}${GPG_NOTE}\n` : "";
    return { text: `$ ${command}\n[${status}, ${(outcome.durationMs / 1000).toFixed(1)} s${omitted}]\n${outcome.output}${gpg}`, data: outcome };
  },
};

/**
 * What vim (vi, vimdiff) says when it starts without a
 * terminal: it then draws its screen and waits for keys for ever (stdin is /dev/null), and
 * told NEVER_ENDS, a model might start it in the background as a server. Read by its shape,
 * `Vim: WORD: WHY`, not its words, which follow the user's language ("Vim: Achtung: Die Eingabe
 * kommt nicht von einem Terminal", French "Vim : Alerte : …" with a space before each colon).
 */
const EDITOR_WAITING = /^Vim ?: [^:\n]+ ?: \S[^\n]*$/m;
const EDITOR_WAITED = "[vim, a text editor, waited for keys that never come: commands run with no terminal. Edit files with edit_file or write_file, or script the change (sed -i, vim -es -c '%s/old/new/' -c wq FILE)]";

/**
 * Said at a time limit: a dev server, a watch mode or `tail -f` is stopped there whatever
 * the limit; told only "ran past 120 s", a model had nothing to try but a larger
 * timeout_seconds (up to 1800), the user waiting out each one.
 */
const NEVER_ENDS = "[If it does not end by itself — a dev server, a watch mode (jest --watch, tsc -w, vite, nodemon), tail -f — it is stopped at any limit: start a server in the background with its output to a file (npm run dev > server.log 2>&1 &), then read server.log and kill the pid when done, or run the one-shot form (tsc without -w, jest without --watch). A larger timeout_seconds helps only a command that ends.]";

/**
 * The environment commands run with: Hearth's own, non-interactive (CI=1, a dumb terminal,
 * no editor: `git commit` without -m, `--amend`, `rebase --continue` started the user's vim
 * or `code --wait`, which waited for a person until the time limit; now the editor fails at
 * once and says why — GIT_EDITOR overrides git's core.editor too), without what Hearth
 * holds for itself: node:test's NODE_TEST_CONTEXT (when Hearth itself
 * runs under a test runner, a project's `node --test` would otherwise silently run nothing)
 * $HEARTH_API_KEY (`hearth fix --server` runs the agent in the CLI's own process, which
 * holds the key; a command the model writes could print it) and ELECTRON_RUN_AS_NODE (the
 * runtime needs it, VS Code's Node being Electron; a project's `electron .`, or its VS Code
 * extension tests, would start Electron as plain Node and fail), nor the GitHub tokens
 * `hearth fix` reads for the issue ($GH_TOKEN, $GITHUB_TOKEN and the Enterprise ones:
 * protocol/github-tokens.ts, the list cli/issue-url.ts reads): the agent runs in the CLI's process, and an issue that
 * tells the model to print them could, under auto-all. That keeps them out of what a command
 * is handed (`env`, a test's logs), not out of its reach: on Linux a command running as the
 * same user can read Hearth's own environment in /proc/<pid>/environ, and the user's shell's;
 * only a sandbox (a container, another user) isolates them. Other credentials the user started
 * Hearth with stay: a project's tests may need its cloud's (the editor's runtime gets none,
 * extension/runtime-env.ts). Those of Hearth's own and those that send a program elsewhere
 * are left out by userProgramEnv, which the MCP servers share (user-program-env.ts); it also
 * gives the commands the user's NODE_OPTIONS back, which the editor's runtime was started
 * without, and asks for no password or passphrase (NO_PROMPTS there: no askpass, no GPG_TTY,
 * git, ssh and Git Credential Manager told not to ask — a model's `git push` opened a dialog
 * and waited for no one; a `git commit` under commit.gpgsign drew gpg's box over the chat). Nor GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE and the others that
 * name a repository (REPOSITORY_VARIABLES): `hearth fix` run from a git hook (which exports
 * GIT_INDEX_FILE, the commit's own index) or a shell with a dotfiles setup's GIT_DIR=~/.dotfiles
 * GIT_WORK_TREE=~ exported had the model's `git status` read that repository, its `git add`,
 * `git stash` or `git checkout` change it, and a project's tests that make repositories of
 * their own write into it. Commands act on the workspace's repository, as Hearth's own git
 * does (indexer/read-only-git.ts, checkpoints) and as in the editor, whose runtime never had them.
 * Nor an exported CDPATH (`.:~/projects` from a shell profile), with which the model's `cd build`
 * in a workspace without build/ went to ~/projects/build, and every `cd` through it printed the
 * folder, so a script's `DIR=$(cd src && pwd)` got it twice (configure scripts unset it for that).
 *
 * Colour is left to TERM=dumb and the pipe (no terminal): NO_COLOR or FORCE_COLOR=0 are not
 * set, and the user's FORCE_COLOR is kept. FORCE_COLOR=0 turns colour *on* in pytest and
 * Python 3.13 (a non-empty value forces it), NO_COLOR changes what a project's own tests of
 * its colour output see, and Node warns where both are set (nodejs/node#37404); what colour
 * gets through is removed from the output the model reads (terminal-text.ts).
 */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...userProgramEnv(process.env), CI: "1", TERM: "dumb", GIT_EDITOR: NO_EDITOR, GIT_SEQUENCE_EDITOR: NO_SEQUENCE_EDITOR, VISUAL: NO_EDITOR, EDITOR: NO_EDITOR };
  for (const name of Object.keys(env)) if (TOKEN_VARS.includes(name)) delete env[name];
  return env;
}

/**
 * git's line when gpg did not sign, read by its shape, not its words, which follow the user's
 * language: `error: gpg failed to sign the data`, German `Fehler: gpg beim Signieren der Daten
 * fehlgeschlagen`, French `erreur : gpg n'a pas pu signer les données`, Chinese `错误：gpg 无法为数据签名`
 * — git's prefix word, a colon (a no-break space before it in French, full width in Chinese and
 * Japanese), then `gpg` as a word of its own. gpg's own lines (`gpg: signing failed: …`) and
 * git's `gpg.ssh.defaultKeyCommand failed`, `gpg-agent` are not that. The prefix is letters only
 * (git's are: error, Fehler, erreur, 错误, hata…), and gpg is not followed by an option: grep's
 * output over a script that runs gpg (`./release.sh:gpg --armor …`, `release.sh:gpg …`) or a
 * config line (`sign: gpg --detach-sign …`) matched, and after `grep -r gpg` the model was told
 * gpg could not sign and to ask the user to commit. Looked for only where the command failed.
 */
const GPG_SIGN_FAILED = /^[\p{L}\p{M}]{1,24}[ \u00a0\u202f]?[:：] ?gpg(?![\w.-]| +-)[^\n]*$/mu;
const GPG_NOTE = "[gpg could not sign the commit. Commands run with no terminal, so gpg cannot ask for a signing key's passphrase: where that is the cause, ask the user to commit, or to unlock the key in their own terminal first (gpg-agent keeps it unlocked a while). Do not turn signing off (--no-gpg-sign, -c commit.gpgsign=false) unless the user asks for that.]";

const TOKEN_VARS = [...GITHUB_TOKEN_VARIABLES, ...ENTERPRISE_TOKEN_VARIABLES];

/** An "editor" (run through sh by git and most others, with the file after it) that explains and fails. */
const NO_EDITOR = "echo 'no editor: commands run without a terminal (git commit -m …, --no-edit)' >&2; false";

/**
 * git rebase -i's editor of its todo list: the user's `sequence.editor` (interactive-rebase-tool,
 * `code --wait`) comes before GIT_EDITOR and waited for a person until the time limit.
 */
const NO_SEQUENCE_EDITOR = "echo 'no editor: commands run without a terminal; for git rebase -i give the todo list by a command that edits the file named after it: GIT_SEQUENCE_EDITOR=\"sed -i -e 2s/^pick/fixup/\" git rebase -i …' >&2; false";

/** Optional knobs of `runShell`. */
export interface RunShellOptions {
  /** Milliseconds between SIGTERM and SIGKILL when stopping a command (default 2 s). */
  readonly killGraceMs?: number;
  /** When the time limit is reached (`ToolContext.timeLimit`); default a timer of `timeoutMs`. */
  readonly timeLimit?: (ms: number) => Promise<unknown>;
  /**
   * Run it without the network (`hearth fix --yes`: command-network.ts): in a network namespace
   * with only loopback; a failure that reads as a network one gets NO_NETWORK_NOTE for the model.
   */
  readonly networkOff?: NetworkOff | undefined;
  /** Processes (threads counted) the command may add to its user's (default MAX_COMMAND_PROCESSES; a test's bomb gets fewer). */
  readonly maxProcesses?: number;
}

/**
 * Runs `sh -c command` in its own process group and resolves when the shell exits — not
 * when every holder of its stdout lets go: a background child (`cmd &`, `setsid`, a
 * daemon) may keep the pipes open for ever. Output still in the pipes is read for a moment
 * after the exit, then the pipes are closed; processes still running are named in the
 * output. On timeout or abort the group and every escaped descendant are stopped (SIGTERM,
 * then SIGKILL) before the call resolves.
 */
export async function runShell(command: string, cwd: string, timeoutMs: number, signal: AbortSignal, maxChars = MAX_COMMAND_OUTPUT_CHARS, options: RunShellOptions = {}): Promise<CommandOutcome> {
  const started = Date.now();
  const output = new OutputCollector(maxChars, LEADING_SUMMARY, FAILURE_SECTIONS);
  const marker = randomUUID();
  const processLimit = commandProcessLimit(options.maxProcesses ?? MAX_COMMAND_PROCESSES);
  const oomKillsBefore = oomKills();
  const child = startShell(command, cwd, { ...commandEnv(), [RUN_MARKER_VAR]: marker }, options.networkOff, processLimit);
  child.stdout.on("data", (d: Buffer) => output.push("stdout", d));
  child.stderr.on("data", (d: Buffer) => output.push("stderr", d));
  const run = child.pid === undefined ? undefined : { pgid: child.pid, marker };
  const watch = new ShellWatch(child, run, options.killGraceMs ?? KILL_GRACE_MS);
  let ended = false;
  // The limit is taken a loop turn late, after any exit the system has already reported: stopped
  // by Ctrl-Z past the limit and brought back by fg, hearth met the timer before the exit of a
  // shell that had ended meanwhile, and a command that ended by itself read as 'ran past N s'.
  const timeUp = (): void => void setImmediate(() => {
    if (!ended && child.exitCode === null && child.signalCode === null) watch.stop("timeout");
  });
  const timer = options.timeLimit ? undefined : setTimeout(timeUp, timeoutMs);
  void options.timeLimit?.(timeoutMs).then(timeUp);
  const onAbort = (): void => watch.stop("cancel");
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) onAbort();
  const end = await watch.ended;
  ended = true;
  clearTimeout(timer);
  signal.removeEventListener("abort", onAbort);
  await drained(child, EXIT_DRAIN_MS);
  const behind = end.error || !run || watch.stopping ? undefined : leftBehind(run);
  const left: readonly RunProcess[] = watch.stopping ? await watch.stopping : (behind?.processes ?? []);
  if (behind && left.length > 0) {
    dropLaterOutput(child);
    stopWhenAborted(signal, behind, options.killGraceMs ?? KILL_GRACE_MS);
    leftAnywhere.add(behind);
  } else closePipes(child);
  if (end.error) output.note(end.error.message);
  if (left.length > 0) output.note(stillRunningNote(left, watch.stopping !== undefined));
  if (!watch.stopping && (end.sig === "SIGKILL" || end.code === 137) && oomKillsSince(oomKillsBefore)) output.note(OUT_OF_MEMORY_NOTE);
  // Stdin is closed (no terminal): a command that asked a question read no answer and failed there.
  const failed = end.code !== null && end.code !== 0 && !watch.stopping;
  // Without the network, a DNS error alone read as a broken machine or a typo: the model is told why, and the way out is the user's.
  // A service of the machine (PostgreSQL's socket, Docker's) is closed to it too: told so, not left to read as a service that is down.
  const networkOff = options.networkOff;
  const offline = failed && networkOff ? (shown: string) => {
    const services = unreachedServices(shown, networkOff.covered?.(shown, cwd));
    return services.length > 0 ? serviceOffNote(services) : looksLikeNoNetwork(shown) ? NO_NETWORK_NOTE : undefined;
  } : undefined;
  const limited = processLimit !== undefined && (failed || left.length > 0) ? (shown: string) => processLimitNoteFor(shown, processLimit, options.maxProcesses ?? MAX_COMMAND_PROCESSES) : undefined;
  const { text, omitted } = output.end(failed ? PROMPT_NOTE : undefined, offline || limited ? (shown) => offline?.(shown) ?? limited?.(shown) : undefined);
  const stopped = { timedOut: watch.reason === "timeout", cancelled: watch.reason === "cancel" };
  return { exitCode: end.code, signal: end.sig, output: text, omittedChars: omitted, ...stopped, durationMs: Date.now() - started, stillRunning: left.map((p) => p.pid) };
}

/**
 * What commands left running (a dev server started with `&`) is stopped when the run that
 * started them is: Stop, the runtime's shutdown, Ctrl-C in the CLI abort its signal. Before,
 * they outlived the run, the window and Hearth. One listener per signal, however many
 * commands left processes behind (Node warns past ten).
 */
function stopWhenAborted(signal: AbortSignal, left: LeftBehind, graceMs: number): void {
  let waiting = leftBySignal.get(signal);
  if (!waiting) {
    const list: Array<{ left: LeftBehind; graceMs: number }> = [];
    waiting = list;
    leftBySignal.set(signal, list);
    signal.addEventListener("abort", () => {
      for (const w of list.splice(0)) stopping(stopLeftBehind(w.left, w.graceMs));
    }, { once: true });
  }
  if (signal.aborted) stopping(stopLeftBehind(left, graceMs));
  else waiting.push({ left, graceMs });
}

/** Stops of what commands left running, under way (an aborted run's: SIGKILL comes after the grace). */
const stopsUnderWay = new Set<Promise<unknown>>();

function stopping(stop: Promise<unknown>): void {
  const settled = stop.then(() => undefined, () => undefined);
  stopsUnderWay.add(settled);
  void settled.then(() => stopsUnderWay.delete(settled));
}

/**
 * Resolves once the stops of what commands left running that aborted runs started are done.
 * The runtime's shutdown waits for them: it aborts every run, finished ones too, and a
 * runtime that exited at once left a server that ignores SIGTERM running, its SIGKILL never
 * sent (the extension kills what the runtime started only when the runtime outlives its wait).
 */
export async function leftRunningStopped(): Promise<void> {
  while (stopsUnderWay.size > 0) await Promise.all([...stopsUnderWay]);
}

/** What `stopLeftRunning` found still running and stopped, and what outlived even SIGKILL. */
export interface LeftRunningStop {
  readonly stopped: readonly RunProcess[];
  readonly notStopped: readonly RunProcess[];
}

/**
 * Stops now, and waits for, what the commands run with `signal` left running (a server
 * started with `&`, a setsid daemon) — for a run that ends without its signal aborting:
 * `hearth fix` exits when the fix is made, and what the agent started would otherwise run
 * on, orphaned and unnamed, holding its port for the next run. The editor's runs leave them
 * to the user until Stop or the runtime's end (the model was told their pids).
 */
export async function stopLeftRunning(signal: AbortSignal): Promise<LeftRunningStop> {
  const waiting = leftBySignal.get(signal)?.splice(0) ?? [];
  const running = waiting.map((w) => stillRunning(w.left));
  const notStopped = (await Promise.all(waiting.map((w) => stopLeftBehind(w.left, w.graceMs)))).flat();
  const survivors = new Set(notStopped.map((p) => p.pid));
  return { stopped: running.flat().filter((p) => !survivors.has(p.pid)), notStopped };
}

const leftBySignal = new WeakMap<AbortSignal, Array<{ left: LeftBehind; graceMs: number }>>();

/** Every command's processes left running, in any run, until found gone (commandsLeftRunning). */
const leftAnywhere = new Set<LeftBehind>();

/**
 * Whether a process a command left running (a watcher, a dev server started with `&`, in this
 * run or an earlier one) still runs: it may write files while no step of the agent's runs, and
 * its writes cannot be told from the user's (agent/conversation-run.ts keeps them in the review).
 */
export function commandsLeftRunning(): boolean {
  for (const left of leftAnywhere) {
    if (stillRunning(left).length > 0) return true;
    leftAnywhere.delete(left);
  }
  return false;
}

/**
 * Said where a command (its shell, or the program the shell ran: exit 137) was killed by a
 * SIGKILL Hearth did not send: "killed by SIGKILL" alone left the model retrying the same run.
 */
const OUT_OF_MEMORY_NOTE = "[The command was killed by SIGKILL, which Hearth did not send: most often the system's out-of-memory killer, the command having used more memory than the machine (or its container) had free; commands' processes are the first it stops, so Hearth kept running. Do not run it again as it was: use less memory (a smaller input or test subset, fewer parallel jobs such as make -j1 or pytest -n 1), or tell the user how much it needs.]";

/**
 * The kernel's count of out-of-memory kills since boot (/proc/vmstat's oom_kill, Linux 4.13 on;
 * a memory group's or a container's kills counted too, the count being the machine's), or
 * undefined where it cannot be read (off Linux, an older kernel).
 */
function oomKills(): number | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const found = /^oom_kill (\d+)$/m.exec(readFileSync("/proc/vmstat", "utf8"));
    return found ? Number(found[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the out-of-memory killer may have killed since `before`: not where the kernel's count
 * did not move. A SIGKILL or exit 137 with no such kill is someone else's (`timeout -s KILL`, a
 * test runner's or a script's own `kill -9`, a program killing its own process group), and the
 * out-of-memory note sent the model to cut memory use for a command that had not run out.
 */
function oomKillsSince(before: number | undefined): boolean {
  const now = oomKills();
  return before === undefined || now === undefined || now !== before;
}

/**
 * Where memory runs out, the kernel's out-of-memory killer stops the process it scores
 * highest, mostly by size: a command eating memory (python -c "x=' '*10**11", a test that
 * leaks) was outscored by the model runtime holding gigabytes of weights, so the runtime
 * died — the chat and the agent with it — and the command ran on. Every command's
 * processes get the highest oom_score_adj (1000, inherited by all they start: any size
 * then scores above every process at 0), so they go first and Hearth stays. Raising one's
 * own score needs no privilege; where /proc cannot be written the command runs as before.
 * Set in a shell that then execs the command's own argv, so its process (and the pid, the
 * group leader) is `sh -c command` as before.
 */
const FIRST_TO_GO = '{ echo 1000 > /proc/self/oom_score_adj; } 2>/dev/null; exec "$@"';

/**
 * FIRST_TO_GO, and where `limit` is given the command's RLIMIT_NPROC set to it: the hard limit
 * (a command cannot raise it back), and the soft one only where the user's is higher (it cannot
 * be above the hard one): a user's soft limit below it (RHEL's 4,096 in limits.d) was raised to
 * it. `ulimit -u` in bash and busybox, `-p` in dash, whichever this sh takes; a user whose hard
 * limit is lower keeps theirs (raising it is refused).
 */
function firstToGo(limit: number | undefined): string {
  return limit === undefined ? FIRST_TO_GO : `{ ulimit -H -u ${limit} || ulimit -u ${limit} || ulimit -H -p ${limit} || ulimit -p ${limit}; } 2>/dev/null; ${FIRST_TO_GO}`;
}

/**
 * The RLIMIT_NPROC that lets a command add `room` processes to those its user runs now: the
 * kernel counts every thread of the user's against it, so a fixed number would leave a
 * desktop with a browser open nothing, or a bomb everything. Not where Hearth runs as root
 * (the kernel does not hold root to it; a container's or systemd's pids limit is the bound
 * there) nor off Linux. The user's threads are counted in /proc (userThreads). Nor where Hearth
 * runs in a PID namespace of its own (a container: docker, a dev container): its /proc shows
 * only the container's processes, while the kernel counts the uid's on the host too — and a dev
 * container's user has the host user's uid by default (updateRemoteUserUID) — so a limit counted
 * there left the desktop's threads no room, and every command's forks failed ("Cannot fork").
 */
export function commandProcessLimit(room: number): number | undefined {
  const uid = process.getuid?.();
  if (process.platform !== "linux" || uid === undefined || uid === 0 || inPidNamespace()) return undefined;
  let threads = 0;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) threads += userThreads(pid, uid);
  return threads + room;
}

/**
 * Whether this process runs in a PID namespace other than the machine's first (the kernel gives
 * that one the fixed id 0xEFFFFFFC, PROC_PID_INIT_INO: `pid:[4026531836]`; NSpid cannot tell, as
 * it lists only the levels the mounted /proc sees). True where it cannot be read: a /proc Hearth
 * cannot trust to show every process of its user.
 */
function inPidNamespace(): boolean {
  try {
    return readlinkSync("/proc/self/ns/pid") !== "pid:[4026531836]";
  } catch {
    return true;
  }
}

/**
 * The threads of process `pid` where its real uid is `uid`, else 0, read cheaply: /proc/<pid>'s
 * owner is the process's effective uid (root's, proc(5) says, where it made itself non-dumpable,
 * as ssh-agent does, or runs set-uid root, as sudo does: only those have their status read for
 * the real uid), and /proc/<pid>/task's link count is its threads plus 2. Reading every
 * process's status took some 25 ms a thousand processes, blocking the runtime's one thread
 * before each command (BENCHMARKS.md, "A command's process limit").
 */
function userThreads(pid: string, uid: number): number {
  try {
    const owner = statSync(`/proc/${pid}`).uid;
    if (owner === 0) {
      const real = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (Number(real?.[1]) !== uid) return 0;
    } else if (owner !== uid) return 0;
    return Math.max(1, statSync(`/proc/${pid}/task`).nlink - 2);
  } catch {
    return 0; // gone meanwhile
  }
}

/**
 * A program's words for a fork or thread start the process limit refused, as each says it (tried
 * under a real RLIMIT_NPROC): dash's `Cannot fork`, bash's `fork: retry: Resource temporarily
 * unavailable`, Python's `BlockingIOError: [Errno 11]` (os.fork, subprocess, multiprocessing) and
 * `RuntimeError: can't start new thread`, Node's `spawn sleep EAGAIN` / `spawnSync /bin/sh EAGAIN`
 * (the program's name between), make's `make: sleep: Resource temporarily unavailable`, the JVM's
 * `unable to create native thread` and `pthread_create failed (EAGAIN)` (pthread_create with EAGAIN on
 * its line: a linker's "undefined reference to `pthread_create'" is no refused start), Rust's `failed to spawn
 * thread` and `Resource temporarily unavailable (os error 11)` (Command::spawn, cargo), and Go's
 * `failed to create new OS thread` and `fork/exec …: resource temporarily unavailable` (its source).
 */
const FORK_FAILED = /Cannot fork|fork: (?:retry: )?Resource temporarily unavailable|BlockingIOError: \[Errno 11\]|can't start new thread|spawn(?:Sync)? [^\s]{1,4096} EAGAIN|^make(?:\[\d{1,9}\])?: [^\n:]{1,4096}: Resource temporarily unavailable|unable to create (?:new )?native thread|pthread_create(?: failed)?[^\n]{0,80}(?:EAGAIN|Resource temporarily unavailable)|failed to spawn thread|Resource temporarily unavailable \(os error 11\)|failed to create new OS thread|fork\/exec [^\s:]{1,4096}: resource temporarily unavailable/m;

/** bash's words where a command's `ulimit -u N` would raise the hard limit Hearth set. */
const RAISE_REFUSED = /max user processes: cannot modify limit/;

/** The process limit's note for a command's output where it shows a refused fork or a refused raise of the limit. */
export function processLimitNoteFor(shown: string, limit: number, room: number): string | undefined {
  if (FORK_FAILED.test(shown)) return processLimitNote(room);
  if (RAISE_REFUSED.test(shown)) return `[Hearth holds each command to ${room.toLocaleString("en-US")} processes and threads beyond those the user runs already (its hard process limit is ${limit.toLocaleString("en-US")}), so a runaway one cannot freeze the machine; this command's \`ulimit -u\` could not raise it. Run it without raising the limit, or tell the user it needs more.]`;
  return undefined;
}

function processLimitNote(room: number): string {
  return `[Hearth lets one command start at most ${room.toLocaleString("en-US")} processes and threads at once, so a runaway one (a fork bomb, a loop that forks, a thread per item) cannot freeze the machine; this command reached it and its forks failed. Do not run it again as it was: start fewer at once (fewer parallel jobs or workers, a bounded pool), or tell the user it needs more.]`;
}

/**
 * `sh -c command` as the leader of its own process group. What the system cannot start
 * becomes a ToolError that says why: a model writing a file's content as a heredoc in the
 * command, or a huge variable in Hearth's environment, read "the tool failed unexpectedly:
 * spawn E2BIG".
 */
function startShell(command: string, cwd: string, env: NodeJS.ProcessEnv, networkOff?: NetworkOff, processLimit?: number): ChildProcessByStdio<null, Readable, Readable> {
  if (command.includes("\0")) throw new ToolError("invalid-input", "the command holds a NUL character (U+0000), which a command line cannot carry; write the byte with printf '\\0', or write the file with write_file");
  try {
    const [file, args] = networkOff ? networkOff.argv(command) : ["sh", ["-c", command]];
    const [first, rest] = process.platform === "linux" ? ["sh", ["-c", firstToGo(processLimit), "sh", file, ...args]] : [file, args];
    return spawn(first, rest, { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"], env });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "E2BIG") throw new ToolError("too-large", `the command could not be started (E2BIG): ${tooBigToStart(command, env)}`);
    throw error;
  }
}

/** Linux's limit on one argument or one environment string (MAX_ARG_STRLEN, the NUL included). */
const MAX_ARG_BYTES = 128 * 1024;

function tooBigToStart(command: string, env: NodeJS.ProcessEnv): string {
  const commandBytes = Buffer.byteLength(command) + 1;
  const vars = Object.entries(env).map(([name, value]) => ({ name, bytes: Buffer.byteLength(`${name}=${value ?? ""}`) + 1 }));
  const largest = vars.reduce((a, b) => (b.bytes > a.bytes ? b : a), { name: "", bytes: 0 });
  if (commandBytes >= MAX_ARG_BYTES) {
    return `the command is ${bytes(commandBytes)}, and the system takes at most 128 KiB in one argument: write long content to a file with write_file, then run a short command`;
  }
  if (largest.bytes >= MAX_ARG_BYTES) {
    return `the environment variable ${largest.name}, which commands inherit from Hearth, is ${bytes(largest.bytes)}, over the system's 128 KiB for one variable: unset or shorten it where Hearth is started`;
  }
  const envBytes = vars.reduce((sum, v) => sum + v.bytes, 0);
  return `the command (${bytes(commandBytes)}) and the environment commands inherit from Hearth (${bytes(envBytes)}) are more than the system takes together`;
}

function bytes(n: number): string {
  return `${n.toLocaleString("en-US")} bytes`;
}

/**
 * How a shell ends: its exit, a spawn error, or — for a shell that outlives even SIGKILL
 * (uninterruptible sleep) — the end of the stop, so the call never waits for ever.
 */
class ShellWatch {
  reason: "timeout" | "cancel" | undefined;
  stopping: Promise<RunProcess[]> | undefined;
  readonly ended: Promise<ShellEnd>;
  private endNow: (end: ShellEnd) => void = () => undefined;

  constructor(child: ChildProcess, private readonly run: RunIdentity | undefined, private readonly graceMs: number) {
    this.ended = new Promise<ShellEnd>((resolve) => {
      this.endNow = resolve;
      child.once("exit", (code, sig) => resolve({ code, sig }));
      child.once("error", (error) => resolve({ code: null, sig: null, error }));
    });
  }

  /** Stops the command's processes, once; the first reason wins. */
  stop(reason: "timeout" | "cancel"): void {
    if (this.stopping) return;
    this.reason = reason;
    this.stopping = this.run ? stopRun(this.run, this.graceMs) : Promise.resolve([]);
    // The exit event normally comes first; this only frees a call whose shell cannot die.
    void this.stopping.then(() => setTimeout(() => this.endNow({ code: null, sig: null }), EXIT_DRAIN_MS).unref());
  }
}

interface ShellEnd {
  readonly code: number | null;
  readonly sig: NodeJS.Signals | null;
  readonly error?: Error;
}

/**
 * Resolves when both pipes have closed, or after `ms`: what the shell wrote before it exited
 * is already in the pipe and arrives within a loop turn or two; a background holder of the
 * pipe must not keep the call open.
 */
function drained(child: ChildProcess, ms: number): Promise<void> {
  if (child.stdout?.closed && child.stderr?.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    child.once("close", () => (clearTimeout(timer), resolve()));
  });
}

/**
 * Background processes the command left running keep its stdout and stderr open: closing
 * them would kill those processes at their next line (SIGPIPE, or EPIPE in Node and
 * Python: a dev server started with `&` died at its first log line). What they write is
 * read and dropped, without holding Hearth's event loop, up to MAX_DROPPED_BYTES — then
 * the pipes are closed after all, so a background flood (`yes &`) ends.
 */
function dropLaterOutput(child: ChildProcess): void {
  let dropped = 0;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    stream.removeAllListeners("data");
    stream.on("data", (d: Buffer) => {
      dropped += d.length;
      if (dropped > MAX_DROPPED_BYTES) closePipes(child);
    });
    (stream as Socket).unref();
  }
}

/** Output background processes may write after the call returned before their pipes close. */
const MAX_DROPPED_BYTES = 64 * 1024 * 1024;

function closePipes(child: ChildProcess): void {
  child.stdout?.destroy();
  child.stderr?.destroy();
}

function stillRunningNote(left: readonly RunProcess[], stopped: boolean): string {
  const list = left.slice(0, 5).map((p) => `${p.pid} (${p.command})`).join(", ") + (left.length > 5 ? `, and ${left.length - 5} more` : "");
  return stopped
    ? `[processes that could not be stopped: ${list}]`
    : `[the command ended but started background processes that are still running: ${list}. Their further output is not shown (redirect it to a file, cmd > log 2>&1 &, to read it); stop them with kill <pid> when they are no longer needed]`;
}

/**
 * Output of a command as text: each stream decoded as a stream (a character split across
 * two reads stays intact; UTF-16 when it starts so, output-decoder.ts), without terminal control sequences and with progress redraws
 * applied (terminal-text.ts), both interleaved line by line as their lines end, kept head and tail in bounded
 * memory (a command printing gigabytes costs no more than `max` characters), and the lines
 * of the cut middle that `keep` keeps (a test run's summary) shown where they were.
 */
export class OutputCollector {
  private readonly decoders = { stdout: new OutputDecoder(), stderr: new OutputDecoder() };
  private readonly terminals = { stdout: new TerminalText(), stderr: new TerminalText() };
  private readonly kept: HeadTail;
  private readonly sections: FirstSections | undefined;
  private readonly notes: string[] = [];
  /** Bytes that were not UTF-8 were decoded as U+FFFD (said after the output: the model would take � for the text). */
  private notUtf8 = false;
  /** The stream whose text the output ends in, mid-line; undefined at a line's start. */
  private open: "stdout" | "stderr" | undefined;
  /** The stream that wrote last: its unfinished line (a prompt the command hung on) ends the output. */
  private last: "stdout" | "stderr" = "stderr";

  constructor(max: number, keep?: MiddleLinesRule, sections?: SectionRule) {
    this.kept = new HeadTail(max, keep && new MiddleLines(keep));
    this.sections = sections && new FirstSections(sections);
  }

  push(stream: "stdout" | "stderr", bytes: Buffer): void {
    if (bytes.length > 0) this.last = stream;
    this.add(stream, this.decoders[stream].write(bytes), bytes);
  }

  private add(stream: "stdout" | "stderr", text: string, bytes?: Buffer): void {
    // Looked at only until the first: a binary flood costs one check a chunk.
    if (!this.notUtf8 && text.includes(REPLACEMENT)) this.notUtf8 = bytes === undefined || countReplacements(text) > countReplacements(bytes);
    if (text === "") return;
    this.keep(stream, this.terminals[stream].write(text));
  }

  /**
   * Each stream holds its own unfinished line (TerminalText): a line goes on when it ends, so
   * a progress line redrawn on one stream, or stdout's block-buffered write cut mid-line,
   * never has the other's text joined into it. What one stream passes on unfinished (a line
   * too long to hold, the last one) ends before the other stream's text starts.
   */
  private keep(stream: "stdout" | "stderr", text: string): void {
    if (text === "") return;
    if (this.open !== undefined && this.open !== stream) text = `\n${text}`;
    this.open = text.endsWith("\n") ? undefined : stream;
    this.kept.push(text);
    this.sections?.push(text);
  }

  /** A line Hearth adds after the output (an error, processes left running). */
  note(text: string): void {
    this.notes.push(text);
  }

  /** The sections (failures' details) that lie in the cut middle, [from, to) of the output, as shown. */
  private cutSections(from: number, to: number): string {
    return (this.sections?.found ?? []).filter((s) => s.end > from && s.start < to).map(showSection).join("");
  }

  /** Characters held in memory now (for tests of the bound). */
  heldChars(): number {
    return this.kept.held();
  }

  /**
   * The text, with incomplete trailing bytes as U+FFFD and the notes after it; `atPrompt`, a
   * note said first when the output ends in an unfinished line shaped like a question
   * (`package name: (demo) `, `Continue? [Y/n] `). `more`: a last note, by what the output shows (run without the network: NO_NETWORK_NOTE).
   */
  end(atPrompt?: string, more?: (shown: string) => string | undefined): { text: string; omitted: number } {
    for (const stream of this.last === "stdout" ? (["stderr", "stdout"] as const) : (["stdout", "stderr"] as const)) {
      this.add(stream, this.decoders[stream].end());
      this.keep(stream, this.terminals[stream].end());
    }
    this.sections?.end();
    const text = this.kept.text((from, to) => this.cutSections(from, to));
    if (this.terminals.stdout.changed || this.terminals.stderr.changed) this.notes.unshift(CONTROL_NOTE);
    if (this.notUtf8) this.notes.unshift(NOT_UTF8_NOTE);
    if (this.decoders.stdout.utf16 || this.decoders.stderr.utf16) this.notes.unshift(UTF16_NOTE);
    if (atPrompt !== undefined && PROMPT_END.test(text.slice(-MAX_PROMPT))) this.notes.unshift(atPrompt);
    const last = more?.(text);
    if (last !== undefined) this.notes.push(last);
    const notes = this.notes.map((n) => `${text === "" || text.endsWith("\n") ? "" : "\n"}${n}\n`).join("");
    return { text: text + notes, omitted: this.kept.omitted };
  }
}

const REPLACEMENT = "\uFFFD";
/**
 * An unfinished last line ending as a question does: `name: `, `(demo) ` after a colon,
 * `? `, `[Y/n]`, `(y)`, a REPL's `> ` / `>>> ` / `mysql> `. Looked at in the output's last
 * MAX_PROMPT characters. A prompt leaves a space for the answer after `:`, `?`, `>` and
 * `(default)`; output that merely ends without a newline does not (an HTML error page's
 * `</html>` that curl --fail-with-body prints, `Error: build failed (see build.log)`), and
 * told it had waited at a question, a model went looking for a -y option. The answers'
 * letters follow the program's language: `[J/n]` (German), `[O/n]` (French), `[E/h]`
 * (Turkish), `[Д/н]` (Russian), as a pair of any letters.
 */
const PROMPT_END = /(?:[:?][ \t]+|\[(?:[yn]|\p{L}\/\p{L})\][ \t]*|\((?:[yn]|\p{L}\/\p{L})\)\??[ \t]*|:[^\n]*\([^\n)]*\)[ \t]+|(?:^|\n)[^\s<>]{0,30}>{1,3}[ \t]+)$/iu;
const MAX_PROMPT = 200;
const PROMPT_NOTE = "[it stopped at a question waiting for an answer: commands run with stdin closed and no terminal, so none came. Give the answers as options instead (npm init -y, npx --yes, apt-get -y, pip --no-input, git commit -m …), pipe them in (yes | cmd, printf 'answer\\n' | cmd), or write the file it would create with write_file]";
const UTF16_NOTE = "[the output is UTF-16 text (a Windows tool, or a file saved as UTF-16) and is shown decoded]";
const CONTROL_NOTE = "[terminal control sequences (colours, cursor moves, links) were removed and lines redrawn with \\r show their last state]";
const NOT_UTF8_NOTE = "[some bytes of the output are not UTF-8 and are shown as \uFFFD: binary output, or text in another encoding such as Latin-1 (iconv -f latin1, or xxd, shows them)]";

/** U+FFFD in decoded text or in bytes (one split between two chunks counts in neither: rare enough). */
function countReplacements(where: { indexOf(value: string, from?: number): number }): number {
  let n = 0;
  for (let at = where.indexOf(REPLACEMENT); at >= 0; at = where.indexOf(REPLACEMENT, at + 1)) n++;
  return n;
}

/**
 * Text looked at on the far side of a cut: a secret value (a token, a URL with its password)
 * the cut falls inside is left out whole, not shown in part (protocol/secret-values.ts).
 */
const CUT_CONTEXT = 1024;

/**
 * Keeps the first and last `max / 2` characters of a stream, never half a surrogate pair nor
 * part of a secret value: runTool masks the output after the cut, and a token's first (or
 * last) characters alone are not shaped like one.
 */
class HeadTail {
  private head = "";
  private tail = "";
  private headDone = false;
  /** The first CUT_CONTEXT characters after the head, and the last before the tail. */
  private afterHead = "";
  private beforeTail = "";
  omitted = 0;

  constructor(
    private readonly max: number,
    private readonly middle?: MiddleLines,
  ) {}

  push(chunk: string): void {
    const half = Math.floor(this.max / 2);
    if (!this.headDone) {
      let take = half - this.head.length;
      if (take < chunk.length) {
        // Stop one unit short rather than split a surrogate pair; later text goes to the tail.
        take = pairSafeEnd(chunk, take);
        this.headDone = true;
      }
      this.head += chunk.slice(0, take);
      chunk = chunk.slice(take);
    }
    if (chunk === "") return;
    if (this.afterHead.length < CUT_CONTEXT) this.afterHead += chunk.slice(0, CUT_CONTEXT - this.afterHead.length);
    this.tail += chunk;
    if (this.tail.length > half) {
      const cut = pairSafeStart(this.tail, this.tail.length - half);
      this.omitted += cut;
      this.middle?.add(this.tail.slice(0, cut));
      this.dropped(cut);
    }
  }

  /** The tail's first `chars` characters are cut. */
  private dropped(chars: number): void {
    this.beforeTail = (this.beforeTail + this.tail.slice(Math.max(0, chars - CUT_CONTEXT), chars)).slice(-CUT_CONTEXT);
    this.tail = this.tail.slice(chars);
  }

  held(): number {
    return this.head.length + this.tail.length;
  }

  /**
   * Head and tail with a marker between; what `cutText` gives for the cut middle (as
   * positions in the output) is shown there too, in place of as much of the tail's start:
   * the output stays within `max`.
   */
  text(cutText?: (from: number, to: number) => string): string {
    if (this.omitted === 0) return this.head + this.tail;
    this.keepSecretsWhole();
    const extra = cutText?.(this.head.length, this.head.length + this.omitted) ?? "";
    if (extra !== "") this.dropTailStart(extra.length);
    const lines = this.middle?.lines ?? [];
    const parts = [...(lines.length > 0 ? [["the test summary lines", `${lines.join("\n")}\n`]] : []), ...(extra !== "" ? [["the first failures' details", extra]] : [])];
    this.keepSecretsWhole();
    const kept = parts.length > 0 ? `; ${parts.map((p) => p[0]).join(" and ")} among them: …]\n${parts.map((p) => p[1]).join("")}[…` : " …";
    return `${this.head}\n[… ${this.omitted} characters omitted${kept}]\n${this.tail}`;
  }

  /** About `chars` characters less of the tail's start (whole lines), a quarter of `max` left at least. */
  private dropTailStart(chars: number): void {
    const most = this.tail.length - Math.floor(this.max / 4);
    const drop = Math.min(chars, most);
    if (drop <= 0) return;
    // From the next line's start, unless that is past the quarter kept (a long line): there, mid-line.
    const nl = this.tail.indexOf("\n", drop - 1);
    const cut = nl >= 0 && nl < most ? nl + 1 : pairSafeStart(this.tail, drop);
    this.omitted += cut;
    this.dropped(cut);
  }

  /** The head ends before, and the tail starts after, a secret value a cut falls inside (its characters counted as omitted). */
  private keepSecretsWhole(): void {
    const end = secretSafeEnd(this.head + this.afterHead, this.head.length);
    const cutOff = this.head.slice(end);
    this.head = this.head.slice(0, end);
    this.afterHead = (cutOff + this.afterHead).slice(0, CUT_CONTEXT);
    // Shorter than CUT_CONTEXT, what was cut before the tail is all of it: the head's end comes before.
    const whole = this.beforeTail.length < CUT_CONTEXT;
    this.beforeTail = (cutOff + this.beforeTail).slice(-CUT_CONTEXT);
    this.omitted += cutOff.length;
    const before = whole ? (this.head + this.beforeTail).slice(-CUT_CONTEXT) : this.beforeTail;
    const start = secretSafeStart(before + this.tail, before.length) - before.length;
    this.omitted += start;
    this.dropped(start);
  }

}

/** Which lines of the cut middle of an output to keep: those holding one of `words` that `keeps` accepts. */
export interface MiddleLinesRule {
  readonly words: readonly string[];
  keeps(line: string): boolean;
}

/**
 * The last MAX_MIDDLE_LINES lines of the cut middle that `rule` keeps, read as the middle is
 * cut (in pieces that split lines anywhere). Only lines holding one of the rule's words are
 * looked at, found with indexOf: a flood of output costs no per-line work. Lines over
 * MAX_MIDDLE_LINE characters are not kept (a summary is short).
 */
class MiddleLines {
  readonly lines: string[] = [];
  private partial = "";
  /** Inside a line that is not kept: the first one (the head ends in it) or a long one. */
  private skipping = true;

  constructor(private readonly rule: MiddleLinesRule) {}

  add(text: string): void {
    let from = 0;
    if (this.skipping || this.partial !== "") {
      const end = text.indexOf("\n");
      if (end < 0) return this.extend(text);
      if (!this.skipping) this.scan(this.partial + text.slice(0, end + 1));
      this.partial = "";
      this.skipping = false;
      from = end + 1;
    }
    const last = text.lastIndexOf("\n");
    if (last >= from) this.scan(text.slice(from, last + 1));
    this.extend(text.slice(Math.max(from, last + 1)));
  }

  private extend(text: string): void {
    if (this.skipping) return;
    this.partial += text;
    if (this.partial.length > MAX_MIDDLE_LINE) [this.partial, this.skipping] = ["", true];
  }

  /** `block`: whole lines, each ending in \n. Read from the end: only the last lines kept matter. */
  private scan(block: string): void {
    const found = new Map<number, string>();
    for (const word of this.rule.words) {
      let kept = 0;
      // indexOf first: V8's lastIndexOf is ten times slower, and most pieces hold no such word.
      for (let at = block.includes(word) ? block.lastIndexOf(word) : -1; at >= 0 && kept < MAX_MIDDLE_LINES; ) {
        const start = block.lastIndexOf("\n", at) + 1;
        const line = block.slice(start, block.indexOf("\n", at)).replace(/\r$/, "");
        if (!found.has(start) && line.length <= MAX_MIDDLE_LINE && this.rule.keeps(line)) (found.set(start, line), kept++);
        at = start === 0 ? -1 : block.lastIndexOf(word, start - 1);
      }
    }
    for (const [, line] of [...found].sort((a, b) => a[0] - b[0])) this.lines.push(line);
    this.lines.splice(0, this.lines.length - MAX_MIDDLE_LINES);
  }
}

const MAX_MIDDLE_LINES = 40;
const MAX_MIDDLE_LINE = 300;

