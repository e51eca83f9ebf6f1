// `hearth chat` from the built CLI when its runtime dies of a signal that leaves no words:
// SIGBUS (the memory-mapped model file cut short or replaced under it — seen with a tiny GGUF
// truncated after its load, then one evaluation) and SIGILL (a CPU without an instruction
// llama.cpp's binary uses: an old CPU, a VM that hides AVX). The user read only "The Hearth
// runtime stopped unexpectedly (signal SIGBUS) while answering": now the likely cause and the
// way out. The runtime is sent the signal once the answer has started streaming (the scripted
// turn streams one character every 5 ms for ten minutes), as chat-runtime-death.test.ts does.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { once } from "node:events";
import { it } from "node:test";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** Resolves once everything `stream` has written so far and later matches `pattern`. */
function waitFor(stream: NodeJS.ReadableStream, seen: { text: string }, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolveMatch, reject) => {
    const check = () => {
      const match = seen.text.match(pattern);
      if (match) stream.off("data", check), stream.off("end", onEnd), resolveMatch(match);
      return match !== null;
    };
    const onEnd = () => check() || reject(new Error(`the stream ended without ${pattern}:\n${seen.text}`));
    stream.on("data", check).on("end", onEnd);
    check();
  });
}

async function chatKilledBy(t: { after(fn: () => void): void }, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  const work = mkdtempSync(join(tmpdir(), "hearth-chat-signal-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  writeFileSync(join(work, "model.json"), JSON.stringify({ name: "slow-script", chunkDelayMs: 5, chunkSize: 1, turns: [{ text: "still answering ".repeat(7500) }] }));
  const cli = spawn(process.execPath, [CLI, "chat", "--verbose", "--no-rules", "--model", "model.json", "--no-think", "hi"], {
    cwd: work,
    env: { ...process.env, HEARTH_HOME: join(work, "home") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => void cli.kill("SIGKILL"));
  const stderr = { text: "" };
  const stdout = { text: "" };
  cli.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr.text += chunk));
  cli.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout.text += chunk));
  const exited = once(cli, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const pid = Number((await waitFor(cli.stderr, stderr, /Hearth runtime \S+ initialized \(pid (\d+)/))[1]);
  await waitFor(cli.stdout, stdout, /still/);
  process.kill(pid, signal);
  const [code] = await exited;
  return { code, stderr: stderr.text };
}

it("hearth chat: a runtime ended by SIGBUS is said to have had its model file changed under it, and what to do", async (t) => {
  const { code, stderr } = await chatKilledBy(t, "SIGBUS");
  assert.equal(code, 1, stderr);
  assert.match(stderr, /The Hearth runtime stopped unexpectedly \(signal SIGBUS: the model file changed while the runtime used it — cut short, overwritten .*download it again if it was cut short\) while answering; see the log at /);
});

it("hearth chat: a runtime ended by SIGILL is said to have met a CPU without an instruction it uses, and what to do", async (t) => {
  const { code, stderr } = await chatKilledBy(t, "SIGILL");
  assert.equal(code, 1, stderr);
  assert.match(stderr, /The Hearth runtime stopped unexpectedly \(signal SIGILL: this CPU lacks an instruction the runtime's native code \(llama\.cpp\) uses .*hearth --server\)\) while answering; see the log at /);
});
