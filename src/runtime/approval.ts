/** The agent's approval question as a server→client request (`hearth/agent/approve`). */
import { CancellationTokenSource, type Connection } from "vscode-languageserver/node";
import { type AgentApproveParams, AgentApproveRequest } from "../protocol/agent.ts";

/** Asks the client for an approval; a cancelled run withdraws the question and counts as "no". */
export async function askClient(connection: Connection, params: AgentApproveParams, signal: AbortSignal): Promise<boolean> {
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
