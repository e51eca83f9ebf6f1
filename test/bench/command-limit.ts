/**
 * What counting the user's threads costs each command (run-command.ts commandProcessLimit, which
 * reads /proc/<pid>/status of every process to set RLIMIT_NPROC), with 1,000 and 5,000 extra
 * threads (in one process: /proc lists processes, not threads) and 1,000 and 5,000 extra
 * processes, all of the user's (uid 54321) as on a desktop. runShell("true") is timed as root (no count: the kernel does not hold root to the
 * limit) and as uid 54321 (the count made), in the same run; the count alone is timed too.
 * Needs root (setpriv) on Linux.
 *   node --import tsx test/bench/command-limit.ts
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROUNDS = 21;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

async function measure(): Promise<void> {
  const { runShell, commandProcessLimit } = await import("../../src/tools/run-command.ts");
  const run: number[] = [];
  const count: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    await runShell("true", process.env.TMPDIR ?? "/tmp", 60_000, new AbortController().signal);
    run.push(performance.now() - t);
    t = performance.now();
    commandProcessLimit(2048);
    count.push(performance.now() - t);
  }
  console.log(JSON.stringify({ run: median(run), count: median(count), limit: commandProcessLimit(2048) }));
}

/** A load of `n` threads in one process, or `n` processes, ready when it prints "ready". */
function load(kind: "threads" | "processes", n: number): Promise<ChildProcess> {
  const script = kind === "threads"
    ? `import threading, time\nfor i in range(${n}): threading.Thread(target=time.sleep, args=(600,), daemon=True).start()\nprint('ready', flush=True)\ntime.sleep(600)`
    : `import os, time, signal\nkids = []\nfor i in range(${n}):\n    pid = os.fork()\n    if pid == 0:\n        signal.pause(); os._exit(0)\n    kids.append(pid)\nprint('ready', flush=True)\ntry:\n    time.sleep(600)\nfinally:\n    [os.kill(k, 9) for k in kids]`;
  // The user's own, as on a desktop (through sh, which passes over a python3 the other uid cannot run).
  const child = spawn("setpriv", ["--reuid=54321", "--regid=54321", "--clear-groups", "sh", "-c", 'exec python3 -c "$0"', script], { stdio: ["ignore", "pipe", "inherit"], detached: true });
  return new Promise((resolve) => child.stdout?.on("data", (d: Buffer) => d.toString().includes("ready") && resolve(child)));
}

function measured(asUser: boolean, dir: string): { run: number; count: number; limit?: number } {
  const me = fileURLToPath(import.meta.url);
  const argv = [...(asUser ? ["setpriv", "--reuid=54321", "--regid=54321", "--clear-groups"] : []), process.execPath, "--import", "tsx", me, "measure"];
  const out = spawnSync(argv[0] ?? "", argv.slice(1), { encoding: "utf8", env: { ...process.env, TMPDIR: dir } });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout.trim().split("\n").pop() ?? "{}");
}

async function main(): Promise<void> {
  const dir = mkdtempSync("/tmp/hearth-bench-nproc-");
  chmodSync(dir, 0o777);
  try {
    console.log("| extra load | as root, no count | as uid 54321, count made | ratio | the count alone | processes in /proc |");
    console.log("|---|---:|---:|---:|---:|---:|");
    for (const [kind, n] of [["none", 0], ["threads", 1000], ["threads", 5000], ["processes", 1000], ["processes", 5000]] as const) {
      const child = kind === "none" ? undefined : await load(kind, n);
      const root = measured(false, dir);
      const user = measured(true, dir);
      const procs = spawnSync("sh", ["-c", "ls /proc | grep -c '^[0-9]'"], { encoding: "utf8" }).stdout.trim();
      console.log(`| ${kind === "none" ? "none" : `${n.toLocaleString("en-US")} ${kind}`} | ${root.run.toFixed(1)} ms | ${user.run.toFixed(1)} ms | ${(user.run / root.run).toFixed(2)}× | ${user.count.toFixed(2)} ms | ${procs} |`);
      if (child?.pid) process.kill(-child.pid, "SIGTERM");
      await new Promise((r) => child ? child.once("close", r) : r(undefined));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "measure") await measure();
else await main();
