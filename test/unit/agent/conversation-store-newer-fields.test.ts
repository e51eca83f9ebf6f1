// Two versions of Hearth on one storage folder (a window not reloaded since an update beside one
// that was, or a downgrade): a newer Hearth may add fields to the conversation file in the same
// format (as `dropped` was added to format 1). This version does not know them, but a turn it
// saves must not write the file back without them: the newer version would lose them for good.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { condenseToolCalls, condenseToolResults } from "../../../src/agent/condense.ts";
import { ConversationStore, NewerConversationError, importConversationFile } from "../../../src/agent/conversation-store.ts";
import { ConversationImportError } from "../../../src/agent/handoff.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";

function folder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-conversations-newer-fields-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A format 1 file a newer Hearth saved, with fields this version does not know at every level. */
const NEWER = {
  version: 1,
  messages: [
    { role: "system", content: "You are Hearth." },
    { role: "user", content: "why does add fail?", attachments: [{ kind: "image", path: "shot.png" }] },
    { role: "assistant", content: "", model: "qwen3.5-9b", toolCalls: [{ id: "c1", name: "read_file", arguments: { path: "calc.py" }, approvedBy: "auto-edit" }] },
    { role: "tool", toolCallId: "c1", name: "read_file", content: "def add(a, b): return a - b", elapsedMs: 12 },
    { role: "assistant", content: "add subtracts.", model: "qwen3.5-9b" },
  ],
  pinned: [1],
  summary: { text: "add subtracts", upTo: 4 },
};

const KNOWN: ChatMessage[] = [
  { role: "system", content: "You are Hearth." },
  { role: "user", content: "why does add fail?" },
  { role: "assistant", content: "", toolCalls: [{ id: "c1", name: "read_file", arguments: { path: "calc.py" } }] },
  { role: "tool", toolCallId: "c1", name: "read_file", content: "def add(a, b): return a - b" },
  { role: "assistant", content: "add subtracts." },
];

const NEXT: ChatMessage[] = [
  { role: "user", content: "fix it" },
  { role: "assistant", content: "done" },
];

describe("ConversationStore: fields a newer Hearth added to the same format", () => {
  it("a turn saved here keeps them in the file, on the messages they came with; the model's messages hold none of them", async (t) => {
    const dir = folder(t);
    const file = join(dir, "c1.json");
    writeFileSync(file, JSON.stringify(NEWER));
    const store = new ConversationStore(dir);
    const conversation = await store.get("c1");
    assert.deepEqual(conversation?.messages, KNOWN, "the model reads what this version knows");
    await store.record("c1", [...conversation!.messages, ...NEXT]);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(typeof saved.savedAt, "number", "and when it was saved, this version's own field");
    assert.deepEqual(saved, { ...NEWER, savedAt: saved.savedAt, messages: [...NEWER.messages, ...NEXT] });
    // And after a restart (a store that reads it again), another turn keeps them too.
    const again = new ConversationStore(dir);
    const read = await again.get("c1");
    assert.deepEqual(read?.messages, [...KNOWN, ...NEXT]);
    await again.record("c1", [...read!.messages, { role: "user", content: "thanks" }, { role: "assistant", content: "welcome" }]);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")).messages.slice(0, 5), NEWER.messages);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")).pinned, [1]);
  });

  it("a message marked dropped keeps them; after a rewind, a new message in an old one's place gets none of that one's", async (t) => {
    const dir = folder(t);
    const file = join(dir, "c1.json");
    writeFileSync(file, JSON.stringify(NEWER));
    const store = new ConversationStore(dir);
    const messages = (await store.get("c1"))!.messages;
    // A full context drops the oldest turns: the messages stay, marked dropped (new objects).
    const dropped = messages.map((m, i): ChatMessage => (i === 1 ? { ...m, dropped: true } as ChatMessage : m));
    await store.record("c1", [...dropped, ...NEXT]);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    assert.deepEqual(saved.messages[1], { ...NEWER.messages[1], dropped: true });
    // Back to before the first message, then another one in its place.
    await store.rewind("c1", 1);
    await store.record("c1", [messages[0]!, { role: "user", content: "something else" }, { role: "assistant", content: "ok" }]);
    const after = JSON.parse(readFileSync(file, "utf8"));
    assert.deepEqual(after.messages, [NEWER.messages[0], { role: "user", content: "something else" }, { role: "assistant", content: "ok" }]);
    // The same words sent again after a rewind are a new message: the image attached to the old one is not.
    await store.rewind("c1", 1);
    await store.record("c1", [messages[0]!, { role: "user", content: "why does add fail?" }, { role: "assistant", content: "ok" }]);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")).messages[1], { role: "user", content: "why does add fail?" });
    assert.deepEqual(after.pinned, [1], "the file's own fields stay");
  });

  it("keeps them for a turn that ends after the conversation was let go from memory (16 others opened meanwhile)", async (t) => {
    const dir = folder(t);
    const file = join(dir, "c1.json");
    writeFileSync(file, JSON.stringify(NEWER));
    const store = new ConversationStore(dir);
    const messages = (await store.get("c1"))!.messages;
    for (let i = 0; i < 16; i++) await store.record(`other${i}`, KNOWN);
    await store.record("c1", [...messages, ...NEXT]);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    assert.deepEqual(saved, { ...NEWER, savedAt: saved.savedAt, messages: [...NEWER.messages, ...NEXT] });
  });

  // A window open for days going through many conversations a newer Hearth saved (every message
  // with a field of its own): each was let go from memory past the newest 16, but what it held of
  // the newer Hearth's fields — every message as read — stayed for as long as the runtime ran.
  it("lets their fields go with the conversations let go from memory, and a later turn still keeps them in the file", async (t) => {
    const dir = folder(t);
    for (let i = 0; i < 40; i++) writeFileSync(join(dir, `n${i}.json`), JSON.stringify(NEWER));
    const store = new ConversationStore(dir);
    const held = () => (store as unknown as { unknown: Map<string, unknown> }).unknown.size;
    for (let i = 0; i < 40; i++) assert.deepEqual((await store.get(`n${i}`))?.messages, KNOWN);
    assert.ok(held() <= 16, `${held()} conversations' newer fields held in memory`);
    // One let go long ago: its next turn (read again) and a turn that ends after it was let go both keep them.
    await store.record("n0", [...(await store.get("n0"))!.messages, ...NEXT]);
    const saved = JSON.parse(readFileSync(join(dir, "n0.json"), "utf8"));
    assert.deepEqual(saved, { ...NEWER, savedAt: saved.savedAt, messages: [...NEWER.messages, ...NEXT] });
    await store.record("n1", [...KNOWN, ...NEXT]);
    const letGo = JSON.parse(readFileSync(join(dir, "n1.json"), "utf8"));
    assert.deepEqual(letGo, { ...NEWER, savedAt: letGo.savedAt, messages: [...NEWER.messages, ...NEXT] });
    assert.ok(held() <= 16, `${held()} held after the turns`);
  });

  // bdd30ac4 let the fields go with the conversation and read them again from the file only while
  // it was the version the turn started from: where another window (of this version) saved a turn
  // of it meanwhile, this window's save moved that version aside and wrote its own without the
  // newer Hearth's fields — in the file that version reads, they were gone.
  it("a turn ending after the conversation was let go and another window saved it meanwhile still keeps them in the file", async (t) => {
    const dir = folder(t);
    const file = join(dir, "c1.json");
    writeFileSync(file, JSON.stringify(NEWER));
    const store = new ConversationStore(dir);
    const messages = (await store.get("c1"))!.messages;
    for (let i = 0; i < 16; i++) await store.record(`other${i}`, KNOWN); // c1 let go from memory
    const other = new ConversationStore(dir); // another window, this version
    await other.record("c1", [...(await other.get("c1"))!.messages, { role: "user", content: "and sub?" }, { role: "assistant", content: "fine" }]);
    await store.record("c1", [...messages, ...NEXT]);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    assert.deepEqual(saved, { ...NEWER, savedAt: saved.savedAt, messages: [...NEWER.messages, ...NEXT] });
    assert.equal(readdirSync(dir).filter((name) => name.startsWith("c1.other-window-")).length, 1, "the other window's turn is kept beside it");
  });

  it("a tool result or call condensed to save context is still the message it was: its fields stay on it", async (t) => {
    const dir = folder(t);
    const file = join(dir, "c1.json");
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const newer = structuredClone(NEWER);
    Object.assign(newer.messages[2]!.toolCalls![0]!.arguments, { content: long });
    newer.messages[3]!.content = long;
    writeFileSync(file, JSON.stringify(newer));
    const store = new ConversationStore(dir);
    const messages = [...(await store.get("c1"))!.messages];
    // A long conversation near the context's end: the loop condenses older results and calls in place, and the turn keeps them so.
    const options = { threshold: 0.8, keepRecent: 0, keepLines: 2 };
    assert.equal(condenseToolResults(messages, options), 1);
    assert.equal(condenseToolCalls(messages, options), 1);
    await store.record("c1", [...messages, ...NEXT]);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(saved.messages[3].elapsedMs, 12, "the condensed result keeps the newer version's field");
    assert.equal(saved.messages[3].content, (messages[3] as { content: string }).content, "saved condensed, as the model has it");
    assert.equal(saved.messages[2].model, "qwen3.5-9b");
    assert.equal(saved.messages[2].toolCalls[0].approvedBy, "auto-edit");
    assert.deepEqual(saved.messages[1], newer.messages[1]);
  });

  // A newer Hearth may add a kind of message too (a summary standing for condensed turns) without a new format.
  it("a message of a kind this version does not know (an unknown role) is a newer Hearth's: the file is left as it is and refused, not set aside as damaged", async (t) => {
    const dir = folder(t);
    const file = join(dir, "c1.json");
    const warnings: string[] = [];
    const text = JSON.stringify({ ...NEWER, messages: [...NEWER.messages, { role: "summary", content: "add subtracts; the user wants it fixed" }] });
    writeFileSync(file, text);
    const store = new ConversationStore(dir, (message) => warnings.push(message));
    await assert.rejects(store.get("c1"), (error: Error) => error instanceof NewerConversationError && /^This conversation was saved by a newer version of Hearth \(.*role "summary".*\), which this version cannot read; its file is left as it is$/.test(error.message));
    await assert.rejects(store.record("c1", [...KNOWN, ...NEXT]), NewerConversationError);
    await assert.rejects(store.rewind("c1", 1), NewerConversationError);
    assert.deepEqual(readdirSync(dir), ["c1.json"], "nothing set aside as unreadable");
    assert.equal(readFileSync(file, "utf8"), text);
    assert.deepEqual(warnings, []);
    assert.throws(() => importConversationFile(text), (error: Error) => error instanceof ConversationImportError && /newer version of Hearth \(.*role "summary"/.test(error.message));
    // Damage is still damage: a role that is no word at all.
    writeFileSync(file, JSON.stringify({ version: 1, messages: [KNOWN[0], { role: 7, content: "x" }] }));
    const damaged: string[] = [];
    assert.equal(await new ConversationStore(dir, (message) => damaged.push(message)).get("c1"), undefined);
    assert.match(damaged.join(), /could not be read/);
    assert.match(readdirSync(dir).join(" "), /c1\.unreadable-\d+\.json/);
  });

  it("a turn ending here after a newer Hearth's window saved a message of a new kind keeps that file and puts the turn beside it", async (t) => {
    const dir = folder(t);
    const file = join(dir, "c1.json");
    const warnings: string[] = [];
    const older = new ConversationStore(dir, (message) => warnings.push(message));
    await older.record("c1", KNOWN);
    const text = JSON.stringify({ version: 1, messages: [...KNOWN, { role: "summary", content: "add subtracts" }] });
    writeFileSync(`${file}.new`, text);
    renameSync(`${file}.new`, file);
    await older.record("c1", [...KNOWN, ...NEXT]);
    assert.equal(readFileSync(file, "utf8"), text, "the newer window's file stays");
    const aside = readdirSync(dir).filter((name) => name !== "c1.json");
    assert.equal(aside.length, 1);
    assert.match(aside[0]!, /^c1\.older-hearth-\d+\.json$/);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, aside[0]!), "utf8")).messages, [...KNOWN, ...NEXT]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^A newer version of Hearth, in another window, saved this conversation \(.*role "summary".*\) while this turn ran: its file is left as it is/);
  });
});
