// Two VS Code windows on one folder: two runtimes, one storage folder, as the extension spawns
// them (the built runtime over LSP, the scripted backend as the model). What the conversation
// store finds out about the other window — a turn it set aside, a version it continues from —
// reaches the chat of the run that found it, rendered by the real chat page (jsdom).
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import type { ModelScript } from "../../../src/models/scripted.ts";
import { AgentApproveRequest, AgentEventNotification, type AgentRunParams, AgentRunRequest, type AgentWireEvent, ConversationForgetRequest } from "../../../src/protocol/agent.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";
import { startApp } from "../../unit/webview/dom-env.ts";
import { conversation, event, transcript } from "../../unit/webview/fixtures.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll, PYTHON_CALC as FIXTURE } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();

/** One window's runtime on `root` and the shared `storage`, with `script` as its model. */
class Window {
  readonly events: AgentWireEvent[] = [];
  /** Answers the window's approvals (default: deny). */
  answer: () => Promise<boolean> = async () => false;
  private runs = 0;

  private constructor(private readonly runtime: RuntimeProcess, private readonly name: string) {
    runtime.connection.onNotification(AgentEventNotification, (p) => {
      this.events.push(p.event);
    });
    runtime.connection.onRequest(AgentApproveRequest, async () => ({ approved: await this.answer() }));
  }

  static async open(name: string, root: string, storage: string, script: ModelScript): Promise<Window> {
    const modelPath = join(tempDir(`hearth-window-${name}-`), "model.json");
    writeFileSync(modelPath, JSON.stringify(script));
    // A state folder of its own: windows that share one take turns in the folder (checkout-lock.test.ts);
    // these are two whose checkout locks do not meet ($XDG_STATE_HOME set apart), so their turns overlap.
    const env = { ...process.env, XDG_STATE_HOME: tempDir(`hearth-window-${name}-state-`) };
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, env, initializationOptions: { settings: { modelPath, approvalPolicy: "ask" }, storagePath: storage } });
    running.push(runtime);
    return new Window(runtime, name);
  }

  /** One message of conversation c1; the events of this run only. */
  async send(text: string, extra: Partial<AgentRunParams> = {}): Promise<AgentWireEvent[]> {
    const from = this.events.length;
    await this.runtime.connection.sendRequest(AgentRunRequest, { runId: `${this.name}-${++this.runs}`, conversationId: "c1", text, mode: "chat", ...extra });
    return this.events.slice(from);
  }

  /** The user deleted conversation c1 from this window's history. */
  forget(): Promise<void> {
    return this.runtime.connection.sendRequest(ConversationForgetRequest, { conversationId: "c1" });
  }

  close(): Promise<unknown> {
    return this.runtime.close(1000);
  }
}

/** The chat page after `events` (one run, from its start). */
function rendered(events: readonly AgentWireEvent[]): string {
  const { root, app } = startApp();
  app.receive(conversation(transcript([], { runId: "r" })));
  for (const e of events) app.receive(event(e));
  return root.textContent ?? "";
}

const warnings = (events: readonly AgentWireEvent[]) => events.filter((e): e is Extract<AgentWireEvent, { type: "notice" }> => e.type === "notice" && e.level === "warning");
const contents = (file: string) => (JSON.parse(readFileSync(file, "utf8")) as { messages: ChatMessage[] }).messages.map((m) => m.content);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("one conversation in two windows at once", () => {
  it("the window whose save set the other's turn aside says so in its chat, and where that turn is kept; the other hears it on its next turn", { timeout: 120_000 }, async () => {
    const root = tempDir("hearth-two-windows-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const storage = tempDir("hearth-two-windows-storage-");
    const edit = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } };
    // A asks before its edit and waits there while B runs a whole turn of the same conversation.
    const a = await Window.open("a", root, storage, { turns: [{ toolCalls: [edit] }, { text: "B's turn is gone." }] });
    const b = await Window.open("b", root, storage, { turns: [{ text: "answered in B" }, { text: "B again" }] });
    let asked!: () => void;
    const aAsked = new Promise<void>((done) => (asked = done));
    let release!: () => void;
    const bDone = new Promise<void>((done) => (release = done));
    a.answer = async () => {
      asked();
      await bDone;
      return false;
    };

    const aRun = a.send("from A");
    await aAsked;
    assert.deepEqual(warnings(await b.send("from B")), [], "B's turn found nothing to warn about");
    release();
    const aEvents = await aRun;

    // A saved last: B's version is set aside, and A's chat says so, naming the file.
    const [aWarning, ...more] = warnings(aEvents);
    assert.equal(more.length, 0, JSON.stringify(warnings(aEvents)));
    const aside = /(\/\S+\/c1\.other-window-\d+\.json)/.exec(aWarning?.text ?? "")?.[1];
    assert.ok(aside, `the notice names where the other window's version is kept: ${aWarning?.text}`);
    assert.ok(aside.startsWith(join(storage, "conversations")), aside);
    assert.deepEqual(contents(aside).slice(1), ["from B", "answered in B"], "that file holds B's turn");
    assert.match(aWarning!.text, /another Hearth window/i);
    assert.match(rendered(aEvents), new RegExp(escape(aside)), "the chat page shows it");

    // B's next turn continues from A's version: its chat says that B's last turn is not what the model sees, and where it is.
    const bEvents = await b.send("again");
    const [bWarning, ...others] = warnings(bEvents);
    assert.equal(others.length, 0, JSON.stringify(warnings(bEvents)));
    assert.match(bWarning?.text ?? "", /another Hearth window/i);
    assert.match(bWarning!.text, new RegExp(escape(aside)), "it names where B's own turn is kept");
    assert.ok(bEvents.findIndex((e) => e.type === "user") < bEvents.indexOf(bWarning!), "after the message it is about, so the chat keeps the message where it was shown");
    const page = rendered(bEvents);
    assert.match(page, new RegExp(escape(aside)));
  });

  it("a conversation file that cannot be read: the chat says the model starts afresh, and where the file is kept", { timeout: 120_000 }, async () => {
    const root = tempDir("hearth-two-windows-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const storage = tempDir("hearth-two-windows-storage-");
    mkdirSync(join(storage, "conversations"));
    writeFileSync(join(storage, "conversations", "c1.json"), '{"version":1,"messages":[{"role":"sys'); // cut by a full disk
    const a = await Window.open("a", root, storage, { turns: [{ text: "hello again" }] });
    const events = await a.send("where were we?");
    const [warning, ...more] = warnings(events);
    assert.equal(more.length, 0, JSON.stringify(warnings(events)));
    assert.match(warning?.text ?? "", /could not be read: the model starts afresh and does not see the messages above/);
    const kept = /kept as (\/\S+\.json)\)/.exec(warning!.text)?.[1];
    assert.ok(kept && existsSync(kept), warning!.text);
    assert.ok(events.findIndex((e) => e.type === "user") < events.indexOf(warning!));
    assert.match(rendered(events), /could not be read/);
  });

  it("a conversation the other window deleted: a window whose runtime no longer holds it says the model starts afresh", { timeout: 120_000 }, async () => {
    const root = tempDir("hearth-two-windows-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const storage = tempDir("hearth-two-windows-storage-");
    const script = { turns: [{ text: "one" }, { text: "two" }] };
    const a = await Window.open("a", root, storage, script);
    const b = await Window.open("b", root, storage, script);
    await a.send("first");
    await b.forget(); // deleted from B's history: the file goes
    assert.deepEqual(warnings(await a.send("second", { continues: true })), [], "A still holds it: the model continues with what A's chat shows");

    await b.forget(); // and again, after A's turn saved it anew
    await a.close(); // A's runtime restarts (Restart Runtime, a crash, a window reload): it holds nothing now
    const again = await Window.open("a2", root, storage, script);
    const events = await again.send("third", { continues: true });
    const [warning, ...more] = warnings(events);
    assert.equal(more.length, 0, JSON.stringify(warnings(events)));
    assert.match(warning?.text ?? "", /not in Hearth's storage any more .*the model starts afresh and does not see the messages above/);
    assert.ok(events.findIndex((e) => e.type === "user") < events.indexOf(warning!));
    assert.match(rendered(events), /the model starts afresh/);
    assert.deepEqual(warnings(await again.send("a new chat", { conversationId: "c2" })), [], "a conversation the chat shows no turns of is new, not lost");
  });
});
