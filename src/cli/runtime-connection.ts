/**
 * Spawns a Hearth runtime over stdio and speaks LSP to it, outside VS Code: the CLI, the
 * integration tests and the benchmarks use this. (The extension uses
 * vscode-languageclient instead.)
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  type ClientCapabilities,
  type InitializeParams,
  type InitializeResult,
  type ProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
} from "vscode-languageserver-protocol/node";
import {
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  LogMessageNotification,
  MessageType,
  ShutdownRequest,
} from "vscode-languageserver-protocol";
import type { InitializationOptions } from "../protocol/lsp-ext.ts";

export interface RuntimeProcess {
  readonly connection: ProtocolConnection;
  readonly child: ChildProcess;
  readonly initializeResult: InitializeResult;
  /** The runtime's log so far: its `window/logMessage` lines and anything on stderr. */
  log(): string;
  /** Resolves with the exit code / signal once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** shutdown + exit, then SIGKILL if it has not ended after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export interface SpawnRuntimeOptions {
  /** Path of the built runtime (`out/runtime.mjs`). */
  readonly runtimePath: string;
  readonly initializationOptions: InitializationOptions;
  readonly rootPath?: string;
  /** Node binary to run it with (default: this process's). */
  readonly nodePath?: string;
  /** Copy the runtime's log to our stderr as it arrives. */
  readonly echoLog?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** What the client supports (default none), e.g. `{window: {workDoneProgress: true}}`. */
  readonly capabilities?: ClientCapabilities;
}

export async function spawnRuntime(options: SpawnRuntimeOptions): Promise<RuntimeProcess> {
  const child = spawn(options.nodePath ?? process.execPath, [options.runtimePath, "--stdio"], {
    stdio: ["pipe", "pipe", "pipe"],
    env: options.env ?? process.env,
  });
  let stderr = "";
  const append = (text: string) => {
    stderr += text;
    if (options.echoLog) process.stderr.write(text);
  };
  child.stderr!.setEncoding("utf8").on("data", append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const levels: Record<number, string> = { [MessageType.Error]: "error", [MessageType.Warning]: "warn", [MessageType.Info]: "info", [MessageType.Log]: "debug" };
  connection.onNotification(LogMessageNotification.type, ({ type, message }) => append(`[${levels[type] ?? "log"}] ${message}\n`));
  connection.listen();
  const spawnError = new Promise<never>((_, reject) => child.on("error", reject));
  const earlyExit = exited.then(({ code, signal }) => {
    throw new Error(`runtime exited during initialize (${signal ?? `code ${code}`})\n${stderr}`);
  });
  const params: InitializeParams = {
    processId: process.pid,
    rootUri: options.rootPath ? `file://${options.rootPath}` : null,
    capabilities: options.capabilities ?? {},
    initializationOptions: options.initializationOptions,
  };
  const initializeResult = await Promise.race([connection.sendRequest(InitializeRequest.type, params), spawnError, earlyExit]);
  // Both only matter during initialize; later they would reject with no one listening.
  earlyExit.catch(() => undefined);
  spawnError.catch(() => undefined);
  await connection.sendNotification(InitializedNotification.type, {});
  return {
    connection,
    child,
    initializeResult,
    log: () => stderr,
    exited,
    close: async (graceMs = 3000) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      try {
        if (child.exitCode === null && child.signalCode === null) {
          await Promise.race([connection.sendRequest(ShutdownRequest.type), exited]);
          await connection.sendNotification(ExitNotification.type).catch(() => undefined);
        }
        await exited;
      } finally {
        clearTimeout(timer);
        connection.dispose();
        // A dead child's pipes can outlive it as open handles and keep the caller alive.
        for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
      }
    },
  };
}
