// A runtime killed from outside while it loaded its model (the out-of-memory killer), at every
// start, was given up on with "The model may need more memory than this machine has: choose
// another with "Hearth: Select Model…", then Restart." — nothing to choose by: how large the
// model file is, how much memory is free, whether the file fits and its context size took the
// rest. The message now compares the model file (its real size) with the memory free now, the
// runtime gone, and names hearth.contextSize where the file fits. Real processes, really
// SIGKILLed, read by RuntimeStart, the policy and machineMemory as runtime-client.ts onExit
// reads them; real files (a sparse one larger than this machine's free memory).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { freemem, totalmem } from "node:os";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { after, it } from "node:test";
import { MEMORY_CALLS, RestartPolicy, gaveUpMessage, type RestartDecision } from "../../../src/extension/restart-policy.ts";
import { machineMemory } from "../../../src/protocol/memory-advice.ts";
import type { ModelSource } from "../../../src/protocol/status.ts";
import { RuntimeStart } from "../../../src/extension/runtime-start.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

const folder = mkdtempSync(join(tmpdir(), "hearth-oom-"));
after(() => rmSync(folder, { recursive: true, force: true }));

/** The give-up message for a runtime killed by `signal` (SIGKILL: from outside) while it loaded `source`, with hearth.contextSize `contextSize`. */
async function gaveUpLoading(source: ModelSource, contextSize: number, signal: NodeJS.Signals = "SIGKILL"): Promise<string> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "ignore", "pipe"] });
  let start!: RuntimeStart;
  const ended = new Promise<{ reason: string; signal: NodeJS.Signals | null }>(
    (done) => (start = new RuntimeStart(child, { hung: () => assert.fail("not a hang"), ended: (reason, signal) => done({ reason, signal }) }, { timers: new FakeClock() })),
  );
  start.answered();
  const policy = new RestartPolicy({ baseDelayMs: 500, maxDelayMs: 30_000, healthyAfterMs: 60_000, maxAttempts: 0 });
  policy.started(0);
  policy.modelState({ kind: "loading", source, progress: 0.4 });
  process.kill(child.pid!, signal);
  const end = await ended;
  const decision = policy.crashed(90_000, end.signal) as Extract<RestartDecision, { action: "give-up" }>;
  assert.equal(decision.action, "give-up");
  // The free figure as on Linux and Windows, whatever this machine (macOS leaves it out: protocol/memory-advice.test.ts);
  // the machine's, also in a container with a memory limit (that form: protocol/memory-advice.test.ts).
  return gaveUpMessage(decision, end.reason, machineMemory(decision.modelPath, contextSize, { ...MEMORY_CALLS, platform: "linux", cgroupLimits: () => ({}) }));
}

/** A size as formatSize writes it: MiB under 0.1 GiB (a busy machine's free memory), else GiB. */
const SIZE = "[\\d.]+ [MG]iB";
const FREE = `${SIZE} of this machine's ${SIZE} of memory is free now \\(the runtime stopped\\)`;

it("a model file that fits the free memory: its context took the rest, and hearth.contextSize is named", async () => {
  const small = join(folder, "small-Q4_K_M.gguf");
  writeFileSync(small, Buffer.alloc(2 * 1024 * 1024, 1));
  const set = await gaveUpLoading({ kind: "file", modelPath: small }, 32_768);
  assert.match(set, /^Hearth's runtime stopped \(killed by SIGKILL: killed from outside, most often by the system's out-of-memory killer .*\), while loading the model, and was not restarted\. /);
  assert.match(set, new RegExp(`The model file small-Q4_K_M\\.gguf is 2\\.0 MiB and ${FREE}: the file fits, so its context \\(or other programs meanwhile\\) took the rest — set hearth\\.contextSize below its 32,768 tokens, or to 0 \\(auto: sized to the free memory\\), then Restart\\.$`));
  const auto = await gaveUpLoading({ kind: "file", modelPath: small }, 0);
  assert.match(auto, /took the rest — close other programs, or choose a smaller model or quantization with "Hearth: Select Model…", then Restart\.$/);
});

it("a model file larger than the free memory: its size and what a file must be under; larger than all memory, no programs to close", async () => {
  const large = join(folder, "large-Q8_0.gguf");
  writeFileSync(large, "");
  truncateSync(large, freemem() + 2 * 1024 ** 3); // sparse: its size, no disk
  const message = await gaveUpLoading({ kind: "file", modelPath: large }, 0);
  const choose = `choose a smaller model or quantization with "Hearth: Select Model…" \\(a file under ${SIZE}, less its context's memory\\), then Restart\\.$`;
  assert.match(message, new RegExp(`The model file large-Q8_0\\.gguf is [\\d.]+ GiB and ${FREE}: (close other programs, or )?${choose}`));
  const huge = join(folder, "huge-BF16.gguf");
  writeFileSync(huge, "");
  truncateSync(huge, totalmem() + 1024 ** 3);
  assert.match(await gaveUpLoading({ kind: "file", modelPath: huge }, 0), new RegExp(`The model file huge-BF16\\.gguf is [\\d.]+ GiB and ${FREE}: ${choose}`));
});

it("a model the runtime named no file of (a preset), or whose file is gone: the free memory alone", async () => {
  for (const source of [{ kind: "preset", preset: "qwen3.5-9b" }, { kind: "file", modelPath: join(folder, "gone.gguf") }] as const) {
    assert.match(await gaveUpLoading(source, 0), new RegExp(`was not restarted\\. ${FREE}; the model and its context may need more: close other programs, or choose a smaller model or quantization with "Hearth: Select Model…", then Restart\\.$`));
  }
});

it("a runtime that died loading its model another way (a llama.cpp abort: SIGABRT) is told no memory figures: the hedged sentence", async () => {
  const small = join(folder, "aborts-Q4_K_M.gguf");
  writeFileSync(small, Buffer.alloc(1024 * 1024, 1));
  const message = await gaveUpLoading({ kind: "file", modelPath: small }, 32_768, "SIGABRT");
  assert.match(message, /^Hearth's runtime stopped \(killed by SIGABRT\), while loading the model, and was not restarted\. The model may need more memory than this machine has: choose another with "Hearth: Select Model…", then Restart\.$/);
  assert.doesNotMatch(message, /free now|the file fits|hearth\.contextSize/);
});
