// The agent calls a real MCP server's tool: the fixture server (written with the official
// SDK, started over stdio) is brought up by McpServers, its tools join a chat turn
// (runConversationTurn, the editor's path) driven by the scripted backend through the real
// Qwen parser; the call is approved like run_command, and the server records what it ran.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import type { ApprovalRequest } from "../../../src/agent/loop.ts";
import type { ChatRequest, ModelBackend } from "../../../src/models/backend.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import type { ChatMessage } from "../../../src/models/types.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import type { ApprovalPolicy } from "../../../src/protocol/settings.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { McpServers, parseMcpConfig } from "../../../src/tools/mcp/index.ts";
import { fixtureConfigText } from "../../fixtures/mcp/fixture-config.ts";

const FIXTURE = resolve(import.meta.dirname, "../../fixtures/agent/python-calc");

function folder(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The scripted backend, plus every conversation it was asked to continue. */
function recording(turns: readonly ScriptedTurn[]): { backend: ModelBackend; prompts: ChatMessage[][]; toolNames: string[][] } {
  const inner = new ScriptedBackend({ turns });
  const prompts: ChatMessage[][] = [];
  const toolNames: string[][] = [];
  const backend: ModelBackend = Object.assign(Object.create(inner) as ModelBackend, {
    chat: (request: ChatRequest) => {
      prompts.push(structuredClone([...request.messages]));
      toolNames.push((request.tools ?? []).map((tool) => tool.name));
      return inner.chat(request);
    },
  });
  return { backend, prompts, toolNames };
}

/** The calls the fixture server recorded (its start-up line left out). */
function toolCalls(log: string): unknown[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => "tool" in entry);
}

async function chatWithMcp(t: TestContext, policy: ApprovalPolicy, answer: boolean) {
  const root = folder(t, "hearth-mcp-ws-");
  cpSync(FIXTURE, root, { recursive: true });
  const state = folder(t, "hearth-mcp-state-");
  const log = join(state, "calls.jsonl");
  const servers = new McpServers();
  t.after(() => servers.close());
  const config = parseMcpConfig(fixtureConfigText("fixture", { MCP_FIXTURE_LOG: log }), { workspaceFolder: root, source: "test" });
  const { tools, problems } = await servers.sync(config.servers);
  assert.equal(problems.length, 2, problems.join("\n")); // bad_schema and bad_param, said why
  const model = recording([
    { text: "Asking the echo server.", toolCalls: [{ name: "mcp__fixture__echo", arguments: { text: "ping-42" } }] },
    { text: "The server answered." },
  ]);
  const requests: ApprovalRequest[] = [];
  const events: AgentWireEvent[] = [];
  const outcome = await runConversationTurn({
    mode: "chat",
    text: "ask the echo server for ping-42",
    messages: [],
    workspace: new DiskWorkspace(root),
    checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: state }),
    backend: async () => model.backend,
    policy,
    approve: async (request) => (requests.push(request), answer),
    onEvent: (event) => events.push(event),
    signal: new AbortController().signal,
    extraTools: tools,
  });
  return { outcome, requests, events, log, model };
}

describe("the agent calls a real MCP server's tool", () => {
  it("under ask: the call is approved like a command, runs on the server, and its result reaches the model's next turn", { timeout: 120_000 }, async (t) => {
    const { outcome, requests, events, log, model } = await chatWithMcp(t, "ask", true);
    assert.equal(outcome.result.stopReason, "answered");
    assert.deepEqual(requests.map((r) => [r.call.name, r.effect, r.call.arguments.text]), [["mcp__fixture__echo", "command", "ping-42"]]);
    assert.ok(model.toolNames[0]!.includes("mcp__fixture__echo") && model.toolNames[0]!.includes("read_file"), "the model is offered MCP tools beside Hearth's");
    assert.deepEqual(toolCalls(log), [{ tool: "echo", text: "ping-42", env: null }]);
    const toolMessage = model.prompts[1]!.at(-1)!;
    assert.deepEqual({ role: toolMessage.role, content: toolMessage.content }, { role: "tool", content: "echo (stdio): ping-42" });
    const start = events.find((e) => e.type === "toolStart");
    assert.ok(start?.type === "toolStart" && start.effect === "command");
    assert.ok(events.some((e) => e.type === "toolEnd" && e.ok && e.preview === "echo (stdio): ping-42"));
  });

  it("denied (under auto-edit, which still asks for commands): the server never gets the call", { timeout: 120_000 }, async (t) => {
    const { outcome, requests, log, model } = await chatWithMcp(t, "auto-edit", false);
    assert.equal(outcome.result.stopReason, "answered");
    assert.deepEqual(requests.map((r) => r.call.name), ["mcp__fixture__echo"]);
    assert.deepEqual(toolCalls(log), [], "the server recorded a call it should never have had");
    assert.match(model.prompts[1]!.at(-1)!.content, /^Error \(denied\): the user did not allow this call/);
  });
});
