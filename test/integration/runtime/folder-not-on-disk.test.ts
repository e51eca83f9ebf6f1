// The folder the runtime works in is not on disk: deleted, renamed or moved while the window
// had it open, or every folder a .code-workspace names moved since it was saved. A message
// sent then failed with "agent/run: ENOENT: no such file or directory, lstat '/…/app'" — an
// error of the machinery, not what the user can do. Built runtime over LSP, scripted model.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ResponseError } from "vscode-languageserver-protocol";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { AgentRunRequest } from "../../../src/protocol/agent.ts";
import { HearthErrorCode } from "../../../src/protocol/lsp-ext.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();

describe("a message while the folder Hearth works in is not on disk", () => {
  it("says the folder is gone and what to do, and writes nothing there", { timeout: 60_000 }, async () => {
    const base = tempDir("hearth-folder-gone-");
    const root = join(base, "app");
    mkdirSync(root);
    const storage = join(base, "storage");
    const modelPath = join(base, "model.json");
    const write = { name: "write_file", arguments: { path: "a.txt", content: "hi\n" } };
    writeFileSync(modelPath, JSON.stringify({ turns: [{ toolCalls: [write] }, { text: "Done." }] }));
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: { modelPath, approvalPolicy: "auto-all" }, storagePath: storage } });
    running.push(runtime);
    rmSync(root, { recursive: true }); // moved away, or deleted, while the window had it open

    await assert.rejects(runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "write a.txt", mode: "chat" }), (error: ResponseError<unknown>) => {
      assert.doesNotMatch(error.message, /ENOENT|lstat/);
      assert.match(error.message, new RegExp(`The folder ${root.replace(/[/\\.]/g, "\\$&")} Hearth works in is not on disk`));
      assert.match(error.message, /open it where it is now/);
      assert.equal(error.code, HearthErrorCode.NotAvailable);
      return true;
    });
    mkdirSync(root); // back: the next message runs there
    const result = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r2", conversationId: "c1", text: "write a.txt", mode: "chat" });
    assert.equal(result.message, "Done.");
  });
});
