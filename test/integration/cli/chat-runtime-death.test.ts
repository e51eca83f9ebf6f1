// `hearth chat` from the built CLI when its runtime process dies mid-chat (issue 13): the
// runtime is killed with SIGKILL once the answer has started streaming (the scripted turn
// streams one character every 5 ms for ten minutes, so it cannot finish first). The CLI
// must say so, point at the saved log, and exit non-zero — it used to exit 0 without a word.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { once } from "node:events";
import { it } from "node:test";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** Resolves with the first match of `pattern` in everything `stream` has written so far and later. */
function waitFor(stream: NodeJS.ReadableStream, seen: { text: string }, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolveMatch, reject) => {
    const check = () => {
      const match = seen.text.match(pattern);
      if (!match) return false;
      stream.off("data", onData);
      stream.off("end", onEnd);
      resolveMatch(match);
      return true;
    };
    const onData = () => void check();
    const onEnd = () => check() || reject(new Error(`the stream ended without ${pattern}:\n${seen.text}`));
    stream.on("data", onData);
    stream.on("end", onEnd);
    check();
  });
}

it("hearth chat: a runtime killed during the chat is reported with its signal and log, and the exit code is 1", async (t) => {
  const work = mkdtempSync(join(tmpdir(), "hearth-chat-death-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const answer = "still answering ".repeat(7500);
  writeFileSync(join(work, "model.json"), JSON.stringify({ name: "slow-script", chunkDelayMs: 5, chunkSize: 1, turns: [{ text: answer }] }));
  const umask = process.umask(0o022); // the CLI's: its log must be private whatever the user's umask
  t.after(() => process.umask(umask));
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

  // --verbose echoes the runtime's log, whose first line names its pid.
  const pid = Number((await waitFor(cli.stderr, stderr, /Hearth runtime \S+ initialized \(pid (\d+)/))[1]);
  await waitFor(cli.stdout, stdout, /still/);
  process.kill(pid, "SIGKILL");

  const [code, signal] = await exited;
  assert.equal(signal, null, stderr.text);
  assert.equal(code, 1, stderr.text);
  const match = stderr.text.match(/The Hearth runtime stopped unexpectedly \(signal SIGKILL: killed from outside, most often by the system's out-of-memory killer .*\) while answering; see the log at (.+\.log)\n/);
  assert.ok(match, stderr.text);
  const log = readFileSync(match[1]!, "utf8");
  assert.ok(match[1]!.startsWith(join(work, "home", "logs")), match[1]);
  assert.match(log, new RegExp(`initialized \\(pid ${pid}`));
  assert.match(log, /runtime process ended: signal SIGKILL/);
  // The log holds the prompts (and what the agent read): this user's alone on a shared machine.
  assert.equal(statSync(join(work, "home", "logs")).mode & 0o777, 0o700, "the logs folder");
  assert.equal(statSync(match[1]!).mode & 0o777, 0o600, "the log");
  assert.ok(answer.startsWith(stdout.text.trimEnd()) && stdout.text.length < answer.length, "only the start of the answer was printed");
});
