// Messages a full context dropped are marked `dropped` (whole turns: a reply with its tool
// results). A conversation file edited by hand, or an export another version of Hearth wrote,
// may mark them otherwise: what the model reads (promptOf) must still be a well-formed prompt.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promptOf } from "../../../src/agent/condense.ts";
import { ConversationStore } from "../../../src/agent/conversation-store.ts";
import { exportConversation, importConversation } from "../../../src/agent/handoff.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";
import { tempDir } from "../../fixtures/temp.ts";

const read = (id: string, path: string): ChatMessage => ({ role: "assistant", content: "", toolCalls: [{ id, name: "read_file", arguments: { path } }] });
const result = (id: string, content: string): ChatMessage => ({ role: "tool", toolCallId: id, name: "read_file", content });
const drop = (m: ChatMessage): ChatMessage => ({ ...m, dropped: true }) as ChatMessage;

/** The first thing wrong with a prompt: a tool result not right after its call's reply (or another result of it), a call left without its result. */
function malformed(prompt: readonly ChatMessage[]): string | undefined {
  let open = new Set<string>();
  for (const [i, m] of prompt.entries()) {
    if (m.role === "tool") {
      if (!open.delete(m.toolCallId)) return `message ${i + 1}: a result of ${m.toolCallId} with no call before it`;
      continue;
    }
    if (open.size) return `message ${i + 1}: calls ${[...open].join(", ")} left without their result`;
    open = new Set(m.role === "assistant" ? (m.toolCalls ?? []).map((c) => c.id) : []);
  }
  return open.size ? `calls ${[...open].join(", ")} left without their result at the end` : undefined;
}

/** Inconsistent marks: a result kept whose call was dropped, a result dropped whose call was kept. */
const MARKED: ChatMessage[] = [
  { role: "system", content: "You are Hearth." },
  { role: "user", content: "Why does add subtract?" },
  drop(read("c1", "src/a.ts")),
  result("c1", "export const add = (a, b) => a - b;"),
  { role: "assistant", content: "It subtracts." },
  drop({ role: "user", content: "Look at b.ts too." }),
  read("c2", "src/b.ts"),
  drop(result("c2", "export const b = 1;")),
  { role: "assistant", content: "b.ts is fine." },
  { role: "user", content: "Fix it." },
];

describe("dropped marks that do not take whole turns", () => {
  it("the sample is malformed as marked", () => {
    assert.ok(malformed(promptOf(MARKED)));
  });

  it("a conversation file marked so reads into a well-formed prompt", async () => {
    const dir = join(tempDir("hearth-dropped-marks-"), "conversations");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "c.json"), JSON.stringify({ version: 1, messages: MARKED }));
    const conversation = await new ConversationStore(dir).get("c");
    assert.ok(conversation, "read, not set aside");
    assert.equal(conversation.messages.length, MARKED.length, "every message kept");
    assert.equal(malformed(promptOf(conversation.messages)), undefined);
  });

  it("an export marked so imports into a well-formed prompt", () => {
    const imported = importConversation(exportConversation(MARKED, { title: "add", exportedAt: "2026-01-01T00:00:00.000Z" }));
    assert.equal(imported.messages.length, MARKED.length - 1, "every message kept (the system prompt is the importer's)");
    assert.equal(malformed(promptOf([{ role: "system", content: "s" }, ...imported.messages])), undefined);
  });
});
