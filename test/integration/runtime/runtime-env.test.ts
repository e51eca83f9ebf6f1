// A runtime started the way the extension starts it (runtimeEnvironment over an editor
// environment that holds $HEARTH_API_KEY) runs a model's run_command: the command's own
// process must not see the key. The built runtime, a scripted model, a real child process.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { runtimeEnvironment } from "../../../src/extension/runtime-env.ts";
import { AgentEventNotification, AgentRunRequest, type AgentWireEvent } from "../../../src/protocol/agent.ts";
import { USER_NODE_OPTIONS_VARIABLE } from "../../../src/protocol/node-options.ts";
import { tempDir } from "../../fixtures/temp.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

describe("the runtime's environment (VS Code)", () => {
  it("run_command's process sees PATH and HOME but not $HEARTH_API_KEY or other secrets", { timeout: 60_000 }, async () => {
    const root = tempDir("hearth-env-ws-");
    const storage = tempDir("hearth-env-storage-");
    const modelPath = join(storage, "model.json");
    const print = `node -e "for (const k of ['HEARTH_API_KEY','GITHUB_TOKEN','PATH','HOME']) console.log(k + '=' + (process.env[k] ? 'set' : 'unset'))"`;
    writeFileSync(modelPath, JSON.stringify({ turns: [{ toolCalls: [{ name: "run_command", arguments: { command: print } }] }, { text: "done" }] }));
    const editorEnv = { ...process.env, HEARTH_API_KEY: "team-secret", GITHUB_TOKEN: "ghp_secret" };
    const runtime = await spawnRuntime({
      runtimePath: RUNTIME,
      rootPath: root,
      env: runtimeEnvironment(editorEnv),
      initializationOptions: { settings: { modelPath, approvalPolicy: "auto-all" }, storagePath: storage },
    });
    try {
      const events: AgentWireEvent[] = [];
      runtime.connection.onNotification(AgentEventNotification, (p) => void events.push(p.event));
      const result = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "print the environment", mode: "chat" });
      assert.equal(result.stopReason, "answered", result.message);
      const end = events.find((e) => e.type === "toolEnd");
      assert.ok(end?.type === "toolEnd" && end.ok, JSON.stringify(end));
      assert.match(end.preview, /^PATH=set$/m);
      assert.match(end.preview, /^HOME=set$/m);
      assert.match(end.preview, /^HEARTH_API_KEY=unset$/m);
      assert.match(end.preview, /^GITHUB_TOKEN=unset$/m);
    } finally {
      await runtime.close();
    }
  });

  it("the runtime starts without the editor's NODE_OPTIONS, and run_command's node gets them back (a build needing --openssl-legacy-provider or a bigger heap)", { timeout: 60_000 }, async () => {
    const root = tempDir("hearth-env-ws-");
    const storage = tempDir("hearth-env-storage-");
    // A --require hook that says which node loaded it: the runtime's must not (it is Node too), the command's must.
    const loaded = join(storage, "loaded.txt");
    const hook = join(storage, "hook.cjs");
    writeFileSync(hook, `require("node:fs").appendFileSync(${JSON.stringify(loaded)}, (process.argv[1] ?? "eval") + "\\n");\n`);
    const nodeOptions = `--require ${hook} --max-old-space-size=3072`;
    const modelPath = join(storage, "model.json");
    const print = `node -e "console.log('NODE_OPTIONS=' + process.env.NODE_OPTIONS); console.log('carrier=' + (process.env.${USER_NODE_OPTIONS_VARIABLE} ?? 'unset'))"`;
    writeFileSync(modelPath, JSON.stringify({ turns: [{ toolCalls: [{ name: "run_command", arguments: { command: print } }] }, { text: "done" }] }));
    const runtime = await spawnRuntime({
      runtimePath: RUNTIME,
      rootPath: root,
      env: runtimeEnvironment({ ...process.env, NODE_OPTIONS: nodeOptions }),
      initializationOptions: { settings: { modelPath, approvalPolicy: "auto-all" }, storagePath: storage },
    });
    try {
      const events: AgentWireEvent[] = [];
      runtime.connection.onNotification(AgentEventNotification, (p) => void events.push(p.event));
      const result = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "print NODE_OPTIONS", mode: "chat" });
      assert.equal(result.stopReason, "answered", result.message);
      const end = events.find((e) => e.type === "toolEnd");
      assert.ok(end?.type === "toolEnd" && end.ok, JSON.stringify(end));
      const lines = end.preview.split("\n");
      assert.ok(lines.includes(`NODE_OPTIONS=${nodeOptions}`), end.preview);
      assert.ok(lines.includes("carrier=unset"), end.preview);
      // Loaded by the command's node alone, never by the runtime.
      assert.deepEqual(readFileSync(loaded, "utf8").split("\n").filter(Boolean), ["eval"]);
    } finally {
      await runtime.close();
    }
  });
});
