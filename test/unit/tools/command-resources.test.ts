/**
 * A command that eats the machine must not take Hearth with it: its processes are the first
 * the out-of-memory killer stops (oom_score_adj 1000), and the model is told what killed it;
 * it may start only so many processes (RLIMIT_NPROC), and the model is told when it hit that.
 * The real out-of-memory case runs inside a real 400 MiB memory group made as root, so the
 * hog can never reach the test machine's own memory; it skips, saying why, elsewhere.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { processLimitNoteFor, runShell } from "../../../src/tools/run-command.ts";
import { memoryGroup } from "../../fixtures/cgroups.ts";
import { tempDir } from "./helpers/setup.ts";

const SAFETY_NET = { timeout: 120_000 };
const LINUX = process.platform === "linux" ? false : "oom_score_adj is Linux's";
const RUN_COMMAND = fileURLToPath(new URL("../../../src/tools/run-command.ts", import.meta.url));

describe("a command that eats memory", () => {
  it("runs with oom_score_adj 1000, it and all it starts, so the out-of-memory killer takes it before Hearth", { ...SAFETY_NET, skip: LINUX }, async () => {
    const dir = tempDir();
    const outcome = await runShell("cat /proc/self/oom_score_adj; sh -c 'cat /proc/self/oom_score_adj' & wait", dir, 60_000, new AbortController().signal);
    assert.equal(outcome.exitCode, 0, outcome.output);
    assert.equal(outcome.output.trim(), "1000\n1000");
    assert.equal(Number(readFileSync("/proc/self/oom_score_adj", "utf8")), 0, "Hearth's own score stays");
  });

  it("in a real memory group, a hog the runtime started is the one killed, not the runtime holding more memory; the model is told it was the out-of-memory killer", { ...SAFETY_NET, skip: LINUX }, async (t) => {
    const group = memoryGroup("hearth-command-oom", 400 * 1024 * 1024, { noSwap: true });
    if (!group) return t.skip("a memory group cannot be made here (needs root on Linux with a writable /sys/fs/cgroup)");
    t.after(group.remove);
    const dir = tempDir();
    // The "runtime": 200 MiB of its own (a model's weights), then a command that wants 300 MiB more.
    const script = [
      `const { runShell } = await import(${JSON.stringify(RUN_COMMAND)});`,
      "const weights = Buffer.alloc(200 * 1024 * 1024, 1);",
      `const outcome = await runShell("python3 -c \\"x = b' ' * (300 * 2**20); print(len(x))\\"", ${JSON.stringify(dir)}, 60_000, new AbortController().signal);`,
      "console.log(JSON.stringify({ kept: weights[12345], exitCode: outcome.exitCode, signal: outcome.signal, output: outcome.output }));",
    ].join("\n");
    const child = spawn("sh", ["-c", `echo $$ > ${group.procs} && exec "$0" --import tsx --input-type=module -e "$1"`, process.execPath, script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once("close", (c, s) => resolve([c, s])));
    assert.equal(sig, null, `the runtime was killed (${sig}): the out-of-memory killer took it, not the command\n${err}`);
    assert.equal(code, 0, err);
    const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { kept: number; exitCode: number | null; signal: string | null; output: string };
    assert.equal(result.kept, 1);
    if (result.exitCode === 0) return t.skip("the command got its memory (v1's memory limit met from swap here): no out-of-memory kill to look at");
    assert.ok(result.exitCode === 137 || result.signal === "SIGKILL", JSON.stringify(result));
    assert.match(result.output, /killed by SIGKILL, which Hearth did not send: most often the system's out-of-memory killer/);
  });

  it("a command killed by a SIGKILL that was not the out-of-memory killer's (its own kill -9, a program's exit 137 after one) is not told it ran out of memory", { ...SAFETY_NET, skip: LINUX || (oomKillCount() === undefined && "this kernel has no oom_kill count in /proc/vmstat") }, async (t) => {
    const dir = tempDir();
    const before = oomKillCount();
    const killed = await runShell("echo started; kill -9 $$", dir, 60_000, new AbortController().signal);
    const exited = await runShell("sh -c 'kill -9 $$'; exit $?", dir, 60_000, new AbortController().signal);
    if (oomKillCount() !== before) return t.skip("the out-of-memory killer killed something elsewhere on this machine meanwhile: the runs cannot tell here");
    assert.equal(killed.signal, "SIGKILL", killed.output);
    assert.equal(exited.exitCode, 137, exited.output);
    assert.doesNotMatch(killed.output, /out-of-memory/, "a kill -9 the command sent itself was told as the out-of-memory killer's");
    assert.doesNotMatch(exited.output, /out-of-memory/, "exit 137 after a kill -9 was told as the out-of-memory killer's");
  });

  it("a command that ends with exit 137 by Hearth's own stop (a time limit) is not said to be out of memory", { ...SAFETY_NET, skip: LINUX }, async () => {
    const dir = tempDir();
    const outcome = await runShell("echo started; sleep 600", dir, 60_000, new AbortController().signal, undefined, { timeLimit: async () => undefined, killGraceMs: 100 });
    assert.equal(outcome.timedOut, true);
    assert.doesNotMatch(outcome.output, /out-of-memory/);
  });
});

/** The kernel's count of out-of-memory kills (/proc/vmstat), or undefined where there is none. */
function oomKillCount(): number | undefined {
  try {
    const found = /^oom_kill (\d+)$/m.exec(readFileSync("/proc/vmstat", "utf8"));
    return found ? Number(found[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A Python program that forks up to 200 children that sleep, says how many it made and why it stopped, then ends them. */
const FORKER = [
  "import os, sys, time",
  "kids = []",
  "try:",
  "    for i in range(200):",
  "        pid = os.fork()",
  "        if pid == 0:",
  "            time.sleep(60)",
  "            os._exit(0)",
  "        kids.append(pid)",
  "except OSError as e:",
  "    print(f'{type(e).__name__}: {e}', file=sys.stderr)",
  "for k in kids: os.kill(k, 9)",
  "for k in kids: os.waitpid(k, 0)",
  "print('forked', len(kids))",
  "sys.exit(0 if len(kids) == 200 else 1)",
].join("\n");

/** Why the process-limit case cannot run here, or false. */
function noProcessLimit(): string | false {
  if (process.platform !== "linux") return "RLIMIT_NPROC is set from /proc's count on Linux only";
  if (spawnSync("python3", ["--version"]).status !== 0) return "python3 is not installed";
  if (process.getuid?.() === 0 && spawnSync("setpriv", ["--version"]).status !== 0) return "as root the case runs as another uid (the kernel does not hold root to RLIMIT_NPROC), and setpriv is not installed";
  return false;
}

describe("a command that starts processes without end", () => {
  it("is told of Hearth's limit for a refused thread start, not for a link that fails on pthread_create", () => {
    const told = (output: string) => processLimitNoteFor(output, 500, 40) !== undefined;
    assert.equal(told("/usr/bin/ld: main.o: in function `main':\nmain.c:(.text+0x2b): undefined reference to `pthread_create'\ncollect2: error: ld returned 1 exit status"), false, "a linker error");
    assert.equal(told("[warning][os,thread] Failed to start thread \"Unknown thread\" - pthread_create failed (EAGAIN) for attributes: stacksize: 1024k"), true, "the JVM's refused start");
    assert.equal(told("thread.c:12: pthread_create: Resource temporarily unavailable"), true, "a C program's perror");
  });

  it("may add only so many processes (threads counted) to its user's: a loop that forks fails its forks there, and the model is told it reached Hearth's limit", { ...SAFETY_NET, skip: noProcessLimit() }, async (t) => {
    // Outside the test run's own temp folder, which the other uid cannot enter: its tsx cache and the command's folder.
    const dir = mkdtempSync(join(process.platform === "linux" ? "/tmp" : tmpdir(), "hearth-nproc-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o777);
    const script = [
      `const { runShell } = await import(${JSON.stringify(RUN_COMMAND)});`,
      `const outcome = await runShell(${JSON.stringify(`python3 -c "${FORKER.replaceAll('"', '\\"')}"`)}, ${JSON.stringify(dir)}, 60_000, new AbortController().signal, undefined, { maxProcesses: 40 });`,
      "console.log(JSON.stringify({ exitCode: outcome.exitCode, output: outcome.output }));",
    ].join("\n");
    // As root it runs as an unused uid (root is not held to RLIMIT_NPROC), under a limit of 400 set first:
    // without Hearth's own, the 200 children are all this test can ever make.
    const root = process.getuid?.() === 0;
    const argv = [...(root ? ["setpriv", "--reuid=54321", "--regid=54321", "--clear-groups", "prlimit", "--nproc=400"] : []), process.execPath, "--import", "tsx", "--input-type=module", "-e", script];
    const child = spawnSync(argv[0] ?? "", argv.slice(1), { encoding: "utf8", timeout: 100_000, env: { ...process.env, TMPDIR: dir } });
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as { exitCode: number | null; output: string };
    const forked = Number(/forked (\d+)/.exec(result.output)?.[1]);
    assert.ok(forked < 40, `the command forked ${forked} children, past the limit of 40 it was given:\n${result.output}`);
    assert.equal(result.exitCode, 1, result.output);
    assert.match(result.output, /BlockingIOError: \[Errno 11\]/);
    assert.match(result.output, /Hearth lets one command start at most 40 processes and threads at once, so a runaway one \(a fork bomb, a loop that forks, a thread per item\) cannot freeze the machine; this command reached it/);
  });

  it("keeps the user's own soft limit where it is below Hearth's, lowering only the hard one", { ...SAFETY_NET, skip: noProcessLimit() }, (t) => {
    const dir = mkdtempSync(join(process.platform === "linux" ? "/tmp" : tmpdir(), "hearth-nproc-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o777);
    const script = [
      `const { runShell } = await import(${JSON.stringify(RUN_COMMAND)});`,
      `const outcome = await runShell("grep 'Max processes' /proc/self/limits", ${JSON.stringify(dir)}, 60_000, new AbortController().signal, undefined, { maxProcesses: 200 });`,
      "console.log(JSON.stringify({ exitCode: outcome.exitCode, output: outcome.output }));",
    ].join("\n");
    // The user's own: soft 100, hard 1,000 (as RHEL's limits.d sets a soft limit under the hard one).
    const root = process.getuid?.() === 0;
    const argv = [...(root ? ["setpriv", "--reuid=54321", "--regid=54321", "--clear-groups"] : []), "prlimit", "--nproc=100:1000", process.execPath, "--import", "tsx", "--input-type=module", "-e", script];
    const child = spawnSync(argv[0] ?? "", argv.slice(1), { encoding: "utf8", timeout: 100_000, env: { ...process.env, TMPDIR: dir } });
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as { exitCode: number | null; output: string };
    assert.equal(result.exitCode, 0, result.output);
    const [soft, hard] = (/Max processes\s+(\d+)\s+(\d+)/.exec(result.output) ?? []).slice(1).map(Number);
    assert.equal(soft, 100, `the user's soft limit of 100 was changed: ${result.output}`);
    assert.ok(hard !== undefined && hard >= 200 && hard < 1000, `the hard limit is not Hearth's (the user's threads + 200): ${result.output}`);
  });

  it("counts every thread of the user's, a process that made itself non-dumpable (its /proc entry then root's) included", { ...SAFETY_NET, skip: noProcessLimit() }, async (t) => {
    const dir = mkdtempSync(join(process.platform === "linux" ? "/tmp" : tmpdir(), "hearth-nproc-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o777);
    const root = process.getuid?.() === 0;
    const asUser = root ? ["setpriv", "--reuid=54321", "--regid=54321", "--clear-groups"] : [];
    // 150 threads in a plain process, 150 in one that set PR_SET_DUMPABLE 0, both the user's; ended after.
    const holder = (dumpable: number): string => `import ctypes, threading, time, sys\nctypes.CDLL(None).prctl(4, ${dumpable}, 0, 0, 0)\nfor i in range(149): threading.Thread(target=time.sleep, args=(120,), daemon=True).start()\nprint('ready', flush=True)\nsys.stdin.read()`;
    // Through sh, which passes over a python3 on PATH the other uid cannot run (pyenv's shims in root's home).
    const holders = [1, 0].map((dumpable) => spawn(asUser[0] ?? "sh", [...asUser.slice(1), ...(root ? ["sh"] : []), "-c", 'exec python3 -c "$0"', holder(dumpable)], { stdio: ["pipe", "pipe", "inherit"] }));
    t.after(() => holders.forEach((h) => h.stdin?.end()));
    await Promise.all(holders.map((h) => new Promise((resolve, reject) => {
      h.stdout?.on("data", (d: Buffer) => d.toString().includes("ready") && resolve(undefined));
      h.once("close", (code) => reject(new Error(`the thread holder ended (${code}) before it was ready`)));
    })));
    const script = `const { commandProcessLimit } = await import(${JSON.stringify(RUN_COMMAND)}); console.log(commandProcessLimit(0));`;
    const child = spawnSync(asUser[0] ?? process.execPath, [...asUser.slice(1), ...(root ? [process.execPath] : []), "--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 100_000, env: { ...process.env, TMPDIR: dir } });
    assert.equal(child.status, 0, child.stderr);
    const counted = Number(child.stdout.trim().split("\n").pop());
    // The two holders' 300, the counting node's own threads (and tsx's) and whatever else the user runs: no more than 300 beyond.
    assert.ok(counted >= 300 && counted < (root ? 600 : Number.POSITIVE_INFINITY), `counted ${counted} threads of the user's, 300 held`);
  });

  it("sets no limit inside a PID namespace of its own (a container), whose /proc hides the uid's processes outside that the kernel counts", { ...SAFETY_NET, skip: noProcessLimit() || (process.getuid?.() !== 0 && "needs root to make a PID namespace for another uid") || (spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status !== 0 && "this machine refuses a new PID namespace") }, (t) => {
    // tsx's cache for the other uid: a folder it may write.
    const dir = mkdtempSync(join("/tmp", "hearth-nproc-ns-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o777);
    const script = `const { commandProcessLimit } = await import(${JSON.stringify(RUN_COMMAND)}); console.log(String(commandProcessLimit(40)));`;
    const asUser = ["setpriv", "--reuid=54321", "--regid=54321", "--clear-groups", process.execPath, "--import", "tsx", "--input-type=module", "-e", script];
    const counted = (argv: string[]): string => {
      const child = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 100_000, env: { ...process.env, TMPDIR: dir } });
      assert.equal(child.status, 0, child.stderr);
      return child.stdout.trim().split("\n").pop() ?? "";
    };
    // Outside, the user's threads are all in /proc: a limit is set.
    assert.match(counted(asUser), /^\d+$/);
    // Inside a PID namespace (docker, a dev container), /proc shows only the namespace's: none is set.
    assert.equal(counted(["unshare", "--pid", "--fork", "--mount-proc", ...asUser]), "undefined");
  });

  it("is told it reached the limit in the words Python's threads, Node's spawn and make use for a refused start, not only a shell's or os.fork's, and where bash's ulimit -u could not raise it", { ...SAFETY_NET, skip: noProcessLimit() || (spawnSync("make", ["--version"]).status !== 0 && "make is not installed") }, (t) => {
    const dir = mkdtempSync(join(process.platform === "linux" ? "/tmp" : tmpdir(), "hearth-nproc-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, "Makefile"), "all: $(addprefix t,$(shell seq 200))\nt%:\n\t@sleep 1\n");
    const commands = {
      // RuntimeError: can't start new thread
      python: `python3 -c "import threading, time\nfor i in range(200): threading.Thread(target=time.sleep, args=(30,), daemon=True).start()"`,
      // Error: spawn sleep EAGAIN (the children it made are ended before it exits)
      node: `"$HEARTH_NODE" -e "const kids = []; for (let i = 0; i < 200; i++) { const k = require('child_process').spawn('sleep', ['30']); kids.push(k); k.on('error', (e) => { console.error(String(e)); for (const c of kids) if (c.pid > 0) c.kill('SIGKILL'); process.exit(1); }); }"`,
      // make: sleep: Resource temporarily unavailable
      make: "make -j200",
      // bash: ulimit: max user processes: cannot modify limit: Operation not permitted
      ulimit: "bash -c 'ulimit -u 100000 && echo raised'",
    };
    const script = [
      `const { runShell } = await import(${JSON.stringify(RUN_COMMAND)});`,
      "const results = {};",
      `for (const [name, command] of Object.entries(${JSON.stringify(commands)})) {`,
      `  const outcome = await runShell(command, ${JSON.stringify(dir)}, 60_000, new AbortController().signal, undefined, { maxProcesses: 40 });`,
      "  results[name] = { exitCode: outcome.exitCode, output: outcome.output };",
      "}",
      "console.log(JSON.stringify(results));",
    ].join("\n");
    const root = process.getuid?.() === 0;
    const argv = [...(root ? ["setpriv", "--reuid=54321", "--regid=54321", "--clear-groups", "prlimit", "--nproc=400"] : []), process.execPath, "--import", "tsx", "--input-type=module", "-e", script];
    const child = spawnSync(argv[0] ?? "", argv.slice(1), { encoding: "utf8", timeout: 100_000, env: { ...process.env, TMPDIR: dir, HEARTH_NODE: process.execPath } });
    assert.equal(child.status, 0, child.stderr);
    const results = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as Record<string, { exitCode: number | null; output: string }>;
    const refused = { python: /can't start new thread/, node: /spawn \S+ EAGAIN/, make: /Resource temporarily unavailable/, ulimit: /max user processes: cannot modify limit/ };
    for (const [name, words] of Object.entries(refused)) {
      const result = results[name];
      assert.ok(result, `${name} did not run: ${child.stdout}`);
      assert.notEqual(result.exitCode, 0, `${name}: ${result.output}`);
      assert.match(result.output, words, `${name} was not refused as expected`);
      const told = name === "ulimit" ? /Hearth holds each command to 40 processes and threads beyond those the user runs already \(its hard process limit is \d+\), so a runaway one cannot freeze the machine; this command's `ulimit -u` could not raise it/ : /Hearth lets one command start at most 40 processes and threads at once/;
      assert.match(result.output, told, `${name}: its refusal was not told as Hearth's limit:\n${result.output}`);
    }
  });
});
