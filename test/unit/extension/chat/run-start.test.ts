// A run tells the runtime when the chat shows turns the model answered, so a runtime that has
// lost the conversation (its file deleted in another window) says the model starts afresh.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EndedRuns, type RunningChat, busyRefusal, continuesConversation, folderGoneMessage, folderLeftWindow, lastAnsweredIndex, runFailedText, stopRunFirst } from "../../../../src/extension/chat/run-start.ts";
import { HearthErrorCode } from "../../../../src/protocol/lsp-ext.ts";
import type { TranscriptItem } from "../../../../src/protocol/transcript.ts";

const user: TranscriptItem = { kind: "user", id: "u1", text: "hi", messageIndex: 1 };

describe("continuesConversation", () => {
  it("a chat with an answer or a tool call of the model continues a conversation", () => {
    assert.equal(continuesConversation([user, { kind: "assistant", id: "a1", text: "hello", thinking: "", streaming: false }]), true);
    assert.equal(continuesConversation([user, { kind: "tool", id: "t1", name: "read_file", arguments: {}, status: "done" } as TranscriptItem]), true);
  });

  it("a new chat, or one whose only turns failed before the model answered, does not", () => {
    assert.equal(continuesConversation([]), false);
    assert.equal(continuesConversation([user, { kind: "notice", id: "n1", level: "error", text: "No model yet." }]), false);
  });
});

describe("lastAnsweredIndex", () => {
  const answer = (id: string): TranscriptItem => ({ kind: "assistant", id, text: "ok", thinking: "", streaming: false });
  it("is the runtime's index of the last message the model answered (a reply or a step), so a runtime that lost that turn can say so", () => {
    const edit = { kind: "tool", id: "t1", name: "edit_file", arguments: {}, status: "done" } as TranscriptItem;
    assert.equal(lastAnsweredIndex([user, answer("a1"), { kind: "user", id: "u2", text: "fix", messageIndex: 3 }, edit]), 3);
    // A later message whose run failed before the model answered (no model) left the runtime nothing to keep.
    assert.equal(lastAnsweredIndex([user, answer("a1"), { kind: "user", id: "u2", text: "fix", messageIndex: 3 }, { kind: "notice", id: "n", level: "error", text: "No model." }]), 1);
  });

  it("is undefined where the model answered nothing, or the message got no index", () => {
    assert.equal(lastAnsweredIndex([]), undefined);
    assert.equal(lastAnsweredIndex([user]), undefined);
    assert.equal(lastAnsweredIndex([{ kind: "user", id: "u", text: "hi" }, answer("a1")]), undefined);
  });
});

describe("EndedRuns", () => {
  it("knows a run the chat ended (Stop's limit passed), and not one still going", () => {
    const ended = new EndedRuns();
    ended.add("run-1");
    assert.equal(ended.has("run-1"), true, "a late event of run-1 is dropped");
    assert.equal(ended.has("run-2"), false, "the next run's events are shown");
  });

  it("remembers the last 32 runs only", () => {
    const ended = new EndedRuns();
    for (let i = 0; i < 40; i++) ended.add(`run-${i}`);
    assert.equal(ended.has("run-39"), true);
    assert.equal(ended.has("run-8"), true);
    assert.equal(ended.has("run-7"), false);
  });
});

describe("a run whose folder left the window", () => {
  it("says the folder it worked in was removed, where Hearth works now, and that its changes there stay", () => {
    // The chat said only 'Stopped.', as if the user had pressed Stop.
    assert.equal(
      folderGoneMessage("/w/web", "api"),
      "The run stopped: /w/web, the folder it worked in, was removed from this window, and Hearth's runtime restarted in api. What the run changed in /w/web stays as it is; to restore or review it, add the folder back and choose it with \"Hearth: Choose Folder…\".",
    );
    assert.match(folderGoneMessage("/w/web", undefined), /and Hearth's runtime restarted with no folder\. /);
  });

  it("is said only for a run whose recorded folder is no longer open", () => {
    const open = ["file:///w/api", "file:///w/web"];
    assert.equal(folderLeftWindow("file:///w/web", open), false);
    assert.equal(folderLeftWindow("file:///w/docs", open), true);
    assert.equal(folderLeftWindow(undefined, open), false, "a run with no folder had none to lose");
  });
});

describe("stopRunFirst (Choose Folder during a run)", () => {
  /** A chat like the real one: stop() only asks the runtime to cancel; the run ends later (`end()`). */
  function chat(running: boolean) {
    const listeners = new Set<(running: boolean) => void>();
    const c: RunningChat & { running: boolean; stops: number; end(): void; listeners(): number } = {
      running,
      stops: 0,
      stop() {
        this.stops++;
      },
      onDidChangeRunning: (l) => (listeners.add(l), { dispose: () => listeners.delete(l) }),
      end() {
        this.running = false;
        for (const l of [...listeners]) l(false);
      },
      listeners: () => listeners.size,
    };
    return c;
  }

  it("after a yes, resolves only once the run has ended: the runtime is not restarted under a run still winding down", async () => {
    // Stop and Switch restarted the runtime at once: the run's end (its commands stopped, the
    // conversation saved) raced the old runtime's shutdown.
    const c = chat(true);
    let ended = false;
    const switched = stopRunFirst(c, async () => true).then((yes) => (assert.equal(ended, true, "the switch came before the run ended"), yes));
    await new Promise((r) => setImmediate(r));
    assert.equal(c.stops, 1);
    ended = true;
    c.end();
    assert.equal(await switched, true);
    assert.equal(c.listeners(), 0, "nothing is left listening");
  });

  it("a no stops nothing; nothing running asks nothing", async () => {
    const c = chat(true);
    assert.equal(await stopRunFirst(c, async () => false), false);
    assert.equal(c.stops, 0);
    let asked = false;
    assert.equal(await stopRunFirst(chat(false), async () => (asked = true)), true);
    assert.equal(asked, false);
  });

  it("a run that ended while the question was open is not waited for", async () => {
    const c = chat(true);
    assert.equal(await stopRunFirst(c, async () => (c.end(), true)), true);
    assert.equal(c.stops, 0);
  });
});

// The runtime refuses a message before any run starts (a conversation a newer Hearth saved, one
// already running, another agent in the checkout): the chat says the refusal, not a run that stopped.
describe("runFailedText", () => {
  const coded = (code: number, message: string) => Object.assign(new Error(message), { code });
  it("a refusal from the runtime is said as it is; a run cut off says it stopped", () => {
    const newer = "This conversation was saved by a newer version of Hearth (format 2), which this version cannot read; its file is left as it is: update Hearth to continue it, or start a New Chat.";
    assert.equal(runFailedText(coded(HearthErrorCode.InvalidInput, newer)), newer);
    assert.equal(runFailedText(coded(HearthErrorCode.NotAvailable, "hearth fix is working in this checkout")), "hearth fix is working in this checkout");
    assert.equal(runFailedText(coded(HearthErrorCode.Internal, "boom")), "The run stopped: boom");
    assert.equal(runFailedText(new Error("Pending response rejected since connection got disposed")), "The run stopped: Pending response rejected since connection got disposed");
    assert.equal(runFailedText("odd"), "The run stopped: odd");
  });
});

describe("busyRefusal", () => {
  it("a message sent while the last run still stops (New Chat stops it; the runtime answers at its next token) is told so, not told to Stop, and is back in the box", () => {
    assert.equal(busyRefusal({ stopping: true, returned: true }), "Hearth is still stopping the last run. Your message is back in the box: send it again once that run has ended.");
  });

  it("a message sent while a run works says to stop it or wait, and where the message is", () => {
    assert.equal(busyRefusal({ stopping: false, returned: true }), "Hearth is still working on the last message. Your message is back in the box: stop that run first, or send it once the run ends.");
    assert.equal(busyRefusal({ stopping: false, returned: false }), "Hearth is still working on the last message. Stop it first.");
  });
});
