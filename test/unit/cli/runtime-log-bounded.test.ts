// A runtime's native code (llama.cpp, CUDA) may write megabytes to stderr: a debug log level,
// a warning printed per token, a driver's chatter. hearth chat keeps the runtime's log for the
// crash log it saves; it must keep only its end (where a crash's last words are), not all of it
// in memory for as long as the chat runs.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { ALLOCATION_ADVICE } from "../../../src/protocol/native-crash.ts";
import { tempDir } from "../../fixtures/temp.ts";

// Answers initialize, then writes to stderr what each hearth/test/stderr notification holds.
// About a megabyte: a crash's last words and what led to them, not the whole chatter.
const KEPT = 1024 * 1024 + 300;
const RUNTIME = resolve(import.meta.dirname, "../../fixtures/runtime/stderr-runtime.mjs");

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

it("keeps only the end of megabytes of the runtime's stderr, and saves that end, last words included, when it is killed", { timeout: 60_000 }, async () => {
  const logs = tempDir("hearth-log-bounded-");
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} }, crashLogDir: logs });
  const line = `ggml_backend_cuda: chatter ${"x".repeat(1000)}\n`;
  await runtime.connection.sendNotification("hearth/test/stderr", { text: line, times: 40_000 }); // 40 MB
  await runtime.connection.sendNotification("hearth/test/stderr", { text: "GGML_ASSERT(ctx->mem_buffer != NULL) failed\n" });
  await until(() => runtime.log().includes("GGML_ASSERT"));
  const kept = runtime.log();
  assert.ok(kept.length <= KEPT, `${kept.length} characters kept in memory`);
  assert.match(kept, /^\[\.\.\. \d+ earlier characters of the runtime's log left out\]\n/);
  assert.ok(kept.endsWith("x\nGGML_ASSERT(ctx->mem_buffer != NULL) failed\n"));
  runtime.child.kill("SIGKILL");
  const crash = await runtime.ended;
  assert.equal(crash?.signal, "SIGKILL");
  assert.equal(crash?.reason, `GGML_ASSERT(ctx->mem_buffer != NULL) failed: ${ALLOCATION_ADVICE}`);
  const saved = readFileSync(crash!.logPath!, "utf8");
  assert.ok(saved.length <= KEPT + 100, `${saved.length} characters in the crash log`);
  assert.match(saved, /GGML_ASSERT\(ctx->mem_buffer != NULL\) failed\n\nruntime process ended: signal SIGKILL\n$/);
  runtime.connection.dispose();
});

it("keeps the newest 20 crash logs: a runtime that crashes at every chat left one more file of up to a megabyte each time, for good", { timeout: 60_000 }, async () => {
  const logs = tempDir("hearth-log-kept-");
  // 30 crashes of January, and what else is in the folder: not Hearth's crash logs, left alone.
  const old = Array.from({ length: 30 }, (_, i) => `runtime-2026-01-${String(i + 1).padStart(2, "0")}T10-00-00-000Z-${1000 + i}.log`);
  for (const name of old) writeFileSync(join(logs, name), "GGML_ASSERT(...) failed\n");
  for (const name of ["notes.txt", "runtime-mine.log"]) writeFileSync(join(logs, name), "the user's\n");
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} }, crashLogDir: logs });
  runtime.child.kill("SIGKILL");
  const crash = await runtime.ended;
  runtime.connection.dispose();
  const left = readdirSync(logs).sort();
  assert.ok(left.includes(crash!.logPath!.slice(logs.length + 1)), "this crash's log is kept");
  assert.deepEqual(left.filter((name) => old.includes(name)), old.slice(-19), "the oldest removed, the newest 19 of before kept");
  assert.ok(left.includes("notes.txt") && left.includes("runtime-mine.log"));
  assert.equal(left.length, 22);
});

it("keeps this crash's log, the one it names, when the folder holds 20 named after it (written while the clock was a year ahead)", { timeout: 60_000 }, async () => {
  const logs = tempDir("hearth-log-kept-ahead-");
  // A runtime that crashed at every chat while the machine's clock was a year ahead (a wrong RTC, set right since).
  const ahead = Array.from({ length: 20 }, (_, i) => `runtime-${new Date().getUTCFullYear() + 1}-01-${String(i + 1).padStart(2, "0")}T10-00-00-000Z-${2000 + i}.log`);
  for (const name of ahead) writeFileSync(join(logs, name), "GGML_ASSERT(...) failed\n");
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} }, crashLogDir: logs });
  runtime.child.kill("SIGKILL");
  const crash = await runtime.ended;
  runtime.connection.dispose();
  assert.ok(crash?.logPath && existsSync(crash.logPath), `the crash names ${crash?.logPath}, which is there`);
  assert.deepEqual(readdirSync(logs).filter((name) => ahead.includes(name)), ahead.slice(-19), "20 in all: the first-named of before removed");
});
