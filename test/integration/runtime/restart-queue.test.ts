// The runtime's stops and starts one at a time (src/extension/restart-queue.ts), with real
// runtimes spawned as the extension spawns them (forkRuntime) and stopped as the language
// client stops them (LSP shutdown and exit, then a kill): however many restarts are asked at
// once — a double-click on Restart Runtime, a server-key change and a folder change together —
// exactly one runtime is left running, and none once the queue is disposed.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { ExitNotification, InitializeRequest, ShutdownRequest } from "vscode-languageserver-protocol";
import { type ProtocolConnection, StreamMessageReader, StreamMessageWriter, createProtocolConnection } from "vscode-languageserver-protocol/node";
import { RestartQueue, type RuntimeSteps } from "../../../src/extension/restart-queue.ts";
import { unlessAborted } from "../../../src/protocol/wait.ts";
import { runtimeEnvironment } from "../../../src/extension/runtime-env.ts";
import { RuntimeStart, forkRuntime } from "../../../src/extension/runtime-start.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { alive } from "../../fixtures/processes.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

interface Running {
  readonly child: ChildProcess;
  readonly connection: ProtocolConnection;
}

/**
 * The steps RuntimeClient gives the queue, without vscode: a start reads the server key (a
 * promise the test may hold back), spawns, and waits for the answer to `initialize`; a
 * start cut short kills its own process; a stop takes the current runtime, asks it to shut
 * down and exit, and kills it if it is still there. Every process spawned is remembered.
 */
class Steps implements RuntimeSteps {
  readonly spawned: ChildProcess[] = [];
  private current: Running | undefined;
  private held: { entered: () => void; read: Promise<void> } | undefined;

  /**
   * Holds the next start's key read (VS Code's secret storage, a keyring that asks) until
   * `release`; `entered` resolves once a start waits on it.
   */
  holdKeyRead(): { entered: Promise<void>; release: () => void } {
    let entered = () => {};
    let release = () => {};
    const enteredPromise = new Promise<void>((resolveEntered) => (entered = resolveEntered));
    this.held = { entered, read: new Promise<void>((resolveRead) => (release = resolveRead)) };
    return { entered: enteredPromise, release };
  }

  async start(signal: AbortSignal): Promise<void> {
    const held = this.held;
    this.held = undefined;
    held?.entered();
    await unlessAborted(held?.read ?? Promise.resolve(), signal);
    if (signal.aborted) return;
    const child = forkRuntime(RUNTIME, runtimeEnvironment(process.env));
    this.spawned.push(child);
    const start = new RuntimeStart(child, { hung: () => assert.fail("not a hang") }, { timers: new FakeClock() });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    connection.listen();
    // As the language client does: a closed connection is disposed, which rejects what it waits on.
    child.once("exit", () => connection.dispose());
    this.current = { child, connection };
    const cutShort = () => start.failed();
    signal.addEventListener("abort", cutShort);
    try {
      await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { settings: {} } });
      start.answered();
    } catch (error) {
      start.failed(error);
    } finally {
      signal.removeEventListener("abort", cutShort);
    }
  }

  async stop(): Promise<void> {
    const running = this.current;
    this.current = undefined;
    if (!running || !alive(running.child.pid!)) return;
    const exited = once(running.child, "exit");
    await running.connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
    await running.connection.sendNotification(ExitNotification.type).catch(() => undefined);
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGKILL");
    await exited;
  }

  /** The pids of the runtimes still running. */
  alive(): number[] {
    return this.spawned.map((child) => child.pid!).filter(alive);
  }

  killAll(): void {
    for (const pid of this.alive()) process.kill(pid, "SIGKILL");
  }
}

// Each test has its own limit, against a hang: a limit on the suite was one for all four together,
// and on a loaded machine (load ~10) the tests after the first were cancelled once their sum passed it.
const EACH = { timeout: 60_000 };

describe("the runtime's restarts, one at a time", () => {
  it("leaves exactly one runtime running after several restarts asked at once, and coalesces them", EACH, async (t) => {
    const steps = new Steps();
    t.after(() => steps.killAll());
    const queue = new RestartQueue(steps);
    await queue.restart();
    assert.equal(steps.alive().length, 1);

    await Promise.all([queue.restart(), queue.restart(), queue.restart(), queue.restart()]);
    assert.equal(steps.alive().length, 1, `runtimes alive: ${steps.alive().join(", ")}`);
    // The first restart, and one more for the three asked while it ran: never one per click.
    assert.ok(steps.spawned.length <= 3, `${steps.spawned.length} runtimes spawned`);

    await queue.dispose();
    assert.deepEqual(steps.alive(), [], "none after dispose");
  });

  it("dispose wins: a restart waiting for the server key spawns nothing once the queue is disposed, nor does one asked after", EACH, async (t) => {
    const steps = new Steps();
    t.after(() => steps.killAll());
    const queue = new RestartQueue(steps);
    await queue.restart();
    const key = steps.holdKeyRead();
    const restarting = queue.restart();
    await key.entered;
    const queued = queue.restart();
    const disposed = queue.dispose();
    key.release();
    await Promise.all([restarting, queued, disposed]);
    await queue.restart();
    assert.deepEqual(steps.alive(), []);
    assert.equal(steps.spawned.length, 1, "nothing spawned after dispose");
  });

  it("a restart asked while a start is under way cuts that start short instead of waiting for it", EACH, async (t) => {
    const steps = new Steps();
    t.after(() => steps.killAll());
    const queue = new RestartQueue(steps);
    await queue.restart();
    // A start that will not get past its key read until released (a keyring that asks).
    const key = steps.holdKeyRead();
    const first = queue.restart();
    await key.entered;
    const second = queue.restart();
    key.release();
    await Promise.all([first, second]);
    assert.equal(steps.alive().length, 1);
    assert.equal(steps.spawned.length, 2, "the start cut short spawned nothing");
    await queue.dispose();
    assert.deepEqual(steps.alive(), []);
  });

  it("a restart is not held up by a start whose key read never answers (a locked keyring): it cuts it short", EACH, async (t) => {
    const steps = new Steps();
    t.after(() => steps.killAll());
    const queue = new RestartQueue(steps);
    const key = steps.holdKeyRead(); // never released
    const first = queue.restart();
    await key.entered;
    await Promise.all([first, queue.restart()]);
    assert.equal(steps.alive().length, 1);
    await queue.dispose();
    assert.deepEqual(steps.alive(), []);
  });
});
