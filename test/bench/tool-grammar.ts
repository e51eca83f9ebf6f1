/**
 * What the response grammar's string values cost since 51a904a (a value may hold a
 * `</parameter>` the format does not continue after, written as an Aho–Corasick automaton
 * over the three closings instead of a 12-state chain):
 *   npm run bench -- tool-grammar [before-commit]
 * (1) the GBNF text's length and rule count for all AGENT_TOOLS, as it is and as it was at
 * `before-commit` (default 51a904a~1, its tool-grammar.ts read with `git show`);
 * (2) a random tiny Qwen3.5 (full 151,936-token vocabulary, CPU, threads: 1) writing calls
 * under each grammar: ms per token, the two alternating round by round with the same seeds,
 * the ratio the median of the per-round ratios. Under a minute on two busy cores.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { getLlama, LlamaGrammarEvaluationState, LlamaLogLevel } from "node-llama-cpp";
import { renderQwenPrompt } from "../../src/models/qwen/prompt.ts";
import * as current from "../../src/models/qwen/tool-grammar.ts";
import { AGENT_TOOLS } from "../../src/tools/index.ts";
import { ensureTinyModel } from "../fixtures/models/index.ts";

const BEFORE = process.argv[2] ?? "51a904a~1";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 120);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type GrammarModule = typeof current;
const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "hearth-bench-grammar-"));
try {
  // The old file beside nothing: its imports of its siblings point at today's (unchanged since) files.
  const oldSource = execFileSync("git", ["show", `${BEFORE}:src/models/qwen/tool-grammar.ts`], { cwd: root, encoding: "utf8" })
    .replaceAll(`from "./`, `from "${join(root, "src/models/qwen")}/`);
  writeFileSync(join(dir, "tool-grammar.ts"), oldSource);
  const before = (await import(join(dir, "tool-grammar.ts"))) as GrammarModule;
  const tools = AGENT_TOOLS.map((t) => t.definition);
  const rules = (g: string) => g.trim().split("\n").length;

  console.log(`## Response grammar for all ${tools.length} AGENT_TOOLS, ${BEFORE} vs now\n`);
  console.log("| grammar | before: chars | before: rules | now: chars | now: rules |\n|---|---|---|---|---|");
  const shapes = [
    ["response, thinking", (m: GrammarModule) => m.buildQwenResponseGrammar(tools, { thinking: true })],
    ["response, no thinking, call required", (m: GrammarModule) => m.buildQwenResponseGrammar(tools, { thinking: false, requireToolCall: true })],
    ["tool calls only", (m: GrammarModule) => m.buildQwenToolCallGrammar(tools)],
  ] as const;
  for (const [name, build] of shapes) {
    const [b, n] = [build(before), build(current)];
    console.log(`| ${name} | ${b.length} | ${rules(b)} | ${n.length} | ${rules(n)} |`);
  }

  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: await ensureTinyModel({ arch: "qwen35moe", vocab: "full" }) });
  const context = await model.createContext({ contextSize: 4096, threads: 1 });
  const sequence = context.getSequence();
  const grammars = {
    before: await llama.createGrammar({ grammar: before.buildQwenToolCallGrammar(tools) }),
    // The same old grammar again: its ratio to the first is the noise floor.
    again: await llama.createGrammar({ grammar: before.buildQwenToolCallGrammar(tools) }),
    now: await llama.createGrammar({ grammar: current.buildQwenToolCallGrammar(tools) }),
  };
  const prompt = model.tokenize(renderQwenPrompt([{ role: "user", content: "Fix the failing test." }], { tools, enableThinking: false }), true);

  /** ms per generated token of one random (temperature 1) generation under `grammar`. */
  async function perToken(which: keyof typeof grammars, seed: number): Promise<{ ms: number; text: string }> {
    await sequence.clearHistory();
    const grammarEvaluationState = new LlamaGrammarEvaluationState({ model, grammar: grammars[which] });
    const tokens = [];
    let start = 0;
    for await (const token of sequence.evaluate(prompt, { temperature: 1, seed, grammarEvaluationState })) {
      // Timed from the first generated token: the prompt's evaluation is the same for both.
      if (tokens.length === 0) start = performance.now();
      if (model.isEogToken(token)) break;
      tokens.push(token);
      if (tokens.length > TOKENS) break;
    }
    return { ms: (performance.now() - start) / Math.max(1, tokens.length - 1), text: model.detokenize(tokens, true) };
  }

  const ms = { before: [] as number[], again: [] as number[], now: [] as number[] };
  const ratios = { now: [] as number[], again: [] as number[] };
  const orders = [["before", "again", "now"], ["now", "before", "again"], ["again", "now", "before"]] as const;
  let same = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const got: Partial<Record<keyof typeof grammars, { ms: number; text: string }>> = {};
    for (const which of orders[round % orders.length]!) got[which] = await perToken(which, round + 1);
    for (const which of ["before", "again", "now"] as const) ms[which].push(got[which]!.ms);
    ratios.now.push(got.now!.ms / got.before!.ms);
    ratios.again.push(got.again!.ms / got.before!.ms);
    if (got.now!.text === got.before!.text) same++;
  }
  console.log(`\n## Random tiny model (qwen35moe, full vocabulary, threads 1) writing calls under the tool-call grammar: ${ROUNDS} rounds of ${TOKENS} tokens\n`);
  console.log("| grammar | ms/token (median) |\n|---|---|");
  console.log(`| ${BEFORE} | ${median(ms.before).toFixed(2)} |\n| ${BEFORE}, a second copy | ${median(ms.again).toFixed(2)} |\n| now | ${median(ms.now).toFixed(2)} |`);
  console.log(`\nnow / before, median of per-round ratios: ${median(ratios.now).toFixed(3)}; noise floor (the second copy / before): ${median(ratios.again).toFixed(3)} (${same}/${ROUNDS} rounds wrote the same text under both)`);
  await context.dispose();
  await model.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
