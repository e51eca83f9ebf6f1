/**
 * The real round trip of a conversation near the largest Hearth keeps (64 MiB, the runtime's
 * ConversationStore), moved here from the unit tests (80 s and near 2 GB of memory: too much for
 * every CI run; unit agent/handoff-large.test.ts checks the sizes on 2 MiB conversations).
 *   node --import tsx test/bench/handoff-large.ts [--turns 1150]
 * A conversation of `--turns` reads of 48,000 characters (quotes, tags, non-ASCII) saved by
 * ConversationStore, read back by a new store, exported with a diff to a file, checked as the
 * editor checks it (importSizeProblem) and imported (importConversationFile): every message back
 * equal, none edited, the diff; the store keeps it again. Prints the sizes and times; exits 1 on
 * a failed check.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConversationStore, importConversationFile } from "../../src/agent/conversation-store.ts";
import { exportConversation } from "../../src/agent/handoff.ts";
import { importSizeProblem } from "../../src/extension/chat/conversation-files.ts";
import type { ChatMessage } from "../../src/protocol/chat.ts";
import { tempDir } from "../fixtures/temp.ts";

const MiB = 1024 * 1024;
const i = process.argv.indexOf("--turns");
const TURNS = i > 0 ? Number(process.argv[i + 1]) : 1150;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

function source(turn: number): string {
  const lines: string[] = [];
  for (let i = 0, size = 0; size < 48_000; i++) {
    const line = `  const total${turn}_${i} = render("<td class=\\"n\\">" + naïve(${i}) + "</td>") && "→ Größe"; // §${i}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n").slice(0, 48_000);
}

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

const dir = tempDir("hearth-bench-handoff-");
try {
  const patch = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
  const storage = join(dir, "conversations");
  let started = performance.now();
  await new ConversationStore(storage).record("long", longConversation(TURNS));
  const kept = statSync(join(storage, "long.json")).size;
  console.log(`saved: ${mib(kept)} in ${Math.round(performance.now() - started)} ms`);
  const conversation = await new ConversationStore(storage).get("long");
  assert.ok(conversation, "read back by a new runtime");

  started = performance.now();
  const file = join(dir, "long.md");
  writeFileSync(file, exportConversation(conversation.messages, { title: "Totals", exportedAt: "2026-12-07T18:00:00.000Z", patch }));
  const bytes = statSync(file).size;
  console.log(`exported: ${mib(bytes)} (${(bytes / kept).toFixed(2)} times the saved file) in ${Math.round(performance.now() - started)} ms`);
  assert.equal(importSizeProblem(bytes), undefined, "the editor reads it for an import");

  started = performance.now();
  const imported = importConversationFile(readFileSync(file, "utf8"));
  console.log(`imported: ${imported.messages.length} messages in ${Math.round(performance.now() - started)} ms`);
  assert.deepEqual(imported.messages, conversation.messages.slice(1), "every message but the exporter's system prompt");
  assert.deepEqual(imported.edited, []);
  assert.equal(imported.patch, patch);
  await new ConversationStore(storage).import("again", imported.messages);
  assert.deepEqual((await new ConversationStore(storage).get("again"))?.messages.slice(1), imported.messages, "the store keeps it again");
  console.log(`round trip whole; peak memory ${mib(process.resourceUsage().maxRSS * 1024)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
