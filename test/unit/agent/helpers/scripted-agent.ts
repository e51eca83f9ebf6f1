// The agent loop on the scripted backend (a real ModelBackend replaying Qwen3.5 turns through
// the real output parser) with the real tools on files in `dir`, its events recorded.
import { Agent, type AgentEvent, type AgentOptions } from "../../../../src/agent/loop.ts";
import { type ModelScript, ScriptedBackend, type ScriptedTurn } from "../../../../src/models/scripted.ts";
import { AGENT_TOOLS, DiskWorkspace } from "../../../../src/tools/index.ts";

export async function scriptedAgent(
  dir: string,
  turns: readonly ScriptedTurn[],
  extra: Partial<AgentOptions> & { script?: Partial<ModelScript> } = {},
): Promise<{ agent: Agent; events: AgentEvent[] }> {
  const { script, ...options } = extra;
  const backend = new ScriptedBackend({ turns, ...script });
  await backend.load();
  const events: AgentEvent[] = [];
  const agent = new Agent({
    backend,
    tools: AGENT_TOOLS,
    toolContext: { workspace: new DiskWorkspace(dir) },
    systemPrompt: "You are a test agent.",
    policy: "auto-all",
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { agent, events };
}
