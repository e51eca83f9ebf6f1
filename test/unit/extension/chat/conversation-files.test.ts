// Export and import of conversations: the file name, the export's diff base, and the
// transcript an imported file becomes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatMessage } from "../../../../src/protocol/chat.ts";
import { newTranscript } from "../../../../src/protocol/transcript.ts";
import { exportFileName, exportParams, importedTranscript, importSizeProblem, writeExport } from "../../../../src/extension/chat/conversation-files.ts";
import { MAX_IMPORT_CHARS } from "../../../../src/protocol/agent.ts";

describe("conversation files", () => {
  // A conversation a newer Hearth saved: the runtime refuses its export, after the save dialog.
  it("an export the runtime refuses, or a file that cannot be written, is a problem to show, not an error out of the command; nothing is written", async () => {
    const written: string[] = [];
    const steps = (ask: () => Promise<{ markdown: string; secretFiles?: string[] }>, confirm = true, write = async (text: string) => void written.push(text)) => ({
      ask,
      confirmSecrets: async () => confirm,
      write,
    });
    const refusal = new Error("This conversation was saved by a newer version of Hearth (format 2), which this version cannot read; its file is left as it is: export it from that version.");
    assert.deepEqual(await writeExport(steps(() => Promise.reject(refusal))), { problem: refusal.message });
    assert.deepEqual(await writeExport(steps(async () => ({ markdown: "# x" }), true, () => Promise.reject(new Error("EROFS: read-only file system")))), { problem: "EROFS: read-only file system" });
    assert.deepEqual(written, []);
    assert.deepEqual(await writeExport(steps(async () => ({ markdown: "# secret", secretFiles: [".env"] }), false)), { outcome: "declined" });
    assert.deepEqual(written, []);
    assert.deepEqual(await writeExport(steps(async () => ({ markdown: "# x" }))), { outcome: "written" });
    assert.deepEqual(written, ["# x"]);
  });

  it("does not read a file for an import that the runtime would refuse for its size, and names both sizes", () => {
    assert.equal(importSizeProblem(MAX_IMPORT_CHARS), undefined);
    assert.equal(importSizeProblem(3 * 1024 ** 3), "the file is 3072 MB, larger than the 256 MB a conversation export can be");
  });

  it("names the export after the title, in lower case without punctuation", () => {
    assert.equal(exportFileName("Fix the parser: tabs & spaces!"), "fix-the-parser-tabs-spaces.md");
    assert.equal(exportFileName("Ünïcode títle"), "ünïcode-títle.md");
    assert.equal(exportFileName("???"), "conversation.md");
    assert.equal(exportFileName("x".repeat(100)), `${"x".repeat(60)}.md`);
    // Cut between characters (𠮷, a name's rare character, is two UTF-16 units), and not after a dash.
    assert.equal(exportFileName(`a${"𠮷".repeat(40)}`), `a${"𠮷".repeat(29)}.md`);
    assert.equal(exportFileName(`${"x".repeat(59)} tail`), `${"x".repeat(59)}.md`);
  });

  it("exports nothing from an empty chat, and the diff from the first message's checkpoint", () => {
    const transcript = newTranscript("c1", 1);
    assert.equal(exportParams(transcript), undefined);
    transcript.title = "Parser";
    transcript.items.push({ kind: "user", id: "u0", text: "hello" }, { kind: "user", id: "u1", text: "fix it", checkpoint: "cp1" }, { kind: "user", id: "u2", text: "more", checkpoint: "cp2" });
    assert.deepEqual(exportParams(transcript), { conversationId: "c1", title: "Parser", sinceCheckpoint: "cp1" });
    transcript.items = [{ kind: "user", id: "u0", text: "hello" }];
    assert.deepEqual(exportParams(transcript), { conversationId: "c1", title: "Parser" });
  });

  it("imports the messages as cards and says where from and how many files the export changed", () => {
    const patch = "diff --git a/a.ts b/a.ts\n--- a/a.ts\n+++ b/a.ts\ndiff --git a/b.ts b/b.ts\n";
    const transcript = importedTranscript(
      "c2",
      { title: "Parser", patch, messages: [{ role: "user", content: "fix it" }, { role: "assistant", content: "", toolCalls: [{ id: "t1", name: "read_file", arguments: { path: "a.ts" } }] }, { role: "tool", toolCallId: "t1", name: "read_file", content: "1 a" }] },
      "exports/parser.md",
      1000,
    );
    assert.equal(transcript.id, "c2");
    assert.equal(transcript.title, "Parser");
    assert.deepEqual(transcript.items.map((i) => i.kind), ["user", "tool", "notice"]);
    const notice = transcript.items.at(-1)!;
    assert.equal(notice.kind === "notice" && notice.text, "Imported from exports/parser.md; where it was exported it changed 2 files (the diff is in the file). Send a message to continue.");
    const bare = importedTranscript("c3", { title: "", patch: "", messages: [] }, "x.md", 1000).items.at(-1)!;
    assert.equal(bare.kind === "notice" && bare.text, "Imported from x.md. Send a message to continue.");
  });

  it("warns when the file's readable text was edited after export, naming the messages (the chat shows what the model reads)", () => {
    const messages = [
      { role: "user", content: "fix it" },
      { role: "assistant", content: "", toolCalls: [{ id: "t1", name: "read_file", arguments: { path: "a.ts" } }] },
      { role: "tool", toolCallId: "t1", name: "read_file", content: "1 a" },
      { role: "assistant", content: "done" },
    ] satisfies ChatMessage[];
    const one = importedTranscript("c4", { title: "", patch: "", messages, edited: [3] }, "x.md", 1000).items.at(-1)!;
    assert.equal(one.kind === "notice" && one.level, "warning");
    assert.equal(
      one.kind === "notice" && one.text,
      "Imported from x.md. Its readable text was edited after export: message 3 (the result of read_file) reads differently there than what was imported. The model continues from what this chat shows, not from the file's text. Send a message to continue.",
    );
    const two = importedTranscript("c5", { title: "", patch: "", messages, edited: [1, 4] }, "x.md", 1000).items.at(-1)!;
    assert.match(two.kind === "notice" ? two.text : "", /edited after export: message 1 \(the user's\) and message 4 \(a reply\) read differently there/);
  });
});

// The runtime left the diff out of the export (over its limit, or its checkpoint gone): the
// user who exported is told, not only whoever opens the file.
it("an export written without its diff gives back why, for the notice", async () => {
  const written: string[] = [];
  const leftOut = "The diff of the changes is left out of this export: it is over 16 MiB (many changed files or large binary ones, such as a build's output in a folder the project does not ignore). git diff in the project shows them.";
  const done = await writeExport({ ask: async () => ({ markdown: "# x", patchLeftOut: leftOut }), confirmSecrets: async () => true, write: async (text) => void written.push(text) });
  assert.deepEqual(done, { outcome: "written", patchLeftOut: leftOut });
  assert.deepEqual(written, ["# x"]);
});
