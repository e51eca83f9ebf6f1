// Settings the user changes while a run works, through the built runtime over LSP as the
// extension sends them (workspace/didChangeConfiguration): the scripted backend replays the
// model's turns, the real tools work in a copy of the calculator fixture.
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { DidChangeConfigurationNotification } from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import type { ModelScript } from "../../../src/models/scripted.ts";
import { AgentApproveRequest, AgentRunRequest } from "../../../src/protocol/agent.ts";
import { tempDir } from "../../fixtures/temp.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);
const FIXTURE = resolve(import.meta.dirname, "../../fixtures/agent/python-calc");

const running: RuntimeProcess[] = [];
after(async () => {
  await Promise.all(running.map((r) => r.close(1000).catch(() => undefined)));
});

const COMMAND = { name: "run_command", arguments: { command: "true" } };
const FIX_ADD = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } };

/** A runtime on a copy of the fixture with `script` as its model and `settings` as the user's. */
async function start(script: ModelScript, settings: Record<string, unknown>): Promise<{ runtime: RuntimeProcess; root: string; settings: Record<string, unknown> }> {
  const root = tempDir("hearth-midrun-ws-");
  cpSync(FIXTURE, root, { recursive: true });
  const storage = tempDir("hearth-midrun-storage-");
  const modelPath = join(storage, "model.json");
  writeFileSync(modelPath, JSON.stringify(script));
  const all = { modelPath, ...settings };
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: all, storagePath: storage } });
  running.push(runtime);
  return { runtime, root, settings: all };
}

describe("settings changed during a run", () => {
  it("a hearth.approvalPolicy tightened to ask while a question waits applies to the run's next calls", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [COMMAND] }, { toolCalls: [FIX_ADD] }, { text: "Done." }] }, { approvalPolicy: "auto-edit" });
    const asked: string[] = [];
    s.runtime.connection.onRequest(AgentApproveRequest, async (p) => {
      asked.push(p.call.name);
      // The user, asked about the command, sets the policy to ask (as the extension sends it) before answering.
      if (p.call.name === "run_command") await s.runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { ...s.settings, approvalPolicy: "ask" } } });
      return { approved: p.call.name === "run_command" };
    });
    const result = await s.runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "check, then fix add", mode: "chat" });
    assert.equal(result.stopReason, "answered");
    assert.deepEqual(asked, ["run_command", "edit_file"], "the edit after the change asks, as ask says");
    assert.match(readFileSync(join(s.root, "calc.py"), "utf8"), /return a - b/, "the edit the user did not allow was not made");
  });

  it("a hearth.approvalPolicy loosened to auto-all during a run stops asking from the next call", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [COMMAND] }, { toolCalls: [COMMAND] }, { text: "Done." }] }, { approvalPolicy: "ask" });
    const asked: string[] = [];
    s.runtime.connection.onRequest(AgentApproveRequest, async (p) => {
      asked.push(p.call.name);
      if (asked.length === 1) await s.runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { ...s.settings, approvalPolicy: "auto-all" } } });
      return { approved: true };
    });
    const result = await s.runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "run it twice", mode: "chat" });
    assert.equal(result.stopReason, "answered");
    assert.deepEqual(asked, ["run_command"], "the second command runs unasked, as auto-all says");
  });
});
