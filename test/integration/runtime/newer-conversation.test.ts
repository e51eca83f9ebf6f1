// A conversation a newer Hearth saved (a later format), opened by this one after a downgrade.
// An export, a restore that rewinds it and a message sent here must leave its file where the
// newer version goes on with it, saying why they cannot go on. Built runtime over LSP, the file
// in its conversations folder.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { AgentRunRequest, CheckpointRestoreRequest, ConversationExportRequest } from "../../../src/protocol/agent.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll, PYTHON_CALC as FIXTURE } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();

/** What a later format could hold: this version's messages and something beside them it does not know. */
const NEWER = JSON.stringify({
  version: 2,
  messages: [
    { role: "system", content: "You are Hearth." },
    { role: "user", content: "fix add()" },
    { role: "assistant", content: "Fixed it." },
  ],
  pinned: [1],
});

async function runtimeWithNewerConversation(): Promise<{ runtime: RuntimeProcess; folder: string }> {
  const root = tempDir("hearth-newer-ws-");
  cpSync(FIXTURE, root, { recursive: true });
  const storage = tempDir("hearth-newer-storage-");
  const folder = join(storage, "conversations");
  mkdirSync(folder);
  writeFileSync(join(folder, "conv1.json"), NEWER);
  // The scripted model answers every message: a run refused is refused for the file, not for want of a model.
  const modelPath = join(storage, "model.json");
  writeFileSync(modelPath, JSON.stringify({ turns: [{ text: "Hello." }, { text: "Hello." }] }));
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: { modelPath, approvalPolicy: "ask" }, storagePath: storage } });
  running.push(runtime);
  return { runtime, folder };
}

describe("a conversation a newer Hearth saved", () => {
  it("is not exported, says why, and its file stays where the newer version finds it", { timeout: 60_000 }, async () => {
    const { runtime, folder } = await runtimeWithNewerConversation();
    await assert.rejects(
      runtime.connection.sendRequest(ConversationExportRequest, { conversationId: "conv1", title: "Fix" }),
      (error: Error) => /saved by a newer version of Hearth \(format 2\).*its file is left as it is: export it from that version\.$/.test(error.message),
    );
    assert.deepEqual(readdirSync(folder), ["conv1.json"]);
    assert.equal(readFileSync(join(folder, "conv1.json"), "utf8"), NEWER);
  });

  it("is not rewound by a restore, which restores nothing, and its file stays as it is", { timeout: 60_000 }, async () => {
    const { runtime, folder } = await runtimeWithNewerConversation();
    await assert.rejects(
      runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: "0".repeat(40), conversationId: "conv1", messageIndex: 2 }),
      (error: Error) => /saved by a newer version of Hearth \(format 2\).*: nothing was restored\.$/.test(error.message),
    );
    assert.deepEqual(readdirSync(folder), ["conv1.json"]);
    assert.equal(readFileSync(join(folder, "conv1.json"), "utf8"), NEWER);
  });

  // Set aside as <id>.unreadable-<time>.json, no version lists or reads it again: upgraded again,
  // the user found the conversation holding only the message sent here.
  it("is not continued by a message sent here, which says to update Hearth; its file stays as it is, and a new chat works", { timeout: 60_000 }, async () => {
    const { runtime, folder } = await runtimeWithNewerConversation();
    await assert.rejects(
      runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "conv1", text: "and subtract()?", mode: "chat", continues: true }),
      (error: Error) => /saved by a newer version of Hearth \(format 2\).*its file is left as it is: update Hearth to continue it, or start a New Chat\.$/.test(error.message),
    );
    assert.deepEqual(readdirSync(folder), ["conv1.json"]);
    assert.equal(readFileSync(join(folder, "conv1.json"), "utf8"), NEWER);
    const fresh = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r2", conversationId: "conv2", text: "hi", mode: "chat" });
    assert.equal(fresh.message, "Hello.");
    assert.equal(readFileSync(join(folder, "conv1.json"), "utf8"), NEWER);
  });
});
