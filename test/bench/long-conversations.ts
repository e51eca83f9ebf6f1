/**
 * Months of use: one chat kept going for a day, and thousands of conversations in history.
 *   node --import tsx test/bench/long-conversations.ts [--turns 500] [--tools 200] [--conversations 2000]
 * 1. The model's side (ConversationStore, the runtime's `<id>.json`): a conversation of
 *    `--turns` turns with `--tools` tool results (read_file's 48,000-character cap, as the
 *    loop keeps them before condensing), saved after each turn as the runtime does — the whole
 *    file is written each time. Each save's time is given as a ratio to the same run's
 *    reference: JSON.stringify of the same messages plus a plain writeFile of that text.
 *    Then export and import (handoff.ts) of the last state.
 * 2. The chat's side (applyTranscriptEvent, as the webview's setState and VS Code's workspace
 *    state keep it): the same day with a write step of a new 1 MB file every tenth tool card —
 *    its JSON size, and what keptDiff leaves of the diffs.
 * 3. The history: `--conversations` files in one storage folder (one truncated, as a crash
 *    leaves it), TranscriptStore's first read of the folder, a second (nothing changed), and a
 *    delete; against the same run's readdir + stat of the same files.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConversationStore } from "../../src/agent/conversation-store.ts";
import { exportConversation, importConversation } from "../../src/agent/handoff.ts";
import { TranscriptStore } from "../../src/extension/transcript-store.ts";
import type { ChatMessage } from "../../src/protocol/chat.ts";
import { applyTranscriptEvent, newTranscript } from "../../src/protocol/transcript.ts";
import { tempDir } from "../fixtures/temp.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const TURNS = arg("turns", 500);
const TOOLS = arg("tools", 200);
const CONVERSATIONS = arg("conversations", 2000);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function fileOfLines(seed: number, chars: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < chars; i++) {
    const line = `  ${i}\texport function helper${seed}_${i}(value: number): number { return value * ${i} + ${seed}; }`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n").slice(0, chars);
}

async function modelSide(dir: string): Promise<void> {
  const store = new ConversationStore(dir);
  const messages: ChatMessage[] = [{ role: "system", content: `You are Hearth.\n${fileOfLines(0, 12_000)}` }];
  const every = Math.max(1, Math.floor(TURNS / TOOLS));
  let toolsLeft = TOOLS;
  const rows: string[] = [];
  // Summed over each fifth of the day (one save is a few milliseconds: its time alone is noise on a loaded machine).
  let saveSum = 0;
  let refSum = 0;
  let totalSave = 0;
  let totalRef = 0;
  let from = 1;
  for (let turn = 1; turn <= TURNS; turn++) {
    messages.push({ role: "user", content: `Step ${turn}: go on with the refactoring of module ${turn % 17}.` });
    if (toolsLeft > 0 && turn % every === 0) {
      toolsLeft--;
      const id = `call_${turn}`;
      messages.push({ role: "assistant", content: "", toolCalls: [{ id, name: "read_file", arguments: { path: `src/module${turn}.ts` } }] });
      messages.push({ role: "tool", toolCallId: id, name: "read_file", content: fileOfLines(turn, 48_000) });
    }
    messages.push({ role: "assistant", content: `Done with step ${turn}. ${"The change keeps the callers as they were. ".repeat(8)}` });
    const start = performance.now();
    await store.record("day", messages);
    saveSum += performance.now() - start;
    const refStart = performance.now();
    await writeFile(join(dir, "reference.json"), JSON.stringify({ version: 1, messages }));
    refSum += performance.now() - refStart;
    if (turn % Math.ceil(TURNS / 5) === 0 || turn === TURNS) {
      const n = turn - from + 1;
      rows.push(`| ${from}–${turn} | ${mb(statSync(join(dir, "day.json")).size)} | ${(saveSum / n).toFixed(1)} ms | ${(refSum / n).toFixed(1)} ms | ${(saveSum / refSum).toFixed(2)} |`);
      totalSave += saveSum;
      totalRef += refSum;
      saveSum = refSum = 0;
      from = turn + 1;
    }
  }
  console.log(`\n1. The model's side: ${TURNS} turns, ${TOOLS} read_file results of 48,000 characters, saved after each turn (the whole file each time)\n`);
  console.log("| turns | file at the end | save (record), mean | reference (stringify + writeFile), mean | ratio |");
  console.log("|---|---|---|---|---|");
  for (const row of rows) console.log(row);
  console.log(`\nall ${TURNS} saves: ${totalSave.toFixed(0)} ms, reference ${totalRef.toFixed(0)} ms, ratio ${(totalSave / totalRef).toFixed(2)}`);
  const exportStart = performance.now();
  const markdown = exportConversation(messages, { title: "A day", exportedAt: "2026-12-07T18:00:00.000Z" });
  const exportMs = performance.now() - exportStart;
  const importStart = performance.now();
  const imported = importConversation(markdown);
  const importMs = performance.now() - importStart;
  console.log(`export: ${mb(Buffer.byteLength(markdown))} in ${exportMs.toFixed(0)} ms; import: ${imported.messages.length} messages in ${importMs.toFixed(0)} ms (the file: ${mb(statSync(join(dir, "day.json")).size)})`);
}

function chatSide(): void {
  const t = newTranscript("day", 1);
  let at = 1;
  let raw = 0;
  for (let turn = 1; turn <= TURNS; turn++) {
    applyTranscriptEvent(t, { type: "user", text: `Step ${turn}`, messageIndex: turn * 4, checkpoint: `cp${turn}` }, at++);
    if (turn <= TOOLS) {
      const big = turn % 10 === 0;
      const call = { id: `c${turn}`, name: big ? "write_file" : "read_file", arguments: { path: `src/module${turn}.ts`, ...(big ? { content: "…" } : {}) } };
      const diff = big ? `--- /dev/null\n+++ b/src/module${turn}.ts\n@@ -0,0 +1 @@\n${fileOfLines(turn, 1_000_000).replace(/^/gm, "+")}\n` : undefined;
      raw += diff?.length ?? 0;
      applyTranscriptEvent(t, { type: "toolStart", call, effect: big ? "write" : "read" }, at++);
      applyTranscriptEvent(t, { type: "toolEnd", callId: call.id, ok: true, preview: fileOfLines(turn, 2_000), durationMs: 3, ...(diff ? { diff, changedFiles: [call.arguments.path] } : {}) }, at++);
    }
    applyTranscriptEvent(t, { type: "end", result: { stopReason: "answered", message: "", steps: 1, changedFiles: [] } }, at++);
  }
  const start = performance.now();
  const json = JSON.stringify(t);
  const ms = performance.now() - start;
  console.log(`\n2. The chat's side: ${TURNS} turns, ${TOOLS} tool cards, ${Math.floor(TOOLS / 10)} of them writes of a new 1 MB file\n`);
  console.log(`transcript JSON: ${mb(json.length)} (the writes' diffs as sent: ${mb(raw)}); JSON.stringify of it (each setState / workspace-state write): ${ms.toFixed(1)} ms`);
}

async function history(dir: string): Promise<void> {
  const one = readFileSync(join(dir, "day.json"), "utf8").slice(0, 200_000);
  const small = (i: number) => JSON.stringify({ version: 1, messages: [{ role: "system", content: `You are Hearth.\n${fileOfLines(0, 12_000)}` }, { role: "user", content: `Conversation ${i}: fix the totals` }, { role: "assistant", content: "Done." }] });
  const folder = join(dir, "history");
  await new ConversationStore(folder).record("seed", [{ role: "system", content: "s" }, { role: "user", content: "seed" }]);
  for (let i = 0; i < CONVERSATIONS; i++) writeFileSync(join(folder, `c${i}.json`), i === 7 ? one : small(i));
  const refStart = performance.now();
  for (const name of readdirSync(folder)) statSync(join(folder, name));
  const refMs = performance.now() - refStart;
  const memento = new Map<string, unknown>();
  const store = new TranscriptStore({ get: <T>(k: string, f?: T) => (memento.has(k) ? memento.get(k) : f) as T, update: async (k: string, v: unknown) => void (v === undefined ? memento.delete(k) : memento.set(k, v)) }, () => undefined, folder);
  const first = performance.now();
  await store.refresh();
  const firstMs = performance.now() - first;
  const listed = store.list();
  const second = performance.now();
  await store.refresh();
  const secondMs = performance.now() - second;
  const del = performance.now();
  await store.delete("c100");
  const deleteMs = performance.now() - del;
  const unreadable = listed.filter((s) => s.title.startsWith("Unreadable")).length;
  const cut = await store.open("c7");
  const other = await store.open("c8");
  console.log(`\n3. The history: ${CONVERSATIONS} conversation files (c7 cut at 200,000 bytes, mid-JSON)\n`);
  console.log("| step | time | reference (readdir + stat of the same files) |");
  console.log("|---|---|---|");
  console.log(`| first read of the folder (${listed.length} listed, ${unreadable} read as unreadable) | ${firstMs.toFixed(0)} ms | ${refMs.toFixed(0)} ms |`);
  console.log(`| read again, nothing changed | ${secondMs.toFixed(0)} ms | ${refMs.toFixed(0)} ms |`);
  console.log(`| delete one | ${deleteMs.toFixed(1)} ms | — |`);
  console.log(`\nopening the cut file: ${"problem" in cut ? cut.problem.replace(folder, "…") : "opened"}; opening c8: ${"transcript" in other ? `${other.transcript.items.length} items` : other.problem}`);
}

const dir = tempDir("hearth-bench-long-");
try {
  await modelSide(dir);
  chatSide();
  await history(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
