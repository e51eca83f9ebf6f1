// The workspace's .vscode/mcp.json through the built runtime over LSP, as the extension
// drives it: a server starts only after the client's hearth/mcp/consent said yes; its
// tool is approved like a command and runs; a client that never answers consent (or says
// no) gets no server process at all; the server stops with the runtime.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CancellationTokenSource } from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import type { ModelScript } from "../../../src/models/scripted.ts";
import { AgentApproveRequest, AgentRunRequest } from "../../../src/protocol/agent.ts";
import { EditorToolInvokeRequest, type EditorToolInvokeParams, EditorToolsRequest, type McpConsentParams, McpConsentRequest, type McpConsentResult } from "../../../src/protocol/mcp.ts";
import { fixtureServerEntry } from "../../fixtures/mcp/fixture-config.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll, PYTHON_CALC as FIXTURE } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { alive } from "../../fixtures/processes.ts";

const running = closedAfterAll();

const SCRIPT: ModelScript = {
  turns: [
    { toolCalls: [{ name: "mcp__fixture__echo", arguments: { text: "from the runtime" } }] },
    { text: "Done." },
  ],
};

interface Started {
  runtime: RuntimeProcess;
  storage: string;
  log: string;
  consents: McpConsentParams[];
  approvals: string[];
}

/** A runtime on a workspace whose .vscode/mcp.json defines the fixture server; `consent` answers hearth/mcp/consent (undefined: no handler). */
async function start(consent: ((params: McpConsentParams) => McpConsentResult) | undefined, script: ModelScript = SCRIPT): Promise<Started> {
  const root = tempDir("hearth-mcp-rt-ws-");
  cpSync(FIXTURE, root, { recursive: true });
  const storage = tempDir("hearth-mcp-rt-storage-");
  const log = join(storage, "calls.jsonl");
  mkdirSync(join(root, ".vscode"));
  // The secret is the editor's: the runtime's environment is an allowlist, so the consent answer carries it.
  writeFileSync(join(root, ".vscode", "mcp.json"), JSON.stringify({ servers: { fixture: fixtureServerEntry({ MCP_FIXTURE_LOG: log, MCP_FIXTURE_SECRET: "${env:HEARTH_TEST_MCP_TOKEN}" }) } }));
  const modelPath = join(storage, "model.json");
  writeFileSync(modelPath, JSON.stringify(script));
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: { modelPath, approvalPolicy: "ask" }, storagePath: storage } });
  running.push(runtime);
  const started: Started = { runtime, storage, log, consents: [], approvals: [] };
  if (consent) {
    runtime.connection.onRequest(McpConsentRequest, (params) => {
      started.consents.push(params);
      return consent(params);
    });
  }
  runtime.connection.onRequest(AgentApproveRequest, (p) => {
    started.approvals.push(p.call.name);
    return { approved: true };
  });
  return started;
}

const run = (s: Started) => s.runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "use the echo server", mode: "chat" });
const conversation = (s: Started) => JSON.parse(readFileSync(join(s.storage, "conversations", "c1.json"), "utf8")) as { messages: { role: string; content: string }[] };

function records(log: string): Record<string, unknown>[] {
  return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>) : [];
}

describe("the workspace's MCP servers in the runtime", () => {
  it("starts a server after consent, runs its tool after approval, and stops it with the runtime", { timeout: 120_000 }, async () => {
    const s = await start(() => ({ allowed: true, variables: { HEARTH_TEST_MCP_TOKEN: "tok-from-editor" } }));
    const result = await run(s);
    assert.equal(result.stopReason, "answered");
    assert.equal(s.consents.length, 1);
    assert.deepEqual({ server: s.consents[0]!.server, source: s.consents[0]!.source, command: s.consents[0]!.definition.command }, { server: "fixture", source: ".vscode/mcp.json", command: process.execPath });
    assert.deepEqual(s.approvals, ["mcp__fixture__echo"]);
    const calls = records(s.log);
    assert.deepEqual(calls.filter((r) => r.tool), [{ tool: "echo", text: "from the runtime", env: "tok-from-editor" }]);
    assert.deepEqual((s.consents[0]!.definition.env as Record<string, string>).MCP_FIXTURE_SECRET, "${env:HEARTH_TEST_MCP_TOKEN}", "asked about the entry as written");
    const pid = calls.find((r) => r.started)!.pid as number;
    assert.ok(alive(pid));
    await s.runtime.close(5000);
    assert.equal(alive(pid), false, "the MCP server outlived the runtime");
  });

  it("starts nothing when the client says no, or never answers consent; the model hears there is no such tool", { timeout: 120_000 }, async () => {
    for (const consent of [() => ({ allowed: false }), undefined]) {
      const s = await start(consent);
      const result = await run(s);
      assert.equal(result.stopReason, "answered");
      assert.deepEqual(records(s.log), [], "the server process was started");
      assert.deepEqual(s.approvals, []);
    }
  });

  it("lends the agent the editor's own MCP tools: listed by the client, approved, invoked through the client", { timeout: 120_000 }, async () => {
    const s = await start(undefined, {
      turns: [
        { toolCalls: [{ name: "mcp__vscode__mcp_demo_lookup", arguments: { key: "answer" } }] },
        { text: "Looked it up." },
      ],
    });
    const invoked: EditorToolInvokeParams[] = [];
    s.runtime.connection.onRequest(EditorToolsRequest, () => ({
      tools: [
        { name: "mcp_demo_lookup", description: "Looks a key up.", inputSchema: { type: "object", properties: { key: { type: "string" } }, required: ["key"] } },
        { name: "mcp_demo_broken", description: "Unusable schema.", inputSchema: { type: "object", properties: { x: { type: "strng" } } } },
        // VS Code running the same .vscode/mcp.json's server: Hearth's copy of it is the one offered.
        { name: "mcp_fixture_echo", description: "Echoes.", inputSchema: { type: "object", properties: { text: { type: "string" } } } },
      ],
    }));
    s.runtime.connection.onRequest(EditorToolInvokeRequest, (params) => (invoked.push(params), { text: `value of ${String(params.input.key)}: 42` }));
    const result = await run(s);
    assert.equal(result.stopReason, "answered");
    assert.deepEqual(s.approvals, ["mcp__vscode__mcp_demo_lookup"]);
    assert.deepEqual(invoked, [{ name: "mcp_demo_lookup", input: { key: "answer" } }]);
    const tool = conversation(s).messages.find((m) => m.role === "tool");
    assert.equal(tool?.content, "value of answer: 42");
    const offered = /MCP tools in this run: (.*)/.exec(s.runtime.log())?.[1];
    assert.equal(offered, "mcp__vscode__mcp_demo_lookup", "the broken schema and the workspace server's duplicate are left out");
  });

  it("Stop while the consent question is open ends the run at once and starts nothing", { timeout: 120_000 }, async () => {
    let asked!: () => void;
    const question = new Promise<void>((resolve) => (asked = resolve));
    const s = await start(undefined);
    // The user never answers the modal.
    s.runtime.connection.onRequest(McpConsentRequest, () => (asked(), new Promise<McpConsentResult>(() => {})));
    const stop = new CancellationTokenSource();
    const pending = s.runtime.connection.sendRequest(AgentRunRequest, { runId: "r2", conversationId: "c2", text: "go", mode: "chat" }, stop.token);
    await question;
    stop.cancel();
    const result = await pending;
    assert.equal(result.stopReason, "cancelled");
    assert.deepEqual(records(s.log), []);
  });
});
