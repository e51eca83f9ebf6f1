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

describe("a tool result's preview", () => {
  it("is cut between characters, not inside an emoji", { timeout: 60_000 }, async (t) => {
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

describe("a message's checkpoint label", () => {
  it("is cut between characters, not inside an emoji", { timeout: 60_000 }, async (t) => {
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

describe("the final test run's output in Fix This Issue", () => {
  it("is cut in its middle between characters, not inside an emoji, on the card and in the result", { timeout: 60_000 }, async (t) => {
    // Two outputs a unit apart: whatever runs before them, one puts each cut inside a pair.
    for (const lead of ["", "x"]) {
      const root = folder(t, "hearth-tests-cut-ws-");
      const events: AgentWireEvent[] = [];
      const outcome = await runConversationTurn({
        mode: "fix",
        text: "the tests fail",
        messages: [],
        testCommand: `node -e "process.stdout.write('${lead}' + '\\u{1F600}'.repeat(5000))"`,
        workspace: new DiskWorkspace(root),
        checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: folder(t, "hearth-tests-cut-state-") }),
        backend: async () => new ScriptedBackend({ turns: [{ toolCalls: [{ name: "finish", arguments: { summary: "done" } }] }] }),
        policy: "auto-all",
        approve: async () => false,
        onEvent: (e) => events.push(e),
        signal: new AbortController().signal,
      });
      const output = outcome.result.tests?.output ?? "";
      assert.match(output, /characters cut/);
      assert.doesNotMatch(output, loneSurrogate, `the result's output (lead ${JSON.stringify(lead)})`);
      const card = events.find((e) => e.type === "toolEnd" && e.callId.startsWith("final-tests"));
      assert.ok(card?.type === "toolEnd" && /characters cut/.test(card.preview));
      assert.doesNotMatch(card.preview, loneSurrogate, `the card's preview (lead ${JSON.stringify(lead)})`);
    }
  });
});
