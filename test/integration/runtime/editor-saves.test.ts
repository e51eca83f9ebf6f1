// The agent's edits as VS Code applies them: the built runtime with editorEdits sends each
// write as workspace/applyEdit, then hearth/workspace/save. This client keeps the edited text
// in memory as an editor's buffer would, and its save fails as VS Code's does for a read-only
// file or one changed on disk since it was opened (TextDocument.save() answers false).
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { ApplyWorkspaceEditRequest, DidOpenTextDocumentNotification, type TextDocumentEdit } from "vscode-languageserver-protocol";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { AgentApproveRequest, AgentEventNotification, AgentRunRequest, type AgentWireEvent, WorkspaceAutoSaveRequest, WorkspaceSaveRequest } from "../../../src/protocol/agent.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll, PYTHON_CALC as FIXTURE } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();

describe("agent edits applied by the editor", () => {
  it("an edit VS Code could not save is reported as in the editor only, and the disk keeps the file", { timeout: 120_000 }, async () => {
    const root = tempDir("hearth-editor-saves-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const storage = tempDir("hearth-editor-saves-storage-");
    const modelPath = join(storage, "model.json");
    writeFileSync(modelPath, JSON.stringify({ turns: [{ toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } }] }, { text: "Done." }] }));
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: { modelPath, approvalPolicy: "ask" }, storagePath: storage, editorEdits: true } });
    running.push(runtime);
    const events: AgentWireEvent[] = [];
    const buffers = new Map<string, string>();
    const saves: string[][] = [];
    runtime.connection.onNotification(AgentEventNotification, (p) => void events.push(p.event));
    runtime.connection.onRequest(AgentApproveRequest, () => ({ approved: true }));
    runtime.connection.onRequest(ApplyWorkspaceEditRequest.type, (params) => {
      for (const change of params.edit.documentChanges ?? []) {
        if ("kind" in change) return { applied: false, failureReason: "file operations are not expected here" };
        const edit = change as TextDocumentEdit;
        buffers.set(edit.textDocument.uri, applyEdits(buffers.get(edit.textDocument.uri) ?? readFileSync(fileURLToPath(edit.textDocument.uri), "utf8"), edit));
      }
      return { applied: true };
    });
    runtime.connection.onRequest(WorkspaceSaveRequest, (params) => {
      saves.push([...params.uris]);
      return { notSaved: [...params.uris] };
    });

    const original = readFileSync(join(root, "calc.py"), "utf8");
    const result = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "fix add", mode: "chat" });
    assert.equal(result.stopReason, "answered");
    assert.equal(saves.length, 1);
    assert.match([...buffers.values()][0]!, /return a \+ b/, "the edit is in the editor's buffer");
    assert.equal(readFileSync(join(root, "calc.py"), "utf8"), original, "and not on disk");
    const end = events.find((e) => e.type === "toolEnd");
    assert.ok(end?.type === "toolEnd");
    assert.equal(end.ok, false, end.preview);
    assert.match(end.preview, /VS Code did not save calc\.py after the change: it is in the editor, not on disk/);
  });
});

// A patch over two files whose save VS Code made for one and not the other (the other read-only,
// or changed on disk since it was opened): the saved file is on disk with the agent's change,
// so the step's card lists it, and the run's review (Keep / Reject) holds it.
describe("a two-file edit VS Code saved only in part", () => {
  it("the file it saved is on the step's card, and the model is told it was saved", { timeout: 120_000 }, async () => {
    const root = tempDir("hearth-editor-partsave-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const storage = tempDir("hearth-editor-partsave-storage-");
    const modelPath = join(storage, "model.json");
    const patch = [
      "--- a/calc.py",
      "+++ b/calc.py",
      "@@ -4,2 +4,2 @@",
      " def add(a, b):",
      "-    return a - b",
      "+    return a + b",
      "--- a/test_calc.py",
      "+++ b/test_calc.py",
      "@@ -8,2 +8,2 @@",
      "     def test_add(self):",
      "-        self.assertEqual(add(2, 3), 5)",
      "+        self.assertEqual(add(2, 2), 4)",
      "",
    ].join("\n");
    writeFileSync(modelPath, JSON.stringify({ turns: [{ toolCalls: [{ name: "apply_patch", arguments: { patch } }] }, { text: "Done." }] }));
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: { modelPath, approvalPolicy: "ask" }, storagePath: storage, editorEdits: true } });
    running.push(runtime);
    const events: AgentWireEvent[] = [];
    const buffers = new Map<string, string>();
    runtime.connection.onNotification(AgentEventNotification, (p) => void events.push(p.event));
    runtime.connection.onRequest(AgentApproveRequest, () => ({ approved: true }));
    runtime.connection.onRequest(ApplyWorkspaceEditRequest.type, (params) => {
      for (const change of params.edit.documentChanges ?? []) {
        if ("kind" in change) return { applied: false, failureReason: "file operations are not expected here" };
        const edit = change as TextDocumentEdit;
        buffers.set(edit.textDocument.uri, applyEdits(buffers.get(edit.textDocument.uri) ?? readFileSync(fileURLToPath(edit.textDocument.uri), "utf8"), edit));
      }
      return { applied: true };
    });
    // calc.py is saved; test_calc.py is not.
    runtime.connection.onRequest(WorkspaceSaveRequest, (params) => {
      for (const uri of params.uris) if (uri.endsWith("/calc.py")) writeFileSync(fileURLToPath(uri), buffers.get(uri)!);
      return { notSaved: params.uris.filter((uri) => !uri.endsWith("/calc.py")) };
    });

    const original = readFileSync(join(root, "test_calc.py"), "utf8");
    const result = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "fix add", mode: "chat" });
    assert.equal(result.stopReason, "answered");
    assert.match(readFileSync(join(root, "calc.py"), "utf8"), /return a \+ b/, "calc.py is saved with the change");
    assert.equal(readFileSync(join(root, "test_calc.py"), "utf8"), original, "test_calc.py is not");
    const end = events.find((e) => e.type === "toolEnd");
    assert.ok(end?.type === "toolEnd");
    assert.equal(end.ok, false, end.preview);
    assert.match(end.preview, /VS Code did not save test_calc\.py after the change: it is in the editor, not on disk/);
    assert.match(end.preview, /The change to calc\.py is saved/);
    assert.deepEqual(end.changedFiles, ["calc.py"], "the step's card lists the file whose change is on disk");
  });
});

// files.autoSave afterDelay: the user typed in calc.py a second ago and VS Code has not saved
// it yet. The agent's edit was refused for "unsaved changes"; the runtime now asks the client
// to save what VS Code saves on its own, and an older client (no such request) is refused as before.
describe("agent edits of a file the user just typed in, with VS Code's auto-save", () => {
  for (const client of ["auto-saves", "older"] as const) {
    it(`${client === "auto-saves" ? "a client that auto-saves it: saved first, then edited" : "an older client without the request: refused as unsaved changes"}`, { timeout: 120_000 }, async () => {
      const root = tempDir("hearth-editor-autosave-ws-");
      cpSync(FIXTURE, root, { recursive: true });
      const storage = tempDir("hearth-editor-autosave-storage-");
      const modelPath = join(storage, "model.json");
      writeFileSync(modelPath, JSON.stringify({ turns: [{ toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } }] }, { text: "Done." }] }));
      const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: { modelPath, approvalPolicy: "ask" }, storagePath: storage, editorEdits: true } });
      running.push(runtime);
      const events: AgentWireEvent[] = [];
      const uri = pathToFileURL(join(root, "calc.py")).toString();
      const original = readFileSync(join(root, "calc.py"), "utf8");
      let buffer = `# typed by the user\n${original}`;
      runtime.connection.onNotification(AgentEventNotification, (p) => void events.push(p.event));
      runtime.connection.onRequest(AgentApproveRequest, () => ({ approved: true }));
      runtime.connection.onRequest(ApplyWorkspaceEditRequest.type, (params) => {
        for (const change of params.edit.documentChanges ?? []) {
          if ("kind" in change || change.textDocument.uri !== uri) return { applied: false, failureReason: "not expected here" };
          buffer = applyEdits(buffer, change);
        }
        return { applied: true };
      });
      runtime.connection.onRequest(WorkspaceSaveRequest, () => {
        writeFileSync(join(root, "calc.py"), buffer);
        return { notSaved: [] };
      });
      if (client === "auto-saves") {
        runtime.connection.onRequest(WorkspaceAutoSaveRequest, (params) => {
          writeFileSync(join(root, "calc.py"), buffer);
          return { saved: [...params.uris] };
        });
      }
      await runtime.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "python", version: 2, text: buffer } });

      const result = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "fix add", mode: "chat" });
      assert.equal(result.stopReason, "answered");
      const end = events.find((e) => e.type === "toolEnd");
      assert.ok(end?.type === "toolEnd");
      if (client === "auto-saves") {
        assert.equal(end.ok, true, end.preview);
        assert.equal(readFileSync(join(root, "calc.py"), "utf8"), `# typed by the user\n${original.replace("return a - b", "return a + b")}`);
      } else {
        assert.equal(end.ok, false);
        assert.match(end.preview, /calc\.py has unsaved changes in the editor/);
        assert.equal(readFileSync(join(root, "calc.py"), "utf8"), original);
      }
    });
  }
});

/** Applies LSP text edits (ranges on one line each, as the runtime's minimal edit for this file) to a text. */
function applyEdits(text: string, edit: TextDocumentEdit): string {
  const lines = text.split("\n");
  for (const e of edit.edits) {
    if (!("newText" in e) || e.range.start.line !== e.range.end.line) throw new Error("unexpected edit");
    const line = lines[e.range.start.line]!;
    lines[e.range.start.line] = line.slice(0, e.range.start.character) + e.newText + line.slice(e.range.end.character);
  }
  return lines.join("\n");
}
