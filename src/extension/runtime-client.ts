/**
 * Owns the runtime process: spawns it with VS Code's own Node, connects
 * vscode-languageclient over stdio, follows its status, and restarts it with backoff
 * when it dies, telling the user. Every request to the runtime goes through `request`,
 * which fails with one clear message while the runtime is not running.
 */
import type { ChildProcess } from "node:child_process";
import * as vscode from "vscode";
import {
  CloseAction,
  type CancellationToken,
  DidChangeConfigurationNotification,
  ErrorAction,
  LanguageClient,
  type LanguageClientOptions,
  type MessageTransports,
  type NotificationType,
  type RequestHandler,
  type RequestType,
  type RequestType0,
  StreamMessageWriter,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from "vscode-languageclient/node";
import {
  DocumentResyncRequest,
  type DocumentResyncResult,
  type InitializationOptions,
  StatusChangedNotification,
  StatusRequest,
  WorkspaceTrustedNotification,
} from "../protocol/lsp-ext.ts";
import { machineMemory } from "../protocol/memory-advice.ts";
import { SETTINGS_SECTION } from "../protocol/settings.ts";
import type { RuntimeStatus } from "../protocol/status.ts";
import { runtimeOutput } from "../protocol/stdout-frames.ts";
import type { RuntimeConnection } from "../protocol/webview.ts";
import { unlessAborted } from "../protocol/wait.ts";
import { readRawSettings, readSettings } from "./config.ts";
import { EDITOR_DOCUMENTS } from "./inline-completions.ts";
import { withoutSecret } from "./key-free-log.ts";
import { Liveness } from "./liveness.ts";
import { MEMORY_CALLS, RestartPolicy, gaveUpMessage } from "./restart-policy.ts";
import { RestartQueue } from "./restart-queue.ts";
import { RestartAfterRun } from "./restart-after-run.ts";
import type { RunningChat } from "./chat/run-start.ts";
import { runtimeEnvironment } from "./runtime-env.ts";
import { addSystemCertificates, systemCertificates } from "./system-certificates.ts";
import { NETWORK_VARIABLE, type ProxySettings } from "../protocol/proxy-settings.ts";
import { RuntimeNotRunningError } from "./request-failure.ts";
import { RuntimeStart, hungStartMessage, unansweredByEnd } from "./runtime-start.ts";
import { type ServerKeys, keyReadTimeoutMessage } from "./server-key.ts";
import type { FolderChoice } from "./workspace-folder.ts";

export { RuntimeNotRunningError };

export class RuntimeClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private child: ChildProcess | undefined;
  /** The current runtime's start, which ends it on a stop. */
  private runtimeStart: RuntimeStart | undefined;
  /**
   * Processes `stop` ended: their exit is no crash. `stopping` alone does not say so — a
   * restart's `start` clears it at once, and the killed process's exit can come after that
   * (its stderr drained, the server key read), while it is still `this.child`: it was taken
   * for a crash, and the restart it scheduled started a second runtime beside the new one.
   */
  private readonly stopped = new WeakSet<ChildProcess>();
  private restartTimer: NodeJS.Timeout | undefined;
  /** Watches that the running runtime still answers (a SIGSTOP or a hang in native code does not end it). */
  private liveness: Liveness | undefined;
  /** Requests sent and not yet answered: liveness asks the runtime only while there are some. */
  private unanswered = 0;
  private stopping = false;
  private current: RuntimeConnection = { kind: "starting" };
  /** The proxy the running runtime was given (its {@link NETWORK_VARIABLE}): another restarts it. */
  private network: string | undefined;
  /** The server API key the running runtime was given (for `settings.serverUrl`'s origin). */
  private serverKey: string | undefined;
  private readonly policy = new RestartPolicy();
  private readonly queue = new RestartQueue({ start: (signal) => this.startRuntime(signal), stop: () => this.stopRuntime() });
  /** A proxy change's restart, held while a chat run is in progress. */
  private readonly proxyRestart = new RestartAfterRun(() => this.restart());
  private readonly stateChanged = new vscode.EventEmitter<RuntimeConnection>();
  // One watcher for the extension's lifetime, shared by every runtime it starts.
  private readonly watcher = vscode.workspace.createFileSystemWatcher("**/*");
  private readonly disposables: vscode.Disposable[] = [this.stateChanged, this.watcher];
  readonly onDidChangeState = this.stateChanged.event;
  /** Handlers for what the runtime sends; registered again on every (re)started client. */
  private readonly handlers: ((client: LanguageClient) => void)[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly serverKeys?: ServerKeys,
    private readonly folders?: FolderChoice,
  ) {
    // Trusting the workspace lets its settings count (an untrusted one's approval policy is
    // `ask`) and lets the index read its git history.
    this.disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.workspaceTrusted()));
    if (serverKeys) this.disposables.push(serverKeys.onDidChange(() => void this.restartIfKeyChanged()));
    // The runtime has one root, given at start: another folder is another runtime.
    if (folders) this.disposables.push(folders.onDidChange((folder) => void this.folderChanged(folder)));
    // The runtime reads its proxy at start (models/proxy.ts): VS Code's http.proxy changed is a restart.
    this.disposables.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration("http") && this.proxyChanged()));
  }

  get state(): RuntimeConnection {
    return this.current;
  }

  /**
   * Starts the runtime, after any stop or start under way; resolves once it answered its
   * first status (or failed to start).
   */
  start(): Promise<void> {
    return this.queue.restart();
  }

  /**
   * Stops the runtime and starts a new one with a fresh set of attempts. Restarts asked at
   * once (a double-click, a key and a folder change together) run one at a time and coalesce:
   * two at once left two runtimes running, one of them orphaned with the model loaded twice.
   */
  restart(): Promise<void> {
    this.output.appendLine("[extension] restarting the runtime (requested)");
    this.policy.reset();
    // Said at once: the runtime being stopped (up to 8 s) was still shown running, so a Send
    // went on, and failed "starting or restarting"; requests are refused from now on anyway.
    this.setState({ kind: "starting" });
    return this.queue.restart();
  }

  async request<R>(type: RequestType0<R, void>, token?: CancellationToken): Promise<R>;
  async request<P, R>(type: RequestType<P, R, void>, params: P, token?: CancellationToken): Promise<R>;
  async request(type: RequestType0<unknown, void> | RequestType<unknown, unknown, void>, ...rest: unknown[]): Promise<unknown> {
    const client = this.client;
    if (!client || this.current.kind !== "running") {
      if (this.current.kind === "failed") throw new RuntimeNotRunningError("Hearth's runtime is stopped. Run \"Hearth: Restart Runtime\" to start it again.", true);
      throw new RuntimeNotRunningError("Hearth's runtime is starting or restarting; try again in a moment.");
    }
    this.unanswered++;
    try {
      return await client.sendRequest(type as RequestType<unknown, unknown, void>, ...(rest as [unknown, CancellationToken]));
    } catch (error) {
      if (!unansweredByEnd(error)) throw error;
      throw new RuntimeNotRunningError("Hearth's runtime stopped before it answered (the Hearth log says how); it is restarted unless it keeps stopping.");
    } finally {
      this.unanswered--;
    }
  }

  /** Answers a request the runtime sends (approvals, saves), on this and every later runtime. */
  onRequest<P, R>(type: RequestType<P, R, void>, handler: RequestHandler<P, R, void>): void {
    this.handlers.push((client) => client.onRequest(type, handler));
    this.client?.onRequest(type, handler);
  }

  /** Receives a notification the runtime sends, from this and every later runtime. */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void {
    this.handlers.push((client) => client.onNotification(type, handler));
    this.client?.onNotification(type, handler);
  }

  /** Follows LSP work-done progress the runtime reports for a token the extension chose. */
  onWorkDoneProgress(
    token: string,
    handler: (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => void,
  ): vscode.Disposable {
    const client = this.client;
    return client ? client.onProgress(WorkDoneProgress.type, token, handler) : new vscode.Disposable(() => undefined);
  }

  dispose(): void {
    this.liveness?.dispose();
    this.proxyRestart.cancel();
    void this.queue.dispose();
    for (const d of this.disposables) d.dispose();
  }

  /** One start (RestartQueue's turn); `signal` aborts when a restart or dispose comes meanwhile. */
  private async startRuntime(signal: AbortSignal): Promise<void> {
    this.stopping = false;
    this.setState({ kind: "starting" });
    this.serverKey = await this.readServerKey(signal);
    if (signal.aborted) return;
    const spawnedAt = Date.now();
    let spawned: RuntimeStart | undefined;
    const options = this.clientOptions();
    const log = options.outputChannel!;
    // The client reads only whole frames: what native code printed to stdout goes to the log,
    // as its stderr does (the client pipes a ChildProcess's stderr there; these transports are not one).
    const serverOptions = async (): Promise<MessageTransports> => {
      if (signal.aborted) throw new Error("the start was cut short by a restart or by closing the window");
      const { child } = (spawned = this.spawn());
      return { reader: runtimeOutput(child.stdout!, child.stderr!, (text) => log.append(text)), writer: new StreamMessageWriter(child.stdin!) };
    };
    const client = new QuietLanguageClient("hearth", "Hearth Runtime", serverOptions, options);
    this.client = client;
    client.onNotification(StatusChangedNotification, (status) => this.statusChanged(client, status));
    client.onRequest(DocumentResyncRequest, ({ uri }) => documentText(uri));
    for (const register of this.handlers) register(client);
    // Cut short: this start's process is ended (no crash), which ends the client's start too.
    const cutShort = () => spawned && (this.stopped.add(spawned.child), spawned.failed());
    signal.addEventListener("abort", cutShort);
    try {
      await client.start();
      spawned?.answered();
      const startedMs = Date.now() - spawnedAt;
      this.policy.started();
      const status = await client.sendRequest(StatusRequest);
      this.output.appendLine(`[extension] runtime ready in ${Date.now() - spawnedAt} ms (spawn to first status; client started after ${startedMs} ms)`);
      this.statusChanged(client, status);
      if (this.client === client) this.watch(client);
    } catch (error) {
      this.output.appendLine(`[extension] runtime ${signal.aborted ? "start cut short" : "failed to start"}: ${String(error)}`);
      // Kills this start's process if it still runs; its exit handler schedules the restart.
      spawned?.failed(error);
    } finally {
      signal.removeEventListener("abort", cutShort);
    }
  }

  /**
   * The key for the configured server, for a start. Secret storage behind a locked keyring
   * may never answer: after KEY_READ_TIMEOUT_MS the runtime starts without the key and the
   * user is told; should the keyring answer later with a key, the runtime restarts with it.
   * A restart or dispose meanwhile (`signal`) does not wait for it either.
   */
  private async readServerKey(signal: AbortSignal): Promise<string | undefined> {
    const serverUrl = readSettings().serverUrl;
    const read = this.serverKeys && (await unlessAborted(this.serverKeys.read(serverUrl), signal));
    if (!read || read.answered) return read?.key;
    const message = keyReadTimeoutMessage(serverUrl);
    this.output.appendLine(`[extension] ${message}`);
    void vscode.window.showWarningMessage(message, "Restart Runtime").then((pick) => pick && void this.restart());
    void read.late.then(() => this.restartIfKeyChanged());
    return undefined;
  }

  /** Asks `client`'s runtime now and then whether it answers; says so when it has not for a while. */
  private watch(client: LanguageClient): void {
    this.liveness?.dispose();
    this.liveness = new Liveness(() => client.sendRequest(StatusRequest), {
      unresponsive: (silentMs) => {
        const message = `Hearth's runtime has not answered for ${Math.round(silentMs / 1000)} s: it is stopped or stuck (in native code, most likely). Requests and chat replies wait until it answers; Restart Runtime ends it.`;
        this.output.appendLine(`[extension] ${message}`);
        void vscode.window.showWarningMessage(message, "Restart Runtime", "Show Log").then((pick) => {
          if (pick === "Show Log") this.output.show(true);
          if (pick === "Restart Runtime" && this.client === client) void this.restart();
        });
      },
      responsive: () => this.output.appendLine("[extension] the runtime answers again"),
      busy: () => this.unanswered > 0,
    });
  }

  /** Stops the current runtime (RestartQueue's turn: before a start, or for good on dispose). */
  private async stopRuntime(): Promise<void> {
    this.liveness?.dispose();
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const client = this.client;
    const start = this.runtimeStart;
    this.client = undefined;
    if (!start) return;
    this.stopped.add(start.child);
    await start.stop((timeoutMs) => (client ? client.stop(timeoutMs) : Promise.resolve()));
  }

  private clientOptions(): LanguageClientOptions {
    return {
      // Every document the user types in: the index follows unsaved edits of files, completions see them all.
      documentSelector: EDITOR_DOCUMENTS,
      // The folder Hearth works in is the runtime's root (and its only workspace folder).
      ...(this.folders?.folder ? { workspaceFolder: this.folders.folder } : {}),
      // Its trace of what it sends (initialize, with the key) is the user's to turn on, from any settings layer: never with the key.
      outputChannel: withoutSecret(this.output, this.serverKey),
      synchronize: {
        configurationSection: SETTINGS_SECTION,
        // Changes made outside the editor (git checkout, a build) reach the index too.
        fileEvents: this.watcher,
      },
      initializationOptions: (): InitializationOptions => ({
        settings: readRawSettings(),
        storagePath: this.context.storageUri?.fsPath,
        globalStoragePath: this.context.globalStorageUri.fsPath,
        editorEdits: true,
        workspaceTrusted: vscode.workspace.isTrusted,
        ...(this.serverKey ? { serverApiKey: this.serverKey } : {}),
      }),
      middleware: {
        workspace: {
          // The runtime keeps the key it started with: a server URL with another key (or
          // none) must not reach it, or the old key would go to the new server. Restart.
          // The settings go as readRawSettings decides them (what a repository may set), not
          // as VS Code merges the section.
          didChangeConfiguration: () => this.settingsChanged(),
        },
      },
      // A failed start is Hearth's to report (once, with Show Log / Restart): the client's own
      // pop-up of the runtime's answer is off, and it stops the half-started client as before.
      initializationFailedHandler: () => false,
      // We restart ourselves (with backoff and a message); the client must not.
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => ({ action: CloseAction.DoNotRestart, handled: true }),
      },
    };
  }

  private spawn(): RuntimeStart {
    const runtime = this.context.asAbsolutePath("out/runtime.mjs");
    // Its end (or a spawn that failed) with how in words: native code's last line, the error
    // a broken install died of, its answer to initialize (the language client logs the rest).
    const env = runtimeEnvironment(process.env, process.platform, vscodeProxy());
    // The company CA IT put in the system's store, which VS Code trusts: the runtime's Node trusts it too.
    addSystemCertificates(env, this.context.globalStorageUri.fsPath, systemCertificates());
    this.network = env[NETWORK_VARIABLE];
    const start = RuntimeStart.fork(runtime, env, {
      hung: () => this.startHung(start, runtime),
      ended: (reason, signal) => this.onExit(start.child, reason, signal),
      unspawned: (message) => {
        this.output.appendLine(`[extension] ${message}`);
        this.startFailed(message);
      },
    });
    const child = start.child;
    this.child = child;
    this.runtimeStart = start;
    this.output.appendLine(`[extension] runtime started: pid ${child.pid} (${process.execPath})`);
    return start;
  }

  /**
   * A start passed its deadline (runtime-start.ts killed the process tree): the user is told
   * at once, not on the exit, which a process stuck on a dead network path may not reach for
   * long. It counts as a failed start, but is not retried by itself: what hangs (a network
   * drive, a lock) most likely hangs again, a minute each time.
   */
  private startHung(start: RuntimeStart, runtimePath: string): void {
    const message = hungStartMessage(start, runtimePath);
    this.output.appendLine(`[extension] ${message}`);
    if (this.stopping || this.stopped.has(start.child) || start.child !== this.child) return;
    this.stopped.add(start.child); // its exit is this failure, not another crash
    const client = this.client;
    this.client = undefined;
    void client?.dispose(1000).catch(() => undefined);
    this.policy.crashed();
    this.startFailed(message);
  }

  /**
   * A start failed in a way that is not retried by itself (it hung, or no process could be
   * spawned: the same environment fails the same way): failed, with Show Log / Restart Runtime.
   * A spawn that threw used to leave the state "starting" for good — nothing ended that start.
   */
  private startFailed(message: string): void {
    this.setState({ kind: "failed", message });
    void vscode.window.showErrorMessage(message, "Show Log", "Restart Runtime").then((pick) => {
      if (pick === "Show Log") this.output.show(true);
      if (pick === "Restart Runtime") void this.restart();
    });
  }

  private onExit(child: ChildProcess, reason: string, signal: NodeJS.Signals | null): void {
    this.output.appendLine(`[extension] runtime pid ${child.pid} ended: ${reason}`);
    if (this.stopping || this.stopped.has(child) || child !== this.child) return;
    this.liveness?.dispose();
    const client = this.client;
    this.client = undefined;
    void client?.dispose(1000).catch(() => undefined);
    const decision = this.policy.crashed(undefined, signal);
    if (decision.action === "give-up") {
      // What to choose by: the model file against the memory free now, the runtime gone.
      const memory = decision.whileLoadingModel ? machineMemory(decision.modelPath, readSettings().contextSize, MEMORY_CALLS) : undefined;
      const message = gaveUpMessage(decision, reason, memory);
      this.setState({ kind: "failed", message });
      void vscode.window.showErrorMessage(message, "Show Log", "Restart").then((pick) => {
        if (pick === "Show Log") this.output.show(true);
        if (pick === "Restart") void this.restart();
      });
      return;
    }
    const inSeconds = Math.round(decision.delayMs / 100) / 10;
    this.setState({ kind: "restarting", attempt: decision.attempt, inSeconds, reason });
    void vscode.window
      .showWarningMessage(`Hearth's runtime stopped (${reason}). Restarting it (attempt ${decision.attempt})…`, "Show Log")
      .then((pick) => pick && this.output.show(true));
    this.restartTimer = setTimeout(() => void this.start(), decision.delayMs);
  }

  /** Another folder to work in (chosen, or the one Hearth worked in was removed): a runtime rooted there. */
  private async folderChanged(folder: vscode.WorkspaceFolder | undefined): Promise<void> {
    this.output.appendLine(`[extension] Hearth works in ${folder ? `the folder ${folder.uri.fsPath}` : "no folder"} now: restarting the runtime`);
    await this.restart();
  }

  /** The settings may have changed (VS Code's configuration, or an answer that decides what counts): to the runtime. */
  async settingsChanged(): Promise<void> {
    if (await this.restartIfKeyChanged()) return;
    await this.sendSettings();
  }

  /** The user trusted the folder: its settings count now, and the runtime may run git in it. */
  private async workspaceTrusted(): Promise<void> {
    await this.sendSettings();
    if (this.client?.isRunning()) await this.client.sendNotification(WorkspaceTrustedNotification);
  }

  /** Sends the current settings to a running runtime. */
  private async sendSettings(): Promise<void> {
    if (!this.client?.isRunning()) return;
    await this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { [SETTINGS_SECTION]: readRawSettings() } });
  }

  /** The chat whose run a restart for a proxy change waits for (the chat is made after this client). */
  restartsWaitFor(chat: RunningChat): void {
    this.proxyRestart.watch(chat);
  }

  /**
   * Restarts the runtime when VS Code's proxy settings now name another proxy than the one it
   * was given; during a chat run, once the run ends (a restart would stop it), saying so.
   */
  private proxyChanged(): void {
    if (this.stopping || !this.child) return;
    const changed = (): boolean => !this.stopping && runtimeEnvironment(process.env, process.platform, vscodeProxy())[NETWORK_VARIABLE] !== this.network;
    if (!changed()) return;
    const when = this.proxyRestart.request(changed);
    if (when === "now") this.output.appendLine("[extension] http.proxy or http.noProxy changed: the runtime restarts to use it");
    if (when === "after the run") {
      const line = "http.proxy or http.noProxy changed: the runtime restarts to use it once the run in progress ends";
      this.output.appendLine(`[extension] ${line}`);
      void vscode.window.showInformationMessage(`Hearth: ${line} (a restart now would stop the run).`);
    }
  }

  /** Restarts the runtime when the key for the configured server is not the one it has; true if it did. */
  private async restartIfKeyChanged(): Promise<boolean> {
    if (!this.serverKeys || this.stopping) return false;
    const serverUrl = readSettings().serverUrl;
    const read = await this.serverKeys.read(serverUrl);
    // A keyring that does not answer holds nothing up: the settings reach the runtime now, and
    // the key it hands over later restarts the runtime if it is another (a server URL changed
    // while the keyring was locked would otherwise get no key until a Restart Runtime).
    if (!read.answered) {
      void read.late.then((key) => readSettings().serverUrl === serverUrl && this.restartForKey(key));
      return false;
    }
    return this.restartForKey(read.key);
  }

  /** Restarts the runtime when `key` is not the one it has; true if it did. */
  private restartForKey(key: string | undefined): boolean {
    if (this.stopping || key === this.serverKey) return false;
    this.output.appendLine(`[extension] the server API key ${key ? "for the configured server changed" : "was cleared or the server changed"}: restarting the runtime`);
    void this.restart();
    return true;
  }

  /** A status from `client`'s runtime: shown while it is the current one; its model state tells the restart policy whether a crash now would be one during a load. */
  private statusChanged(client: LanguageClient, status: RuntimeStatus): void {
    if (this.client !== client) return;
    this.policy.modelState(status.model);
    this.setState({ kind: "running", status });
  }

  private setState(state: RuntimeConnection): void {
    this.current = state;
    this.stateChanged.fire(state);
  }
}

/**
 * vscode-languageclient without pop-ups of its own: on every failed start it showed up to
 * three ("Pending response rejected since connection got disposed", "Server initialization
 * failed.", "couldn't create connection to server" — the last one forced past
 * `revealOutputChannelOn`) on top of Hearth's message, and again on each retry. What it
 * reports still goes to the log; Hearth tells the user what happened and what to do.
 */
class QuietLanguageClient extends LanguageClient {
  override error(message: string, data?: unknown): void {
    super.error(message, data, false);
  }
}

/**
 * `hearth/document/resync`: the editor's whole text of a document the runtime lost track of,
 * with the version its didChange notifications carry (vscode-languageclient sends
 * `document.version` and `uri.toString()`), or null when it is not open.
 */
function documentText(uri: string): DocumentResyncResult | null {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  return doc ? { text: doc.getText(), version: doc.version } : null;
}

/** VS Code's proxy settings (user settings only: VS Code lets no workspace set them); none with `http.proxySupport` "off". */
function vscodeProxy(): ProxySettings {
  const http = vscode.workspace.getConfiguration("http");
  if (http.get<string>("proxySupport") === "off") return {};
  const proxy = http.get<string>("proxy");
  const noProxy = http.get<string[]>("noProxy");
  return { ...(proxy ? { proxy } : {}), ...(Array.isArray(noProxy) ? { noProxy } : {}) };
}
