// The chat history in VS Code's workspace state (a Memento, here a Map behind the same two calls).
import assert from "node:assert/strict";
import { chmodSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConversationStore } from "../../../src/agent/conversation-store.ts";
import { TranscriptStore } from "../../../src/extension/transcript-store.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";
import { newTranscript } from "../../../src/protocol/transcript.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { tempDir } from "../../fixtures/temp.ts";

function memento() {
  const values = new Map<string, unknown>();
  return {
    values,
    get: <T>(key: string, fallback?: T): T => (values.has(key) ? (values.get(key) as T) : (fallback as T)),
    update: async (key: string, value: unknown): Promise<void> => void (value === undefined ? values.delete(key) : values.set(key, value)),
  };
}

describe("TranscriptStore", () => {
  it("keeps the newest 100 conversations and names the ones it drops, so the runtime can forget them too", async () => {
    const state = memento();
    const dropped: string[] = [];
    const store = new TranscriptStore(state, (ids) => dropped.push(...ids));
    for (let i = 0; i < 102; i++) {
      const t = newTranscript(`c${i}`, 1000 + i);
      t.items.push({ kind: "user", id: "u", text: `message ${i}` });
      store.save(t);
    }
    await store.flush();
    assert.deepEqual(dropped, ["c1", "c0"]);
    assert.equal(store.list().length, 100);
    assert.equal(store.list()[0]?.id, "c101");
    assert.equal(store.get("c0"), undefined);
    assert.equal(state.values.has("hearth.chat.conversation.c1"), false);
    await store.flush();
    assert.deepEqual(dropped, ["c1", "c0"], "nothing more to drop");
  });
});

describe("TranscriptStore: a write that fails", () => {
  it("one conversation VS Code's state refuses does not cost the others of the same batch: they are kept and listed, and the failure is told", async () => {
    const state = memento();
    const refusing = { ...state, update: async (key: string, value: unknown): Promise<void> => {
      if (key === "hearth.chat.conversation.c1") throw new Error("the workspace state could not be written");
      return state.update(key, value);
    } };
    const store = new TranscriptStore(refusing);
    for (const [i, id] of ["c0", "c1", "c2"].entries()) store.save(said(id, 1000 + i));
    await assert.rejects(store.flush(), /could not be written/);
    assert.equal(store.get("c0")?.items.length, 1);
    assert.equal(store.get("c2")?.items.length, 1);
    assert.deepEqual(store.list().map((s) => s.id), ["c2", "c0"]);
  });
});

describe("TranscriptStore: a write that failed once", () => {
  it("is written at the next flush, once VS Code's state takes it again, though nothing changed in it since", async () => {
    const state = memento();
    let refuse = true;
    const refusing = { ...state, update: async (key: string, value: unknown): Promise<void> => {
      if (refuse && key === "hearth.chat.conversation.c1") throw new Error("the workspace state could not be written");
      return state.update(key, value);
    } };
    const store = new TranscriptStore(refusing);
    store.save(said("c1", 1000));
    await assert.rejects(store.flush(), /could not be written/);
    refuse = false;
    await store.flush();
    assert.equal((state.get("hearth.chat.conversation.c1") as { items: unknown[] } | undefined)?.items.length, 1);
    assert.deepEqual(store.list().map((s) => s.id), ["c1"]);
  });

  it("refused for good (over the state's size limit), fails the flush that saved it, not every later flush of other conversations", async () => {
    const state = memento();
    let tries = 0;
    const refusing = { ...state, update: async (key: string, value: unknown): Promise<void> => {
      if (key === "hearth.chat.conversation.big") {
        tries++;
        throw new Error("the workspace state could not be written (too large)");
      }
      return state.update(key, value);
    } };
    const store = new TranscriptStore(refusing);
    store.save(said("big", 1000));
    await assert.rejects(store.flush(), /too large/);
    // The runs of other conversations end with a flush: the old refusal is not theirs to fail with.
    store.save(said("c2", 2000));
    await store.flush();
    store.save(said("c3", 3000));
    await store.flush();
    assert.deepEqual(store.list().map((s) => s.id), ["c3", "c2"]);
    assert.equal(tries, 3, "still tried at each flush: it is written once the state takes it");
    // Saved again (its own next turn), its refusal is said again.
    store.save(said("big", 4000));
    await assert.rejects(store.flush(), /too large/);
  });
});

/**
 * A Memento as VS Code's behaves: `update` changes what `get` returns at once and resolves
 * when the change is stored; while `held`, that takes until the test releases it.
 */
function heldMemento() {
  const base = memento();
  const waiting: (() => void)[] = [];
  const state = {
    values: base.values,
    held: false,
    get: base.get,
    update(key: string, value: unknown): Promise<void> {
      void base.update(key, value);
      return state.held ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve();
    },
    /** Lets the newest held update finish. */
    releaseNewest: () => waiting.pop()!(),
    releaseOldest: () => waiting.shift()!(),
  };
  return state;
}

function said(id: string, at: number) {
  const t = newTranscript(id, at);
  t.items.push({ kind: "user", id: "u", text: `message of ${id}` });
  return t;
}

describe("TranscriptStore: a delete while the history is being written", () => {
  it("a conversation deleted while a streamed run's history write is under way stays deleted", async () => {
    const state = heldMemento();
    const store = new TranscriptStore(state);
    store.save(said("old", 1));
    await store.flush();
    store.save(said("current", 2)); // the running conversation, saved as it streams
    state.held = true;
    const flushing = store.flush();
    const deleting = store.delete("old"); // from the history list, meanwhile
    state.held = false;
    state.releaseNewest(); // the delete's write is stored first…
    await deleting;
    state.releaseOldest(); // …then the history write that began before it
    await flushing;
    assert.deepEqual(store.list().map((s) => s.id), ["current"]);
  });

  it("the conversation being written, deleted meanwhile, does not come back into the history", async () => {
    const state = heldMemento();
    const store = new TranscriptStore(state);
    store.save(said("old", 1));
    await store.flush();
    store.save(said("current", 2));
    state.held = true;
    const flushing = store.flush();
    const deleting = store.delete("current");
    state.held = false;
    state.releaseNewest();
    await deleting;
    state.releaseOldest();
    await flushing;
    assert.deepEqual(store.list().map((s) => s.id), ["old"]);
    assert.equal(store.get("current"), undefined);
  });
});

describe("TranscriptStore: deleting the conversation a run is streaming into", () => {
  it("it stays deleted when the stopped run ends and saves its transcript once more", async () => {
    // The chat's Delete stops the run first; the run's end (its cancelled cards, its last
    // save and flush) comes after the delete, with the transcript object it held.
    const store = new TranscriptStore(memento());
    store.save(said("old", 1));
    const running = said("running", 2);
    store.save(running);
    await store.flush();
    await store.delete("running");
    running.items.push({ kind: "notice", id: "n", level: "info", text: "Stopped." });
    store.save(running);
    await store.flush();
    assert.deepEqual(store.list().map((s) => s.id), ["old"]);
    assert.equal(store.get("running"), undefined);
  });
});

/** A window's turn as its runtime stores it: the model's side of conversation `id`, in the folder's shared storage. */
async function ranTurn(dir: string, id: string, text: string, reply: string, now?: () => number): Promise<void> {
  const messages: ChatMessage[] = [
    { role: "system", content: "You are Hearth." },
    { role: "user", content: text },
    { role: "assistant", content: reply },
  ];
  await new ConversationStore(dir, undefined, now).record(id, messages);
}

describe("TranscriptStore: two windows on one folder", () => {
  it("a conversation the other window started is listed (newest first) and opens, though only that window's state has its transcript", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const a = new TranscriptStore(memento(), () => undefined, dir);
    const b = new TranscriptStore(memento(), () => undefined, dir);
    b.save(said("from-b", 1));
    await b.flush();
    await ranTurn(dir, "from-b", "message of from-b", "answered in B");
    a.save(said("from-a", Date.now() + 60_000));
    await a.flush();
    await ranTurn(dir, "from-a", "Why does add subtract?\nIt returns a - b.", "Because of a typo.");
    // The other window's turn set aside beside it is no conversation of the list.
    writeFileSync(join(dir, `from-a.other-window-${Date.now()}.json`), readFileSync(join(dir, "from-a.json")));

    await b.refresh();
    assert.deepEqual(b.list().map((s) => s.id), ["from-a", "from-b"], "B lists A's conversation");
    assert.equal(b.list()[0]!.title, "Why does add subtract?");
    const opened = await b.open("from-a");
    assert.ok("transcript" in opened, "and opens it");
    assert.deepEqual(opened.transcript.items.filter((i) => i.kind === "user" || i.kind === "assistant").map((i) => i.text), ["Why does add subtract?\nIt returns a - b.", "Because of a typo."]);
    await a.refresh();
    assert.deepEqual(a.list().map((s) => s.id).sort(), ["from-a", "from-b"], "and A lists B's");
  });

  it("a conversation deleted here stays out of the list while its file is still being removed", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const store = new TranscriptStore(memento(), () => undefined, dir);
    await ranTurn(dir, "other", "from the other window", "ok");
    await store.refresh();
    assert.deepEqual(store.list().map((s) => s.id), ["other"]);
    await store.delete("other"); // the runtime's forget removes the file after this
    await store.refresh();
    assert.deepEqual(store.list(), []);
    assert.equal(store.get("other"), undefined);
  });

  it("a conversation deleted in the other window leaves this window's list too, and opening it says so", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const a = new TranscriptStore(memento(), () => undefined, dir);
    const b = new TranscriptStore(memento(), () => undefined, dir);
    // "shared" ran in B (B's own history has it); "seen" ran in A and B lists it from disk.
    b.save(said("shared", 1));
    await b.flush();
    await ranTurn(dir, "shared", "message of shared", "ok");
    await ranTurn(dir, "seen", "message of seen", "ok");
    await b.refresh();
    await a.refresh();
    assert.deepEqual(b.list().map((s) => s.id).sort(), ["seen", "shared"]);
    // A deletes both; its runtime then forgets their files.
    for (const id of ["shared", "seen"]) {
      await a.delete(id);
      await new ConversationStore(dir).forget(id);
    }
    await b.refresh();
    assert.deepEqual(b.list(), [], "B's list reflects the folder's storage");
    for (const id of ["shared", "seen"]) {
      const opened = await b.open(id); // from B's list, drawn before it was refreshed
      assert.ok("problem" in opened, id);
      assert.match(opened.problem, /was deleted in another Hearth window/);
    }
  });

  it("a conversation continued after another window deleted it stays listed", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const a = new TranscriptStore(memento(), () => undefined, dir);
    const b = new TranscriptStore(memento(), () => undefined, dir);
    await ranTurn(dir, "c", "first", "ok");
    await a.delete("c");
    await new ConversationStore(dir).forget("c");
    b.save(said("c", 5)); // B had it open and sent a message: its runtime saves it again
    await b.flush();
    await ranTurn(dir, "c", "first", "again");
    await b.refresh();
    assert.deepEqual(b.list().map((s) => s.id), ["c"]);
    assert.ok("transcript" in (await b.open("c")));
  });
});

/** Two windows on `dir`: B ran conversation `id` (its own history holds it, and the folder), then A deleted it. */
async function deletedByA(dir: string, id: string, bState: ReturnType<typeof memento> = memento()) {
  const a = new TranscriptStore(memento(), () => undefined, dir);
  const b = new TranscriptStore(bState, () => undefined, dir);
  const shown = said(id, 1);
  b.save(shown);
  await b.flush();
  await ranTurn(dir, id, `message of ${id}`, "ok");
  await a.delete(id);
  await new ConversationStore(dir).forget(id);
  return { a, b, shown };
}

describe("TranscriptStore: going on with a conversation another window deleted", () => {
  // B still shows the conversation A deleted, and the user sends a message there: until B's
  // runtime saves that turn, the folder holds A's delete mark and no file.
  for (const readFirst of [false, true]) {
    it(`it stays in this window's history while the turn runs${readFirst ? ", the delete already read" : ""}`, async () => {
      const dir = join(tempDir("hearth-history-storage-"), "conversations");
      const { b, shown } = await deletedByA(dir, "c");
      if (readFirst) await b.refresh(); // B's list dropped it; its chat still shows it
      shown.items.push({ kind: "user", id: "u2", text: "and then?" });
      b.save(shown); // the run starts: the chat redraws, which reads the folder
      await b.refresh();
      await b.flush();
      await b.refresh();
      assert.deepEqual(b.list().map((s) => s.id), ["c"]);
      assert.equal(b.get("c")?.items.length, 2, "with the message sent there");
    });
  }
  it("once its turn is saved, a later delete in another window (A reloaded, or a third one) drops it here too", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const { b, shown } = await deletedByA(dir, "c");
    shown.items.push({ kind: "user", id: "u2", text: "and then?" });
    b.save(shown);
    await b.refresh();
    await b.flush();
    await ranTurn(dir, "c", "message of c", "and then");
    await b.refresh();
    assert.deepEqual(b.list().map((s) => s.id), ["c"], "continued here: it stays");
    const reloaded = new TranscriptStore(memento(), () => undefined, dir);
    await reloaded.refresh();
    assert.deepEqual(reloaded.list().map((s) => s.id), ["c"], "the other window lists it again once it is back");
    await reloaded.delete("c");
    await new ConversationStore(dir).forget("c");
    await b.refresh();
    assert.deepEqual(b.list().map((s) => s.id), [], "deleted again: gone here too");
    assert.equal(b.get("c"), undefined);
  });
});

describe("TranscriptStore: past the newest 100 conversations", () => {
  it("with the folder's storage, removes nothing: the oldest leave this window's state only, stay listed from their files and open with their messages", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const state = memento();
    const dropped: string[] = [];
    const store = new TranscriptStore(state, (ids) => dropped.push(...ids), dir);
    for (let i = 0; i < 102; i++) {
      await ranTurn(dir, `c${i}`, `question ${i}`, `answer ${i}`, () => 1000 + i); // saved when its transcript says
      const t = newTranscript(`c${i}`, 1000 + i);
      t.items.push({ kind: "user", id: "u", text: `question ${i}` }, { kind: "assistant", id: "a", text: `answer ${i}`, thinking: "", streaming: false });
      store.save(t);
    }
    await store.flush();
    assert.deepEqual(dropped, [], "the runtime is not told to forget any");
    assert.equal(existsSync(join(dir, "c0.json")) && existsSync(join(dir, "c1.json")), true, "their files stay");
    const kept = [...state.values.keys()].filter((key) => key.startsWith("hearth.chat.conversation."));
    assert.equal(kept.length, 100, "this window's state still holds 100 transcripts");
    assert.equal(state.values.has("hearth.chat.conversation.c0"), false);

    await store.refresh();
    const ids = store.list().map((s) => s.id);
    assert.equal(ids.length, 102, "all 102 are in the history list");
    assert.deepEqual([ids[0], ...ids.slice(-2)], ["c101", "c1", "c0"]);
    assert.equal(store.list().at(-1)!.title, "question 0");
    const opened = await store.open("c0");
    assert.ok("transcript" in opened, "the oldest opens");
    assert.deepEqual(opened.transcript.items.filter((i) => i.kind === "user" || i.kind === "assistant").map((i) => i.text), ["question 0", "answer 0"]);

    // Gone on with, it is this window's again, at the top; the next oldest leaves the state, not the list.
    store.save({ ...opened.transcript, updatedAt: 5000 });
    await store.flush();
    await store.refresh();
    assert.equal(store.list()[0]!.id, "c0");
    assert.equal(store.list().length, 102);
    assert.equal(state.values.has("hearth.chat.conversation.c2"), false);
    assert.deepEqual(dropped, []);
  });

  it("the folder shrinks only by the user: the history's Delete of an old one removes its file, and old files removed by hand leave the history (README's way)", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const state = memento();
    const store = new TranscriptStore(state, () => undefined, dir);
    for (let i = 0; i < 102; i++) {
      await ranTurn(dir, `c${i}`, `question ${i}`, `answer ${i}`, () => 1000 + i);
      const t = newTranscript(`c${i}`, 1000 + i);
      t.items.push({ kind: "user", id: "u", text: `question ${i}` });
      store.save(t);
    }
    await store.flush();
    await store.refresh();
    await store.delete("c1"); // past the newest 100: no transcript in the state, only its file
    assert.equal(existsSync(join(dir, "c1.json")), false, "the history's Delete removes an old conversation's file");
    assert.equal(store.list().length, 101);

    // With the window closed, the oldest file removed by hand: a window opened again no longer lists it.
    rmSync(join(dir, "c0.json"));
    const reopened = new TranscriptStore(state, () => undefined, dir);
    await reopened.refresh();
    const ids = reopened.list().map((s) => s.id);
    assert.equal(ids.length, 100);
    assert.equal(ids.includes("c0") || ids.includes("c1"), false);
    assert.equal(ids.at(-1), "c2");
  });
});

describe("TranscriptStore: the list of the folder's conversations", () => {
  it("is read without blocking: list() answers from what was read, refresh() reads the folder and says when the list changed", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    await ranTurn(dir, "other", "from the other window", "ok");
    let changes = 0;
    const store = new TranscriptStore(memento(), () => undefined, dir, () => changes++);
    assert.deepEqual(store.list(), [], "nothing read yet: the list does not wait on the disk");
    await store.refresh();
    assert.deepEqual(store.list().map((s) => s.id), ["other"]);
    assert.equal(changes, 1);
    await store.refresh();
    assert.equal(changes, 1, "nothing changed, nothing said");
  });

  it("orders the conversations only the folder has by when the runtime saved them, as the file says, not by its mtime (wrong once the storage folder is copied)", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const march = Date.UTC(2026, 2, 1);
    const november = Date.UTC(2026, 10, 1);
    await ranTurn(dir, "march", "Plan the March release", "ok", () => march);
    await ranTurn(dir, "november", "Why is the build slow?", "ok", () => november);
    assert.match(readFileSync(join(dir, "march.json"), "utf8"), new RegExp(`^\\{"version":1,"savedAt":${march},"messages":`));
    const turn = [{ role: "system", content: "s" }, { role: "user", content: "An earlier Hearth's" }, { role: "assistant", content: "ok" }];
    // An earlier Hearth's file has no time of its own; one it saved after this version keeps the field, after the messages: no longer its time.
    writeFileSync(join(dir, "june.json"), JSON.stringify({ version: 1, messages: turn }));
    writeFileSync(join(dir, "august.json"), JSON.stringify({ version: 1, messages: turn, savedAt: Date.UTC(2020, 0, 1) }));
    // Copied (cp -r, a backup restored): the mtimes are the copy's, March's the newest.
    utimesSync(join(dir, "march.json"), new Date(), new Date());
    utimesSync(join(dir, "november.json"), new Date(Date.UTC(2026, 0, 1)), new Date(Date.UTC(2026, 0, 1)));
    utimesSync(join(dir, "june.json"), new Date(Date.UTC(2026, 5, 1)), new Date(Date.UTC(2026, 5, 1)));
    utimesSync(join(dir, "august.json"), new Date(Date.UTC(2026, 7, 1)), new Date(Date.UTC(2026, 7, 1)));
    const store = new TranscriptStore(memento(), () => undefined, dir);
    await store.refresh();
    assert.deepEqual(store.list().map((s) => s.id), ["november", "august", "june", "march"]);
    assert.equal(store.list()[0]!.updatedAt, november);
    const opened = await store.open("march");
    assert.ok("transcript" in opened);
    assert.equal(opened.transcript.updatedAt, march);
  });

  it("reads only the start of each file for the list: a long conversation is titled from its first message", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const messages: ChatMessage[] = [{ role: "system", content: "You are Hearth." }, { role: "user", content: "Where is the parser?" }];
    for (let i = 0; i < 2000; i++) messages.push({ role: "assistant", content: `reply ${i} ${"x".repeat(4000)}` }, { role: "user", content: `more ${i}` });
    await new ConversationStore(dir).record("long", messages);
    // Cut mid-write after its first megabyte (a power loss on a file system that lost the rename's order).
    const file = join(dir, "long.json");
    writeFileSync(file, readFileSync(file).subarray(0, 1024 * 1024));
    const store = new TranscriptStore(memento(), () => undefined, dir);
    await store.refresh();
    assert.deepEqual(store.list().map((s) => [s.id, s.title]), [["long", "Where is the parser?"]]);
    const opened = await store.open("long");
    assert.ok("problem" in opened);
    assert.match(opened.problem, /could not be read/);
    assert.equal(readFileSync(file).length, 1024 * 1024, "the file is left as it is");
  });

  it("reads a small start of each file for the list (one read of at most 32 KiB), more only where the first message's title is not in it", async (t) => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    // A system prompt as a run writes it (a repository map and project rules, some 12 KB), then a long conversation (over 256 KiB).
    const system = `You are Hearth.\n\nRepository map (most relevant files first):\n${"src/parser.ts: export function parse(text: string): Node\n".repeat(220)}`;
    const long = (first: string): ChatMessage[] => [{ role: "system", content: system }, { role: "user", content: first }, ...Array.from({ length: 70 }, (_, i): ChatMessage => ({ role: "assistant", content: `reply ${i} ${"x".repeat(4000)}` }))];
    const files = 60;
    for (let i = 0; i < files; i++) await new ConversationStore(dir).record(`c${i}`, long(`Where is the parser? ${i}`));
    // The odd ones: a first message of a megabyte on one line; one of 300 KB whose first line is short; a system prompt of 100 KB.
    await new ConversationStore(dir).record("huge-line", long(`Summarize this log ${"y".repeat(1024 * 1024)}`));
    await new ConversationStore(dir).record("huge-message", long(`Explain this trace\n${"z".repeat(300_000)}`));
    await new ConversationStore(dir).record("big-prompt", [{ role: "system", content: "p".repeat(100_000) }, ...long("Fix the totals").slice(1)]);
    // What the store asks of the disk: every FileHandle read, counted.
    const probe = await open(join(dir, "c0.json"), "r");
    const handleProto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const read = handleProto.read;
    const asked = new Map<number, number>();
    let reads = 0;
    handleProto.read = function (this: unknown, ...args: unknown[]) {
      reads++;
      const length = typeof args[2] === "number" ? args[2] : (args[0] as Buffer).length;
      asked.set(length, (asked.get(length) ?? 0) + 1);
      return read.apply(this, args);
    };
    t.after(() => void (handleProto.read = read));
    const store = new TranscriptStore(memento(), () => undefined, dir);
    await store.refresh();
    handleProto.read = read;
    const titles = new Map(store.list().map((s) => [s.id, s.title]));
    assert.equal(titles.size, files + 3);
    for (let i = 0; i < files; i++) assert.equal(titles.get(`c${i}`), `Where is the parser? ${i}`);
    assert.match(titles.get("huge-line") ?? "", /^Summarize this log y+…$/);
    assert.equal(titles.get("huge-message"), "Explain this trace");
    assert.equal(titles.get("big-prompt"), "Fix the totals");
    const bytes = [...asked].reduce((sum, [length, n]) => sum + length * n, 0);
    // Before: one read of 256 KiB each, 63 × 256 KiB (500 conversations: 128 MiB before the history showed).
    // Now one of 32 KiB each, and the 100 KB system prompt's file read on to 128 KiB.
    assert.ok(reads <= files + 3 + 2, `${reads} reads for ${files + 3} files (${JSON.stringify([...asked])})`);
    assert.ok(bytes <= (files + 3) * 32 * 1024 + 256 * 1024, `${bytes} bytes asked of the disk for ${files + 3} files (${JSON.stringify([...asked])})`);
  });
});

describe("TranscriptStore: a damaged or strange conversation file", () => {
  it("one edited by hand into invalid JSON is listed, opening it says what is wrong and where the file is, and the file is left as it is", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    await ranTurn(dir, "edited", "Fix the totals", "ok");
    const file = join(dir, "edited.json");
    const broken = readFileSync(file, "utf8").replace('"ok"', '"ok",');
    writeFileSync(file, broken);
    const store = new TranscriptStore(memento(), () => undefined, dir);
    await store.refresh();
    assert.deepEqual(store.list().map((s) => s.title), ["Fix the totals"]);
    const opened = await store.open("edited");
    assert.ok("problem" in opened);
    assert.match(opened.problem, /could not be read \(.*JSON.*\)/);
    assert.ok(opened.problem.includes(file), opened.problem);
    assert.equal(readFileSync(file, "utf8"), broken);
  });

  it("one saved by a newer Hearth opens with its messages and a warning that this version does not continue it, and is left as it is", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "newer.json");
    const text = JSON.stringify({ version: 2, messages: [{ role: "system", content: "s" }, { role: "user", content: "Plan the release", pinned: true }, { role: "assistant", content: "Here is a plan.", citations: [1] }], summary: "kept by v2" });
    writeFileSync(file, text);
    const store = new TranscriptStore(memento(), () => undefined, dir);
    await store.refresh();
    assert.deepEqual(store.list().map((s) => s.title), ["Plan the release"]);
    const opened = await store.open("newer");
    assert.ok("transcript" in opened);
    const items = opened.transcript.items;
    assert.deepEqual(items.filter((i) => i.kind === "user" || i.kind === "assistant").map((i) => i.text), ["Plan the release", "Here is a plan."]);
    const warning = items.find((i) => i.kind === "notice" && i.level === "warning");
    assert.match(warning?.kind === "notice" ? warning.text : "", /^A newer version of Hearth saved this conversation \(format 2\): .*Update Hearth to continue it, or start a New Chat\.$/);
    assert.equal(readFileSync(file, "utf8"), text);
  });

  // A window not reloaded since the update has its own transcript of it, from before the newer
  // window went on with it: opened from the history, it must say the same as one it has none of.
  it("one saved by a newer Hearth that this window has its own transcript of opens with the same warning, once", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    mkdirSync(dir, { recursive: true });
    const state = memento();
    const store = new TranscriptStore(state, () => undefined, dir);
    const own = newTranscript("newer", 1000);
    own.items.push({ kind: "user", id: "u1", text: "Plan the release" }, { kind: "assistant", id: "a1", text: "Here is a plan.", thinking: "", streaming: false });
    store.save(own);
    await store.flush();
    const text = JSON.stringify({ version: 2, messages: [{ role: "system", content: "s" }, { role: "user", content: "Plan the release" }, { role: "assistant", content: "Here is a plan." }] });
    writeFileSync(join(dir, "newer.json"), text);
    const opened = await store.open("newer");
    assert.ok("transcript" in opened);
    const warnings = (items: typeof own.items) => items.flatMap((i) => (i.kind === "notice" && i.level === "warning" ? [i.text] : []));
    assert.equal(warnings(opened.transcript.items).length, 1);
    assert.match(warnings(opened.transcript.items)[0]!, /^A newer version of Hearth saved this conversation \(format 2\): .*Update Hearth to continue it, or start a New Chat\.$/);
    assert.equal(warnings(store.get("newer")!.items).length, 0, "what the window keeps is not changed by opening it");
    store.save(opened.transcript);
    await store.flush();
    const again = await store.open("newer");
    assert.ok("transcript" in again);
    assert.equal(warnings(again.transcript.items).length, 1, "once");
    assert.equal(readFileSync(join(dir, "newer.json"), "utf8"), text);
  });

  it("one saved by a newer Hearth with a kind of message this version does not know says it is a newer Hearth's, not that it is damaged", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "newer.json");
    const text = JSON.stringify({ version: 2, messages: [{ role: "system", content: "s" }, { role: "user", content: "Plan the release" }, { role: "summary", content: "an earlier part, summed up" }] });
    writeFileSync(file, text);
    const opened = await new TranscriptStore(memento(), () => undefined, dir).open("newer");
    assert.ok("problem" in opened);
    assert.match(opened.problem, /saved by a newer version of Hearth \(format 2\)/);
    assert.match(opened.problem, /message 3 has an unknown role/, "and what this version cannot show");
    assert.equal(readFileSync(file, "utf8"), text, "left as it is");
  });

  // A newer Hearth may add a kind of message without a new format (as it adds fields): the runtime refuses such a file as a newer Hearth's (conversation-store.ts).
  it("one in this format with a message of a role this version does not know says it is a newer Hearth's too; a role that is no word is damage", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "newer.json");
    const text = JSON.stringify({ version: 1, messages: [{ role: "system", content: "s" }, { role: "user", content: "Plan the release" }, { role: "summary", content: "an earlier part, summed up" }] });
    writeFileSync(file, text);
    const opened = await new TranscriptStore(memento(), () => undefined, dir).open("newer");
    assert.ok("problem" in opened);
    assert.match(opened.problem, /saved by a newer version of Hearth \(format 1 with a kind of message this version does not know: role "summary"\), which this version cannot show/);
    assert.equal(readFileSync(file, "utf8"), text, "left as it is");
    writeFileSync(file, JSON.stringify({ version: 1, messages: [{ role: "system", content: "s" }, { role: 7, content: "x" }] }));
    const damaged = await new TranscriptStore(memento(), () => undefined, dir).open("newer");
    assert.ok("problem" in damaged);
    assert.match(damaged.problem, /^This conversation could not be read \(message 2 has an unknown role\)\./);
  });

  it("a read of the folder that failed (VS Code's state could not be updated) does not stop later reads: one asked for during it still runs", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const state = memento();
    let failNext = false;
    const failing = { ...state, update: async (key: string, value: unknown): Promise<void> => {
      if (failNext) {
        failNext = false;
        throw new Error("the workspace state could not be written");
      }
      return state.update(key, value);
    } };
    const { b } = await deletedByA(dir, "shared", failing);
    failNext = true; // B's drop of the conversation A deleted fails once
    const first = b.refresh();
    const second = b.refresh(); // asked for while the first reads
    await assert.rejects(first, /could not be written/);
    await second;
    assert.deepEqual(b.list(), [], "the second read ran, and dropped it");
    await ranTurn(dir, "later", "message of later", "ok");
    const third = b.refresh();
    await Promise.all([third, b.refresh()]);
    assert.deepEqual(b.list().map((s) => s.id), ["later"]);
  });
});

describe("TranscriptStore: the conversation a window opens with", () => {
  it("is not one another window deleted while this one was closed: the newest this window may still go on with, or none", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const bState = memento();
    const b = new TranscriptStore(bState, () => undefined, dir);
    b.save(said("older", 1));
    await b.flush();
    await ranTurn(dir, "older", "message of older", "ok");
    const { a } = await deletedByA(dir, "c", bState); // B's newest, deleted in A (B closed, its state kept it)
    const reopened = new TranscriptStore(bState, () => undefined, dir);
    assert.equal(reopened.latest()?.id, "older", "not the deleted one");
    assert.deepEqual(reopened.list().map((s) => s.id), ["older"], "nor listed while the folder is read");
    await reopened.refresh();
    assert.deepEqual(reopened.list().map((s) => s.id), ["older"]);

    await a.delete("older");
    await new ConversationStore(dir).forget("older");
    assert.equal(new TranscriptStore(bState, () => undefined, dir).latest(), undefined, "every one deleted: a new chat");
  });

  it("is one another window deleted and then went on with (its file is back)", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const bState = memento();
    await deletedByA(dir, "c", bState);
    await ranTurn(dir, "c", "message of c", "continued in a third window");
    assert.equal(new TranscriptStore(bState, () => undefined, dir).latest()?.id, "c");
  });
});

describe("TranscriptStore: the delete marks other windows read", () => {
  const DAY = 24 * 60 * 60 * 1000;
  it("a mark is removed once its conversation's file is gone and it is 90 days old, after this window dropped the conversation; a newer one stays", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const bState = memento();
    const { a } = await deletedByA(dir, "old", bState); // B's history holds it
    await ranTurn(dir, "recent", "message of recent", "ok");
    await a.delete("recent");
    await new ConversationStore(dir).forget("recent");
    const deletedAt = 1_700_000_000_000;
    utimesSync(join(dir, "old.deleted"), deletedAt / 1000, deletedAt / 1000);
    utimesSync(join(dir, "recent.deleted"), (deletedAt + 10 * DAY) / 1000, (deletedAt + 10 * DAY) / 1000);
    let now = deletedAt + 89 * DAY;
    const b = new TranscriptStore(bState, () => undefined, dir, () => undefined, () => now);
    await b.refresh();
    assert.ok(existsSync(join(dir, "old.deleted")), "89 days old: kept");
    now = deletedAt + 91 * DAY;
    await b.refresh();
    assert.equal(existsSync(join(dir, "old.deleted")), false, "91 days old: removed");
    assert.ok(existsSync(join(dir, "recent.deleted")), "81 days old: kept");
    assert.equal(bState.values.has("hearth.chat.conversation.old"), false, "B dropped it before");
    assert.deepEqual(b.list(), []);
    assert.equal(b.latest(), undefined);
  });

  it("a mark whose conversation was continued (its file back) is kept however old: the file is not the delete's", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    await deletedByA(dir, "c");
    await ranTurn(dir, "c", "message of c", "continued elsewhere");
    utimesSync(join(dir, "c.deleted"), 1, 1);
    const store = new TranscriptStore(memento(), () => undefined, dir, () => undefined, () => 1_700_000_000_000);
    await store.refresh();
    assert.ok(existsSync(join(dir, "c.deleted")));
    assert.deepEqual(store.list().map((s) => s.id), ["c"]);
  });
});

describe("TranscriptStore: a delete whose runtime could not remove the file", () => {
  it("the window removes the file itself: a delete while the runtime starts or restarts leaves nothing of the conversation, however long after", async () => {
    // The runtime's forget fails at once while it is not running ("starting or restarting").
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    await ranTurn(dir, "c", "my API key is sk-live-123", "ok");
    let now = Date.now();
    const store = new TranscriptStore(memento(), () => undefined, dir, () => undefined, () => now);
    await store.refresh();
    await store.delete("c"); // and no forget
    assert.equal(existsSync(join(dir, "c.json")), false, "the deleted conversation's file is gone");
    now += 91 * 24 * 60 * 60 * 1000;
    await new TranscriptStore(memento(), () => undefined, dir, () => undefined, () => now).refresh();
    assert.deepEqual(readdirSync(dir), [], "and its mark in time");
  });

  // Its file could not be removed either (on Windows, another program holding it open): it
  // stays, older than the delete mark.
  it("stays deleted: in the other window, and in this one once reloaded", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const bState = memento();
    const b = new TranscriptStore(bState, () => undefined, dir);
    b.save(said("c", 1));
    await b.flush();
    await ranTurn(dir, "c", "message of c", "ok");
    await b.refresh();
    const a = new TranscriptStore(memento(), () => undefined, dir);
    await a.refresh();
    assert.deepEqual(a.list().map((s) => s.id), ["c"]);
    linkSync(join(dir, "c.json"), join(dir, "c.held")); // the very file, as it was…
    await a.delete("c"); // and no forget: the runtime was not running
    linkSync(join(dir, "c.held"), join(dir, "c.json")); // …stays: it could not be removed
    await a.refresh();
    assert.deepEqual(a.list(), []);
    assert.equal(new TranscriptStore(bState, () => undefined, dir).latest(), undefined, "B, closed then, does not reopen on it");
    await b.refresh();
    assert.deepEqual(b.list(), [], "the other window drops it");
    assert.equal(b.get("c"), undefined);
    const reloaded = new TranscriptStore(memento(), () => undefined, dir);
    await reloaded.refresh();
    assert.deepEqual(reloaded.list(), [], "a window opened later does not list it");
    assert.equal(new TranscriptStore(bState, () => undefined, dir).latest(), undefined);
  });

  it("one continued after the delete is listed again though its file's time is older than the mark (a clock set back, a copy that kept its time)", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const bState = memento();
    await deletedByA(dir, "c", bState); // B's history holds it; A's delete removed the file
    await ranTurn(dir, "c", "message of c", "continued in B"); // B's runtime saves B's turn…
    utimesSync(join(dir, "c.json"), 1_000, 1_000); // …on a clock behind A's
    const store = new TranscriptStore(memento(), () => undefined, dir);
    await store.refresh();
    assert.deepEqual(store.list().map((s) => s.id), ["c"]);
    assert.equal(new TranscriptStore(bState, () => undefined, dir).latest()?.id, "c", "B reopens on it");
    const b = new TranscriptStore(bState, () => undefined, dir);
    await b.refresh();
    assert.ok(b.get("c"), "and keeps it");
  });

  it("a mark an earlier Hearth left (empty) counts while the file beside it is older than it", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    await ranTurn(dir, "went-on", "message of went-on", "ok");
    await ranTurn(dir, "deleted", "message of deleted", "ok");
    for (const [id, at] of [["went-on", 2_000], ["deleted", 500]] as const) {
      writeFileSync(join(dir, `${id}.deleted`), "");
      utimesSync(join(dir, `${id}.deleted`), 1_000, 1_000);
      utimesSync(join(dir, `${id}.json`), at, at);
    }
    const store = new TranscriptStore(memento(), () => undefined, dir);
    await store.refresh();
    assert.deepEqual(store.list().map((s) => s.id), ["went-on"], "saved after the mark: went on; before it: deleted");
  });

  it("one continued after the delete (its file saved since) is listed again", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    await ranTurn(dir, "c", "message of c", "ok");
    await new TranscriptStore(memento(), () => undefined, dir).delete("c");
    utimesSync(join(dir, "c.deleted"), 1_000, 1_000);
    await ranTurn(dir, "c", "message of c", "continued");
    const store = new TranscriptStore(memento(), () => undefined, dir);
    await store.refresh();
    assert.deepEqual(store.list().map((s) => s.id), ["c"]);
  });
});

// The conversations folder is this user's alone (0700) whichever process makes it first: the
// runtime's ConversationStore, or this window's delete mark when the folder is not there yet.
describe("TranscriptStore on a shared machine", () => {
  it("a delete mark that makes the conversations folder makes it 0700, the mark 0600, under umask 022", async (t) => {
    const before = process.umask(0o022);
    t.after(() => process.umask(before));
    const top = tempDir("hearth-history-storage-");
    chmodSync(top, 0o755);
    const dir = join(top, "conversations");
    await new TranscriptStore(memento(), () => undefined, dir).delete("c1");
    assert.equal(statSync(dir).mode & 0o777, 0o700, "the folder");
    assert.equal(statSync(join(dir, "c1.deleted")).mode & 0o777, 0o600, "the mark");
  });
});

/**
 * A Memento as VS Code's ExtensionMemento stores it: every key of the extension's workspace
 * state is one value, so the updates of one tick become one write of all of them, serialized
 * whole (extHostMemento.ts: `setValue(shared, id, this._value)`). Counts those writes and their bytes.
 */
function wholeStateMemento() {
  const base = memento();
  const state = {
    values: base.values,
    writes: 0,
    bytes: 0,
    scheduled: false,
    get: base.get,
    update(key: string, value: unknown): Promise<void> {
      void base.update(key, value);
      if (!state.scheduled) {
        state.scheduled = true;
        setImmediate(() => {
          state.scheduled = false;
          state.writes++;
          state.bytes += JSON.stringify(Object.fromEntries(base.values)).length;
        });
      }
      return Promise.resolve();
    },
  };
  return state;
}

describe("TranscriptStore: a long reply streaming into a long history", () => {
  it("writes VS Code's workspace state (every conversation in it) a bounded number of times per streamed minute, and at once for a step", async () => {
    const state = wholeStateMemento();
    const clock = new FakeClock();
    const store = new TranscriptStore(state, () => undefined, undefined, () => undefined, () => clock.now(), clock);
    // 99 earlier conversations of some 20 KB each: a few days of use.
    for (let i = 0; i < 99; i++) {
      const t = said(`c${i}`, i);
      t.items.push({ kind: "assistant", id: "a", text: "x".repeat(20_000), thinking: "", streaming: false });
      store.save(t);
    }
    await store.flush();
    await new Promise(setImmediate);
    const { writes: before, bytes: stateBytes } = state;
    // One reply streamed for a minute, a delta every 100 ms, as the chat applies each.
    const current = said("current", 1000);
    current.items.push({ kind: "assistant", id: "a", text: "", thinking: "", streaming: true });
    const reply = current.items[1] as Extract<(typeof current.items)[number], { kind: "assistant" }>;
    for (let i = 0; i < 600; i++) {
      reply.text += "word ";
      store.save(current, true);
      clock.advance(100);
      await new Promise(setImmediate);
    }
    const streamed = state.writes - before;
    assert.ok(streamed <= 13, `${streamed} whole-state writes during a 60 s reply (at most one per 5 s), ${Math.round((state.bytes - stateBytes) / 1e6)} MB serialized`);
    assert.ok(streamed >= 11, `still written as it streams: ${streamed}`);
    assert.match(JSON.stringify(state.values.get("hearth.chat.conversation.current")), /(word ){550}/, "what streamed is in the state, no more than 5 s behind");
    // A step (a tool call, its result) is not held back behind the streamed text's delay.
    const writesBeforeStep = state.writes;
    reply.text += "more ";
    store.save(current, true);
    clock.advance(100);
    await new Promise(setImmediate);
    current.items.push({ kind: "notice", id: "n", level: "info", text: "a step" });
    store.save(current);
    clock.advance(400);
    await new Promise(setImmediate);
    assert.equal(state.writes, writesBeforeStep + 1);
    assert.equal((state.values.get("hearth.chat.conversation.current") as typeof current).items.length, 3);
    assert.equal(clock.pending(), 0, "no write left waiting");
  });
});
