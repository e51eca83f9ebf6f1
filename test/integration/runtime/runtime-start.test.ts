// The deadline on the runtime's start (src/extension/runtime-start.ts), with processes
// spawned exactly as the extension spawns the runtime (forkRuntime, runtimeEnvironment) and
// spoken to over LSP as vscode-languageclient does; the deadline runs on a hand-moved clock.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { ExitNotification, InitializeRequest, ShutdownRequest } from "vscode-languageserver-protocol";
import { type ProtocolConnection, StreamMessageReader, StreamMessageWriter, createProtocolConnection } from "vscode-languageserver-protocol/node";
import { RuntimeStart, START_DEADLINE_MS, forkRuntime, hungStartMessage } from "../../../src/extension/runtime-start.ts";
import { runtimeEnvironment } from "../../../src/extension/runtime-env.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { alive } from "../../fixtures/processes.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);
/** Starts, never answers `initialize`, and has a process of its own (named on stderr). */
const SILENT = resolve(import.meta.dirname, "../../fixtures/runtime/silent-runtime.mjs");

function connect(child: ChildProcess): ProtocolConnection {
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  connection.listen();
  return connection;
}

/** `initialize` as the language client sends it. */
function initialize(connection: ProtocolConnection): Promise<unknown> {
  return connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { settings: {} } });
}

/** The first match of `pattern` in what the process writes to stderr. */
function stderrMatch(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  let text = "";
  return new Promise((resolvePromise, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const match = pattern.exec(text);
      if (match) resolvePromise(match);
    });
    child.stderr!.once("end", () => reject(new Error(`stderr ended without ${pattern}: ${text}`)));
  });
}

/**
 * Whether a process is gone or on its way out: a killed process closes its files (the shared
 * pipe ends) before it is a zombie, and meanwhile /proc shows PF_EXITING in its flags.
 */
function killed(pid: number): boolean {
  if (!alive(pid)) return true;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const flags = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[6]);
  return (flags & 0x4) !== 0;
}

describe("the runtime's start deadline", () => {
  it("kills a runtime that never answers initialize, and everything it started, once the deadline passes, and reports it at once", { timeout: 30_000 }, async (t) => {
    const clock = new FakeClock();
    const child = forkRuntime(SILENT, runtimeEnvironment(process.env));
    const hung: RuntimeStart[] = [];
    const start = new RuntimeStart(child, { hung: (s) => hung.push(s) }, { timers: clock });
    const exited = once(child, "exit");
    t.after(() => void (alive(child.pid!) && process.kill(child.pid!, "SIGKILL")));
    const grandchild = Number((await stderrMatch(child, /grandchild (\d+)/))[1]);
    t.after(() => void (alive(grandchild) && process.kill(grandchild, "SIGKILL")));
    // Its stderr is shared with the process it started: the pipe ends once both are gone.
    const stderrEnded = once(child.stderr!, "end");
    const connection = connect(child);
    const answered = initialize(connection).then(
      () => true,
      () => false,
    );

    clock.advance(START_DEADLINE_MS - 1);
    assert.deepEqual(hung, [], "not before the deadline");
    assert.ok(alive(child.pid!) && alive(grandchild));
    clock.advance(1);
    assert.deepEqual(hung, [start], "reported when the deadline passes, not when the process is finally gone");
    assert.equal(start.hung, true);

    assert.deepEqual(await exited, [null, "SIGKILL"]);
    await stderrEnded;
    assert.ok(killed(grandchild), "what the runtime started is killed with it");
    connection.dispose(); // a closed connection leaves its requests pending until disposed
    assert.equal(await answered, false);
    assert.match(
      hungStartMessage(start, SILENT, "/opt/vscode/code"),
      new RegExp(`^Hearth's runtime did not answer within 60 s of starting and was stopped \\(pid ${child.pid}: /opt/vscode/code .*silent-runtime\\.mjs\\)\\. .*network drive.*Show Log.*Restart Runtime`),
    );
  });

  it("leaves a runtime that answered alone however long it then takes (the model load is not part of the start)", { timeout: 30_000 }, async () => {
    const clock = new FakeClock();
    const child = forkRuntime(RUNTIME, runtimeEnvironment(process.env));
    const hung: RuntimeStart[] = [];
    const start = new RuntimeStart(child, { hung: (s) => hung.push(s) }, { timers: clock });
    const connection = connect(child);
    await initialize(connection);
    start.answered();
    clock.advance(60 * START_DEADLINE_MS);
    assert.deepEqual(hung, []);
    assert.equal(clock.pending(), 0, "no deadline left waiting");
    assert.ok(alive(child.pid!));
    const exited = once(child, "exit");
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    assert.deepEqual(await exited, [0, null]);
    connection.dispose();
  });

  it("does nothing for a runtime that died before the deadline, and says what it died of: the error Node printed", { timeout: 30_000 }, async () => {
    const clock = new FakeClock();
    // A broken install: the runtime's file is not there (or cannot be loaded).
    const child = forkRuntime(resolve(SILENT, "../missing-runtime.mjs"), runtimeEnvironment(process.env));
    const hung: RuntimeStart[] = [];
    let start: RuntimeStart | undefined;
    const ended = new Promise<string>((resolveEnded) => void (start = new RuntimeStart(child, { hung: (s) => hung.push(s), ended: resolveEnded }, { timers: clock })));
    const connection = connect(child);
    const answer = initialize(connection);
    await once(child, "exit");
    connection.dispose();
    // As the language client's start rejects: the request left unanswered says nothing about why.
    start!.failed(await answer.then(() => undefined, (error: unknown) => error));
    assert.equal(clock.pending(), 0);
    clock.advance(START_DEADLINE_MS);
    assert.deepEqual(hung, []);
    assert.match(await ended, /^exit code 1: Error: Cannot find module '.*missing-runtime\.mjs'$/);
  });

  it("says so when the runtime could not be started at all (VS Code's Node gone after an update), and ends its deadline", { timeout: 30_000 }, async () => {
    const clock = new FakeClock();
    const child = forkRuntime(RUNTIME, runtimeEnvironment(process.env), "/nonexistent/vscode/code");
    const reason = await new Promise<string>((ended) => new RuntimeStart(child, { hung: () => assert.fail("not a hang"), ended }, { timers: clock }));
    assert.equal(reason, "it could not be started: spawn /nonexistent/vscode/code ENOENT");
    assert.equal(clock.pending(), 0);
  });

  it("names the runtime's own answer when initialize failed and the client stopped it", { timeout: 30_000 }, async () => {
    const child = forkRuntime(resolve(SILENT, "../refusing-runtime.mjs"), runtimeEnvironment(process.env));
    const start = new RuntimeStart(child, { hung: () => assert.fail("not a hang") }, { timers: new FakeClock() });
    const connection = connect(child);
    const error = await initialize(connection).then(() => assert.fail("answered"), (e: unknown) => e);
    const exited = once(child, "exit");
    start.failed(error);
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    connection.dispose();
    assert.equal(start.exitReason(code, signal, ""), "its start failed: Request initialize failed with message: EACCES: permission denied, mkdir '/srv/hearth/storage'");
  });

  it("a failed start kills its own process, not the one a Restart started meanwhile", { timeout: 30_000 }, async (t) => {
    const first = forkRuntime(SILENT, runtimeEnvironment(process.env));
    const next = forkRuntime(SILENT, runtimeEnvironment(process.env));
    const grandchildren = await Promise.all([first, next].map(async (child) => Number((await stderrMatch(child, /grandchild (\d+)/))[1])));
    t.after(() => {
      for (const pid of [first.pid!, next.pid!, ...grandchildren]) if (alive(pid)) process.kill(pid, "SIGKILL");
    });
    const start = new RuntimeStart(first, { hung: () => assert.fail("not a hang") }, { timers: new FakeClock() });
    new RuntimeStart(next, { hung: () => assert.fail("not a hang") }, { timers: new FakeClock() });
    const exited = once(first, "exit");
    start.failed(new Error("Pending response rejected since connection got disposed"));
    assert.deepEqual(await exited, [null, "SIGKILL"]);
    assert.ok(alive(next.pid!), "the runtime started after it runs on");
  });

  it("gives no start error for a runtime that answered: only native code's last words", { timeout: 30_000 }, () => {
    const child = forkRuntime(resolve(SILENT, "../missing-runtime.mjs"), runtimeEnvironment(process.env));
    const start = new RuntimeStart(child, { hung: () => undefined }, { timers: new FakeClock() });
    start.answered();
    const stderr = "TypeError: cannot read properties of undefined (reading 'x')\n";
    assert.equal(start.exitReason(1, null, stderr), "exit code 1");
    assert.equal(start.exitReason(null, "SIGABRT", `${stderr}/src/ggml.c:12: GGML_ASSERT(x) failed\n`), "killed by SIGABRT: /src/ggml.c:12: GGML_ASSERT(x) failed");
  });
});
