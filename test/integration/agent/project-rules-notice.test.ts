// A new chat in a project whose rules do not all fit the prompt (an AGENTS.md over its token
// budget, or over the 1 MiB Hearth reads): the user hears which files the model sees only in
// part or not at all, as `hearth fix` says on the terminal. Real files, real checkpoints, the
// scripted backend through runConversationTurn (the editor's path).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";

function folder(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function chatNotices(t: TestContext, root: string): Promise<string[]> {
  const backend = new ScriptedBackend({ turns: [{ text: "Hello." }], contextSize: 65_536 });
  const events: AgentWireEvent[] = [];
  await runConversationTurn({
    mode: "chat",
    text: "hello",
    messages: [],
    workspace: new DiskWorkspace(root),
    checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: folder(t, "hearth-rules-state-") }),
    backend: async () => backend,
    policy: "ask",
    approve: async () => false,
    onEvent: (e) => events.push(e),
    signal: new AbortController().signal,
  });
  return events.flatMap((e) => (e.type === "notice" ? [e.text] : []));
}

describe("project rules that do not fit the prompt", () => {
  it("the chat names a rules file cut to fit and one left out as too large", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-rules-ws-");
    writeFileSync(join(root, "AGENTS.md"), Array.from({ length: 800 }, (_, i) => `- Rule ${i}: run the linter before each commit and keep every function short.`).join("\n"));
    const notices = await chatNotices(t, root);
    assert.equal(notices.length, 1, notices.join("\n"));
    assert.match(notices[0]!, /AGENTS\.md was cut to fit the 2,000 tokens the prompt gives the project's rules/);

    truncateSync(join(root, "AGENTS.md"), 10 * 1024 ** 2);
    const again = await chatNotices(t, root);
    assert.equal(again.length, 1, again.join("\n"));
    assert.match(again[0]!, /AGENTS\.md \(10\.0 MiB\) was left out: too large to read/);
  });

  it("says nothing when the rules fit", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-rules-ws-");
    writeFileSync(join(root, "AGENTS.md"), "Use pnpm.\n");
    assert.deepEqual(await chatNotices(t, root), []);
  });
});
