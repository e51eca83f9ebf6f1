// The window goes away (VS Code's extension host killed or crashed) while a run waits on the
// editor: the list of its MCP tools at the run's start, the question whether the file has unsaved
// notebook cells, the edit itself, or the save after it. The client never answers; the runtime must end itself and keep the turn, as it
// does for an approval question left open (window-gone-mid-run.test.ts). The built runtime over
// stdio with editor edits on (as VS Code starts it), a scripted model, real files.
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ApplyWorkspaceEditRequest } from "vscode-languageserver-protocol";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import type { ModelScript } from "../../../src/models/scripted.ts";
import { AgentRunRequest, WorkspaceSaveRequest, WorkspaceUnsavedNotebooksRequest } from "../../../src/protocol/agent.ts";
import { EditorToolsRequest } from "../../../src/protocol/mcp.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll, PYTHON_CALC as FIXTURE } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();

type Waiting = "editorTools" | "unsavedNotebooks" | "applyEdit" | "save";

/** A run that edits calc.py, its client gone while the runtime waits on `waiting`'s answer; the conversation file the runtime kept, if any. */
async function goneDuring(waiting: Waiting): Promise<string | undefined> {
  const root = tempDir("hearth-gone-edit-ws-");
  cpSync(FIXTURE, root, { recursive: true });
  const storage = tempDir("hearth-gone-edit-storage-");
  const modelPath = join(storage, "model.json");
  const edit = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } };
  writeFileSync(modelPath, JSON.stringify({ turns: [{ toolCalls: [edit] }, { text: "Done." }] } as ModelScript));
  const runtime = await spawnRuntime({
    runtimePath: RUNTIME,
    rootPath: root,
    initializationOptions: { settings: { modelPath, approvalPolicy: "auto-edit" as const }, storagePath: storage, editorEdits: true },
  });
  running.push(runtime);
  let asked = false;
  const goAway = () => {
    asked = true;
    runtime.child.stdout!.destroy();
    runtime.child.stderr!.destroy();
    runtime.child.stdin!.destroy();
    return new Promise<never>(() => undefined);
  };
  const answer = <T>(name: Waiting, otherwise: T) => () => (waiting === name ? goAway() : otherwise);
  runtime.connection.onRequest(EditorToolsRequest, answer("editorTools", { tools: [] }));
  runtime.connection.onRequest(WorkspaceUnsavedNotebooksRequest, answer("unsavedNotebooks", { unsaved: [] }));
  runtime.connection.onRequest(ApplyWorkspaceEditRequest.type, answer("applyEdit", { applied: true }));
  runtime.connection.onRequest(WorkspaceSaveRequest, answer("save", null));
  void runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "fix calc", mode: "chat" }).catch(() => undefined);
  const exited = await runtime.exited;
  assert.ok(asked, `the run asked the editor (${waiting}) before the window went`);
  assert.equal(exited.signal, null, "the runtime ended itself");
  const file = join(storage, "conversations", "c1.json");
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

describe("the window goes away while a run's edit waits on the editor", () => {
  for (const waiting of ["editorTools", "unsavedNotebooks", "applyEdit", "save"] as const) {
    it(`waiting on ${waiting}: the runtime ends and the turn is kept`, { timeout: 120_000 }, async () => {
      const kept = await goneDuring(waiting);
      assert.ok(kept?.includes("fix calc"), "the user's message and the run's steps are in the conversation file");
    });
  }
});
