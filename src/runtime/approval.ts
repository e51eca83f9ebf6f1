/** The agent's approval question as a server→client request (`hearth/agent/approve`). */
import type { Connection } from "vscode-languageserver/node";
import { type AgentApproveParams, AgentApproveRequest } from "../protocol/agent.ts";
import { untilStopped } from "./rpc.ts";

/**
 * Asks the client for an approval; a cancelled run withdraws the question and counts as "no"
 * at once (`untilStopped`: a client that is gone — the window closed or reloaded while the
 * question was open — never answers, and the run, the runtime's shutdown and the turn waited).
 */
export async function askClient(connection: Connection, params: AgentApproveParams, signal: AbortSignal): Promise<boolean> {
  try {
    const answer = await untilStopped(signal, (token) => connection.sendRequest(AgentApproveRequest, params, token), () => signal.reason);
    return answer?.approved === true && !signal.aborted;
  } catch {
    return false;
  }
}
