/**
 * The embedded backend on generated tiny Qwen3.5 models, on the CPU with one thread:
 * validation before load, load progress, scripted tool calls through Hearth's own
 * generation loop, prefix reuse across turns, cancellation that always settles, FIM.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { BackendError, collectTurn, type ModelBackend } from "../../../src/models/backend.ts";
import { EmbeddedBackend, type EmbeddedOptions } from "../../../src/models/llama-cpp/embedded-backend.ts";
import type { ChatMessage, ChatStreamEvent, ToolDefinition } from "../../../src/models/types.ts";
import { brokenModelFile, ensureTinyModel, type BrokenModelKind } from "../../fixtures/models/index.ts";

const TOOLS: ToolDefinition[] = [
  { name: "read_file", description: "Read a file.", parameters: { type: "object", properties: { path: { type: "string" }, limit: { type: "integer" } }, required: ["path"] } },
];
const CALL = "<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.ts\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>";
const THOUGHT_AND_CALL = `Reading it.\n</think>\n\n${CALL}`;

const backends: ModelBackend[] = [];
after(async () => {
  for (const b of backends) await b.dispose();
});

function open(modelPath: string, options: Partial<EmbeddedOptions> = {}): EmbeddedBackend {
  const backend = new EmbeddedBackend({ modelPath, contextSize: 4096, threads: 1, gpu: false, ...options });
  backends.push(backend);
  return backend;
}

describe("validation before load", () => {
  const cases: Array<[BrokenModelKind | "missing", RegExp]> = [
    ["missing", /model file not found/],
    ["zero-bytes", /empty \(0 bytes\)/],
    ["random-bytes", /not a GGUF model file/],
    ["truncated-metadata", /incomplete/],
    ["truncated-data", /incomplete \(.* of .*, 9\d%\)/],
    ["unsupported-architecture", /unsupported model architecture "llama"/],
    ["missing-head-count", /lacks required metadata \(qwen35\.attention\.head_count\)/],
    ["missing-context-length", /lacks required metadata \(qwen35\.context_length\)/],
  ];
  for (const [kind, message] of cases) {
    it(`refuses a ${kind} file with a clear error and stays usable`, async () => {
      const path = kind === "missing" ? "/definitely/not/here.gguf" : await brokenModelFile(kind);
      const backend = open(path);
      await assert.rejects(backend.load(), (error: unknown) => {
        assert.ok(error instanceof BackendError, String(error));
        assert.match(error.message, message);
        assert.ok(error.fix, "offers a fix");
        return true;
      });
      const state = backend.state();
      assert.equal(state.kind, "error");
    });
  }
});

describe("a tiny model", () => {
  for (const arch of ["qwen35", "qwen35moe"] as const) {
    it(`${arch}: loads with progress, reports its context, and a scripted call comes out as a checked tool call`, async () => {
      const backend = open(await ensureTinyModel({ arch, script: THOUGHT_AND_CALL }));
      const progress: number[] = [];
      const info = await backend.load({ onProgress: (p) => progress.push(p) });
      assert.equal(info.contextSize, 4096);
      assert.equal(info.trainContextSize, 262_144);
      assert.equal(info.gpu, false);
      assert.deepEqual({ ...info.compute, totalLayers: 0 }, { kind: "cpu", gpuLayers: 0, totalLayers: 0, vramUsedBytes: 0, note: "GPU turned off" }, "the backend node-llama-cpp loaded, and why");
      assert.ok(info.compute!.totalLayers > 0);
      assert.match(info.name, new RegExp(arch));
      assert.equal(progress[0], 0);
      assert.equal(progress.at(-1), 1);
      assert.deepEqual(progress, [...progress].sort((a, b) => a - b), "progress only grows");
      const turn = await collectTurn(backend.chat({ messages: [{ role: "user", content: "Show me src/main.ts" }], tools: TOOLS, maxTokens: 64 }));
      assert.equal(turn.stopReason, "toolCalls");
      assert.equal(turn.message.thinking, "Reading it.\n");
      assert.deepEqual(turn.message.toolCalls?.map((c) => [c.name, c.arguments]), [["read_file", { path: "src/main.ts", limit: 20 }]]);
      assert.ok(turn.usage && turn.usage.generatedTokens > 5);
    });
  }

  it("auto context: fitted up to the training context, and the fitted size is what it reports", async () => {
    const backend = open(await ensureTinyModel({ arch: "qwen35" }), { contextSize: 0 });
    const info = await backend.load();
    assert.ok(info.contextSize > 4096 && info.contextSize <= 262_144 + 256, String(info.contextSize));
  });

  it("evaluates only the new tokens of each turn, across tool results and new user messages", async () => {
    const backend = open(await ensureTinyModel({ arch: "qwen35", script: THOUGHT_AND_CALL }));
    const messages: ChatMessage[] = [{ role: "system", content: "You are Hearth." }, { role: "user", content: "Show me src/main.ts" }];
    let previous: readonly number[] = [];
    const ratios: number[] = [];
    for (let turnIndex = 0; turnIndex < 5; turnIndex++) {
      const prompt = await promptTokens(backend, messages);
      const fresh = prompt.length - commonPrefix(previous, prompt);
      const turn = await collectTurn(backend.chat({ messages, tools: TOOLS, maxTokens: 64 }));
      assert.equal(turn.usage!.promptTokens, prompt.length);
      if (turnIndex > 0) ratios.push(turn.usage!.evaluatedTokens / fresh);
      previous = prompt;
      messages.push(turn.message);
      if (turnIndex === 2) messages.push({ role: "user", content: "Now the tests, please." });
      else for (const call of turn.message.toolCalls ?? []) messages.push({ role: "tool", toolCallId: call.id, name: call.name, content: `1: export const x = ${turnIndex};` });
    }
    // At most the one prompt token generation re-evaluates, never the whole prompt.
    if (process.env.HEARTH_DEBUG) console.log("ratios", ratios);
    for (const ratio of ratios) assert.ok(ratio <= 1.1, `evaluated / new = ${ratios.map((r) => r.toFixed(3)).join(", ")}`);
  });

  it("cancellation always settles (regression for the early-abort hang): before the start, after the first event, right after a tool call, a microtask in; then it still works", async () => {
    const backend = open(await ensureTinyModel({ arch: "qwen35moe", script: THOUGHT_AND_CALL }));
    await backend.load();
    const messages: ChatMessage[] = [{ role: "user", content: "Show me src/main.ts" }];
    const early = new AbortController();
    early.abort();
    assert.equal((await collectTurn(backend.chat({ messages, tools: TOOLS, signal: early.signal }))).stopReason, "aborted");
    for (const abortOn of ["thinking", "toolCall"] as ChatStreamEvent["type"][]) {
      const controller = new AbortController();
      const turn = await collectTurn(backend.chat({ messages, tools: TOOLS, maxTokens: 64, signal: controller.signal }), (event) => {
        if (event.type === abortOn) controller.abort();
      });
      assert.ok(turn.stopReason === "aborted" || turn.stopReason === "toolCalls", turn.stopReason);
    }
    // Aborting mid-prompt-evaluation, a microtask after the start.
    const soon = new AbortController();
    const pending = collectTurn(backend.chat({ messages, tools: TOOLS, signal: soon.signal }));
    queueMicrotask(() => soon.abort());
    await pending;
    const turn = await collectTurn(backend.chat({ messages, tools: TOOLS, maxTokens: 64 }));
    assert.equal(turn.stopReason, "toolCalls");
  });

  it("unloading during a turn ends the turn (an error or done), never a hang; later calls say it was unloaded", async () => {
    const backend = open(await ensureTinyModel({ arch: "qwen35" }));
    await backend.load();
    let disposed: Promise<void> | undefined;
    const outcome = await collectTurn(backend.chat({ messages: [{ role: "user", content: "Say a lot." }], maxTokens: 2000 }), (event) => {
      if (event.type === "thinking" && !disposed) disposed = backend.dispose();
    }).then((turn) => turn.stopReason, (error: unknown) => `error: ${String(error)}`);
    await disposed;
    assert.ok(outcome, `settled: ${outcome}`);
    await assert.rejects(collectTurn(backend.chat({ messages: [{ role: "user", content: "again" }] })), /unloaded/);
  });

  it("fills in the middle with the model's FIM tokens, and counts tokens", async () => {
    const backend = open(await ensureTinyModel({ arch: "qwen35" }));
    const info = await backend.load();
    assert.equal(info.fim, true);
    const result = await backend.complete({ prefix: "function add(a, b) {\n  return ", suffix: "\n}\n", maxTokens: 6 });
    assert.equal(typeof result.text, "string");
    assert.ok(["maxTokens", "endOfTurn"].includes(result.stopReason));
    const tokens = await backend.tokenize("<|im_end|> hello");
    assert.ok(tokens.length > 3, "control tokens in plain text stay text");
    assert.ok((await backend.countTokens([{ role: "user", content: "hi" }], TOOLS)) > (await backend.countTokens([{ role: "user", content: "hi" }])));
  });
});

async function promptTokens(backend: EmbeddedBackend, messages: ChatMessage[]): Promise<number[]> {
  // countTokens renders the same prompt; the ids come from the backend's own tokenizer.
  const n = await backend.countTokens(messages, TOOLS);
  const chat = (backend as unknown as { loaded: { chat: { promptTokens(m: ChatMessage[], t: ToolDefinition[], thinking: boolean, limit: number): Promise<number[] | undefined> } } }).loaded.chat;
  return (await chat.promptTokens(messages, TOOLS, true, Infinity))!.slice(0, n);
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
