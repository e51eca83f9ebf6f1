// The built runtime (out/runtime.mjs, from `npm run build`) spawned over stdio, as the
// extension and the CLI spawn it.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CancellationTokenSource, DidChangeConfigurationNotification, LSPErrorCodes, ResponseError } from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { RestartPolicy } from "../../../src/extension/restart-policy.ts";
import { HearthErrorCode, ReindexRequest, StatusChangedNotification, StatusRequest, SystemInfoRequest, WorkspaceTrustedNotification } from "../../../src/protocol/lsp-ext.ts";
import type { RuntimeStatus } from "../../../src/protocol/status.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();
async function start(settings: Record<string, unknown> = {}): Promise<RuntimeProcess> {
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings } });
  running.push(runtime);
  return runtime;
}

function nextStatus(runtime: RuntimeProcess, predicate: (s: RuntimeStatus) => boolean): Promise<RuntimeStatus> {
  return new Promise((resolvePromise) => {
    const sub = runtime.connection.onNotification(StatusChangedNotification, (status) => {
      if (predicate(status)) {
        sub.dispose();
        resolvePromise(status);
      }
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// No limit of its own (it was 2 s, 5 s, or 10 to 15 s of tries, which a loaded machine could
// need): a wait that never ends fails by the runner's limit on a test file.
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 50));
}

describe("runtime over stdio", () => {
  it("initializes and answers hearth/status with its version, pid and model state", async () => {
    const runtime = await start();
    assert.equal(runtime.initializeResult.serverInfo?.name, "hearth-runtime");
    const status = await runtime.connection.sendRequest(StatusRequest);
    assert.equal(status.pid, runtime.child.pid);
    assert.equal(status.version, runtime.initializeResult.serverInfo?.version);
    assert.equal(status.model.kind, "none");
    assert.deepEqual(status.settingsProblems, []);
    assert.equal(status.folder, null, "no folder: the view says to open one before the agent can run");
  });

  it("takes settings from initializationOptions and reports invalid values", async () => {
    const runtime = await start({ modelPath: "/definitely/missing.gguf", contextSize: -5 });
    const status = await runtime.connection.sendRequest(StatusRequest);
    assert.equal(status.model.kind, "error");
    assert.match(status.model.kind === "error" ? status.model.message : "", /file not found: \/definitely\/missing\.gguf/);
    assert.equal(status.settingsProblems.length, 1);
    assert.match(status.settingsProblems[0]!, /hearth\.contextSize/);
  });

  it("applies workspace/didChangeConfiguration and announces hearth/status/changed", async () => {
    const runtime = await start();
    const dir = tempDir("hearth-it-");
    const model = join(dir, "model.gguf");
    writeFileSync(model, "GGUF-not-really");
    // One handler per method in vscode-jsonrpc: collect every status in one listener.
    const seen: RuntimeStatus[] = [];
    const failedSoon = nextStatus(runtime, (s) => (seen.push(s), s.model.kind === "error"));
    await runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { modelPath: model } } });
    // A configured model is loaded at once; this file is no GGUF, so the load fails cleanly.
    const failed = await failedSoon;
    const status = seen.find((s) => s.model.kind === "configured")!;
    assert.deepEqual(status.model.kind === "configured" && status.model.source, { kind: "file", modelPath: model });
    assert.match(failed.model.kind === "error" ? failed.model.message : "", /not a GGUF model file/);
  });

  it("answers what it cannot do with NotAvailable (reindex without a folder), and an unknown method with MethodNotFound", async () => {
    const runtime = await start();
    await assert.rejects(runtime.connection.sendRequest(ReindexRequest, { force: true }), (error: ResponseError<unknown>) => {
      assert.equal(error.code, HearthErrorCode.NotAvailable);
      assert.match(error.message, /no folder is open/);
      return true;
    });
    await assert.rejects(runtime.connection.sendRequest("hearth/does/not-exist", {}), (error: ResponseError<unknown>) => error.code === -32601);
    assert.equal((await runtime.connection.sendRequest(StatusRequest)).pid, runtime.child.pid); // still serving
  });

  it("cancels a running request with RequestCancelled and keeps serving", async () => {
    const runtime = await start();
    const source = new CancellationTokenSource();
    const pending = runtime.connection.sendRequest(SystemInfoRequest, source.token);
    // The runtime takes messages in order and answers a method it does not know as it takes it:
    // once such an answer is back the probe (node-llama-cpp's binaries load) runs, and a
    // cancellation that waited for it would be answered after a second one. (Was: a cancel sent
    // after 20 ms, answered within 1 s, which a loaded machine could miss either way.)
    const unknownMethod = () => assert.rejects(runtime.connection.sendRequest("hearth/does/not-exist", {}), (error: ResponseError<unknown>) => error.code === -32601);
    await unknownMethod();
    source.cancel();
    const answered: string[] = [];
    await Promise.all([
      assert.rejects(pending, (error: ResponseError<unknown>) => error.code === LSPErrorCodes.RequestCancelled).then(() => answered.push("cancelled")),
      unknownMethod().then(() => answered.push("unknown method")),
    ]);
    assert.deepEqual(answered, ["cancelled", "unknown method"], "cancellation answered at once, not after the GPU probe");
    assert.equal((await runtime.connection.sendRequest(StatusRequest)).pid, runtime.child.pid);
  });

  it("reports the machine (CPU backend here) through hearth/system/info", async () => {
    const runtime = await start();
    const info = await runtime.connection.sendRequest(SystemInfoRequest);
    assert.equal(info.platform, process.platform);
    assert.ok(info.cpus >= 1);
    assert.ok(info.totalMemoryBytes > 0);
    assert.ok(info.gpu === false || typeof info.gpu === "string");
    assert.equal(runtime.log().includes("uncaught"), false);
  });

  it("indexes the workspace folder on its own thread, reports it in the status, and reindexes on request", async () => {
    // A folder name with '#' and a space: as a URI, '#' starts the fragment unless encoded.
    const root = tempDir("hearth-it-ws #2 ");
    writeFileSync(join(root, "shop.py"), "def checkout_basket(basket):\n    return sum(basket)\n");
    writeFileSync(join(root, "ui.ts"), "export class CartView {}\n");
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: {}, storagePath: tempDir("hearth-it-storage-") } });
    running.push(runtime);
    const ready = await (async () => {
      for (;;) {
        const status = await runtime.connection.sendRequest(StatusRequest);
        if (status.index.kind === "ready" || status.index.kind === "error") return status.index;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    assert.equal(ready.kind, "ready");
    assert.equal(ready.kind === "ready" && ready.files, 2);
    assert.equal((await runtime.connection.sendRequest(StatusRequest)).folder, root, "the folder the agent works in");
    writeFileSync(join(root, "more.go"), "package main\n\nfunc Refund() {}\n");
    assert.deepEqual(await runtime.connection.sendRequest(ReindexRequest, { force: true }), { files: 3 });
  });

  it("runs no git in a folder VS Code does not trust, and reads its history once it is trusted", async () => {
    const root = tempDir("hearth-it-untrusted-");
    const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
    const git = (...args: string[]) => execFileSync("git", ["-c", "commit.gpgsign=false", ...args], { cwd: root, env });
    git("init", "-q");
    writeFileSync(join(root, "shop.py"), "def checkout_basket(basket):\n    return sum(basket)\n");
    git("add", "-A");
    git("commit", "-q", "-m", "Add the basket checkout");
    // Every git the runtime starts goes through this one, which writes down its arguments.
    const shim = tempDir("hearth-it-git-shim-");
    const calls = join(shim, "calls.log");
    writeFileSync(join(shim, "git"), `#!/bin/sh\necho "$*" >> "${calls}"\nexec ${execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim()} "$@"\n`, { mode: 0o755 });
    const runtime = await spawnRuntime({
      runtimePath: RUNTIME,
      rootPath: root,
      env: { ...process.env, PATH: `${shim}:${process.env.PATH}` },
      initializationOptions: { settings: {}, storagePath: tempDir("hearth-it-storage-"), workspaceTrusted: false },
    });
    running.push(runtime);
    const index = async (done: (s: RuntimeStatus["index"]) => boolean) => {
      for (;;) {
        const status = await runtime.connection.sendRequest(StatusRequest);
        if (done(status.index) || status.index.kind === "error") return status.index;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const untrusted = await index((s) => s.kind === "ready");
    assert.equal(untrusted.kind === "ready" && untrusted.files, 1);
    assert.match(untrusted.kind === "ready" ? (untrusted.historyOff ?? "") : "", /not trusted/);
    assert.equal(existsSync(calls), false, "git ran in an untrusted folder");
    await runtime.connection.sendNotification(WorkspaceTrustedNotification);
    const trusted = await index((s) => s.kind === "ready" && s.historyOff === undefined);
    assert.equal(trusted.kind, "ready");
    // The history's log, after the read-only options (indexer/read-only-git.ts).
    assert.match(readFileSync(calls, "utf8"), /^(--no-optional-locks )?(-c \S+ )*log /m);
  });

  it("shuts down gracefully on shutdown + exit with code 0", async () => {
    const runtime = await start();
    await runtime.close();
    assert.deepEqual(await runtime.exited, { code: 0, signal: null });
  });

  it("a crash (kill -9) is detected and a new runtime is started per the restart policy", async () => {
    const policy = new RestartPolicy({ baseDelayMs: 50, maxDelayMs: 1000, healthyAfterMs: 60_000, maxAttempts: 3 });
    let runtime = await start();
    policy.started(Date.now());
    const closed = new Promise<void>((r) => runtime.connection.onClose(() => r()));
    process.kill(runtime.child.pid!, "SIGKILL");
    assert.deepEqual(await runtime.exited, { code: null, signal: "SIGKILL" });
    await closed; // the client side sees the connection end
    const decision = policy.crashed(Date.now());
    assert.equal(decision.action, "restart");
    await new Promise((r) => setTimeout(r, decision.action === "restart" ? decision.delayMs : 0));
    runtime = await start();
    const status = await runtime.connection.sendRequest(StatusRequest);
    assert.equal(status.pid, runtime.child.pid);
  });

  it("exits when its parent dies, even by SIGKILL (no orphaned runtime)", async () => {
    // A parent process that spawns the runtime, prints its pid, then gets killed.
    const parentScript = `
      const { spawn } = require("node:child_process");
      const child = spawn(process.execPath, [${JSON.stringify(RUNTIME)}, "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
      process.stdout.write(String(child.pid) + "\\n");
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["-e", parentScript], { stdio: ["ignore", "pipe", "inherit"] });
    const runtimePid = await new Promise<number>((r) => parent.stdout!.once("data", (d) => r(Number(String(d).trim()))));
    await waitUntil(() => isAlive(runtimePid));
    parent.kill("SIGKILL");
    parent.stdout!.destroy();
    await waitUntil(() => !isAlive(runtimePid)); // a runtime that outlives its parent holds the test to the runner's limit
  });
});
