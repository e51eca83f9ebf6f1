// Inline completions, replayed keystroke by keystroke against the built runtime
// (out/runtime.mjs over stdio, the workspace index on this repository) with a generated
// tiny Qwen3.5 model (random weights, small vocabulary, CPU, threads: 1).
//
// The session (test/bench/completions-session.json) retypes real functions of this
// repository character by character inside their own files (the function removed, the rest
// of the file around it), with inter-key gaps from a seeded typing model: log-normal gaps
// (median 140 ms), longer after spaces and punctuation, a pause after each line (the
// editor's auto-indent inserts the next line's indentation with the newline).
// This client does what src/extension/inline-completions.ts does: it applies the
// typed-ahead rule first and sends `textDocument/inlineCompletion` only when that does not
// answer, cancelling the previous request on every keystroke.
//
// Reported: requests sent per keystroke, cache hits (client and runtime), cancellations,
// pipeline overhead = end-to-end latency at the client − debounce − model time (for
// requests that ran the model), next to a no-op request's round trip on the same
// connection measured throughout the run, and prompt tokens evaluated vs prompt size.
//   npm run build && npm run bench -- completions            replay (prints Markdown)
//   npm run bench -- completions --record                    regenerate the session
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import {
  CancellationTokenSource,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InlineCompletionRequest,
  type InlineCompletionList,
} from "vscode-languageserver-protocol";
import { spawnRuntime } from "../../src/cli/runtime-connection.ts";
import { type CompletionRecord, CompletionStatsRequest, type OfferedCompletion, typedAhead } from "../../src/protocol/completions.ts";
import { ModelLoadRequest, StatusRequest } from "../../src/protocol/lsp-ext.ts";
import { ensureTinyModel } from "../fixtures/models/index.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const SESSION = join(import.meta.dirname, "completions-session.json");

interface TypedFunction {
  readonly path: string;
  readonly text: string;
  /** Gap before each keystroke of `inserts(text)` (ms). */
  readonly gapsMs: readonly number[];
}

/** What each keystroke inserts: one character; a newline carries the next line's indentation (auto-indent). */
function inserts(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += out.at(-1)!.length) {
    out.push(text[i] === "\n" ? "\n" + /^[ \t]*/.exec(text.slice(i + 1))![0] : text[i]!);
  }
  return out;
}

// ---- recording -------------------------------------------------------------------------

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Top-level functions of 80–260 characters in src/, in path order. */
function realFunctions(count: number): { path: string; text: string }[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) files.push(path);
    }
  };
  walk(join(ROOT, "src"));
  const found: { path: string; text: string }[] = [];
  for (const file of files) {
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/^(?:export )?(?:async )?function \w+[^\n]*\{\n(?:[^\n]*\n)*?\}\n/gm)) {
      if (match[0].length >= 80 && match[0].length <= 260 && found.length < count) found.push({ path: relative(ROOT, file), text: match[0] });
    }
  }
  return found;
}

/** Gaps before each keystroke: log-normal around 140 ms, longer after spaces and punctuation, a pause after a line. */
function typingGaps(text: string, random: () => number): number[] {
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  let at = 0;
  return inserts(text).map((insert) => {
    const previous = text[at - 1] ?? "\n";
    at += insert.length;
    let gap = 140 * Math.exp(0.45 * normal());
    if (previous === "\n") gap += 400 + 800 * random();
    else if (/[ .,;({]/.test(previous)) gap *= 1.4;
    return Math.round(Math.min(gap, 3000));
  });
}

function record(): void {
  const random = seeded(7);
  const session: TypedFunction[] = realFunctions(Number(process.env.BENCH_FUNCTIONS ?? 22)).map((f) => ({ ...f, gapsMs: typingGaps(f.text, random) }));
  writeFileSync(SESSION, JSON.stringify(session, null, 0).replace(/\},\{"path"/g, '},\n{"path"') + "\n");
  const keys = session.reduce((n, f) => n + f.gapsMs.length, 0);
  const ms = session.reduce((n, f) => n + f.gapsMs.reduce((m, g) => m + g, 0), 0);
  console.log(`recorded ${session.length} functions, ${keys} keystrokes, ${(ms / 60_000).toFixed(1)} min of typing → ${relative(ROOT, SESSION)}`);
}

// ---- replay ----------------------------------------------------------------------------

interface Sent {
  readonly version: number;
  /** Index of the function in the session and of the keystroke in it. */
  readonly fn: number;
  readonly key: number;
  readonly sentAt: number;
  receivedAt?: number;
  cancelled?: boolean;
}

const percentile = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]! : NaN);
const f1 = (n: number) => n.toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function replay(): Promise<void> {
  const session = (JSON.parse(readFileSync(SESSION, "utf8")) as TypedFunction[]).slice(0, Number(process.env.BENCH_LIMIT ?? Infinity));
  const modelPath = await ensureTinyModel({ arch: "qwen35" });
  const runtime = await spawnRuntime({
    runtimePath: join(ROOT, "out/runtime.mjs"),
    rootPath: ROOT,
    initializationOptions: { settings: { modelPath, contextSize: 8192, threads: 1, gpuLayers: 0 } },
  });
  const c = runtime.connection;
  await c.sendRequest(ModelLoadRequest, {});
  for (let i = 0; i < 600 && (await c.sendRequest(StatusRequest)).index.kind !== "ready"; i++) await sleep(500);
  const status = await c.sendRequest(StatusRequest);
  const sent = new Map<number, Sent>();
  // Versions keep counting across the session's documents, so each keystroke has its own.
  let version = 0;
  const noop: number[] = [];
  let keystrokes = 0;
  let clientHits = 0;
  const started = performance.now();
  for (const [n, fn] of session.entries()) {
    const uri = pathToFileURL(join(ROOT, fn.path)).toString();
    const file = readFileSync(join(ROOT, fn.path), "utf8");
    const at = file.includes(fn.text) ? file.indexOf(fn.text) : file.length;
    let text = file.replace(fn.text, "");
    let offset = at;
    version++;
    void c.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "typescript", version, text } });
    let offered: (OfferedCompletion & { line: number }) | undefined;
    let pending: CancellationTokenSource | undefined;
    let due = performance.now();
    const keys = inserts(fn.text).map((insert, i) => ({ insert, gapMs: fn.gapsMs[i]! }));
    for (const [keyIndex, key] of keys.entries()) {
      due += key.gapMs;
      await sleep(Math.max(0, due - performance.now()));
      keystrokes++;
      pending?.cancel();
      text = text.slice(0, offset) + key.insert + text.slice(offset);
      offset += key.insert.length;
      version++;
      void c.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
      const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
      const lineEnd = text.indexOf("\n", offset) < 0 ? text.length : text.indexOf("\n", offset);
      const line = text.slice(0, lineStart).split("\n").length - 1;
      const before = text.slice(lineStart, offset);
      const after = text.slice(offset, lineEnd);
      if (offered && offered.line === line && typedAhead(offered, before, after) !== undefined) {
        clientHits++;
        continue;
      }
      const source = new CancellationTokenSource();
      pending = source;
      const entry: Sent = { version, fn: n, key: keyIndex, sentAt: performance.now() };
      sent.set(version, entry);
      c.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line, character: offset - lineStart }, context: { triggerKind: 2 } }, source.token).then(
        (result) => {
          entry.receivedAt = performance.now();
          const item = (result as InlineCompletionList | null)?.items[0];
          if (item && typeof item.insertText === "string" && item.insertText) offered = { line, before, after, text: item.insertText };
        },
        () => (entry.cancelled = true),
      );
      // The transport's floor: a request the runtime answers at once (hearth/status), on
      // the same connection and under the same load, every 10th key.
      if (keystrokes % 10 === 0) {
        const t = performance.now();
        void c.sendRequest(StatusRequest).then(() => noop.push(performance.now() - t));
      }
    }
    await sleep(1500);
    void c.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    process.stderr.write(`function ${n + 1}/${session.length} (${fn.path}) done\n`);
  }
  const typingMs = performance.now() - started;
  const stats = await c.sendRequest(CompletionStatsRequest);
  await runtime.close(2000);
  report(session, stats.recent, sent, { keystrokes, clientHits, noop, typingMs, index: status.index });
}

function report(session: TypedFunction[], records: readonly CompletionRecord[], sent: Map<number, Sent>, run: { keystrokes: number; clientHits: number; noop: number[]; typingMs: number; index: unknown }): void {
  const pairs = records.map((record) => ({ record, sent: sent.get(record.version) }));
  const count = (o: CompletionRecord["outcome"]) => records.filter((r) => r.outcome === o).length;
  const ran = pairs.filter((p) => p.record.outcome === "model" || p.record.outcome === "empty");
  const overhead = ran.filter((p) => p.sent?.receivedAt).map((p) => p.sent!.receivedAt! - p.sent!.sentAt - p.record.debounceMs - p.record.modelMs);
  const cacheLatency = pairs.filter((p) => p.record.outcome === "cache" && p.sent?.receivedAt).map((p) => p.sent!.receivedAt! - p.sent!.sentAt);
  const handlerOverhead = ran.map((p) => p.record.handlerMs - p.record.debounceMs - p.record.modelMs);
  const modelMs = ran.map((p) => p.record.modelMs);
  const withTokens = records.filter((r) => r.promptTokens !== undefined);
  const prompt = withTokens.reduce((n, r) => n + r.promptTokens!, 0);
  const evaluated = withTokens.reduce((n, r) => n + r.evaluatedTokens!, 0);
  const ratios = withTokens.map((r) => r.evaluatedTokens! / r.promptTokens!);
  const k = run.keystrokes;
  const started = records.filter((r) => r.modelMs > 0).length;
  const oracle = oracleHits(session, pairs.filter((p) => p.record.outcome === "model" && p.sent?.receivedAt).map((p) => p.sent!));
  const lines = [
    `Session: ${session.length} functions, ${k} keystrokes, ${f1(run.typingMs / 60_000)} min of typing; index ${JSON.stringify(run.index)}.`,
    "",
    "| measure | value | reference (same run) |",
    "|---|---|---|",
    `| requests sent per keystroke | ${(sent.size / k).toFixed(3)} (${sent.size} of ${k}) | 1.000: one request per keystroke without the typed-ahead rule |`,
    `| keystrokes answered by the client's typed-ahead rule (no request) | ${run.clientHits} (${f1((100 * run.clientHits) / k)}%) | — |`,
    `| requests answered from the runtime's cache (no model call) | ${count("cache")} | — |`,
    `| requests cancelled by the next keystroke | ${count("cancelled")} (${records.filter((r) => r.outcome === "cancelled" && r.modelMs > 0).length} of them inside the model) | — |`,
    `| model calls per keystroke: finished / started | ${(ran.length / k).toFixed(3)} / ${(started / k).toFixed(3)} (${ran.length} finished: ${count("model")} with a completion, ${count("empty")} empty) | — |`,
    `| estimate: keystrokes a model that always predicts the rest of the line would answer with no request | ${f1((100 * oracle) / k)}% | measured above with the random-weight model |`,
    `| pipeline overhead, end-to-end − debounce − model (p50 / p95) | ${f1(percentile(overhead, 0.5))} / ${f1(percentile(overhead, 0.95))} ms (n=${overhead.length}) | no-op request round trip: ${f1(percentile(run.noop, 0.5))} / ${f1(percentile(run.noop, 0.95))} ms (n=${run.noop.length}) |`,
    `| of which inside the runtime's handler (p50 / p95) | ${f1(percentile(handlerOverhead, 0.5))} / ${f1(percentile(handlerOverhead, 0.95))} ms | — |`,
    ...(cacheLatency.length ? [`| runtime-cache answers, end-to-end (p50 / p95) | ${f1(percentile(cacheLatency, 0.5))} / ${f1(percentile(cacheLatency, 0.95))} ms (n=${cacheLatency.length}) | no-op round trip above |`] : []),
    `| model time per call (p50 / p95) | ${f1(percentile(modelMs, 0.5))} / ${f1(percentile(modelMs, 0.95))} ms | — |`,
    `| debounce waited (p50 / p95 of model calls) | ${f1(percentile(ran.map((p) => p.record.debounceMs), 0.5))} / ${f1(percentile(ran.map((p) => p.record.debounceMs), 0.95))} ms | — |`,
    `| prompt tokens evaluated per model call (mean / p50 / p95) | ${f1(evaluated / withTokens.length)} / ${percentile(withTokens.map((r) => r.evaluatedTokens!), 0.5)} / ${percentile(withTokens.map((r) => r.evaluatedTokens!), 0.95)} | prompt size: ${f1(prompt / withTokens.length)} / ${percentile(withTokens.map((r) => r.promptTokens!), 0.5)} / ${percentile(withTokens.map((r) => r.promptTokens!), 0.95)} tokens |`,
    `| evaluated ÷ prompt tokens (all calls / p50 per call) | ${(evaluated / prompt).toFixed(3)} / ${percentile(ratios, 0.5).toFixed(3)} | 1.000 without reuse |`,
  ];
  console.log(lines.join("\n"));
}

/**
 * Keystrokes the typed-ahead rule would answer if every completion the replay received had
 * been the rest of the line as typed: from a received completion to the end of its line.
 * An estimate (fewer requests would change the timing), reported as such.
 */
function oracleHits(session: TypedFunction[], answered: Sent[]): number {
  const at = new Set(answered.map((s) => `${s.fn}:${s.key}`));
  let hits = 0;
  session.forEach((fn, n) => {
    let covered = false;
    for (const [i, insert] of inserts(fn.text).entries()) {
      if (insert.startsWith("\n")) covered = false;
      else if (covered) hits++;
      if (at.has(`${n}:${i}`)) covered = true;
    }
  });
  return hits;
}

if (process.argv.includes("--record")) record();
else await replay();
