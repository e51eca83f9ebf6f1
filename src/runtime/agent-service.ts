/**
 * The state behind the agent requests of one client: its conversations, the workspace's
 * checkpoint store (opened on first use), the runs in progress and the workspace's MCP
 * servers. Each method answers one request of agent-wiring.ts; the domain logic is
 * src/agent (conversation-run.ts, conversation-store.ts, checkpoint-restore.ts, handoff.ts).
 */
import { statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ApplyWorkspaceEditRequest, type CancellationToken, type Connection, ResponseError } from "vscode-languageserver/node";
import { CheckoutBusyError, hearthStateDir, SharedCheckoutLock } from "../agent/checkout-lock.ts";
import { changedSinceExpected, finishedRestoreNotice, restoreCheckpoint } from "../agent/checkpoint-restore.ts";
import { ConversationStore, NewerConversationError, importConversationFile } from "../agent/conversation-store.ts";
import { type ConversationRunOptions, runConversationTurn } from "../agent/conversation-run.ts";
import { ConversationImportError, exportConversation, exportedPatch, secretFilesIn, secretFilesReadThroughLinks } from "../agent/handoff.ts";
import type { IndexQueries } from "../indexer/index.ts";
import {
  type AgentRunParams,
  type AgentRunResult,
  type AgentWireEvent,
  AgentEventNotification,
  type ChosenPython,
  type CheckpointRestoreParams,
  type CheckpointRestoreResult,
  type ConversationExportParams,
  type ConversationExportResult,
  type ConversationImportResult,
  type MentionSearchResult,
  WorkspaceAutoSaveRequest,
  WorkspaceUnsavedNotebooksRequest,
  WorkspaceSaveRequest,
} from "../protocol/agent.ts";
import { HearthErrorCode } from "../protocol/lsp-ext.ts";
import { PRIVATE_FOLDER } from "../protocol/make-folders.ts";
import { CheckpointStore, DiskWorkspace, editorText, type FileReads, ToolError, type Workspace, leftRunningStopped } from "../tools/index.ts";
import { askClient } from "./approval.ts";
import { ChatEventCoalescer } from "./chat-events.ts";
import { EditorWorkspace } from "./editor-workspace.ts";
import { log } from "./log.ts";
import type { OpenDocuments } from "./open-documents.ts";
import { abortSignal, untilStopped } from "./rpc.ts";
import type { RuntimeSession } from "./session.ts";
import { WorkspaceMcp } from "./workspace-mcp.ts";

export interface AgentServiceOptions {
  readonly connection: Connection;
  readonly session: RuntimeSession;
  /** The workspace folder; no folder, no agent. */
  readonly root: string | undefined;
  /** Runtime storage (checkpoints, conversations); memory/temp only when undefined. */
  readonly storagePath: string | undefined;
  readonly documents: OpenDocuments;
  /** The client applies edits (`workspace/applyEdit`) and saves (`hearth/workspace/save`). */
  readonly editorEdits: boolean;
  readonly index: () => IndexQueries | undefined;
}

/** A conversation the chat shows turns of, of which the runtime has nothing. */
const LOST = "The model's side of this conversation is not in Hearth's storage any more (deleted in another Hearth window or by hand, or Hearth was stopped mid-run before it could keep the first turn): the model starts afresh and does not see the messages above.";

const TURN_LOST = "The model's side of this conversation is missing its last turn: Hearth was stopped mid-run (killed, or the window closed) before it could keep that turn. The model does not see your message of that turn or what it did there; the files it changed stay as they are. Tell the model what it needs to know, or use Restore checkpoint on that message to go back to before it.";

/** Errors of a folder that cannot be made or written: the checkout's lock goes elsewhere. */
const UNWRITABLE = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR", "EEXIST"]);

export class AgentService {
  private readonly connection: Connection;
  /** The workspace's MCP servers (.vscode/mcp.json), started on the first run that finds them, with the client's consent. */
  private readonly mcp: WorkspaceMcp | undefined;
  private readonly conversations: ConversationStore;
  private readonly running = new Set<string>();
  /** Aborted when the runtime shuts down: the runs stop, and the commands they run with them. */
  private readonly shutdown = new AbortController();
  /** The runs in progress, to wait for at shutdown (a stopped command takes up to its kill grace). */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Conversations forgotten while they ran: the run's end must not write them back. */
  private readonly forgotten = new Set<string>();
  private store: Promise<CheckpointStore> | undefined;
  /** What the conversation store said of a running conversation, for that run's chat (notices). */
  private readonly heard = new Map<string, string[]>();
  /** What each conversation's model read (path → content hash): write_file replaces only a file read and unchanged since, in any of its messages (a rewind or an import over it starts afresh). */
  private readonly reads = new Map<string, FileReads>();
  /** One agent at a time in the folder: held while any run or restore of this runtime works there. */
  private checkoutLock: SharedCheckoutLock | undefined;
  /** The lock went to the window's storage: Hearth's state folder could not be made. */
  private checkoutLockMoved = false;

  constructor(private readonly options: AgentServiceOptions) {
    this.connection = options.connection;
    this.mcp = options.root ? new WorkspaceMcp(options.connection, options.root) : undefined;
    const dir = options.storagePath ? join(options.storagePath, "conversations") : undefined;
    this.conversations = new ConversationStore(dir, (message, error, id) => {
      log("warn", `conversation ${id}: ${message}`, error);
      this.heard.get(id)?.push(message);
    });
    this.checkoutLock = options.root ? new SharedCheckoutLock(hearthStateDir(), options.root, "runtime") : undefined;
  }

  /** `hearth/agent/run`: one message of a conversation, one run at a time per conversation. */
  async run(params: AgentRunParams, token: CancellationToken): Promise<AgentRunResult> {
    if (typeof params?.text !== "string" || !params.text.trim()) throw new ResponseError(HearthErrorCode.InvalidInput, "The message is empty: type a message first.");
    if (this.running.has(params.conversationId)) {
      throw new ResponseError(HearthErrorCode.InvalidInput, "This conversation is already running: stop it or wait for it to finish.");
    }
    // A command runs in its own process group: it would outlive the runtime unless the run stops it.
    const signal = AbortSignal.any([abortSignal(token), this.shutdown.signal]);
    const send = (event: AgentWireEvent) => void this.connection.sendNotification(AgentEventNotification, { runId: params.runId, conversationId: params.conversationId, event });
    const text = new ChatEventCoalescer((event) => send({ type: "model", event }));
    const heard: string[] = [];
    const onEvent = (event: AgentWireEvent) => {
      if (event.type === "model") return text.push(event.event);
      text.flush();
      send(event);
      // What reading the conversation found (another window's version, an unreadable file), under the message it is about.
      if (event.type === "user") for (const notice of heard.splice(0)) send({ type: "notice", level: "warning", text: notice });
    };
    const unlock = this.lockCheckout();
    this.running.add(params.conversationId);
    this.heard.set(params.conversationId, heard);
    const turn = (async () => {
      const outcome = await runConversationTurn(await this.turnOptions(params, signal, onEvent));
      text.flush();
      if (!this.forgotten.has(params.conversationId)) await this.conversations.record(params.conversationId, outcome.messages);
      // What the save found (another window's turn set aside) comes after the run's end: the chat shows it last.
      for (const notice of heard.splice(0)) send({ type: "notice", level: "warning", text: notice });
      return outcome.result;
    })();
    this.inFlight.add(turn);
    try {
      return await turn;
    } finally {
      this.inFlight.delete(turn);
      text.flush(); // what the model said before a failure reaches the client before the error
      this.running.delete(params.conversationId);
      this.forgotten.delete(params.conversationId);
      this.heard.delete(params.conversationId);
      unlock();
    }
  }

  private async turnOptions(params: AgentRunParams, signal: AbortSignal, onEvent: (event: AgentWireEvent) => void): Promise<ConversationRunOptions> {
    const fix = params.mode === "fix";
    const existing = await newerRefused(this.conversations.get(params.conversationId), "update Hearth to continue it, or start a New Chat");
    const heard = this.heard.get(params.conversationId);
    if (params.continues === true && !existing && heard?.length === 0) heard.push(LOST);
    // The turn the chat shows answered was never kept: the runtime was killed mid-run (before record).
    else if (existing && params.lastAnswered !== undefined && existing.messages.length <= params.lastAnswered) heard?.push(TURN_LOST);
    const checkpoints = await this.checkpoints();
    // A restore an earlier runtime began and this one's open finished (or could not): said once, in the first run's chat.
    if (checkpoints.finishedRestore) heard?.push(finishedRestoreNotice(checkpoints.finishedRestore));
    checkpoints.finishedRestore = undefined;
    // A patch killed between its files is finished only where it is said (never inside a later write or a restore): here, in this run's chat, before the model reads the tree.
    const cutOff = this.options.root ? await new DiskWorkspace(this.options.root).finishCutOff().catch((error: Error) => `an earlier patch cut off halfway could not be finished: ${error.message}`) : undefined;
    if (cutOff) heard?.push(`${cutOff[0]!.toUpperCase()}${cutOff.slice(1)}.`);
    const extraTools = (await this.mcp?.tools(signal)) ?? [];
    const index = this.options.index();
    const { session, connection } = this.options;
    let reads = this.reads.get(params.conversationId);
    if (!reads) this.reads.set(params.conversationId, (reads = new Map()));
    return {
      mode: fix ? "fix" : "chat",
      text: params.text,
      ...(params.attachments ? { attachments: params.attachments } : {}),
      messages: existing?.messages ?? [],
      // An edit sent is waited for past the run's Stop (a client still there answers it, and one cut short would leave an edit made in the editor reported as failed); what comes before it is not.
      workspace: this.workspace(fix ? "Hearth: fix" : "Hearth", this.shutdown.signal, signal),
      checkpoints,
      ...(index ? { index } : {}),
      backend: () => session.readyBackend(),
      // Read at each call: the user may tighten (or loosen) it while the run works.
      policy: () => session.currentSettings().approvalPolicy,
      approve: (request) => askClient(connection, { runId: params.runId, conversationId: params.conversationId, call: request.call, effect: request.effect }, signal),
      onEvent,
      signal,
      ...(params.testCommand ? { testCommand: params.testCommand } : {}),
      ...(chosenPython(params.python) ?? {}),
      session: fix ? "Fix This Issue" : "chat",
      ...(extraTools.length ? { extraTools } : {}),
      reads,
    };
  }

  /** `hearth/checkpoint/restore`: files back to a checkpoint, and the conversation back to that message. */
  async restore(params: CheckpointRestoreParams): Promise<CheckpointRestoreResult> {
    // The run would write its messages back over the rewind, with the files already restored.
    if (params.conversationId !== undefined) this.requireIdle(params.conversationId);
    // Files written back under another agent (hearth fix, another window) would undo its edits midway.
    const unlock = this.lockCheckout();
    try {
      return await this.restoreLocked(params);
    } finally {
      unlock();
    }
  }

  private async restoreLocked(params: CheckpointRestoreParams): Promise<CheckpointRestoreResult> {
    if (params.conversationId !== undefined && params.messageIndex !== undefined && !(await newerRefused(this.conversations.canRewind(params.conversationId, params.messageIndex), "nothing was restored"))) {
      throw new ResponseError(HearthErrorCode.InvalidInput, "This message no longer starts a turn of the conversation (it changed since): nothing was restored.");
    }
    const checkpoints = await this.checkpoints();
    if (params.expect && !params.force) {
      const changedSince = await changedSinceExpected(checkpoints, params.checkpoint, params.expect, params.paths);
      if (changedSince.length) return { restoredFiles: [], changedSince };
    }
    const { restored: restoredFiles, notRestored } = await restoreCheckpoint({
      checkpoints,
      checkpoint: params.checkpoint,
      ...(params.paths ? { paths: params.paths } : {}),
      ...(params.expect ? { until: params.expect } : {}),
      disk: new DiskWorkspace(this.requireRoot()),
      target: this.workspace("Hearth: restore", this.shutdown.signal),
    });
    let rewindNotSaved: string | undefined;
    if (params.conversationId !== undefined && params.messageIndex !== undefined) {
      // The files are back by now: a rewind made in memory but not saved is said beside them, not as a restore that failed.
      rewindNotSaved = await this.conversations.rewind(params.conversationId, params.messageIndex).then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof RangeError) throw error;
          log("warn", `conversation ${params.conversationId}: the rewind could not be saved`, error);
          return `The conversation goes on from the restored message, but that could not be saved (${error instanceof Error ? error.message : String(error)}): a restart of Hearth loses the rewind.`;
        },
      );
      // The model no longer has what it read in the messages dropped: it reads again before write_file replaces a file.
      this.reads.delete(params.conversationId);
    }
    log("info", `restored ${restoredFiles.length} file(s) from checkpoint ${params.checkpoint.slice(0, 8)}`);
    return { restoredFiles, ...(notRestored.length ? { notRestored } : {}), ...(rewindNotSaved ? { rewindNotSaved } : {}) };
  }

  /** `hearth/checkpoint/file`: a file as a checkpoint holds it (null: not there). */
  async file(params: { readonly checkpoint: string; readonly path: string }): Promise<{ content: string | null }> {
    const bytes = await (await this.checkpoints()).fileAt(params.checkpoint, params.path);
    return { content: bytes ? editorText(bytes) : null };
  }

  /** `hearth/agent/export`: the conversation as Markdown, with the changes since a checkpoint. */
  async exportConversation(params: ConversationExportParams): Promise<ConversationExportResult> {
    const conversation = await newerRefused(this.conversations.get(params.conversationId), "export it from that version");
    if (!conversation) throw new ResponseError(HearthErrorCode.InvalidInput, "This conversation has no messages to export yet: send a message first.");
    const made = params.sinceCheckpoint ? await exportedPatch(await this.checkpoints(), params.sinceCheckpoint, undefined, this.options.root) : { patch: "" };
    const status = this.options.session.status().model;
    const markdown = exportConversation(conversation.messages, {
      title: params.title,
      exportedAt: new Date(),
      ...(status.kind === "ready" ? { model: status.name } : {}),
      ...("patch" in made ? { ...(made.patch ? { patch: made.patch } : {}), ...(made.filesLeftOut ? { patchLeftOut: made.filesLeftOut } : {}) } : { patchLeftOut: made.leftOut }),
    });
    const secretFiles = [...secretFilesIn(conversation.messages), ...(this.options.root ? await secretFilesReadThroughLinks(conversation.messages, this.options.root) : [])];
    const patchLeftOut = "leftOut" in made ? made.leftOut : made.filesLeftOut;
    return { markdown, ...(secretFiles.length ? { secretFiles } : {}), ...(patchLeftOut ? { patchLeftOut } : {}) };
  }

  /** `hearth/agent/import`: a conversation exported as Markdown (or a conversation file set aside, importConversationFile) continues here. */
  async importConversation(params: { readonly conversationId: string; readonly markdown: string }): Promise<ConversationImportResult> {
    this.requireIdle(params.conversationId);
    let imported: ReturnType<typeof importConversationFile>;
    try {
      imported = importConversationFile(params.markdown);
    } catch (error) {
      if (error instanceof ConversationImportError) throw new ResponseError(HearthErrorCode.InvalidInput, error.message);
      throw error;
    }
    await this.conversations.import(params.conversationId, imported.messages);
    // Reads of the conversation it replaces are not the imported one's.
    this.reads.delete(params.conversationId);
    return { title: imported.title, messages: imported.messages, patch: imported.patch, ...(imported.edited.length ? { edited: imported.edited } : {}) };
  }

  /** `hearth/agent/forget` (the user deleted the chat; a run of it in progress keeps nothing when it ends). */
  forget(params: { conversationId: string }): Promise<void> {
    if (this.running.has(params.conversationId)) this.forgotten.add(params.conversationId);
    this.reads.delete(params.conversationId);
    return this.conversations.forget(params.conversationId);
  }

  /** `hearth/index/mentions`: files and symbols for the composer's @-mentions. */
  async mentions(params: { readonly query: string; readonly limit?: number }): Promise<MentionSearchResult> {
    const index = this.options.index();
    if (!index?.searchMentions || typeof params?.query !== "string") return { files: [], symbols: [] };
    return index.searchMentions(params.query, Math.min(Math.max(params.limit ?? 8, 1), 50));
  }

  /** Runtime shutdown: stops the runs (their commands first) and the MCP servers. */
  async dispose(): Promise<void> {
    this.shutdown.abort();
    await Promise.all([...this.inFlight].map((run) => run.catch(() => undefined)));
    // What finished runs' commands left running (a server started with &) is stopped by the abort too: SIGKILL comes after the grace.
    await Promise.all([leftRunningStopped(), this.mcp?.dispose()]);
  }

  /**
   * Takes the checkout's lock (a no-op without a folder); another agent working there refuses
   * with who it is. Where Hearth's state folder cannot be made (a read-only home, a file in its
   * place), the lock is kept in this window's storage, as `hearth fix` keeps it in its
   * --state-dir, and the log says what that misses: the agent still runs.
   */
  private lockCheckout(): () => void {
    if (this.options.root) this.requireRoot(); // a folder not on disk: said so, not the lock's "ENOENT: … lstat"
    try {
      return this.checkoutLock?.acquire() ?? (() => undefined);
    } catch (error) {
      if (error instanceof CheckoutBusyError) throw new ResponseError(HearthErrorCode.NotAvailable, error.message);
      const code = (error as NodeJS.ErrnoException).code;
      if (!this.options.root || !this.options.storagePath || !UNWRITABLE.has(code ?? "") || this.checkoutLockMoved) throw error;
      this.checkoutLockMoved = true;
      log("warn", `the checkout's lock cannot be kept in ${hearthStateDir()} (${code}): it is in ${this.options.storagePath}, where hearth fix and other windows do not see it`);
      this.checkoutLock = new SharedCheckoutLock(this.options.storagePath, this.options.root, "runtime");
      return this.lockCheckout();
    }
  }

  private requireIdle(conversationId: string): void {
    if (this.running.has(conversationId)) throw new ResponseError(HearthErrorCode.InvalidInput, "This conversation is running: stop it or wait for it to finish first.");
  }

  private requireRoot(): string {
    if (!this.options.root) throw new ResponseError(HearthErrorCode.NotAvailable, "Open a folder first: the agent works on a workspace folder.");
    // Deleted, renamed or moved while open (or a workspace file's folder moved since): said so, not "ENOENT: … lstat".
    if (!isDirectory(this.options.root)) {
      throw new ResponseError(HearthErrorCode.NotAvailable, `The folder ${this.options.root} Hearth works in is not on disk (deleted, renamed or moved): open it where it is now.`);
    }
    return this.options.root;
  }

  /** The checkpoint store, opened once; a failed open is tried again on the next request. */
  private checkpoints(): Promise<CheckpointStore> {
    const workspaceRoot = this.requireRoot();
    const storageDir = async () => this.options.storagePath ?? (await stateInWorkspace(workspaceRoot));
    this.store ??= storageDir().then((dir) => CheckpointStore.open({ workspaceRoot, storageDir: dir })).catch((error: unknown) => {
      this.store = undefined;
      throw error;
    });
    return this.store;
  }

  /**
   * Where the agent's writes go: the editor when it applies edits, else the disk. Each request
   * to the editor ends when `signal` does (the runtime shutting down, the client gone), so a
   * window that went away mid-edit cannot hold the run and its turn. Those before the edit (the
   * auto-save waited for, up to its delay; the unsaved-notebook question) end with `run` too
   * (the user's Stop), and an edit not sent when `run` ended is not sent: nothing is changed yet.
   */
  private workspace(label: string, signal: AbortSignal, run: AbortSignal = signal): Workspace {
    const root = this.requireRoot();
    if (!this.options.editorEdits) return new DiskWorkspace(root, { onCutOff: (words) => log("warn", `${label}: ${words}`) });
    const { connection, documents } = this.options;
    const ask = <R>(send: (token: CancellationToken) => Promise<R>) => untilStopped(signal, send, editorNotAnswered);
    const before = <R>(send: (token: CancellationToken) => Promise<R>) => untilStopped(AbortSignal.any([signal, run]), send, stoppedBeforeEdit);
    return new EditorWorkspace(
      root,
      {
        openDocument: (uri) => documents.get(uri),
        applyEdit: async (edit, editLabel) => {
          if (run.aborted) throw stoppedBeforeEdit();
          return ask((token) => connection.sendRequest(ApplyWorkspaceEditRequest.type, { label: editLabel, edit }, token));
        },
        // The edit's didChange (its ranges) comes before the save's answer; taking the saved file as the copy would apply a change still on its way twice.
        save: async (uris) => ask((token) => connection.sendRequest(WorkspaceSaveRequest, { uris }, token)),
        saveAutoSaved: async (uris) => before((token) => connection.sendRequest(WorkspaceAutoSaveRequest, { uris }, token)),
        unsavedNotebooks: async (uris) => before((token) => connection.sendRequest(WorkspaceUnsavedNotebooksRequest, { uris }, token)),
      },
      label,
    );
  }
}

/** The run stopped before its edit went to the editor. */
function stoppedBeforeEdit(): ToolError {
  return new ToolError("cancelled", "the run was stopped before the change was sent to VS Code; nothing was changed");
}

/** A request to the editor the runtime's shutdown (or the client gone) ended before VS Code answered. */
function editorNotAnswered(): ToolError {
  return new ToolError("cancelled", "the run was stopped while Hearth waited for VS Code's answer; the change may be in the editor, not saved");
}

/** `reading`, with a conversation a newer Hearth saved refused as the user's to settle there: `then` says what follows. */
async function newerRefused<T>(reading: Promise<T>, then: string): Promise<T> {
  try {
    return await reading;
  } catch (error) {
    if (error instanceof NewerConversationError) throw new ResponseError(HearthErrorCode.InvalidInput, `${error.message}: ${then}.`);
    throw error;
  }
}

/** The interpreter the client chose, where it is one (a program that a command line can carry, and where it was chosen). */
function chosenPython(python: unknown): { python: ChosenPython } | undefined {
  const { program, from } = (python ?? {}) as Partial<Record<keyof ChosenPython, unknown>>;
  if (typeof program !== "string" || typeof from !== "string" || program.trim() === "" || /[\0\r\n]/.test(program)) return undefined;
  return { python: { program, from } };
}

/**
 * Where a client gave no storage folder (an LSP client other than VS Code): .hearth/state in the
 * workspace, git-ignored from its first use — .hearth/ is the folder a team commits, and the
 * checkpoint store's objects are copies of every file, an .env included. Best effort: a folder
 * that cannot be made fails the store's open, which says so.
 */
async function stateInWorkspace(root: string): Promise<string> {
  const dir = join(root, ".hearth", "state");
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_FOLDER });
    await writeFile(join(dir, ".gitignore"), "# Hearth's checkpoints of this folder: never committed\n*\n", { flag: "wx" });
  } catch {
    // There already, or not to be made here: the open goes on and says what failed.
  }
  return dir;
}

/** Whether `path` is a folder on disk (a link to one too). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
