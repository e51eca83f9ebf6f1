/**
 * The model runtime through the built runtime process (out/runtime.mjs) over LSP, as the
 * extension and the CLI use it: load progress in status and `$/progress`, ready with the
 * real context size, clear errors for broken files with the runtime still serving, and
 * `hearth/chat/send` streaming events and honouring `$/cancelRequest`.
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import {
  CancellationTokenSource,
  DidChangeConfigurationNotification,
  LSPErrorCodes,
  ResponseError,
  WorkDoneProgressCreateRequest,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import type { ChatStreamEvent, ToolDefinition } from "../../../src/protocol/chat.ts";
import { ChatEventNotification, type ChatEventParams, ChatSendRequest, HearthErrorCode, ModelCatalogRequest, ModelDownloadRequest, ModelLoadRequest, StatusChangedNotification, StatusRequest } from "../../../src/protocol/lsp-ext.ts";
import type { RuntimeStatus } from "../../../src/protocol/status.ts";
import { brokenModelFile, ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

const TOOLS: ToolDefinition[] = [
  { name: "read_file", description: "Read a file.", parameters: { type: "object", properties: { path: { type: "string" }, limit: { type: "integer" } }, required: ["path"] } },
];
const CALL = "<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.ts\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>";
const BASE = { threads: 1, contextSize: 4096 };

const running: RuntimeProcess[] = [];
after(async () => {
  for (const r of running) await r.close(1000).catch(() => undefined);
});

interface Watched {
  runtime: RuntimeProcess;
  statuses: RuntimeStatus[];
  progress: Array<WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd>;
  events: Array<{ readonly runId: string; readonly event: ChatStreamEvent }>;
  until(predicate: (s: RuntimeStatus) => boolean): Promise<RuntimeStatus>;
}

/** A runtime whose notifications are all recorded (vscode-jsonrpc keeps one handler per method). */
async function start(settings: Record<string, unknown> = {}): Promise<Watched> {
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: { ...BASE, ...settings } }, capabilities: { window: { workDoneProgress: true } } });
  running.push(runtime);
  const watched: Watched = { runtime, statuses: [], progress: [], events: [], until: () => Promise.reject(new Error("unset")) };
  const waiters: Array<[(s: RuntimeStatus) => boolean, (s: RuntimeStatus) => void]> = [];
  runtime.connection.onNotification(StatusChangedNotification, (status) => {
    watched.statuses.push(status);
    for (const [predicate, resolveWaiter] of [...waiters]) if (predicate(status)) resolveWaiter(status);
  });
  runtime.connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
  runtime.connection.onNotification("$/progress", (params: { token: string | number; value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd }) => {
    watched.progress.push(params.value);
  });
  runtime.connection.onNotification(ChatEventNotification, (params: ChatEventParams) => {
    watched.events.push(params);
  });
  watched.until = async (predicate) => {
    const now = await runtime.connection.sendRequest(StatusRequest);
    if (predicate(now)) return now;
    return new Promise((resolveWaiter) => waiters.push([predicate, resolveWaiter]));
  };
  return watched;
}

function configure(w: Watched, settings: Record<string, unknown>): Promise<void> {
  return w.runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { ...BASE, ...settings } } });
}

describe("model runtime over LSP", () => {
  it("a generated model: loading with progress (status and $/progress), then ready with its real context size", async () => {
    const w = await start();
    const model = await ensureTinyModel({ arch: "qwen35moe", vocab: "full" });
    await configure(w, { modelPath: model });
    const ready = await w.until((s) => s.model.kind === "ready" || s.model.kind === "error");
    assert.equal(ready.model.kind, "ready", JSON.stringify(ready.model));
    if (ready.model.kind !== "ready") return;
    assert.equal(ready.model.contextSize, 4096);
    assert.equal(ready.model.gpu, false);
    assert.match(ready.model.name, /qwen35moe/);
    const loading = w.statuses.filter((s) => s.model.kind === "loading").map((s) => (s.model.kind === "loading" ? s.model.progress : -1));
    assert.ok(loading.length >= 3, `several progress steps: ${loading.join(", ")}`);
    assert.ok(loading.some((p) => p > 0 && p < 1), "intermediate progress");
    await waitFor(() => w.progress.some((p) => p.kind === "end"));
    assert.equal(w.progress[0]?.kind, "begin");
    assert.ok(w.progress.filter((p) => p.kind === "report").length >= 1);
  });

  for (const kind of ["truncated-data", "missing-head-count", "random-bytes"] as const) {
    it(`a ${kind} file: a clear error, and the runtime keeps serving`, async () => {
      const w = await start();
      const file = await brokenModelFile(kind);
      await configure(w, { modelPath: file });
      const failed = await w.until((s) => s.model.kind === "error");
      assert.ok(failed.model.kind === "error" && failed.model.message.includes(file), JSON.stringify(failed.model));
      assert.ok(failed.model.kind === "error" && failed.model.fix);
      const status = await w.runtime.connection.sendRequest(StatusRequest);
      assert.equal(status.pid, w.runtime.child.pid);
      await assert.rejects(w.runtime.connection.sendRequest(ChatSendRequest, { runId: "r", messages: [{ role: "user", content: "hi" }] }), (error: ResponseError<unknown>) => {
        assert.equal(error.code, HearthErrorCode.ModelUnavailable);
        return true;
      });
    });
  }

  it("hearth/chat/send streams a scripted tool call as events with the run id, then resolves with the turn", async () => {
    const w = await start({ modelPath: await ensureTinyModel({ arch: "qwen35", script: CALL }) });
    const state = await w.runtime.connection.sendRequest(ModelLoadRequest, {});
    assert.equal(state.kind, "ready");
    const result = await w.runtime.connection.sendRequest(ChatSendRequest, {
      runId: "run-1", messages: [{ role: "user", content: "Show me src/main.ts" }], tools: TOOLS, thinking: false, maxTokens: 64,
    });
    assert.equal(result.stopReason, "toolCalls");
    assert.deepEqual(result.message.toolCalls?.map((c) => [c.name, c.arguments]), [["read_file", { path: "src/main.ts", limit: 20 }]]);
    await waitFor(() => w.events.some((e) => e.event.type === "done"));
    assert.ok(w.events.every((e) => e.runId === "run-1"));
    assert.deepEqual(w.events.map((e) => e.event.type), ["toolCall", "done"]);
  });

  it("$/cancelRequest stops a run: RequestCancelled, a done/aborted event, and the next run works", async () => {
    const dir = tempDir("hearth-script-");
    const script = join(dir, "slow.json");
    writeFileSync(script, JSON.stringify({ turns: [{ text: "word ".repeat(500) }, { text: "second" }], chunkDelayMs: 10, chunkSize: 2 }));
    const w = await start({ modelPath: script });
    assert.equal((await w.runtime.connection.sendRequest(ModelLoadRequest, {})).kind, "ready");
    const source = new CancellationTokenSource();
    const pending = w.runtime.connection.sendRequest(ChatSendRequest, { runId: "slow", messages: [{ role: "user", content: "talk" }], thinking: false }, source.token);
    await waitFor(() => w.events.filter((e) => e.event.type === "text").length >= 3);
    source.cancel();
    await assert.rejects(pending, (error: ResponseError<unknown>) => error.code === LSPErrorCodes.RequestCancelled);
    await waitFor(() => w.events.some((e) => e.event.type === "done"));
    const done = w.events.find((e) => e.event.type === "done")!.event;
    assert.deepEqual(done.type === "done" && done.stopReason, "aborted");
    const next = await w.runtime.connection.sendRequest(ChatSendRequest, { runId: "next", messages: [{ role: "user", content: "again" }], thinking: false });
    assert.equal(next.message.content, "second");
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

describe("preset download through the runtime", () => {
  it("hearth/model/download fetches a preset from a mirror with $/progress, the catalog lists it, and the preset loads", async () => {
    const { createServer } = await import("node:http");
    const { readFileSync } = await import("node:fs");
    // A generated qwen35 model stands in for Qwen3.5-27B Q4_K_M, served under its Hugging Face path.
    const bytes = readFileSync(await ensureTinyModel({ arch: "qwen35" }));
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? "");
      res.writeHead(200, { "Content-Length": bytes.length }).end(bytes);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const storage = tempDir("hearth-storage-");
    const runtime = await spawnRuntime({
      runtimePath: RUNTIME,
      initializationOptions: { settings: BASE, globalStoragePath: storage },
      capabilities: { window: { workDoneProgress: true } },
      env: { ...process.env, HF_ENDPOINT: `http://127.0.0.1:${(server.address() as { port: number }).port}` },
    });
    running.push(runtime);
    const progress: Array<{ kind: string; message?: string }> = [];
    runtime.connection.onNotification("$/progress", (p: { token: string; value: { kind: string; message?: string } }) => {
      if (p.token === "dl") progress.push(p.value);
    });
    try {
      const result = await runtime.connection.sendRequest(ModelDownloadRequest, { preset: "qwen3.5-27b", workDoneToken: "dl" });
      assert.equal(result.path, join(storage, "models", "Qwen3.5-27B-Q4_K_M.gguf"));
      assert.equal(result.sizeBytes, bytes.length);
      assert.deepEqual(paths, ["/unsloth/Qwen3.5-27B-GGUF/resolve/main/Qwen3.5-27B-Q4_K_M.gguf"]);
      assert.equal(progress[0]?.kind, "begin");
      assert.equal(progress.at(-1)?.kind, "end");
      const catalog = await runtime.connection.sendRequest(ModelCatalogRequest);
      assert.deepEqual(catalog.downloaded.map((d) => [d.preset, d.quantization, d.complete]), [["qwen3.5-27b", "Q4_K_M", true]]);
      await runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { ...BASE, modelPreset: "qwen3.5-27b" } } });
      const state = await runtime.connection.sendRequest(ModelLoadRequest, {});
      assert.equal(state.kind, "ready", JSON.stringify(state));
    } finally {
      server.close();
    }
  });

  // The extension writes the same settings after a download, which VS Code sends on as no
  // change: the download itself must have the runtime check its model again, and the slot
  // (515f4fa) see that the file at the path is another one.
  it("a preset whose file failed to load as incomplete, downloaded again, loads with no settings change", async () => {
    const { createServer } = await import("node:http");
    const { mkdirSync, readFileSync } = await import("node:fs");
    const bytes = readFileSync(await ensureTinyModel({ arch: "qwen35" }));
    const server = createServer((_req, res) => void res.writeHead(200, { "Content-Length": bytes.length }).end(bytes));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const storage = tempDir("hearth-storage-");
    mkdirSync(join(storage, "models"));
    writeFileSync(join(storage, "models", "Qwen3.5-27B-Q4_K_M.gguf"), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const runtime = await spawnRuntime({
      runtimePath: RUNTIME,
      initializationOptions: { settings: { ...BASE, modelPreset: "qwen3.5-27b" }, globalStoragePath: storage },
      env: { ...process.env, HF_ENDPOINT: `http://127.0.0.1:${(server.address() as { port: number }).port}` },
    });
    running.push(runtime);
    try {
      const failed = await runtime.connection.sendRequest(ModelLoadRequest, {});
      assert.ok(failed.kind === "error" && /incomplete/.test(failed.message), JSON.stringify(failed));
      const result = await runtime.connection.sendRequest(ModelDownloadRequest, { preset: "qwen3.5-27b" });
      assert.equal(result.sizeBytes, bytes.length, "downloaded again, the incomplete one moved aside");
      // The download's own check has put the old error aside ("configured" until its load starts, then "loading", "ready").
      const after = (await runtime.connection.sendRequest(StatusRequest)).model;
      assert.ok(after.kind === "configured" || after.kind === "loading" || after.kind === "ready", `the new file is taken, not the old error kept: ${JSON.stringify(after)}`);
      const loaded = await runtime.connection.sendRequest(ModelLoadRequest, {});
      assert.equal(loaded.kind, "ready", JSON.stringify(loaded));
    } finally {
      server.close();
    }
  });
});

