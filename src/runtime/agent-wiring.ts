/**
 * Agent runs over LSP: `hearth/agent/run` runs one message of a conversation, streams
 * `hearth/agent/event`, asks `hearth/agent/approve`; writes go to the editor through
 * `workspace/applyEdit` + `hearth/workspace/save` when the client applies edits (VS Code),
 * else to the disk. Checkpoint restores and reads serve the review. Each run also gets the
 * tools of the workspace's and the editor's MCP servers (workspace-mcp.ts). Wiring only:
 * the run itself is src/agent/conversation-run.ts.
 */
import { join } from "node:path";
import { CancellationTokenSource, type CancellationToken, type Connection, ResponseError } from "vscode-languageserver/node";
import { runConversationTurn } from "../agent/conversation-run.ts";
import { ConversationImportError, exportConversation, importConversation } from "../agent/handoff.ts";
import type { IndexQueries } from "../indexer/index.ts";
import {
  type AgentApproveParams,
  AgentApproveRequest,
  AgentEventNotification,
  AgentRunRequest,
  type AgentWireEvent,
  CheckpointFileRequest,
  CheckpointRestoreRequest,
  ConversationExportRequest,
  ConversationForgetRequest,
  ConversationImportRequest,
  MentionSearchRequest,
  WorkspaceSaveRequest,
} from "../protocol/agent.ts";
import { HearthErrorCode } from "../protocol/lsp-ext.ts";
import { CheckpointStore, DiskWorkspace, type Workspace, type WorkspaceChange } from "../tools/index.ts";
import { ChatEventCoalescer } from "./chat-events.ts";
import { ConversationStore } from "./conversations.ts";
import { EditorWorkspace } from "./editor-workspace.ts";
import { log } from "./log.ts";
import { abortSignal, guard } from "./rpc.ts";
import type { OpenDocuments } from "./open-documents.ts";
import type { RuntimeSession } from "./session.ts";
import { WorkspaceMcp } from "./workspace-mcp.ts";

export interface AgentWiringOptions {
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

/** What the agent wiring owns beyond the connection: its MCP servers, stopped on shutdown. */
export interface AgentWiring {
  dispose(): Promise<void>;
}

export function wireAgent(options: AgentWiringOptions): AgentWiring {
  const { connection, session, root } = options;
  // The workspace's MCP servers (.vscode/mcp.json), started on the first run that finds them, with the client's consent.
  const mcp = root ? new WorkspaceMcp(connection, root) : undefined;
  const conversations = new ConversationStore(options.storagePath ? join(options.storagePath, "conversations") : undefined);
  const running = new Set<string>();
  let store: Promise<CheckpointStore> | undefined;

  const requireRoot = (): string => {
    if (!root) throw new ResponseError(HearthErrorCode.NotAvailable, "Open a folder first: the agent works on a workspace folder.");
    return root;
  };
  const checkpoints = (): Promise<CheckpointStore> => {
    const workspaceRoot = requireRoot();
    store ??= CheckpointStore.open({ workspaceRoot, storageDir: options.storagePath ?? join(workspaceRoot, ".hearth", "state") }).catch((error: unknown) => {
      store = undefined;
      throw error;
    });
    return store;
  };
  const workspace = (label: string): Workspace => {
    const workspaceRoot = requireRoot();
    if (!options.editorEdits) return new DiskWorkspace(workspaceRoot);
    return new EditorWorkspace(
      workspaceRoot,
      {
        openDocument: (uri) => options.documents.get(uri),
        applyEdit: async (edit, editLabel) => connection.workspace.applyEdit({ label: editLabel, edit }),
        save: async (uris) => {
          await connection.sendRequest(WorkspaceSaveRequest, { uris });
          for (const uri of uris) options.documents.savedByEditor(uri);
        },
      },
      label,
    );
  };

  connection.onRequest(
    AgentRunRequest,
    guard("agent/run", async (params, token: CancellationToken) => {
      if (typeof params?.text !== "string" || !params.text.trim()) throw new ResponseError(HearthErrorCode.InvalidInput, "the message is empty");
      if (running.has(params.conversationId)) {
        throw new ResponseError(HearthErrorCode.InvalidInput, "this conversation is already running; stop it or wait for it to finish");
      }
      const signal = abortSignal(token);
      const send = (event: AgentWireEvent) =>
        void connection.sendNotification(AgentEventNotification, { runId: params.runId, conversationId: params.conversationId, event });
      const text = new ChatEventCoalescer((event) => send({ type: "model", event }));
      const onEvent = (event: AgentWireEvent) => {
        if (event.type === "model") return text.push(event.event);
        text.flush();
        send(event);
      };
      running.add(params.conversationId);
      try {
        const existing = await conversations.get(params.conversationId);
        const extraTools = (await mcp?.tools(signal)) ?? [];
        const outcome = await runConversationTurn({
          mode: params.mode === "fix" ? "fix" : "chat",
          text: params.text,
          ...(params.attachments ? { attachments: params.attachments } : {}),
          messages: existing?.messages ?? [],
          workspace: workspace(params.mode === "fix" ? "Hearth: fix" : "Hearth"),
          checkpoints: await checkpoints(),
          ...(options.index() ? { index: options.index()! } : {}),
          backend: () => session.readyBackend(),
          policy: session.currentSettings().approvalPolicy,
          approve: (request) => askClient(connection, { runId: params.runId, conversationId: params.conversationId, call: request.call, effect: request.effect }, signal),
          onEvent,
          signal,
          ...(params.testCommand ? { testCommand: params.testCommand } : {}),
          session: params.mode === "fix" ? "Fix This Issue" : "chat",
          ...(extraTools.length ? { extraTools } : {}),
        });
        text.flush();
        if (outcome.messages.length === 0) return outcome.result; // never started (no model): nothing to keep
        const conversation = existing ?? conversations.create(params.conversationId, outcome.messages[0]?.role === "system" ? outcome.messages[0].content : "");
        conversation.messages = outcome.messages;
        await conversations.save(conversation).catch((error: unknown) => log("warn", `saving conversation ${params.conversationId} failed`, error));
        return outcome.result;
      } finally {
        text.flush(); // what the model said before a failure reaches the client before the error
        running.delete(params.conversationId);
      }
    }),
  );

  connection.onRequest(
    CheckpointRestoreRequest,
    guard("checkpoint/restore", async (params) => {
      const cp = await checkpoints();
      const paths = params.paths?.length ? [...params.paths] : await cp.changedFiles(params.checkpoint);
      const changes: WorkspaceChange[] = [];
      for (const path of paths) {
        const content = await cp.fileAt(params.checkpoint, path);
        const exists = (await new DiskWorkspace(requireRoot()).stat(path))?.type === "file";
        if (content) changes.push({ kind: "write", path, content });
        else if (exists) changes.push({ kind: "delete", path });
      }
      if (changes.length) await workspace("Hearth: restore").apply(changes);
      if (params.conversationId !== undefined && params.messageIndex !== undefined) {
        const conversation = await conversations.get(params.conversationId);
        if (conversation && params.messageIndex >= 1 && params.messageIndex <= conversation.messages.length) {
          conversation.messages.length = params.messageIndex;
          await conversations.save(conversation);
        }
      }
      log("info", `restored ${changes.length} file(s) from checkpoint ${params.checkpoint.slice(0, 8)}`);
      return { restoredFiles: changes.map((c) => (c.kind === "rename" ? c.to : c.path)) };
    }),
  );

  connection.onRequest(
    CheckpointFileRequest,
    guard("checkpoint/file", async (params) => {
      const bytes = await (await checkpoints()).fileAt(params.checkpoint, params.path);
      return { content: bytes ? new TextDecoder().decode(bytes) : null };
    }),
  );

  connection.onRequest(
    ConversationExportRequest,
    guard("agent/export", async (params) => {
      const conversation = await conversations.get(params.conversationId);
      if (!conversation) throw new ResponseError(HearthErrorCode.InvalidInput, "this conversation has no messages to export yet");
      const patch = params.sinceCheckpoint ? await (await checkpoints()).diff(params.sinceCheckpoint).catch(() => "") : "";
      const status = session.status().model;
      const markdown = exportConversation(conversation.messages, {
        title: params.title,
        exportedAt: new Date(),
        ...(status.kind === "ready" ? { model: status.name } : {}),
        ...(patch ? { patch } : {}),
      });
      return { markdown };
    }),
  );

  connection.onRequest(
    ConversationImportRequest,
    guard("agent/import", async (params) => {
      let imported: ReturnType<typeof importConversation>;
      try {
        imported = importConversation(params.markdown);
      } catch (error) {
        if (error instanceof ConversationImportError) throw new ResponseError(HearthErrorCode.InvalidInput, error.message);
        throw error;
      }
      // An empty system prompt: the first message here builds this workspace's own.
      const conversation = conversations.create(params.conversationId, "");
      conversation.messages.push(...imported.messages);
      await conversations.save(conversation);
      return { title: imported.title, messages: imported.messages, patch: imported.patch };
    }),
  );

  connection.onRequest(ConversationForgetRequest, guard("agent/forget", (params) => conversations.forget(params.conversationId)));

  connection.onRequest(
    MentionSearchRequest,
    guard("index/mentions", async (params) => {
      const index = options.index();
      if (!index?.searchMentions || typeof params?.query !== "string") return { files: [], symbols: [] };
      return index.searchMentions(params.query, Math.min(Math.max(params.limit ?? 8, 1), 50));
    }),
  );

  return { dispose: async () => mcp?.dispose() };
}

/** Asks the client for an approval; a cancelled run withdraws the question and counts as "no". */
async function askClient(
  connection: Connection,
  params: AgentApproveParams,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return false;
  const source = new CancellationTokenSource();
  const onAbort = () => source.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const answer = await connection.sendRequest(AgentApproveRequest, params, source.token);
    return answer?.approved === true && !signal.aborted;
  } catch {
    return false;
  } finally {
    signal.removeEventListener("abort", onAbort);
    source.dispose();
  }
}
