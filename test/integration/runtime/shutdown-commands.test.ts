// The runtime ends (the window closes: shutdown + exit; VS Code dies: the parent watch) while
// the agent runs a command — a dev server, a long test run. The command runs in its own
// process group, so it does not die with the runtime: the runtime must stop it itself, or
// it keeps running, orphaned, after VS Code is gone. The built runtime over stdio, a
// scripted model that calls run_command, and a real `sleep`.
import assert from "node:assert/strict";
import { once } from "node:events";
import { existsSync, readFileSync, watch, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type TestContext, describe, it } from "node:test";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { RuntimeStart } from "../../../src/extension/runtime-start.ts";
import { AgentRunRequest } from "../../../src/protocol/agent.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { ShutdownRequest } from "vscode-languageserver-protocol";
import { alive } from "../../fixtures/processes.ts";
import { tempDir } from "../../fixtures/temp.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

/** Resolves with the pid the command writes into `dir/pid` (written whole: renamed into place). */
function commandPid(dir: string): Promise<number> {
  return new Promise((resolvePid) => {
    const watcher = watch(dir, (_event, name) => {
      if (name !== "pid" || !existsSync(join(dir, "pid"))) return;
      watcher.close();
      resolvePid(Number(readFileSync(join(dir, "pid"), "utf8")));
    });
  });
}

describe("the runtime ends while the agent runs a command", { skip: process.platform === "win32" }, () => {
  it("shutdown + exit stops the command before the runtime exits, and the conversation is kept", async (t) => {
    const { runtime, dir, pid } = await agentRunning((dir) => `echo $$ > ${join(dir, "pid.tmp")} && mv ${join(dir, "pid.tmp")} ${join(dir, "pid")} && exec sleep 300`);
    t.after(() => void (alive(pid) && process.kill(pid, "SIGKILL")));
    assert.ok(alive(pid), "the command runs");

    await runtime.close(10_000);
    assert.deepEqual(await runtime.exited, { code: 0, signal: null });
    stoppedAndSaved(pid, dir);
  });

  it("a closed connection (VS Code's extension host killed, hearth chat killed) stops the command before the runtime exits, and the conversation is kept", async (t) => {
    const { runtime, dir, pid } = await agentRunning((dir) => `echo $$ > ${join(dir, "pid.tmp")} && mv ${join(dir, "pid.tmp")} ${join(dir, "pid")} && exec sleep 300`);
    t.after(() => void (alive(pid) && process.kill(pid, "SIGKILL")));
    assert.ok(alive(pid), "the command runs");

    // The client's end of the pipe closes, as when its process is killed: no shutdown, no exit.
    runtime.child.stdin!.destroy();
    const exited = await runtime.exited;
    assert.equal(exited.signal, null, "the runtime ended itself");
    stoppedAndSaved(pid, dir);
  });

  it("a client killed outright (stdin, stdout and stderr all closed) while a command that ignores SIGTERM runs: the runtime kills it before it exits, and keeps the conversation", async (t) => {
    // A command that ignores SIGTERM, as a dev server busy shutting down may: it takes SIGKILL, after the grace.
    const { runtime, dir, pid } = await agentRunning((dir) => `trap '' TERM; echo $$ > ${join(dir, "pid.tmp")} && mv ${join(dir, "pid.tmp")} ${join(dir, "pid")} && sleep 300 & wait`);
    // The shell leads the command's process group (its sleep ignores SIGTERM too).
    t.after(() => void (alive(pid) && process.kill(-pid, "SIGKILL")));
    assert.ok(alive(pid), "the command runs");

    runtime.child.stdout!.destroy();
    runtime.child.stderr!.destroy();
    runtime.child.stdin!.destroy();
    const exited = await runtime.exited;
    assert.equal(exited.signal, null, "the runtime ended itself");
    stoppedAndSaved(pid, dir);
  });

  it("Restart Runtime on a runtime that does not answer (stuck in native code) while a command that ignores SIGTERM runs: the kill after the wait takes the command with it, and a server it started with setsid", async (t) => {
    const { runtime, pid, server } = await stuckWithServer(t);
    const start = new RuntimeStart(runtime.child, { hung: () => assert.fail("not a hang") }, { timers: new FakeClock(), owner: runtime.owner });
    start.answered();
    const exited = once(runtime.child, "exit");
    // The language client's stop: shutdown, given the wait (short here: this runtime never answers).
    const shutdown = (timeoutMs: number) => Promise.race([runtime.connection.sendRequest(ShutdownRequest.type).then(() => undefined), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs))]);
    await start.stop(shutdown, 200);
    assert.deepEqual(await exited, [null, "SIGKILL"]);
    assert.equal(alive(pid), false, `the command (pid ${pid}) outlived the runtime`);
    assert.equal(alive(server), false, `the server it started with setsid (pid ${server}) outlived the runtime`);
  });

  it("the CLI's close (hearth chat, status, models ending) on a runtime that does not answer while a command that ignores SIGTERM runs: the kill after the wait takes the command with it, and a server it started with setsid", async (t) => {
    const { runtime, pid, server } = await stuckWithServer(t);
    const exited = once(runtime.child, "exit");
    await runtime.close(200); // short here: this runtime never answers
    assert.deepEqual(await exited, [null, "SIGKILL"]);
    assert.equal(alive(pid), false, `the command (pid ${pid}) outlived the runtime`);
    assert.equal(alive(server), false, `the server it started with setsid (pid ${server}) outlived the runtime`);
  });
});

describe("the runtime ends after a run whose command left a server running", { skip: process.platform !== "linux" }, () => {
  it("shutdown + exit stops a server the finished run left (one that ignores SIGTERM too) before the runtime exits: it was stopped only on the way out, SIGKILL never sent", async (t) => {
    const root = tempDir("hearth-shutdown-ws-");
    const dir = tempDir("hearth-shutdown-");
    // A server that left the command's group and ignores SIGTERM (a dev server's graceful shutdown that never ends), started with & by a command that ends.
    const command = `setsid sh -c 'trap "" TERM; echo $$ > "$0/server.tmp" && mv "$0/server.tmp" "$0/server" && exec sleep 300' "${dir}" > /dev/null 2>&1 & while [ ! -e "${dir}/server" ]; do sleep 0.05; done; echo started`;
    writeFileSync(join(dir, "model.json"), JSON.stringify({ turns: [{ toolCalls: [{ name: "run_command", arguments: { command } }] }, { text: "the server runs" }] }));
    const runtime = await spawnRuntime({
      runtimePath: RUNTIME,
      rootPath: root,
      initializationOptions: { settings: { modelPath: join(dir, "model.json"), approvalPolicy: "auto-all" }, storagePath: join(dir, "storage") },
    });
    t.after(() => void (alive(runtime.child.pid!) && runtime.child.kill("SIGKILL")));
    await runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "start the server", mode: "chat" });
    const server = Number(readFileSync(join(dir, "server"), "utf8"));
    t.after(() => void (alive(server) && process.kill(server, "SIGKILL")));
    assert.ok(alive(server), "the run ended with its server running, as the model was told");

    await runtime.close(10_000);
    assert.deepEqual(await runtime.exited, { code: 0, signal: null });
    assert.equal(alive(server), false, `the server (pid ${server}) outlived the runtime`);
  });
});

/**
 * The built runtime running, for the agent, a command that ignores SIGTERM and has started a
 * server that left its process group, session and tree (setsid, its parent exited at once),
 * then stopped (SIGSTOP: it answers nothing, as when stuck in native code).
 */
async function stuckWithServer(t: TestContext): Promise<{ runtime: RuntimeProcess; pid: number; server: number }> {
  const { runtime, dir, pid } = await agentRunning((dir) => {
    writeFileSync(
      join(dir, "command.sh"),
      [
        "trap '' TERM",
        `( setsid sh -c 'trap "" TERM; echo $$ > "$0/server.tmp" && mv "$0/server.tmp" "$0/server" && exec sleep 300' "${dir}" > /dev/null 2>&1 & )`,
        `while [ ! -e "${dir}/server" ]; do sleep 0.05; done`,
        `echo $$ > "${dir}/pid.tmp" && mv "${dir}/pid.tmp" "${dir}/pid"`,
        "sleep 300 & wait",
      ].join("\n"),
    );
    return `sh ${join(dir, "command.sh")}`;
  });
  t.after(() => void (alive(runtime.child.pid!) && runtime.child.kill("SIGKILL")));
  const server = Number(readFileSync(join(dir, "server"), "utf8"));
  t.after(() => {
    if (alive(pid)) process.kill(-pid, "SIGKILL");
    if (alive(server)) process.kill(server, "SIGKILL");
  });
  assert.ok(alive(pid) && alive(server), "the command and its server run");
  runtime.child.kill("SIGSTOP");
  return { runtime, pid, server };
}

/**
 * The built runtime, over stdio, in a folder of its own, running for the agent (a scripted
 * model's run_command) the command `command(dir)` makes, which writes its pid to `dir/pid`.
 */
async function agentRunning(command: (dir: string) => string): Promise<{ runtime: RuntimeProcess; dir: string; pid: number }> {
  const root = tempDir("hearth-shutdown-ws-");
  const dir = tempDir("hearth-shutdown-");
  const script = join(dir, "model.json");
  writeFileSync(script, JSON.stringify({ turns: [{ toolCalls: [{ name: "run_command", arguments: { command: command(dir) } }] }, { text: "done" }] }));
  const runtime = await spawnRuntime({
    runtimePath: RUNTIME,
    rootPath: root,
    initializationOptions: { settings: { modelPath: script, approvalPolicy: "auto-all" }, storagePath: join(dir, "storage") },
  });
  const running = commandPid(dir);
  const run = runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "start the server", mode: "chat" });
  run.catch(() => undefined); // the runtime goes away before it answers
  return { runtime, dir, pid: await running };
}

/** The command `pid` is gone, and the stopped run's conversation was saved with how it ended. */
function stoppedAndSaved(pid: number, dir: string): void {
  assert.equal(alive(pid), false, `the command (pid ${pid}) outlived the runtime`);
  const saved = join(dir, "storage", "conversations", "c1.json");
  assert.ok(existsSync(saved), "the stopped run's conversation was saved");
  assert.match(readFileSync(saved, "utf8"), /start the server[\s\S]*the command was cancelled/, "with the command and how it ended");
}
