// Reject and Restore checkpoint take back the agent's changes, not what the user typed and
// saved while the run worked: through the built runtime's real checkpoints, the user's saves
// made while an edit waits for approval (or Hearth's auto-save flush just before the write).
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { ApplyWorkspaceEditRequest, DidCloseTextDocumentNotification, DidOpenTextDocumentNotification, type TextDocumentEdit, type TextEdit } from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import type { ModelScript } from "../../../src/models/scripted.ts";
import { AgentApproveRequest, AgentRunRequest, type AgentRunResult, CheckpointRestoreRequest, WorkspaceAutoSaveRequest, WorkspaceSaveRequest } from "../../../src/protocol/agent.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll, PYTHON_CALC as FIXTURE } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ORIGINAL = readFileSync(join(FIXTURE, "calc.py"), "utf8");
const TYPED = "# typed by the user\n";

const running = closedAfterAll();

const FIX_ADD = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } };
const FIX_MUL = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a * b", new_text: "return b * a" } };

/**
 * A runtime on a copy of python-calc whose model runs `calls` one a turn; `onApprove(n)` runs
 * while the n-th call (from 0) waits for the user's yes — what the user saves then is on disk
 * before the write's checkpoint.
 */
async function run(calls: readonly object[], onApprove: (n: number, root: string) => void): Promise<{ runtime: RuntimeProcess; root: string; result: AgentRunResult }> {
  const root = tempDir("hearth-keep-ws-");
  cpSync(FIXTURE, root, { recursive: true });
  const storage = tempDir("hearth-keep-storage-");
  const modelPath = join(storage, "model.json");
  const script: ModelScript = { turns: [...calls.map((call) => ({ toolCalls: [call] })), { text: "Done." }] } as ModelScript;
  writeFileSync(modelPath, JSON.stringify(script));
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: { modelPath, approvalPolicy: "ask" }, storagePath: storage } });
  running.push(runtime);
  let asked = 0;
  runtime.connection.onRequest(AgentApproveRequest, () => {
    onApprove(asked++, root);
    return { approved: true };
  });
  const result = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "fix calc", mode: "chat" });
  assert.equal(result.stopReason, "answered");
  return { runtime, root, result };
}

const calc = (root: string) => readFileSync(join(root, "calc.py"), "utf8");
const save = (root: string, text: string) => writeFileSync(join(root, "calc.py"), text);

describe("Reject and Restore checkpoint keep what the user saved during the run", () => {
  it("Reject puts a file back as it was just before the agent first wrote it: the user's typing saved before that stays", { timeout: 120_000 }, async () => {
    const s = await run([FIX_ADD], (_n, root) => save(root, TYPED + calc(root)));
    assert.equal(calc(s.root), TYPED + ORIGINAL.replace("return a - b", "return a + b"));
    const restored = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: s.result.startCheckpoint!, paths: s.result.changedFiles, expect: s.result.endCheckpoint });
    assert.deepEqual(restored.restoredFiles, ["calc.py"]);
    assert.equal(restored.changedSince, undefined);
    assert.equal(calc(s.root), TYPED + ORIGINAL);
  });

  it("Reject all of two files, one the user typed in before the agent's write: each goes back to its own version", { timeout: 120_000 }, async () => {
    const test = (root: string) => join(root, "test_calc.py");
    const original = readFileSync(join(FIXTURE, "test_calc.py"), "utf8");
    const write = { name: "write_file", arguments: { path: "test_calc.py", content: "# rewritten by the agent\n" } };
    const read = { name: "read_file", arguments: { path: "test_calc.py" } };
    const s = await run([read, write, FIX_ADD], (n, root) => {
      if (n === 1) save(root, TYPED + calc(root));
    });
    assert.equal(readFileSync(test(s.root), "utf8"), "# rewritten by the agent\n");
    const restored = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: s.result.startCheckpoint!, paths: s.result.changedFiles, expect: s.result.endCheckpoint });
    assert.deepEqual([...restored.restoredFiles].sort(), ["calc.py", "test_calc.py"]);
    assert.equal(calc(s.root), TYPED + ORIGINAL);
    assert.equal(readFileSync(test(s.root), "utf8"), original);
  });

  it("Restore checkpoint on the run's message does the same", { timeout: 120_000 }, async () => {
    const s = await run([FIX_ADD], (_n, root) => save(root, TYPED + calc(root)));
    const restored = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: s.result.startCheckpoint!, conversationId: "c1", messageIndex: 1 });
    assert.deepEqual(restored.restoredFiles, ["calc.py"]);
    assert.equal(calc(s.root), TYPED + ORIGINAL);
  });

  it("a file only the user changed during the run is not in the review: its Reject leaves it, asking nothing", { timeout: 120_000 }, async () => {
    const test = (root: string) => join(root, "test_calc.py");
    const s = await run([FIX_ADD], (_n, root) => writeFileSync(test(root), `${readFileSync(test(root), "utf8")}# the user's note\n`));
    assert.deepEqual(s.result.changedFiles, ["calc.py"]);
    const request = { checkpoint: s.result.startCheckpoint!, paths: s.result.changedFiles, expect: s.result.endCheckpoint };
    const rejected = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, request);
    assert.equal(rejected.changedSince, undefined);
    assert.deepEqual(rejected.restoredFiles, ["calc.py"]);
    assert.equal(calc(s.root), ORIGINAL);
    assert.match(readFileSync(test(s.root), "utf8"), /# the user's note\n$/);
  });

  it("the user's save between two of the agent's writes: Reject asks first, and a yes goes back to before the agent's first write", { timeout: 120_000 }, async () => {
    const between = "\n# saved between the agent's edits\n";
    const s = await run([FIX_ADD, FIX_MUL], (n, root) => {
      if (n === 0) save(root, TYPED + calc(root));
      if (n === 1) save(root, calc(root) + between);
    });
    const left = calc(s.root);
    assert.ok(left.includes("return a + b") && left.includes("return b * a") && left.endsWith(between));
    const request = { checkpoint: s.result.startCheckpoint!, paths: s.result.changedFiles, expect: s.result.endCheckpoint };
    const asked = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, request);
    assert.deepEqual(asked.changedSince, ["calc.py"]);
    assert.deepEqual(asked.restoredFiles, []);
    assert.equal(calc(s.root), left);
    const forced = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, { ...request, force: true });
    assert.deepEqual(forced.restoredFiles, ["calc.py"]);
    assert.equal(calc(s.root), TYPED + ORIGINAL);
  });

  it("the user's save between two of the agent's writes: Restore checkpoint on the message leaves the file as it is, and says so", { timeout: 120_000 }, async () => {
    const between = "\n# saved between the agent's edits\n";
    const s = await run([FIX_ADD, FIX_MUL], (n, root) => {
      if (n === 1) save(root, calc(root) + between);
    });
    const left = calc(s.root);
    const restored = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: s.result.startCheckpoint!, conversationId: "c1", messageIndex: 1 });
    assert.deepEqual(restored.restoredFiles, []);
    assert.equal(calc(s.root), left);
    assert.deepEqual(restored.notRestored?.map((f) => [f.path, f.laterWork]), [["calc.py", true]]);
    assert.match(restored.notRestored![0]!.reason, /you changed it between Hearth's edits/);
  });

  it("through the editor: the typing Hearth's auto-save flush saved just before the agent's write survives Reject", { timeout: 120_000 }, async () => {
    const root = tempDir("hearth-keep-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const storage = tempDir("hearth-keep-storage-");
    const modelPath = join(storage, "model.json");
    writeFileSync(modelPath, JSON.stringify({ turns: [{ toolCalls: [FIX_ADD] }, { text: "Done." }] }));
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: { modelPath, approvalPolicy: "ask" }, storagePath: storage, editorEdits: true } });
    running.push(runtime);
    const uri = pathToFileURL(join(root, "calc.py")).toString();
    let buffer = TYPED + ORIGINAL; // typed, not saved
    runtime.connection.onRequest(AgentApproveRequest, () => ({ approved: true }));
    runtime.connection.onRequest(ApplyWorkspaceEditRequest.type, (params) => {
      for (const change of params.edit.documentChanges ?? []) {
        for (const edit of [...((change as TextDocumentEdit).edits as TextEdit[])].reverse()) {
          const lines = buffer.split("\n");
          const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
          buffer = buffer.slice(0, offset(edit.range.start)) + edit.newText + buffer.slice(offset(edit.range.end));
        }
      }
      return { applied: true };
    });
    runtime.connection.onRequest(WorkspaceSaveRequest, () => {
      save(root, buffer);
      return { notSaved: [] };
    });
    runtime.connection.onRequest(WorkspaceAutoSaveRequest, (params) => {
      save(root, buffer);
      return { saved: [...params.uris] };
    });
    await runtime.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "python", version: 2, text: buffer } });
    const result = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "fix add", mode: "chat" });
    await runtime.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    const restored = await runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: result.startCheckpoint!, paths: result.changedFiles, expect: result.endCheckpoint });
    assert.deepEqual(restored.restoredFiles, ["calc.py"]);
    assert.equal(calc(root), TYPED + ORIGINAL);
  });
});
