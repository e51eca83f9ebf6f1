// The user's NODE_OPTIONS under the CLI: `hearth chat`, `hearth status` and `hearth models`
// started their runtime with them, though it is Node too — a shell's `--no-experimental-fetch`
// (an old workaround for a library's own fetch) made `hearth chat --server URL` fail as 'cannot
// reach the server at … (fetch is not defined)' with the server up, and a `--require` hook, a
// small heap or --inspect were the runtime's own. The extension already starts its runtime
// without them and hands them to the agent's commands (protocol/node-options.ts); the CLI's
// spawnRuntime now does the same.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { AgentEventNotification, AgentRunRequest, type AgentWireEvent } from "../../../src/protocol/agent.ts";
import { calcCheckout } from "../../fixtures/calc-checkout.ts";
import { startFakeOllama } from "../../fixtures/models/ollama-server.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
const RUNTIME = join(ROOT, "out/runtime.mjs");
if (!existsSync(CLI) || !existsSync(RUNTIME)) throw new Error(`out/ is missing: run "npm run build" first`);

describe("the CLI's runtime and the user's NODE_OPTIONS", () => {
  it("hearth chat --server answers with --no-experimental-fetch in NODE_OPTIONS", async () => {
    const ollama = await startFakeOllama();
    try {
      ollama.scenario.reply = "pong";
      const work = tempDir("hearth-node-options-chat-");
      // execFile, not spawnSync: the fake server answers from this process.
      const run = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((done) =>
        execFile(
          process.execPath,
          [CLI, "chat", "--server", `${ollama.base}/v1`, "--no-rules", "--no-think", "hi"],
          { cwd: work, encoding: "utf8", timeout: 60_000, env: { ...process.env, HEARTH_HOME: join(work, "home"), NODE_OPTIONS: "--no-experimental-fetch" } },
          (error, stdout, stderr) => done({ error, stdout, stderr }),
        ),
      );
      assert.doesNotMatch(run.stderr, /fetch is not defined/);
      assert.equal(run.error, null, run.stderr);
      assert.match(run.stdout, /pong/);
    } finally {
      ollama.close();
    }
  });

  it("hearth fix --server, whose agent runs in the CLI's own Node, says fetch was turned off and how to turn it back on", async () => {
    const ollama = await startFakeOllama();
    try {
      const { work, repo } = calcCheckout("hearth-node-options-fix-");
      const args = [CLI, "fix", "--state-dir", join(work, "state"), "--repo", repo, "--server", `${ollama.base}/v1`, "--yes", "--no-index", "add is wrong"];
      const env = { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state"), NODE_OPTIONS: "--no-experimental-fetch" };
      const run = await new Promise<{ error: Error | null; stderr: string }>((done) =>
        execFile(process.execPath, args, { cwd: work, encoding: "utf8", timeout: 60_000, env }, (error, _stdout, stderr) => done({ error, stderr })),
      );
      assert.notEqual(run.error, null, run.stderr);
      assert.match(run.stderr, /this Node was started without fetch \(--no-experimental-fetch, most likely in NODE_OPTIONS\), which Hearth needs to make requests: run hearth without that option \(NODE_OPTIONS= hearth …/);
      assert.doesNotMatch(run.stderr, /\(fetch is not defined\)/);
    } finally {
      ollama.close();
    }
  });

  it("spawnRuntime starts the runtime without them, and the agent's commands get them back", { timeout: 60_000 }, async () => {
    const root = tempDir("hearth-node-options-ws-");
    const storage = tempDir("hearth-node-options-storage-");
    // A --require hook that writes down which node loaded it: the command's, never the runtime's.
    const loaded = join(storage, "loaded.txt");
    const hook = join(storage, "hook.cjs");
    writeFileSync(hook, `require("node:fs").appendFileSync(${JSON.stringify(loaded)}, (process.argv[1] ?? "eval") + "\\n");\n`);
    const nodeOptions = `--require ${hook}`;
    const modelPath = join(storage, "model.json");
    const print = `node -e "console.log('NODE_OPTIONS=' + process.env.NODE_OPTIONS)"`;
    writeFileSync(modelPath, JSON.stringify({ turns: [{ toolCalls: [{ name: "run_command", arguments: { command: print } }] }, { text: "done" }] }));
    // The environment hearth chat gives it: its own, the user's shell's NODE_OPTIONS in it.
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, env: { ...process.env, NODE_OPTIONS: nodeOptions }, initializationOptions: { settings: { modelPath, approvalPolicy: "auto-all" }, storagePath: storage } });
    try {
      const events: AgentWireEvent[] = [];
      runtime.connection.onNotification(AgentEventNotification, (p) => void events.push(p.event));
      const result = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "print NODE_OPTIONS", mode: "chat" });
      assert.equal(result.stopReason, "answered", result.message);
      const end = events.find((e) => e.type === "toolEnd");
      assert.ok(end?.type === "toolEnd" && end.ok, JSON.stringify(end));
      assert.ok(end.preview.split("\n").includes(`NODE_OPTIONS=${nodeOptions}`), end.preview);
      assert.deepEqual(readFileSync(loaded, "utf8").split("\n").filter(Boolean), ["eval"], "loaded by the command's node alone, never by the runtime");
    } finally {
      await runtime.close();
    }
  });
});
