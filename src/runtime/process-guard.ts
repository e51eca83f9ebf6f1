/**
 * Keeps the runtime process honest:
 * - nothing but the connection writes to stdout (console.* is sent to stderr, since one
 *   stray line from a dependency would corrupt the LSP stream);
 * - uncaught errors are logged and the process keeps serving (a request that failed has
 *   already been answered with an error by its handler);
 * - `process.exit` from library code is logged with its caller before it happens;
 * - the runtime exits when its parent dies, so no orphaned runtime keeps holding a GPU
 *   (vscode-languageserver exits on `exit`; a closed stdin is the server's: `clientGone`).
 */
import { isAlive } from "../protocol/processes.ts";
import { COMMAND_STOP_MS } from "../tools/index.ts";
import { log } from "./log.ts";

export function redirectConsoleToStderr(): void {
  const toStderr = (...args: unknown[]) => process.stderr.write(args.map(String).join(" ") + "\n");
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
}

export function logUncaughtErrors(): void {
  // A log line stderr cannot take (its reader gone: the client killed) is dropped. Its EPIPE,
  // uncaught, was logged to stderr again and failed again, a loop that kept a runtime whose
  // client died from stopping the agent's commands before it exited.
  process.stderr.on("error", () => undefined);
  process.on("uncaughtException", (error) => log("error", "uncaught exception (runtime keeps running)", error));
  process.on("unhandledRejection", (reason) => log("error", "unhandled promise rejection (runtime keeps running)", reason));
  const exit = process.exit.bind(process);
  process.exit = ((code?: number) => {
    log(code ? "warn" : "info", `process.exit(${code ?? 0}) called`, new Error("exit stack"));
    return exit(code);
  }) as typeof process.exit;
}

/**
 * Exits (after `cleanup`) when the parent process is gone. Linux re-parents an orphan, so
 * a changed `ppid` means the parent died even when it was killed with SIGKILL and could not
 * close our pipes; `clientPid` (from LSP `initialize`) is checked too where given.
 */
export function exitWithParent(cleanup: () => Promise<void>, intervalMs = 1000): { watchClient(pid: number): void } {
  const parent = process.ppid;
  let clientPid: number | undefined;
  const check = () => {
    const orphaned = process.ppid !== parent || !isAlive(parent) || (clientPid !== undefined && !isAlive(clientPid));
    if (orphaned) void shutdownAndExit("parent process is gone", cleanup);
  };
  setInterval(check, intervalMs).unref();
  return { watchClient: (pid) => void (clientPid = pid) };
}

/**
 * The longest the cleanup before an exit may take: the agent's commands stopped (one that
 * ignores SIGTERM gets SIGKILL after its grace), then the runs' conversations saved. The 3 s
 * it was ended the runtime before that SIGKILL on a loaded machine, and the command ran on, orphaned.
 */
export const EXIT_CLEANUP_MS = COMMAND_STOP_MS + 2000;

let exiting = false;
export async function shutdownAndExit(reason: string, cleanup: () => Promise<void>, code = 0): Promise<void> {
  if (exiting) return;
  exiting = true;
  log("info", `runtime exiting: ${reason}`);
  const timer = setTimeout(() => process.exit(code), EXIT_CLEANUP_MS);
  try {
    await cleanup();
  } catch (error) {
    log("error", "cleanup failed", error);
  }
  clearTimeout(timer);
  process.exit(code);
}
