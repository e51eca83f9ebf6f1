// A run tells the runtime when the chat shows turns the model answered, so a runtime that has
// lost the conversation (its file deleted in another window) says the model starts afresh.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EndedRuns, continuesConversation, folderGoneMessage, folderLeftWindow } from "../../../../src/extension/chat/run-start.ts";
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
