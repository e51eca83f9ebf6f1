// write_file replaces a file only when the model has read it and it has not changed since:
// in every real run (the editor's chat and Fix This Issue through runConversationTurn,
// `hearth fix` through runFix), not only where a caller remembered to pass a reads map. A chat
// keeps what its model read from one message to the next. The scripted backend drives the
// real agent, tools and checkpoints on real files.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { type ConversationRunOptions, runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { runFix } from "../../../src/agent/fix.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace, type FileRead } from "../../../src/tools/index.ts";

function folder(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });
const overwrite = call("write_file", { path: "notes.txt", content: "the model's text\n" });

async function chatTurn(root: string, state: string, turns: ScriptedTurn[], extra: Partial<ConversationRunOptions> = {}) {
  const events: AgentWireEvent[] = [];
  const outcome = await runConversationTurn({
    mode: "chat",
    text: "tidy the notes",
    messages: [],
    workspace: new DiskWorkspace(root),
    checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: state }),
    backend: async () => new ScriptedBackend({ turns }),
    policy: "auto-all",
    approve: async () => true,
    onEvent: (e) => events.push(e),
    signal: new AbortController().signal,
    ...extra,
  });
  const ends = events.filter((e) => e.type === "toolEnd");
  return { messages: outcome.messages, ends };
}

describe("write_file over an existing file", () => {
  it("in a chat, is refused when the model has not read the file; the user's file stays as it was", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-unread-ws-");
    writeFileSync(join(root, "notes.txt"), "the user's notes\n");
    const { ends } = await chatTurn(root, folder(t, "hearth-unread-state-"), [overwrite, { text: "Done." }]);
    assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "the user's notes\n");
    assert.equal(ends.length, 1);
    assert.ok(ends[0]!.type === "toolEnd" && !ends[0]!.ok, JSON.stringify(ends[0]));
    assert.match(ends[0]!.type === "toolEnd" ? ends[0]!.preview : "", /have not read it/);
  });

  it("in a chat, is refused on the next message when the user changed the file since the model read it, and goes through when they did not", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-unread-ws-");
    const state = folder(t, "hearth-unread-state-");
    writeFileSync(join(root, "notes.txt"), "the user's notes\n");
    const reads = new Map<string, FileRead>();
    const first = await chatTurn(root, state, [call("read_file", { path: "notes.txt" }), { text: "Read it." }], { reads });
    // The user edits the file between the two messages.
    writeFileSync(join(root, "notes.txt"), "the user's notes, edited\n");
    const next = (messages: ChatMessage[]) => ({ reads, messages, text: "now replace it" });
    const second = await chatTurn(root, state, [overwrite, { text: "Done." }], next(first.messages));
    assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "the user's notes, edited\n");
    assert.ok(second.ends[0]?.type === "toolEnd" && !second.ends[0].ok);
    assert.match(second.ends[0]!.type === "toolEnd" ? second.ends[0]!.preview : "", /changed since you read it/);
    // Read again in one message, replaced in the next: the chat remembers the read.
    const third = await chatTurn(root, state, [call("read_file", { path: "notes.txt" }), { text: "Read it." }], next(second.messages));
    await chatTurn(root, state, [overwrite, { text: "Done." }], next(third.messages));
    assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "the model's text\n");
  });

  it("in hearth fix, is refused when the model has not read the file", { timeout: 60_000 }, async (t) => {
    const dir = folder(t, "hearth-unread-fix-");
    const repo = join(dir, "repo");
    mkdirSync(repo);
    writeFileSync(join(repo, "notes.txt"), "the user's notes\n");
    const turns = [overwrite, call("finish", { summary: "replaced" })];
    const result = await runFix({ repo, issue: "tidy the notes", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
    assert.equal(readFileSync(join(repo, "notes.txt"), "utf8"), "the user's notes\n");
    assert.deepEqual([...result.changedFiles], []);
  });
});
