/**
 * `hearth` — the headless front end: the same libraries as the extension, on a checkout.
 * Parses only the command name; each command owns its flags.
 */
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { stopRepositoryGits } from "../agent/repository-git.ts";
import { endOnceWrittenIfReadsHeld } from "../indexer/index.ts";
import { useEnvironmentProxy } from "../models/index.ts";
import { VERSION } from "../protocol/version.ts";
import { editorText } from "../tools/text-file.ts";
import { CANCELLED_EXIT, type CliCommand, type CliIo, MAX_INPUT_BYTES, UsageError, nearest, optionArgs, refuseMaking } from "./command.ts";
import { COMMANDS } from "./commands.ts";
import { environmentWarnings, ownProgramSearch } from "./environment.ts";
import { ownText } from "./locale.ts";
import { lowOpenFilesWarning, openFilesAdvice, openFilesLimit } from "../protocol/open-files.ts";
import { terminalJson, terminalName, terminalText } from "./terminal-text.ts";

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `hearth ${VERSION} — agentic coding with a local model`,
    "",
    "Usage: hearth <command> [options]      hearth <command> --help for a command's options",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Exit codes: 0 done, 1 failed, 2 bad usage, 130 cancelled by Ctrl-C (143 by SIGTERM, 129 by",
    "SIGHUP); hearth fix --help and hearth apply-patch --help say their own.",
    "",
  ].map((line) => ownText(line)).join("\n");
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // `hearth help fix` is `hearth fix --help` (git's and npm's habit).
  if (argv[0] === "help" && argv[1] !== undefined) return main([argv[1], "--help"], io);
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(help());
    return 0;
  }
  if (name === "--version" || name === "-v") {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const meant = nearest(name, COMMANDS.map((c) => c.name));
    io.err(`hearth: unknown command "${terminalName(name)}"${meant ? `: did you mean "hearth ${meant}"?` : ""}\n\n${help()}`);
    return 2;
  }
  const options = optionArgs(args);
  if (options.includes("--help") || options.includes("-h")) {
    io.out(`${command.usage}\n`);
    return 0;
  }
  for (const warning of environmentWarnings(process.env, args)) io.err(`${warning}\n`);
  // apply-patch and storage open a few files at a time: the warning is for loading the model and indexing.
  const lowLimit = name === "apply-patch" || name === "storage" ? undefined : lowOpenFilesWarning(openFilesLimit(readText));
  if (lowLimit) io.err(`${lowLimit}\n`);
  // Whether the command printed anything on stdout (its JSON answer) before it failed.
  let printed = false;
  const out = (text: string) => {
    printed ||= text !== "";
    io.out(text);
  };
  try {
    return await command.run(args, announcingStdin(name, { ...io, out }));
  } catch (thrown) {
    // What to pipe instead is the command's own input: chat's message is no issue text, nor a patch.
    const error = thrown instanceof StdinOverLimitError ? new UsageError(`${thrown.message}: pipe ${STDIN_HOLDS[name] ?? "the text itself"}, not a log or an archive`) : withOpenFilesAdvice(thrown);
    const code = failedCommand(name, command, error, io);
    // A script parsing --json's stdout got nothing and failed on that instead of on the error.
    // The exit code is not in it: the entry point makes a cancel 143 or 129 after this. Once the
    // answer is out (locate's cache then failing to save), a second document would make stdout
    // no JSON at all: the error is on stderr and in the exit code only.
    const message = code === CANCELLED_EXIT ? "cancelled" : error instanceof Error ? error.message : String(error);
    if (options.includes("--json") && !printed) io.out(`${terminalJson(JSON.stringify({ error: { message } }))}\n`);
    return code;
  }
}

/** An EMFILE or ENFILE (node's, or in the runtime's words: "system/info: EMFILE: …") with the way out added; any other error as it is. */
function withOpenFilesAdvice(error: unknown): unknown {
  // The runtime's own words for it (modelLoadAdvice) already say how to raise it.
  const said = error instanceof Error && error.message.includes("ulimit -n 4096");
  const advice = error instanceof UsageError || said ? undefined : openFilesAdvice(error, openFilesLimit(readText));
  return advice ? new Error(`${error instanceof Error ? error.message : String(error)}: ${advice}`) : error;
}

/** More on stdin than MAX_INPUT_BYTES (processIo); main adds what the command reads there (STDIN_HOLDS). */
class StdinOverLimitError extends UsageError {}

/** What each command that reads stdin reads there, as the over-the-limit advice names it. */
const STDIN_HOLDS: Readonly<Record<string, string>> = {
  "apply-patch": "the patch itself",
  chat: "your message itself",
  fix: "the issue's text itself",
  locate: "the issue's text itself",
};

/** What a command's error is told as (stderr), and its exit code. */
function failedCommand(name: string, command: CliCommand, error: unknown, io: CliIo): number {
  // A message may carry words of a program Hearth does not control (an MCP server's stderr,
  // a server's error body, the runtime's last words): shown escaped, as a checkout's text is.
  const message = terminalText(error instanceof Error ? error.message : String(error));
  // Ctrl-C inside the indexer or a fetch surfaces as its AbortError ("This operation was aborted").
  if (io.signal.aborted && !(error instanceof UsageError)) {
    io.err(`hearth ${name}: cancelled\n`);
    return CANCELLED_EXIT;
  }
  if (error instanceof UsageError) {
    // The synopsis, not the whole usage: fix's 30 lines scrolled the message itself off a terminal.
    io.err(`hearth ${name}: ${message}\n\nUsage: ${command.usage.split("\n")[0]}\nRun hearth ${name} --help for every option.\n`);
    return 2;
  }
  io.err(`hearth ${name}: ${message}\n`);
  return 1;
}

/** On a terminal, stdin waits for typing: without a word it looks like a hang (`hearth locate` with no `< issue.txt`). */
function announcingStdin(name: string, io: CliIo): CliIo {
  if (!io.inIsTerminal) return io;
  const announce = () => io.err(`hearth ${name}: reading stdin from the terminal: type or paste it, then press Ctrl-D on a line of its own (or pipe it: hearth ${name} < FILE)\n`);
  const { readStdinBytes } = io;
  return {
    ...io,
    readStdin: () => (announce(), io.readStdin()),
    ...(readStdinBytes ? { readStdinBytes: () => (announce(), readStdinBytes.call(io)) } : {}),
  };
}

/** The process's io; why stdout could not be written once it could not (a full disk), for the last line; the signal that cancelled the run. */
function processIo(): { io: CliIo; outFailure: () => string | undefined; cancelledBy: () => NodeJS.Signals | undefined } {
  const controller = new AbortController();
  let cancelledBy: NodeJS.Signals | undefined;
  // SIGTERM (a CI timeout, kill) and SIGHUP (the terminal closed) end the run as Ctrl-C does:
  // left to their default, they killed hearth at once, and the agent's running command
  // outlived it while the patch and the trajectory's end were never written. A second
  // signal of the same kind still kills at once — and with it the gits `hearth fix` runs in
  // the user's repository, which are in process groups of their own (a hanging clean filter).
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cancelledBy ??= signal;
      controller.abort();
      process.once(signal, () => {
        stopRepositoryGits();
        process.kill(process.pid, signal);
      });
    });
  }
  let outFailure: string | undefined;
  const out = closable(process.stdout, (failure) => {
    if (failure === undefined) controller.abort();
    else outFailure = failure;
  });
  const err = closable(process.stderr, () => undefined);
  const readStdinBytes = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    let size = 0;
    // A stdin that does not end (a terminal where nothing is typed yet, tail -f LOG | hearth locate)
    // held the run past Ctrl-C and SIGTERM until a second signal: the wait now ends with the cancel.
    const stop = () => process.stdin.destroy(new DOMException("stdin was not read to its end: cancelled", "AbortError"));
    controller.signal.addEventListener("abort", stop, { once: true });
    for await (const chunk of process.stdin) {
      size += (chunk as Buffer).length;
      // `< /dev/zero` or a pasted image would be read until the heap gives out. A file is held to
      // the same limit (readInputBytes), so no command is told to pass one instead.
      if (size > MAX_INPUT_BYTES) {
        process.stdin.destroy();
        throw new StdinOverLimitError(`The text on stdin is over ${MAX_INPUT_BYTES / 1024 / 1024} MB`);
      }
      chunks.push(chunk as Buffer);
    }
    controller.signal.removeEventListener("abort", stop);
    return Buffer.concat(chunks);
  };
  const cwd = currentFolder(err);
  const io: CliIo = {
    out,
    err,
    // As readInputFile reads a file: cmd's `type ci.log | hearth fix --issue-file - --yes` passes PowerShell's UTF-16 as it is.
    readStdin: async () => editorText(await readStdinBytes()),
    readStdinBytes,
    cwd,
    signal: controller.signal,
    outIsTerminal: process.stdout.isTTY === true,
    errIsTerminal: process.stderr.isTTY === true,
    // Node updates a terminal's columns on SIGWINCH (a resize).
    ...(process.stderr.isTTY ? { errColumns: () => process.stderr.columns || undefined } : {}),
    inIsTerminal: process.stdin.isTTY === true,
  };
  return { io, outFailure: () => outFailure, cancelledBy: () => cancelledBy };
}

/**
 * Writes to `stream` until its reader goes away (`hearth map | head -1`, a closed terminal) or
 * a write fails (a full disk, a file over ulimit -f): then the rest is dropped and `onClosed`
 * runs once, with why for a failed write. Unhandled, either was a stack trace and exit 1.
 * Nobody reads stdout any more once its reader has gone, so that closing cancels the work;
 * output cut short by a failed write is said at the end, and the work goes on to its end
 * (hearth fix's files and trajectory are written elsewhere).
 */
function closable(stream: NodeJS.WriteStream, onClosed: (failure?: string) => void): (text: string) => void {
  let open = true;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (open) onClosed(error.code === "EPIPE" || error.code === "EIO" ? undefined : writeFailure(error));
    open = false;
  });
  return (text) => void (open && stream.write(text));
}

/** Why a write failed, in words ("no space left on device"), without node's "ENOSPC: …, write". */
function writeFailure(error: NodeJS.ErrnoException): string {
  const words = error.message.replace(/^[A-Z]+: /, "").replace(/, write$/, "");
  return words === "" ? (error.code ?? "failed") : words;
}

/**
 * The folder hearth was started in. One that no longer exists (a shell left in a checkout that
 * was removed and cloned again) made process.cwd() throw, a stack trace before any command ran:
 * its path, as the shell's PWD names it, stands in, so --repo elsewhere and --help still work
 * and a path read from there is "No such folder"; without such a PWD hearth stops, saying why.
 * The process moves to the nearest folder above it that exists: node's worker threads (the
 * indexer's) and a path resolved without a base fail in a folder that is gone.
 */
function currentFolder(err: (text: string) => void): string {
  try {
    return process.cwd();
  } catch {
    const pwd = process.env.PWD;
    if (pwd === undefined || !isAbsolute(pwd) || !namesDeletedFolder(pwd)) {
      err("hearth: the current folder no longer exists (deleted, or replaced by a new clone): cd into a folder that does\n");
      process.exit(2);
    }
    if (existsSync(pwd)) {
      // Made again at the same path (rm -rf repo && git clone … repo): what `cd .` would enter.
      err(`hearth: warning: the current folder ${terminalName(pwd)} was removed and made again since the shell went into it (a new clone?): hearth works on the folder there now; cd into it again (cd ${terminalName(pwd)}) for the shell to see it too\n`);
      process.chdir(pwd);
      return pwd;
    }
    err(`hearth: warning: the current folder ${terminalName(pwd)} no longer exists (deleted, or replaced by a new clone): relative paths name nothing there; cd into it again\n`);
    // A relative --out resolved from it would make it again, to write there.
    refuseMaking(pwd);
    let above = dirname(pwd);
    while (!existsSync(above)) above = dirname(above);
    process.chdir(above);
    return pwd;
  }
}

/**
 * Whether `pwd` names the deleted folder this process is in: a PWD left from elsewhere (a
 * program that started hearth in another folder without updating it) may name a folder that
 * exists, and hearth would work there. Linux names the deleted folder in /proc (its path with
 * " (deleted)"); where /proc is not, only a PWD that does not exist is taken.
 */
function namesDeletedFolder(pwd: string): boolean {
  let link: string;
  try {
    link = readlinkSync("/proc/self/cwd");
  } catch {
    return !existsSync(pwd);
  }
  if (!link.endsWith(" (deleted)")) return false;
  const deleted = link.slice(0, -" (deleted)".length);
  // PWD keeps the links the shell went through (/home/me/src -> /data/src, or PWD itself a link
  // to the checkout); /proc names the real path.
  return realPathOf(pwd) === deleted;
}

/** The most dangling links realPathOf follows: past them, a loop (the kernel stops at 40 too). */
const MAX_LINKS_FOLLOWED = 40;

/**
 * `path` with its links resolved, as far as they lead: the nearest part that exists is resolved
 * by realpath, and a link left dangling there (PWD a link to a folder since deleted) is read and
 * followed, as the kernel did when the shell went in. Undefined where that fails (a link loop).
 */
function realPathOf(path: string): string | undefined {
  let rest = path;
  for (let followed = 0; followed <= MAX_LINKS_FOLLOWED; followed++) {
    let above = rest;
    const below: string[] = [];
    while (!existsSync(above) && !danglingLink(above) && dirname(above) !== above) (below.unshift(basename(above)), (above = dirname(above)));
    try {
      if (!danglingLink(above)) return join(realpathSync(above), ...below);
      // A relative target is taken from the link's real folder, as the kernel takes it: its `..`
      // leaves that folder, not the link the path came through (alias/link -> ../target with
      // alias -> deep/sub is deep/target).
      rest = join(resolve(realpathSync(dirname(above)), readlinkSync(above)), ...below);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Whether `path` is a link whose target does not exist. */
function danglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() && !existsSync(path);
  } catch {
    return false;
  }
}

/**
 * A cancelled run's exit code (CANCELLED_EXIT, Ctrl-C's 130) as 128 + the number of the
 * signal that stopped it, as a shell reports a process that signal killed: a CI job's
 * timeout (SIGTERM, 143) or a closed terminal (SIGHUP, 129) is told from a user's Ctrl-C.
 */
function cancelledExit(code: number, signal: NodeJS.Signals | undefined): number {
  if (code !== CANCELLED_EXIT || signal === undefined) return code;
  return 128 + osConstants.signals[signal];
}

// Run only as the entry point (tests import `main`).
if (process.argv[1] && /cli\.(mjs|js|ts)$/.test(process.argv[1])) {
  // Programs from PATH's absolute folders only, for everything hearth itself starts in a checkout.
  ownProgramSearch(process.env);
  const { io, outFailure, cancelledBy } = processIo();
  // Downloads, the CUDA packages and the GitHub issue go through HTTPS_PROXY / HTTP_PROXY (models/proxy.ts); a bad one is said, not fatal.
  // Awaited: a request made before it settles would connect directly (undici is loaded only when a proxy is named).
  const proxyLine = await useEnvironmentProxy(process.env);
  if (proxyLine.startsWith("The proxy")) io.err(`hearth: ${proxyLine}
`);
  main(process.argv.slice(2), io).then(async (code) => {
    // A failed write's error comes on a later tick than the write.
    await new Promise((done) => setImmediate(done));
    const failure = outFailure();
    if (failure !== undefined) {
      const name = COMMANDS.some((c) => c.name === process.argv[2]) ? `hearth ${process.argv[2]}` : "hearth";
      io.err(`${name}: the output could not be written to stdout (${terminalText(failure)}): it is cut short\n`);
    }
    process.exitCode = failure === undefined ? cancelledExit(code, cancelledBy()) : 1;
    // A read on a stalled mount would hold the exit for ever; the answer is written out first.
    await endOnceWrittenIfReadsHeld([process.stdout, process.stderr]);
  });
}

/** A file's text, for openFilesLimit. */
function readText(path: string): string {
  return readFileSync(path, "utf8");
}
