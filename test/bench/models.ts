// Model runtime benchmarks, each side by side with a reference in the same run, on a
// generated tiny Qwen3.5 model (full 151,936-token vocabulary), CPU, threads: 1:
//   (a) generation tokens/s: Hearth's EmbeddedBackend (no LSP) and Hearth's runtime process
//       (hearth/chat/send over LSP) vs node-llama-cpp's sequence.evaluate used directly on
//       the same prompt tokens and settings, each path in its own process;
//   (b) a 10-turn tool-call conversation (two new user messages among the turns):
//       prompt tokens evaluated per turn ÷ tokens new in the prompt since the last turn;
//   (c) load time (validation + load + context) vs node-llama-cpp's loadModel +
//       createContext with the same options, and time to first token.
// Run: npm run build && npm run bench -- models   (prints Markdown)
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { spawnRuntime } from "../../src/cli/runtime-connection.ts";
import { collectTurn } from "../../src/models/backend.ts";
import { EmbeddedBackend } from "../../src/models/llama-cpp/embedded-backend.ts";
import type { ChatMessage, ToolDefinition } from "../../src/models/types.ts";
import { ChatSendRequest, ModelLoadRequest } from "../../src/protocol/lsp-ext.ts";
import { ensureTinyModel } from "../fixtures/models/index.ts";
import { seededRandom } from "../fixtures/models/tiny-qwen35.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
/** Throughput rounds: the machine's speed drifts by ±10% between turns, so it takes many. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 45);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 200);
const CONTEXT = 8192;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, d = 1) => n.toFixed(d);

const PROMPT: ChatMessage[] = [
  { role: "system", content: "You are Hearth, a coding agent." },
  { role: "user", content: "Explain what a ring buffer is, then write one in TypeScript with push, shift and a fixed capacity." },
];

/**
 * Tokens/s of one greedy turn, counted from the first generated token to the last, for the
 * three paths side by side. Each path holds its model in its own process for the whole
 * measurement (node-llama-cpp direct and EmbeddedBackend in models-child.ts, Hearth in its
 * runtime), only one generates at a time, and the order is shuffled every round (seeded) so
 * that drift in the machine's speed, and whatever one process leaves in the CPU caches for
 * the next, falls on all of them alike. Ratios are the median of the per-round
 * ratios. A second direct process measured the same way gives the noise floor (its ratio to
 * the first would be 1.000 on a quiet machine). (Loading and disposing models inside the
 * timed rounds, as an earlier version of this bench did, mixed page-fault and allocator
 * effects into the comparison.)
 */
async function benchThroughput(modelPath: string) {
  const child = async (mode: "direct" | "embedded") => {
    const proc = fork(resolve(import.meta.dirname, "models-child.ts"), [mode, modelPath, String(TOKENS), String(CONTEXT)], { execArgv: ["--import", "tsx"] });
    const reply = () => new Promise<Turn>((done, fail) => {
      const exited = (code: number | null) => fail(new Error(`models-child ${mode} exited with ${code}`));
      proc.once("exit", exited);
      proc.once("message", (message: Turn) => {
        proc.off("exit", exited);
        done(message);
      });
    });
    await reply();
    return {
      generate: async (messages: ChatMessage[]) => {
        const answer = reply();
        proc.send({ messages });
        return answer;
      },
      pid: proc.pid!,
      close: () => proc.kill(),
    };
  };
  const direct = await child("direct");
  const direct2 = await child("direct");
  const embedded = await child("embedded");
  const runtime = await spawnRuntime({
    runtimePath: resolve(import.meta.dirname, "../../out/runtime.mjs"),
    initializationOptions: { settings: { modelPath, contextSize: CONTEXT, threads: 1, gpuLayers: 0 } },
  });
  await runtime.connection.sendRequest(ModelLoadRequest, {});
  let t1 = 0;
  runtime.connection.onNotification("hearth/chat/event", () => {
    t1 ||= performance.now();
  });
  const overLsp = async (messages: ChatMessage[], runId: string): Promise<Turn> => {
    t1 = 0;
    const result = await runtime.connection.sendRequest(ChatSendRequest, { runId, messages, maxTokens: TOKENS });
    const tokens = result.usage!.generatedTokens;
    return { tps: (tokens - 1) / ((performance.now() - t1) / 1000), tokens };
  };
  const tps = { direct: [] as number[], direct2: [] as number[], hearth: [] as number[], overLsp: [] as number[] };
  // CPU time of the generating process plus this (the client's) process, per path.
  const cpu = { direct: 0, direct2: 0, hearth: 0, overLsp: 0 };
  const tokens = { direct: 0, direct2: 0, hearth: 0, overLsp: 0 };
  const random = seededRandom(42);
  for (let run = 0; run < ROUNDS; run++) {
    const messages: ChatMessage[] = [PROMPT[0]!, { role: "user", content: `${PROMPT[1]!.content} (${run})` }];
    const paths: Array<[keyof typeof tps, number, () => Promise<Turn>]> = [
      ["direct", direct.pid, () => direct.generate(messages)],
      ["direct2", direct2.pid, () => direct2.generate(messages)],
      ["hearth", embedded.pid, () => embedded.generate(messages)],
      ["overLsp", runtime.child.pid!, () => overLsp(messages, `r${run}`)],
    ];
    for (const [name, pid, measure] of shuffled(paths, random)) {
      const before = cpuMs(pid) + ownCpuMs();
      const turn = await measure();
      cpu[name] += cpuMs(pid) + ownCpuMs() - before;
      tokens[name] += turn.tokens;
      tps[name].push(turn.tps);
    }
  }
  for (const path of [direct, direct2, embedded]) path.close();
  await runtime.close();
  const summary = (name: keyof typeof tps) => ({
    median: median(tps[name]),
    best: Math.max(...tps[name]),
    pairedRatio: median(tps[name].map((x, i) => x / tps.direct[i]!)),
    bestRatio: Math.max(...tps[name]) / Math.max(...tps.direct),
    cpuMsPerToken: cpu[name] / tokens[name],
    cpuRatio: cpu[name] / tokens[name] / (cpu.direct / tokens.direct),
  });
  return { direct: summary("direct"), direct2: summary("direct2"), hearth: summary("hearth"), overLsp: summary("overLsp") };
}

interface Turn {
  readonly tps: number;
  readonly tokens: number;
}

/** CPU time (user + system) a process has used, from /proc (Linux; 100 clock ticks a second). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Load time (validation + load + context) vs node-llama-cpp's own, and time to first token. */
async function benchLoad(modelPath: string) {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const loadDirect: number[] = [];
  const loadHearth: number[] = [];
  const ttft: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let t = performance.now();
    const model = await llama.loadModel({ modelPath, defaultContextFlashAttention: true });
    const context = await model.createContext({ contextSize: CONTEXT, sequences: 2, threads: 1, flashAttention: true });
    loadDirect.push(performance.now() - t);
    await context.dispose();
    await model.dispose();
    t = performance.now();
    const backend = new EmbeddedBackend({ modelPath, contextSize: CONTEXT, threads: 1, gpu: false });
    await backend.load();
    loadHearth.push(performance.now() - t);
    let t0 = 0;
    t = performance.now();
    const messages: ChatMessage[] = [PROMPT[0]!, { role: "user", content: `${PROMPT[1]!.content} (${run})` }];
    await collectTurn(backend.chat({ messages, maxTokens: 2 }), () => (t0 ||= performance.now()));
    ttft.push(t0 - t);
    await backend.dispose();
  }
  return { hearth: median(loadHearth), direct: median(loadDirect), ttft: median(ttft) };
}

const TOOLS: ToolDefinition[] = [
  { name: "read_file", description: "Read a file.", parameters: { type: "object", properties: { path: { type: "string" }, limit: { type: "integer" } }, required: ["path"] } },
  { name: "search", description: "Search the repository.", parameters: { type: "object", properties: { pattern: { type: "string" } }, required: ["pattern"] } },
];
const CALL = "Looking.\n</think>\n\n<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.ts\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>";

async function benchReuse(modelPath: string) {
  const backend = new EmbeddedBackend({ modelPath, contextSize: CONTEXT, threads: 1, gpu: false });
  await backend.load();
  // The prompt as the backend tokenizes it (its private chat sequence; thinking on, as chat() runs it).
  type PromptTokens = (m: ChatMessage[], t: ToolDefinition[], thinking: boolean, limit: number) => Promise<number[] | undefined>;
  const chat = (backend as unknown as { loaded: { chat: { promptTokens: PromptTokens } } }).loaded.chat;
  const tokens = async (m: ChatMessage[]) => {
    const found = await chat.promptTokens.call(chat, m, TOOLS, true, CONTEXT);
    if (!found) throw new Error("the bench's prompt does not fit its context");
    return found;
  };
  const messages: ChatMessage[] = [{ role: "system", content: "You are Hearth, a coding agent." }, { role: "user", content: "Find where the config is parsed." }];
  let previous: number[] = [];
  const rows: Array<{ turn: number; prompt: number; fresh: number; evaluated: number; newUser: boolean }> = [];
  for (let turn = 1; turn <= 10; turn++) {
    const prompt = await tokens(messages);
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
const load = await benchLoad(plain);

const totalEvaluated = reuse.slice(1).reduce((a, r) => a + r.evaluated, 0);
const totalFresh = reuse.slice(1).reduce((a, r) => a + r.fresh, 0);
console.log(`### (a) generation throughput (${TOKENS} tokens, ${ROUNDS} interleaved rounds, tiny qwen35moe full vocab, CPU, threads 1)\n`);
console.log("| path | tokens/s median | tokens/s best | ratio to direct, best ÷ best | ratio to direct, paired | CPU per token (generating process + client) | CPU ratio to direct |\n|---|---|---|---|---|---|---|");
const row = (label: string, s: typeof throughput.direct) =>
  console.log(`| ${label} | ${fmt(s.median)} | ${fmt(s.best)} | ${fmt(s.bestRatio, 3)} | ${fmt(s.pairedRatio, 3)} | ${fmt(s.cpuMsPerToken, 3)} ms | ${fmt(s.cpuRatio, 3)} |`);
row("node-llama-cpp direct (sequence.evaluate, its own process)", throughput.direct);
row("node-llama-cpp direct again, a second process (noise floor)", throughput.direct2);
row("Hearth EmbeddedBackend.chat (its own process, no LSP)", throughput.hearth);
row("Hearth runtime, hearth/chat/send over LSP", throughput.overLsp);
console.log(`\n### (b) prefix reuse over a 10-turn tool-call conversation\n`);
console.log("| turn | prompt tokens | new since last turn | evaluated | evaluated ÷ new |\n|---|---|---|---|---|");
for (const r of reuse) console.log(`| ${r.turn}${r.newUser ? " (new user message)" : ""} | ${r.prompt} | ${r.fresh} | ${r.evaluated} | ${r.turn === 1 ? "—" : fmt(r.evaluated / r.fresh, 3)} |`);
console.log(`| turns 2–10 | | ${totalFresh} | ${totalEvaluated} | **${fmt(totalEvaluated / totalFresh, 3)}** |`);
console.log(`\n### (c) load and first token (median of ${RUNS})\n`);
console.log("| measure | Hearth | node-llama-cpp direct | ratio |\n|---|---|---|---|");
console.log(`| load: validate + loadModel + context (2 sequences, ${CONTEXT} tokens) | ${fmt(load.hearth)} ms | ${fmt(load.direct)} ms | ${fmt(load.hearth / load.direct, 2)} |`);
console.log(`| time to first token (${PROMPT.length}-message prompt, fresh context: prompt evaluation + first token) | ${fmt(load.ttft)} ms | — | — |`);
