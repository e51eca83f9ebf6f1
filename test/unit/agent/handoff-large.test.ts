// A long conversation as Hearth keeps it (up to the 64 MiB its runtime saves) exports a file
// Hearth imports back: the export writes each message twice (readable and base64), so a
// conversation of some 27 MB made a file the old 64 MiB import limit refused.
// Checked here on conversations of about 2 MiB (an export grows with its conversation: the
// ratio measured on each shape, times the largest file the store keeps, plus the largest diff
// an export carries, must stay under the import's limit); the real round trip of a conversation
// near 64 MiB (80 s, near 2 GB of memory) is test/bench/handoff-large.ts.
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConversationStore, importConversationFile, MAX_FILE_BYTES } from "../../../src/agent/conversation-store.ts";
import { exportConversation, MAX_EXPORT_DIFF_BYTES } from "../../../src/agent/handoff.ts";
import { importSizeProblem } from "../../../src/extension/chat/conversation-files.ts";
import { MAX_IMPORT_CHARS } from "../../../src/protocol/agent.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";
import { tempDir } from "../../fixtures/temp.ts";

const MiB = 1024 * 1024;
const meta = { title: "Totals", exportedAt: "2026-12-07T18:00:00.000Z" } as const;

/** read_file's cap of 48,000 characters of source: quotes, tags, ampersands and non-ASCII, as code holds them. */
function quotedSource(turn: number): string {
  const lines: string[] = [];
  for (let i = 0, size = 0; size < 48_000; i++) {
    const line = `  const total${turn}_${i} = render("<td class=\\"n\\">" + naïve(${i}) + "</td>") && "→ Größe"; // §${i}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n").slice(0, 48_000);
}

/** Plain ASCII code, nothing JSON escapes: the saved file is smallest beside its export. */
function plainSource(turn: number): string {
  const lines: string[] = [];
  for (let i = 0, size = 0; size < 48_000; i++) {
    const line = `  export function helper${turn}_${i}(value: number): number { return value * ${i}; }`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n").slice(0, 48_000);
}

/** `turns` reads of a long file, each answered; system prompt first, as the runtime saves it. */
function reads(turns: number, source: (turn: number) => string): ChatMessage[] {
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

/** Many short turns: each message's headings and fences weigh most beside its few words. */
function chatty(turns: number): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: "system", content: "You are Hearth, a coding agent." }];
  for (let t = 0; t < turns; t++) {
    messages.push(
      { role: "user", content: `ok ${t}` },
      { role: "assistant", content: "", toolCalls: [{ id: `c${t}`, name: "read_file", arguments: { path: `a${t}.ts` } }] },
      { role: "tool", toolCallId: `c${t}`, name: "read_file", content: "x" },
      { role: "assistant", content: "done" },
    );
  }
  return messages;
}

/** A unified diff of about `bytes` bytes: many small hunks. */
function diffOf(bytes: number): string {
  const parts = ["--- a/src/report.ts\n+++ b/src/report.ts\n"];
  let size = parts[0]!.length;
  for (let i = 1; size < bytes; i++) {
    const hunk = `@@ -${i} +${i} @@\n-  const total_${i} = "<td>" + old(${i});\n+  const total_${i} = "<td>" + naïve(${i}); // → Größe\n`;
    parts.push(hunk);
    size += Buffer.byteLength(hunk);
  }
  return parts.join("");
}

describe("export of a long conversation", () => {
  const shapes: Array<[string, ChatMessage[]]> = [
    ["long reads of code with quotes and non-ASCII", reads(40, quotedSource)],
    ["long reads of plain code", reads(40, plainSource)],
    ["many short turns", chatty(8_000)],
  ];

  it("the largest conversation the store keeps, with the largest diff, exports a file under the import's limit", async () => {
    const dir = tempDir("hearth-long-export-");
    let worst = 0;
    for (const [name, messages] of shapes) {
      await new ConversationStore(dir).record("c", messages);
      const kept = statSync(join(dir, "c.json")).size;
      assert.ok(kept > 1.5 * MiB && kept < 8 * MiB, `${name}: a conversation of some 2 MiB (${kept} bytes)`);
      const ratio = Buffer.byteLength(exportConversation(messages, meta)) / kept;
      worst = Math.max(worst, ratio);
    }
    // The diff, written twice too: what a diff adds to an export, per byte of it.
    const messages = shapes[0]![1];
    const patch = diffOf(2 * MiB);
    const perDiffByte = (Buffer.byteLength(exportConversation(messages, { ...meta, patch })) - Buffer.byteLength(exportConversation(messages, meta))) / Buffer.byteLength(patch);
    assert.ok(worst > 2 && perDiffByte > 2, `each written twice: ${worst.toFixed(3)} per conversation byte, ${perDiffByte.toFixed(3)} per diff byte`);

    const largest = Math.ceil(MAX_FILE_BYTES * worst + MAX_EXPORT_DIFF_BYTES * perDiffByte);
    assert.ok(largest < MAX_IMPORT_CHARS, `the export of a ${MAX_FILE_BYTES / MiB} MiB conversation with a ${MAX_EXPORT_DIFF_BYTES / MiB} MiB diff is about ${(largest / MiB).toFixed(0)} MiB: over the ${MAX_IMPORT_CHARS / MiB} MiB an import takes`);
    assert.equal(importSizeProblem(largest), undefined, "the editor reads such a file for an import");
  });

  it("a long conversation's export imports back whole, in the editor and the CLI, and the store keeps it again", async () => {
    const dir = tempDir("hearth-long-export-");
    const storage = join(dir, "conversations");
    await new ConversationStore(storage).record("long", shapes[0]![1]);
    const conversation = await new ConversationStore(storage).get("long");
    assert.ok(conversation, "read back by a new runtime");
    const patch = diffOf(256 * 1024);
    const file = join(dir, "long.md");
    writeFileSync(file, exportConversation(conversation.messages, { ...meta, patch }));
    assert.equal(importSizeProblem(statSync(file).size), undefined, "the editor reads it for an import");

    const imported = importConversationFile(readFileSync(file, "utf8"));
    assert.equal(imported.messages.length, conversation.messages.length - 1, "every message but the exporter's system prompt");
    assert.deepEqual(imported.messages, conversation.messages.slice(1));
    assert.deepEqual(imported.edited, []);
    assert.equal(imported.patch, patch);
    await new ConversationStore(storage).import("again", imported.messages);
    assert.deepEqual((await new ConversationStore(storage).get("again"))?.messages.slice(1), imported.messages);
  });
});
