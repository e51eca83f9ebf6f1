// Fix This Issue in the editor: the first message the model gets holds the code of the
// functions the index ranks for the issue, as the file's lines, and leaves out what the
// system prompt's repository map already shows. Scripted backend, real checkout, real
// index, real checkpoints.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it, type TestContext } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { RepoIndex, indexQueries } from "../../../src/indexer/index.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";

const QUERIES_DIR = fileURLToPath(new URL("../../../src/indexer/queries", import.meta.url));

async function fixInEditor(t: TestContext, withIndex: boolean): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "hearth-fix-code-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const repo = join(root, "repo");
  mkdirSync(join(repo, "billing"), { recursive: true });
  writeFileSync(join(repo, "billing", "invoice.py"), "def invoice_total(lines):\n    total = 0\n    for line in lines:\n        total += line.amount\n    return total\n\n\ndef invoice_id(n): return f'INV-{n}'\n");
  const index = new RepoIndex({ root: repo, queriesDir: QUERIES_DIR });
  await index.build();
  t.after(() => index.close());
  const outcome = await runConversationTurn({
    mode: "fix", text: "invoice_total ignores credit lines; invoice_id is fine", messages: [], policy: "ask",
    workspace: new DiskWorkspace(repo),
    checkpoints: await CheckpointStore.open({ workspaceRoot: repo, storageDir: join(root, "state") }),
    ...(withIndex ? { index: indexQueries(index) } : {}),
    backend: async () => new ScriptedBackend({ turns: [{ toolCalls: [{ name: "finish", arguments: { summary: "done" } }] }] }),
    approve: async () => false,
    onEvent: () => undefined,
    signal: new AbortController().signal,
    testCommand: "true",
  });
  const first = outcome.messages.find((m) => m.role === "user");
  return typeof first?.content === "string" ? first.content : JSON.stringify(first?.content);
}

describe("Fix This Issue: the first message shows the related code", () => {
  it("holds the ranked function's lines, not the one-liner the repository map shows", async (t) => {
    const message = await fixInEditor(t, true);
    assert.ok(message.includes("billing/invoice.py:1-5 (invoice_total)\n```\ndef invoice_total(lines):\n    total = 0\n"), message);
    assert.ok(!message.includes("invoice_id (invoice_id)") && !message.includes(":8-8 (invoice_id)"), message);
  });

  it("holds no code without an index", async (t) => {
    const message = await fixInEditor(t, false);
    assert.ok(!message.includes("Code that looks related"), message);
  });
});
