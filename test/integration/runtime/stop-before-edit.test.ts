// The user presses Stop while a run's edit waits on the editor before the edit is sent: the
// question whether the file has unsaved notebook cells (or VS Code's auto-save, waited for up to
// its delay). Nothing is changed yet, so Stop ends the run at once and the edit is never sent —
// whether VS Code answers a moment later or not yet. (Once sent, an edit's answer is waited for:
// window-gone-mid-edit.test.ts.) The built runtime over stdio with editor edits on (as VS Code
// starts it), a scripted model, real files.
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ApplyWorkspaceEditRequest, CancellationTokenSource } from "vscode-languageserver-protocol";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import type { ModelScript } from "../../../src/models/scripted.ts";
import { AgentRunRequest, WorkspaceSaveRequest, WorkspaceUnsavedNotebooksRequest } from "../../../src/protocol/agent.ts";
import { EditorToolsRequest } from "../../../src/protocol/mcp.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll, PYTHON_CALC as FIXTURE } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();
const ORIGINAL = readFileSync(join(FIXTURE, "calc.py"), "utf8");

/**
 * A run editing calc.py (`deletes`: deleting it, after reading it), stopped while the
 * unsaved-notebook question waits (the `at`th time it is asked); `answered`: VS Code answers
 * it after the Stop (else not while the run is awaited).
 */
async function stoppedBeforeEdit(answered: boolean, { deletes = false, at = 1 } = {}): Promise<{ edits: number; calc: string | undefined }> {
  const root = tempDir("hearth-stop-edit-ws-");
  cpSync(FIXTURE, root, { recursive: true });
  const storage = tempDir("hearth-stop-edit-storage-");
  const modelPath = join(storage, "model.json");
  const edit = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } };
  const read = { name: "read_file", arguments: { path: "calc.py" } };
  const lines = ORIGINAL.replace(/\n$/, "").split("\n");
  const remove = { name: "apply_patch", arguments: { patch: [`--- a/calc.py`, `+++ /dev/null`, `@@ -1,${lines.length} +0,0 @@`, ...lines.map((line) => `-${line}`), ""].join("\n") } };
  const turns = deletes ? [{ toolCalls: [read] }, { toolCalls: [remove] }, { text: "Done." }] : [{ toolCalls: [edit] }, { text: "Done." }];
  writeFileSync(modelPath, JSON.stringify({ turns } as ModelScript));
  const runtime = await spawnRuntime({
    runtimePath: RUNTIME,
    rootPath: root,
    initializationOptions: { settings: { modelPath, approvalPolicy: "auto-edit" as const }, storagePath: storage, editorEdits: true },
  });
  running.push(runtime);
  const stop = new CancellationTokenSource();
  let edits = 0;
  let asked = 0;
  runtime.connection.onRequest(EditorToolsRequest, () => ({ tools: [] }));
  runtime.connection.onRequest(WorkspaceUnsavedNotebooksRequest, () => {
    if (++asked < at) return { unsaved: [] };
    // The user presses Stop now; the cancel reaches the runtime before any answer does.
    stop.cancel();
    return answered ? { unsaved: [] } : new Promise<never>(() => undefined);
  });
  runtime.connection.onRequest(ApplyWorkspaceEditRequest.type, () => {
    edits++;
    return { applied: false, failureReason: "the test's editor makes no edit" };
  });
  runtime.connection.onRequest(WorkspaceSaveRequest, () => ({ notSaved: [] }));
  await runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "fix calc", mode: "chat" }, stop.token).catch(() => undefined);
  assert.ok(asked >= at, `the unsaved-notebook question was asked ${at} time(s)`);
  return { edits, calc: existsSync(join(root, "calc.py")) ? readFileSync(join(root, "calc.py"), "utf8") : undefined };
}

describe("Stop pressed while a run's edit waits on the editor before the edit is sent", () => {
  it("VS Code answers after the Stop: the edit is not sent", { timeout: 120_000 }, async () => {
    const { edits, calc } = await stoppedBeforeEdit(true);
    assert.equal(edits, 0, "no workspace/applyEdit after the Stop");
    assert.equal(calc, ORIGINAL);
  });

  it("VS Code has not answered yet: the run still ends, and the edit is not sent", { timeout: 60_000 }, async () => {
    const { edits, calc } = await stoppedBeforeEdit(false);
    assert.equal(edits, 0, "no workspace/applyEdit after the Stop");
    assert.equal(calc, ORIGINAL);
  });

  it("a delete, stopped while the editor is asked whether the file has unsaved notebook cells (VS Code answers after): the delete is not sent", { timeout: 60_000 }, async () => {
    const { edits, calc } = await stoppedBeforeEdit(true, { deletes: true, at: 2 });
    assert.equal(edits, 0, "no workspace/applyEdit after the Stop");
    assert.equal(calc, ORIGINAL);
  });
});
