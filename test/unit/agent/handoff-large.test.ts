// A long conversation as Hearth keeps it (near the 64 MiB its runtime saves at most) exports a
// file Hearth imports back: the export writes it twice (readable and base64), so a conversation
// of some 27 MB made a file the 64 MiB import limit refused.
import assert from "node:assert/strict";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConversationStore, importConversationFile } from "../../../src/agent/conversation-store.ts";
import { exportConversation } from "../../../src/agent/handoff.ts";
import { importSizeProblem } from "../../../src/extension/chat/conversation-files.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";
import { tempDir } from "../../fixtures/temp.ts";

const MiB = 1024 * 1024;

/** read_file's cap of 48,000 characters of source: quotes, tags, ampersands and non-ASCII, as code holds them. */
function source(turn: number): string {
  const lines: string[] = [];
  for (let i = 0; lines.join("\n").length < 47_900; i++) lines.push(`  const total${turn}_${i} = render("<td class=\\"n\\">" + naïve(${i}) + "</td>") && "→ Größe"; // §${i}`);
  return lines.join("\n").slice(0, 48_000);
}

/** A day in one chat: `turns` reads of a long file, each answered; system prompt first, as the runtime saves it. */
function longConversation(turns: number): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: "system", content: "You are Hearth, a coding agent." }];
  for (let t = 0; t < turns; t++) {
    messages.push(
      { role: "user", content: `Look at src/report-${t}.ts and tell me what renders the totals.` },
      { role: "assistant", content: "", toolCalls: [{ id: `call-${t}`, name: "read_file", arguments: { path: `src/report-${t}.ts` } }] },
      { role: "tool", toolCallId: `call-${t}`, name: "read_file", content: source(t) },
      { role: "assistant", content: `render() in src/report-${t}.ts builds each cell; the totals come from naïve().` },
    );
  }
  return messages;
}

describe("export of a long conversation", () => {
  it("a conversation near the largest the runtime keeps exports a file that imports back whole, in the editor and the CLI", async () => {
    const dir = tempDir("hearth-long-export-");
    try {
      const storage = join(dir, "conversations");
      await new ConversationStore(storage).record("long", longConversation(1150));
      const kept = statSync(join(storage, "long.json")).size;
      assert.ok(kept > 56 * MiB && kept <= 64 * MiB, `a conversation file Hearth keeps, near its 64 MiB: ${kept} bytes`);

      const conversation = await new ConversationStore(storage).get("long");
      assert.ok(conversation, "read back by a new runtime");
      const file = join(dir, "long.md");
      writeFileSync(file, exportConversation(conversation.messages, { title: "Totals", exportedAt: "2026-12-07T18:00:00.000Z", patch: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n" }));
      const bytes = statSync(file).size;
      assert.ok(bytes > 128 * MiB, `the export is twice the conversation and more: ${bytes} bytes`);
      assert.equal(importSizeProblem(bytes), undefined, "the editor reads it for an import");

      const imported = importConversationFile(readFileSync(file, "utf8"));
      assert.equal(imported.messages.length, conversation.messages.length - 1, "every message but the exporter's system prompt");
      assert.deepEqual(imported.messages, conversation.messages.slice(1));
      assert.deepEqual(imported.edited, []);
      assert.equal(imported.patch, "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
      // And the runtime keeps it again (its file under 64 MiB: the system prompt is this workspace's).
      await new ConversationStore(storage).import("again", imported.messages);
      assert.deepEqual((await new ConversationStore(storage).get("again"))?.messages.slice(1), imported.messages);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
