// The window goes away mid-run (VS Code's extension host killed or crashed, a reload that
// never saw the run end) while the agent's next step waits for the user's yes. The chat's
// transcript, built from the events that came, is all the window finds when it comes back:
// the run shows as interrupted, the question is never taken as a yes, and the files the run
// wrote are still reviewable — its review, made from the step cards, rejected through a new
// runtime on the same storage; a runtime killed before it kept the turn has the next message
// say the model does not see it. The built runtime over stdio, a scripted model, real files.
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { interruptedReview } from "../../../src/extension/chat/run-review.ts";
import { continuesConversation, lastAnsweredIndex } from "../../../src/extension/chat/run-start.ts";
import type { ModelScript } from "../../../src/models/scripted.ts";
import { AgentApproveRequest, AgentEventNotification, AgentRunRequest, CheckpointRestoreRequest } from "../../../src/protocol/agent.ts";
import { applyTranscriptEvent, newTranscript } from "../../../src/protocol/transcript.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll, PYTHON_CALC as FIXTURE } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();
const ORIGINAL = readFileSync(join(FIXTURE, "calc.py"), "utf8");

/**
 * A run on a copy of python-calc that edits calc.py, then waits for a yes to run a command
 * while its runtime goes away: `client` closes the client's pipes (the extension host killed:
 * the runtime ends itself), `shutdown` stops it as a window that reloads does (shutdown +
 * exit, killed after 10 s), `runtime` SIGKILLs it (the OOM killer, a kill after the wait). Returns the chat's transcript of it, built from the events that came.
 */
async function cutOff(how: "client" | "runtime" | "shutdown") {
  const root = tempDir("hearth-gone-ws-");
  cpSync(FIXTURE, root, { recursive: true });
  const storage = tempDir("hearth-gone-storage-");
  const modelPath = join(storage, "model.json");
  const edit = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } };
  const command = { name: "run_command", arguments: { command: "touch ran" } };
  writeFileSync(modelPath, JSON.stringify({ turns: [{ text: "Hello." }, { toolCalls: [edit] }, { toolCalls: [command] }, { text: "Done." }] } as ModelScript));
  const options = { runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: { modelPath, approvalPolicy: "ask" as const }, storagePath: storage } };

  const first = await spawnRuntime(options);
  running.push(first);
  // The extension's transcript of the conversation, as it persists it event by event: a first
  // turn the runtime kept, then the run cut off.
  const transcript = newTranscript("c1");
  first.connection.onNotification(AgentEventNotification, (params) => void applyTranscriptEvent(transcript, params.event));
  assert.equal((await first.connection.sendRequest(AgentRunRequest, { runId: "r0", conversationId: "c1", text: "hi", mode: "chat" })).stopReason, "answered");
  transcript.items.push({ kind: "user", id: "u1", text: "fix calc" });
  applyTranscriptEvent(transcript, { type: "runStart", runId: "r1" });
  first.connection.onRequest(AgentApproveRequest, (params) => {
    if (params.call.name === "edit_file") return { approved: true };
    // The command's question is on screen when the window goes: no answer ever comes.
    if (how === "runtime") first.child.kill("SIGKILL");
    else if (how === "shutdown") void first.close(10_000);
    else {
      first.child.stdout!.destroy();
      first.child.stderr!.destroy();
      first.child.stdin!.destroy();
    }
    return new Promise<never>(() => undefined);
  });
  void first.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "fix calc", mode: "chat" }).catch(() => undefined);
  const exited = await first.exited;
  assert.equal(exited.signal, how === "runtime" ? "SIGKILL" : null, "the runtime ended itself, not killed after the wait");
  assert.equal(readFileSync(join(root, "calc.py"), "utf8"), ORIGINAL.replace("return a - b", "return a + b"), "the edit was made");
  assert.equal(existsSync(join(root, "ran")), false, "the command waiting for a yes was never run");
  // A shutdown's client is still there to hear the run end; else the window comes back (controller.ts) never having seen it end.
  if (how === "shutdown") assert.equal(transcript.runId, undefined);
  else {
    assert.equal(transcript.runId, "r1");
    applyTranscriptEvent(transcript, { type: "runFailed", message: "This run was interrupted when the window closed." });
  }
  return { root, options, modelPath, transcript };
}

/** The warnings a next message's run, in a runtime on the same storage, shows under the message. */
async function nextRunNotices(s: Awaited<ReturnType<typeof cutOff>>): Promise<string[]> {
  writeFileSync(s.modelPath, JSON.stringify({ turns: [{ text: "ok" }] } as ModelScript));
  const runtime = await spawnRuntime(s.options);
  running.push(runtime);
  const notices: string[] = [];
  runtime.connection.onNotification(AgentEventNotification, (params) => void (params.event.type === "notice" && params.event.level === "warning" && notices.push(params.event.text)));
  const items = s.transcript.items;
  const result = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r2", conversationId: "c1", text: "go on", mode: "chat", continues: continuesConversation(items), lastAnswered: lastAnsweredIndex(items) });
  assert.equal(result.stopReason, "answered");
  return notices;
}

describe("the window goes away while a run waits for approval", () => {
  it("the run shows as interrupted, the waiting command never runs, and Reject of its review puts back what it wrote", { timeout: 120_000 }, async () => {
    const { root, options, transcript } = await cutOff("client");
    const waiting = transcript.items.find((i) => i.kind === "tool" && i.name === "run_command");
    assert.equal(waiting?.kind === "tool" && waiting.status, "cancelled", "the question left open is not shown as approved or running");
    const review = interruptedReview(transcript.items);
    assert.ok(review?.type === "review", "the run's edit is offered for review");
    assert.deepEqual(review.files, ["calc.py"]);
    assert.ok(review.after, "Reject checks the files are still as the run left them");

    // Reject all, through the runtime the reloaded window starts on the same storage.
    const second = await spawnRuntime(options);
    running.push(second);
    const restored = await second.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: review.checkpoint, paths: review.files, expect: review.after });
    assert.deepEqual(restored.restoredFiles, ["calc.py"]);
    assert.equal(restored.changedSince, undefined);
    assert.equal(readFileSync(join(root, "calc.py"), "utf8"), ORIGINAL);
  });

  it("the runtime ended itself and kept the turn: the next message continues with no warning", { timeout: 120_000 }, async () => {
    const notices = await nextRunNotices(await cutOff("client"));
    assert.deepEqual(notices.filter((n) => n.includes("missing its last turn")), []);
  });

  it("a window reload's shutdown while the question is open: the runtime ends in time and kept the turn", { timeout: 120_000 }, async () => {
    const notices = await nextRunNotices(await cutOff("shutdown"));
    assert.deepEqual(notices.filter((n) => n.includes("missing its last turn")), []);
  });

  it("the runtime was killed before it kept the turn: the next message says the model does not see it", { timeout: 120_000 }, async () => {
    const notices = await nextRunNotices(await cutOff("runtime"));
    assert.equal(notices.filter((n) => n.includes("missing its last turn")).length, 1, notices.join("\n"));
  });
});
