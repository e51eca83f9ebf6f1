// `hearth chat` (one streamed turn, no agent loop) with a model that repeats one line until the
// context ends: the built CLI and runtime with a scripted model. The reply is stopped a few
// thousand characters in and the terminal says why, instead of 260,000 characters of one line.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { it } from "node:test";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const LINE = "I will now read the file.\n";

it("hearth chat: a reply that repeats one line over and over is stopped, the terminal saying why", { timeout: 120_000 }, (t) => {
  const work = mkdtempSync(join(tmpdir(), "hearth-chat-runaway-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const loop = "Let me look.\n" + LINE.repeat(10_000);
  writeFileSync(join(work, "model.json"), JSON.stringify({ name: "looping-script", chunkSize: 8, turns: [{ text: loop }] }));
  const run = spawnSync(process.execPath, [CLI, "chat", "--no-rules", "--model", "model.json", "--no-think", "hi"], {
    cwd: work, env: { ...process.env, HEARTH_HOME: join(work, "home") }, encoding: "utf8", timeout: 100_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(run.stdout.startsWith("Let me look.\nI will now read the file.\n"), run.stdout.slice(0, 100));
  assert.ok(run.stdout.length < 4_000, `${run.stdout.length} characters printed of ${loop.length}`);
  assert.match(run.stderr, /\[note\] Hearth stopped the reply: its text fell into a loop — the same 26 characters \("I will now read the file\.\\n"\) written \d+ times in a row\. Ask again in other words, or try a larger quantization of the model \(small ones loop more\)\. If you asked for text that repeats \(a line 100 times, a file of identical rows\), ask for a command or a short script that writes it instead/);
});

it("hearth chat: a tool call whose content loops is stopped while it is written, said as stopped, and nothing is written", { timeout: 120_000 }, (t) => {
  const work = mkdtempSync(join(tmpdir(), "hearth-chat-runaway-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const content = "def test_add():\n" + "    assert add(1, 2) == 3\n".repeat(20_000);
  writeFileSync(join(work, "model.json"), JSON.stringify({ name: "looping-script", chunkSize: 8, turns: [{ text: "I will write it.", toolCalls: [{ name: "write_file", arguments: { path: "t.py", content } }] }] }));
  const run = spawnSync(process.execPath, [CLI, "chat", "--no-rules", "--model", "model.json", "--no-think", "hi"], {
    cwd: work, env: { ...process.env, HEARTH_HOME: join(work, "home") }, encoding: "utf8", timeout: 100_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /\n\[tool call stopped\] Hearth stopped your call to write_file while you were writing it: its arguments fell into a loop — the same 26 characters \(" {4}assert add\(1, 2\) == 3\\n"\) written \d+ times in a row — so nothing of it ran/);
  const generated = Number(/(\d+) generated\]/.exec(run.stderr)?.[1]);
  assert.ok(generated < 600, `${generated} chunks generated of about ${Math.ceil(content.length / 8)}`);
  assert.ok(!existsSync(join(work, "t.py")));
});
