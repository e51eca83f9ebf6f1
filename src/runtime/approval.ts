/** The agent's approval question as a server→client request (`hearth/agent/approve`). */
import { CancellationTokenSource, type Connection } from "vscode-languageserver/node";
import { type AgentApproveParams, AgentApproveRequest } from "../protocol/agent.ts";

/** Asks the client for an approval; a cancelled run withdraws the question and counts as "no". */
export async function askClient(connection: Connection, params: AgentApproveParams, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  const source = new CancellationTokenSource();
  // A cancelled request is still waited on for its answer, which a client that is gone (the
  // window closed or reloaded while the question was open) never sends: the run, and the
  // runtime's shutdown with it, would wait forever, and the turn would never be kept.
  let withdrawn!: () => void;
  const gone = new Promise<undefined>((resolve) => (withdrawn = () => resolve(undefined)));
  const onAbort = () => {
    source.cancel();
    withdrawn();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const answer = await Promise.race([connection.sendRequest(AgentApproveRequest, params, source.token), gone]);
    return answer?.approved === true && !signal.aborted;
  } catch {
    return false;
  } finally {
    signal.removeEventListener("abort", onAbort);
    source.dispose();
  }
}
