// A tool result longer than the card's preview, cut where an emoji (a surrogate pair in
// JavaScript's strings) straddles the cut: the card gets whole characters, never half a
// pair (which the chat shows as a replacement character); so is a message's checkpoint
// label. Real checkpoints, the scripted backend through runConversationTurn (the editor's path).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace, type Tool } from "../../../src/tools/index.ts";

function folder(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe("a tool result's preview", { timeout: 60_000 }, () => {
  it("is cut between characters, not inside an emoji", async (t) => {
    const root = folder(t, "hearth-preview-ws-");
    const log: Tool = {
      definition: { name: "show_log", description: "Shows the log.", parameters: { type: "object", properties: {} } },
      effect: "read",
      // The emoji's first half is the preview's last UTF-16 unit.
      execute: async () => ({ text: `${"a".repeat(1_999)}😀${"b".repeat(500)}` }),
    };
    const backend = new ScriptedBackend({ turns: [{ toolCalls: [{ name: "show_log", arguments: {} }] }, { text: "Done." }] });
    const events: AgentWireEvent[] = [];
    await runConversationTurn({
      mode: "chat",
      text: "show the log",
      messages: [],
      workspace: new DiskWorkspace(root),
      checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: folder(t, "hearth-preview-state-") }),
      backend: async () => backend,
      policy: "ask",
      approve: async () => false,
      onEvent: (e) => events.push(e),
      signal: new AbortController().signal,
      extraTools: [log],
    });
    const end = events.find((e) => e.type === "toolEnd");
    assert.ok(end?.type === "toolEnd");
    assert.doesNotMatch(end.preview, loneSurrogate);
    assert.ok(end.preview.startsWith("a".repeat(1_999)) && end.preview.endsWith("…"), end.preview.slice(-10));
  });
});

describe("a message's checkpoint label", { timeout: 60_000 }, () => {
  it("is cut between characters, not inside an emoji", async (t) => {
    const root = folder(t, "hearth-label-ws-");
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: folder(t, "hearth-label-state-") });
    await runConversationTurn({
      mode: "chat",
      // The emoji's first half is the label's 72nd character.
      text: `${"a".repeat(71)}😀 and more`,
      messages: [],
      workspace: new DiskWorkspace(root),
      checkpoints,
      backend: async () => new ScriptedBackend({ turns: [{ text: "Done." }] }),
      policy: "ask",
      approve: async () => false,
      onEvent: () => {},
      signal: new AbortController().signal,
    });
    const labels = (await checkpoints.list()).map((c) => c.label);
    assert.deepEqual(labels, [`before: ${"a".repeat(71)}`]);
  });
});
