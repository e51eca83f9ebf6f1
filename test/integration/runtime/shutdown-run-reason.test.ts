// The runtime shuts down (Restart Runtime, Choose Folder, the folder removed from the window)
// while the model is writing a reply. The run must end as stopped — not as if a Hearth model
// setting had changed ("The model was changed or reloaded … send the message again"), which
// it said when the model was let go at the same moment the runs were told to stop. The built
// runtime over stdio and a scripted model that streams slowly.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { AgentEventNotification, type AgentRunResult, AgentRunRequest } from "../../../src/protocol/agent.ts";
import { LmChatRequest, LmPartNotification } from "../../../src/protocol/lm.ts";
import { BUILT_RUNTIME as RUNTIME } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A runtime whose scripted model writes one reply of minutes: 8 characters every 50 ms, so it is mid-stream at a shutdown. */
function slowReplyRuntime(): Promise<RuntimeProcess> {
  const dir = tempDir("hearth-shutdown-reason-");
  const script = join(dir, "model.json");
  writeFileSync(script, JSON.stringify({ chunkDelayMs: 50, turns: [{ text: "word ".repeat(20_000) }] }));
  return spawnRuntime({
    runtimePath: RUNTIME,
    rootPath: tempDir("hearth-shutdown-reason-ws-"),
    initializationOptions: { settings: { modelPath: script }, storagePath: join(dir, "storage") },
  });
}

describe("the runtime shuts down while the model writes a reply", () => {
  it("the run ends stopped, not as a model setting changed", async () => {
    const runtime = await slowReplyRuntime();
    const events: unknown[] = [];
    let streaming!: () => void;
    const streamed = new Promise<void>((r) => (streaming = r));
    runtime.connection.onNotification(AgentEventNotification, ({ event }) => {
      events.push(event);
      if (event.type === "model") streaming();
    });
    let result: AgentRunResult | Error | undefined;
    const run = runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "write", mode: "chat" }).then(
      (r) => (result = r),
      (e: Error) => (result = e),
    );
    await streamed;
    await runtime.close(10_000);
    await Promise.race([run, runtime.exited]);
    const said = JSON.stringify({ result: result instanceof Error ? result.message : result, events: events.filter((e) => (e as { type: string }).type !== "model") });
    assert.doesNotMatch(said, /model was changed or reloaded/, said);
    assert.ok(result && !(result instanceof Error), `the run was answered: ${said}`);
    assert.equal(result.stopReason, "cancelled", said);
  });

  it("a reply for VS Code's chat (hearth/lm/chat) says the runtime stopped, not that a model setting changed", async () => {
    const runtime = await slowReplyRuntime();
    let streaming!: () => void;
    const streamed = new Promise<void>((r) => (streaming = r));
    runtime.connection.onNotification(LmPartNotification, () => streaming());
    let answer: unknown;
    const reply = runtime.connection.sendRequest(LmChatRequest, { runId: "lm1", messages: [{ role: "user", parts: [{ type: "text", text: "write" }] }] }).then(
      (r) => (answer = r),
      (e: Error) => (answer = e),
    );
    await streamed;
    await runtime.close(10_000);
    await Promise.race([reply, runtime.exited]);
    assert.ok(answer instanceof Error, `a reply cut off is no answer: ${JSON.stringify(answer)}`);
    assert.doesNotMatch(answer.message, /model was changed or reloaded|setting changed/, answer.message);
    assert.match(answer.message, /runtime (was )?(stopped|shut down)|restart/i, answer.message);
  });
});
