// Two agents on one checkout: `hearth fix` in a terminal and the agent of a VS Code window
// (the built runtime over LSP, the scripted backend as the model), or two windows on one
// folder. Each wrote over the other's edits and checkpoints; they share one lock
// (src/agent/checkout-lock.ts) in Hearth's state folder ($XDG_STATE_HOME/hearth).
import assert from "node:assert/strict";
import { cpSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { lockCheckout } from "../../../src/cli/checkout-lock.ts";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import type { ModelScript } from "../../../src/models/scripted.ts";
import { AgentApproveRequest, AgentRunRequest } from "../../../src/protocol/agent.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll, PYTHON_CALC as FIXTURE } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const EDIT = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } };

const running = closedAfterAll();

/** A window's runtime on `root`, its state folder under `xdg`; approvals wait for `answer`. */
async function open(root: string, xdg: string, script: ModelScript, answer: () => Promise<boolean> = async () => false, storagePath = tempDir("hearth-lock-storage-")): Promise<RuntimeProcess> {
  const modelPath = join(tempDir("hearth-lock-model-"), "model.json");
  writeFileSync(modelPath, JSON.stringify(script));
  const runtime = await spawnRuntime({
    runtimePath: RUNTIME,
    rootPath: root,
    env: { ...process.env, XDG_STATE_HOME: xdg },
    initializationOptions: { settings: { modelPath, approvalPolicy: "ask" }, storagePath },
  });
  running.push(runtime);
  runtime.connection.onRequest(AgentApproveRequest, async () => ({ approved: await answer() }));
  return runtime;
}

let runs = 0;
const send = (runtime: RuntimeProcess, text: string) =>
  runtime.connection.sendRequest(AgentRunRequest, { runId: `r${++runs}`, conversationId: `c${runs}`, text, mode: "chat" });

function checkout(): { root: string; xdg: string } {
  const root = tempDir("hearth-lock-ws-");
  cpSync(FIXTURE, root, { recursive: true });
  return { root, xdg: tempDir("hearth-lock-xdg-") };
}

/** A run that waits at its edit's approval until `release()`. */
function heldRun() {
  let asked!: () => void;
  const waiting = new Promise<void>((done) => (asked = done));
  let release!: () => void;
  const released = new Promise<void>((done) => (release = done));
  return { waiting, release, answer: async () => (asked(), await released, false) };
}

describe("hearth fix and the editor's agent on one checkout", () => {
  it("a window's run is refused while hearth fix works in the folder, naming it and its pid; it runs once hearth fix ends", { timeout: 120_000 }, async () => {
    const { root, xdg } = checkout();
    const runtime = await open(root, xdg, { turns: [{ text: "done" }] });
    const fix = lockCheckout(join(xdg, "hearth"), root); // what `hearth fix` takes (this test process plays it)
    await assert.rejects(send(runtime, "hello"), (error: Error) => {
      assert.match(error.message, new RegExp(`^hearth fix \\(pid ${process.pid}, started .+\\) is working in ${root.replace(/[/.]/g, "\\$&")}: wait for it to end`));
      return true;
    });
    fix.release();
    await send(runtime, "hello");
  });

  it("hearth fix is refused while a window's run is in progress, naming the window's agent; the lock goes with the run", { timeout: 120_000 }, async () => {
    const { root, xdg } = checkout();
    const held = heldRun();
    const runtime = await open(root, xdg, { turns: [{ toolCalls: [EDIT] }, { text: "stopped" }] }, held.answer);
    const run = send(runtime, "fix calc");
    await held.waiting;
    assert.throws(() => lockCheckout(join(xdg, "hearth"), root), /^Error: Hearth's agent in a VS Code window \(a chat or Fix This Issue run, or hearth chat; pid \d+, started .+\) is working in /);
    held.release();
    await run;
    assert.deepEqual(readdirSync(join(xdg, "hearth", "locks")), [], "released at the run's end");
    lockCheckout(join(xdg, "hearth"), root).release();
  });

  it("two windows on one folder: the second window's run is refused while the first one's runs, naming the other window", { timeout: 120_000 }, async () => {
    const { root, xdg } = checkout();
    const held = heldRun();
    const a = await open(root, xdg, { turns: [{ toolCalls: [EDIT] }, { text: "stopped" }] }, held.answer);
    const b = await open(root, xdg, { turns: [{ text: "B ran" }] });
    const run = send(a, "fix calc");
    await held.waiting;
    await assert.rejects(send(b, "and you?"), /^Error: Hearth's agent in another window \(.*\) is working in /);
    held.release();
    await run;
    await send(b, "and now?");
  });

  it("where Hearth's state folder cannot be made (a file in its place, a read-only home), the window's agent still runs, its lock kept in the window's storage", { timeout: 120_000 }, async () => {
    const { root, xdg } = checkout();
    const blocked = join(xdg, "not-a-folder");
    writeFileSync(blocked, "");
    const storage = tempDir("hearth-lock-storage-");
    const held = heldRun();
    const runtime = await open(root, blocked, { turns: [{ toolCalls: [EDIT] }, { text: "stopped" }] }, held.answer, storage);
    const run = send(runtime, "fix calc");
    await held.waiting;
    assert.equal(readdirSync(join(storage, "locks")).length, 1, "the lock is held in the window's storage");
    held.release();
    await run;
    assert.deepEqual(readdirSync(join(storage, "locks")), [], "released at the run's end");
  });
});
