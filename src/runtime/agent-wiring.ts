/**
 * Agent runs over LSP: `hearth/agent/run` runs one message of a conversation, streams
 * `hearth/agent/event`, asks `hearth/agent/approve`; writes go to the editor through
 * `workspace/applyEdit` + `hearth/workspace/save` when the client applies edits (VS Code),
 * else to the disk. Checkpoint restores and reads serve the review. Each run also gets the
 * tools of the workspace's and the editor's MCP servers (workspace-mcp.ts). Wiring only:
 * the state is agent-service.ts, the run itself src/agent/conversation-run.ts.
 */
import type { CancellationToken } from "vscode-languageserver/node";
import {
  AgentRunRequest,
  CheckpointFileRequest,
  CheckpointRestoreRequest,
  ConversationExportRequest,
  ConversationForgetRequest,
  ConversationImportRequest,
  MentionSearchRequest,
} from "../protocol/agent.ts";
import { AgentService, type AgentServiceOptions } from "./agent-service.ts";
import { guard } from "./rpc.ts";

export type AgentWiringOptions = AgentServiceOptions;

/** What the agent wiring owns beyond the connection: its MCP servers, stopped on shutdown. */
export interface AgentWiring {
  dispose(): Promise<void>;
}

export function wireAgent(options: AgentWiringOptions): AgentWiring {
  const { connection } = options;
  const agent = new AgentService(options);
  connection.onRequest(AgentRunRequest, guard("agent/run", (params, token: CancellationToken) => agent.run(params, token)));
  connection.onRequest(CheckpointRestoreRequest, guard("checkpoint/restore", (params) => agent.restore(params)));
  connection.onRequest(CheckpointFileRequest, guard("checkpoint/file", (params) => agent.file(params)));
  connection.onRequest(ConversationExportRequest, guard("agent/export", (params) => agent.exportConversation(params)));
  connection.onRequest(ConversationImportRequest, guard("agent/import", (params) => agent.importConversation(params)));
  connection.onRequest(ConversationForgetRequest, guard("agent/forget", (params) => agent.forget(params)));
  connection.onRequest(MentionSearchRequest, guard("index/mentions", (params) => agent.mentions(params)));
  return agent;
}
