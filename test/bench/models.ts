// Model runtime benchmarks, each side by side with a reference in the same run, on a
// generated tiny Qwen3.5 model (full 151,936-token vocabulary), CPU, threads: 1:
//   (a) generation tokens/s: Hearth's EmbeddedBackend in-process and through the runtime
//       process (hearth/chat/send over LSP) vs node-llama-cpp's sequence.evaluate used
//       directly on the same prompt tokens and settings;
//   (b) a 10-turn tool-call conversation (two new user messages among the turns):
//       prompt tokens evaluated per turn ÷ tokens new in the prompt since the last turn;
//   (c) load time (validation + load + context) vs node-llama-cpp's loadModel +
//       createContext with the same options, and time to first token.
// Run: npm run build && npm run bench -- models   (prints Markdown)
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { spawnRuntime } from "../../src/cli/runtime-connection.ts";
import { collectTurn } from "../../src/models/backend.ts";
import { EmbeddedBackend } from "../../src/models/llama-cpp/embedded-backend.ts";
import { renderQwenPrompt } from "../../src/models/qwen/prompt.ts";
import type { ChatMessage, ToolDefinition } from "../../src/models/types.ts";
import { ChatSendRequest, ModelLoadRequest } from "../../src/protocol/lsp-ext.ts";
import { ensureTinyModel } from "../fixtures/models/index.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 200);
const CONTEXT = 8192;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, d = 1) => n.toFixed(d);

const PROMPT: ChatMessage[] = [
  { role: "system", content: "You are Hearth, a coding agent." },
  { role: "user", content: "Explain what a ring buffer is, then write one in TypeScript with push, shift and a fixed capacity." },
];

/**
 * Tokens/s of one greedy turn, counted from the first generated token to the last. Only one
 * model is loaded in this process at a time: two at once slowed whichever ran second by
 * ~20% on this machine, which would measure the bench, not Hearth.
 */
async function benchThroughput(modelPath: string) {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const runtime = await spawnRuntime({
    runtimePath: resolve(import.meta.dirname, "../../out/runtime.mjs"),
    initializationOptions: { settings: { modelPath, contextSize: CONTEXT, threads: 1, gpuLayers: 0 } },
  });
  await runtime.connection.sendRequest(ModelLoadRequest, {});
  let t1 = 0;
  runtime.connection.onNotification("hearth/chat/event", () => {
    t1 ||= performance.now();
  });
  const direct: number[] = [];
  const hearth: number[] = [];
  const overLsp: number[] = [];
  const loadDirect: number[] = [];
  const loadHearth: number[] = [];
  const ttft: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const messages: ChatMessage[] = [PROMPT[0]!, { role: "user", content: `${PROMPT[1]!.content} (${run})` }];
    // node-llama-cpp directly: the same prompt tokens, greedy.
    let t = performance.now();
    const model = await llama.loadModel({ modelPath, defaultContextFlashAttention: true });
    const context = await model.createContext({ contextSize: CONTEXT, sequences: 2, threads: 1, flashAttention: true });
    loadDirect.push(performance.now() - t);
    const sequence = context.getSequence();
    const promptTokens = model.tokenize(renderQwenPrompt(messages), true);
    let count = 0;
    let first = 0;
    for await (const token of sequence.evaluate(promptTokens as Token[], { temperature: 0 })) {
      if (model.isEogToken(token)) break;
      if (count++ === 0) first = performance.now();
      if (count >= TOKENS) break;
    }
    direct.push((count - 1) / ((performance.now() - first) / 1000));
    await context.dispose();
    await model.dispose();
    // Hearth in-process: the same conversation through EmbeddedBackend.chat.
    t = performance.now();
    const backend = new EmbeddedBackend({ modelPath, contextSize: CONTEXT, threads: 1, gpu: false });
    await backend.load();
    loadHearth.push(performance.now() - t);
    let t0 = 0;
    t = performance.now();
    const turn = await collectTurn(backend.chat({ messages, maxTokens: TOKENS }), () => (t0 ||= performance.now()));
    ttft.push(t0 - t);
    hearth.push((turn.usage!.generatedTokens - 1) / ((performance.now() - t0) / 1000));
    await backend.dispose();
    // Hearth through the runtime process (its model stays loaded there).
    t1 = 0;
    const result = await runtime.connection.sendRequest(ChatSendRequest, { runId: `r${run}`, messages, maxTokens: TOKENS });
    overLsp.push((result.usage!.generatedTokens - 1) / ((performance.now() - t1) / 1000));
  }
  await runtime.close();
  return {
    direct: median(direct), hearth: median(hearth), overLsp: median(overLsp),
    load: { hearth: median(loadHearth), direct: median(loadDirect), ttft: median(ttft) },
  };
}

const TOOLS: ToolDefinition[] = [
  { name: "read_file", description: "Read a file.", parameters: { type: "object", properties: { path: { type: "string" }, limit: { type: "integer" } }, required: ["path"] } },
  { name: "search", description: "Search the repository.", parameters: { type: "object", properties: { pattern: { type: "string" } }, required: ["pattern"] } },
];
const CALL = "Looking.\n</think>\n\n<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.ts\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>";

async function benchReuse(modelPath: string) {
  const backend = new EmbeddedBackend({ modelPath, contextSize: CONTEXT, threads: 1, gpu: false });
  await backend.load();
  const tokens = (m: ChatMessage[]) => (backend as unknown as { loaded: { chat: { promptTokens(m: ChatMessage[], t: ToolDefinition[]): number[] } } }).loaded.chat.promptTokens(m, TOOLS);
  const messages: ChatMessage[] = [{ role: "system", content: "You are Hearth, a coding agent." }, { role: "user", content: "Find where the config is parsed." }];
  let previous: number[] = [];
  const rows: Array<{ turn: number; prompt: number; fresh: number; evaluated: number; newUser: boolean }> = [];
  for (let turn = 1; turn <= 10; turn++) {
    const prompt = tokens(messages);
    let common = 0;
    while (common < previous.length && common < prompt.length && previous[common] === prompt[common]) common++;
    const result = await collectTurn(backend.chat({ messages, tools: TOOLS, maxTokens: 96 }));
    const newUser = messages.at(-1)!.role === "user" && turn > 1;
    rows.push({ turn, prompt: prompt.length, fresh: prompt.length - common, evaluated: result.usage!.evaluatedTokens, newUser });
    previous = prompt;
    messages.push(result.message);
    if (turn === 4 || turn === 7) messages.push({ role: "user", content: `Good. Now check the tests for part ${turn}.` });
    else for (const call of result.message.toolCalls ?? []) messages.push({ role: "tool", toolCallId: call.id, name: call.name, content: `1: import { parse } from "./config";\n2: export const value${turn} = parse(process.argv);` });
  }
  await backend.dispose();
  return rows;
}

const plain = await ensureTinyModel({ arch: "qwen35moe", vocab: "full" });
const scripted = await ensureTinyModel({ arch: "qwen35moe", vocab: "full", script: CALL });
const throughput = await benchThroughput(plain);
const reuse = await benchReuse(scripted);
const load = throughput.load;

const totalEvaluated = reuse.slice(1).reduce((a, r) => a + r.evaluated, 0);
const totalFresh = reuse.slice(1).reduce((a, r) => a + r.fresh, 0);
console.log(`### (a) generation throughput (${TOKENS} tokens, median of ${RUNS}, tiny qwen35moe full vocab, CPU, threads 1)\n`);
console.log("| path | tokens/s | ratio to direct |\n|---|---|---|");
console.log(`| node-llama-cpp direct (sequence.evaluate) | ${fmt(throughput.direct)} | 1.00 |`);
console.log(`| Hearth EmbeddedBackend.chat (in-process) | ${fmt(throughput.hearth)} | ${fmt(throughput.hearth / throughput.direct, 3)} |`);
console.log(`| Hearth runtime, hearth/chat/send over LSP | ${fmt(throughput.overLsp)} | ${fmt(throughput.overLsp / throughput.direct, 3)} |`);
console.log(`\n### (b) prefix reuse over a 10-turn tool-call conversation\n`);
console.log("| turn | prompt tokens | new since last turn | evaluated | evaluated ÷ new |\n|---|---|---|---|---|");
for (const r of reuse) console.log(`| ${r.turn}${r.newUser ? " (new user message)" : ""} | ${r.prompt} | ${r.fresh} | ${r.evaluated} | ${r.turn === 1 ? "—" : fmt(r.evaluated / r.fresh, 3)} |`);
console.log(`| turns 2–10 | | ${totalFresh} | ${totalEvaluated} | **${fmt(totalEvaluated / totalFresh, 3)}** |`);
console.log(`\n### (c) load and first token (median of ${RUNS})\n`);
console.log("| measure | Hearth | node-llama-cpp direct | ratio |\n|---|---|---|---|");
console.log(`| load: validate + loadModel + context (2 sequences, ${CONTEXT} tokens) | ${fmt(load.hearth)} ms | ${fmt(load.direct)} ms | ${fmt(load.hearth / load.direct, 2)} |`);
console.log(`| time to first token (${PROMPT.length}-message prompt, fresh context: prompt evaluation + first token) | ${fmt(load.ttft)} ms | — | — |`);
