// Which files a review's buttons and the restore buttons act on, and what the chat says
// after a restore.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TranscriptItem } from "../../../../src/protocol/transcript.ts";
import { type ReviewItem, decisionPaths, diffBase, diffsToOpen, filesToOpen, findReview, laterChangesQuestion, notRestoredNotice, restoredNotice, restoreTarget } from "../../../../src/extension/chat/review-plan.ts";
import { applyTranscriptEvent as applyEvent, newTranscript } from "../../../../src/protocol/transcript.ts";

const review = (): ReviewItem => ({
  kind: "review",
  id: "r1",
  checkpoint: "cp",
  summary: "Hearth changed 3 files.",
  files: [
    { path: "a.ts", state: "pending" },
    { path: "b.ts", state: "accepted" },
    { path: "c.ts", state: "rejected" },
  ],
});

describe("review plan", () => {
  it("Open diff on a step that changed thousands of files opens ten tabs and says so, the rest offered in a list", () => {
    // A build watcher changing 5,000 files in one step used to open 5,000 diff tabs.
    const paths = Array.from({ length: 5000 }, (_, i) => `dist/f${i}.js`);
    const plan = diffsToOpen(paths);
    assert.deepEqual(plan.open, paths.slice(0, 10));
    assert.equal(plan.notice, "Opened the diffs of the first 10 of the 5,000 changed files, not a tab for each. Choose Files… lists them all to open others.");
    assert.ok(plan.offered.length === 5000, "every changed file in the list");
    assert.deepEqual(diffsToOpen(paths.slice(0, 10)), { open: paths.slice(0, 10), offered: [] });
  });

  it("a review's diff of a file the user saved before the agent's first write starts just before that write, the others at the run's start", () => {
    // From the run's review event, as the chat stores it.
    const t = newTranscript("c1");
    applyEvent(t, { type: "review", checkpoint: "cp", diffBases: { "a.ts": "before-edit" }, summary: "Hearth changed 2 files.", files: ["a.ts", "b.ts"] });
    const r = t.items.find((i): i is ReviewItem => i.kind === "review")!;
    assert.equal(diffBase(r, "a.ts"), "before-edit");
    assert.equal(diffBase(r, "b.ts"), "cp");
    // A review an older Hearth stored, and a name on Object's prototype.
    assert.equal(diffBase(review(), "a.ts"), "cp");
    assert.equal(diffBase(r, "constructor"), "cp");
  });

  it("finds a review by id among the items, and nothing for another kind with that id", () => {
    const items: TranscriptItem[] = [{ kind: "notice", id: "r1", level: "info", text: "x" }, review()];
    assert.equal(findReview(items, "r1")?.kind, "review");
    assert.equal(findReview(items.slice(0, 1), "r1"), undefined);
  });

  it("Accept takes a pending file only; Reject also an accepted one; a rejected file is final", () => {
    const r = review();
    assert.deepEqual(decisionPaths(r, "accept", "a.ts"), ["a.ts"]);
    assert.deepEqual(decisionPaths(r, "accept", "b.ts"), []);
    assert.deepEqual(decisionPaths(r, "reject", "b.ts"), ["b.ts"]);
    assert.deepEqual(decisionPaths(r, "reject", "c.ts"), []);
    assert.deepEqual(decisionPaths(r, "reject", "elsewhere.ts"), []);
  });

  it("Accept all and Reject all take the pending files", () => {
    const r = review();
    r.files.push({ path: "d.ts", state: "pending" });
    assert.deepEqual(decisionPaths(r, "accept"), ["a.ts", "d.ts"]);
    assert.deepEqual(decisionPaths(r, "reject"), ["a.ts", "d.ts"]);
  });

  it("Open shows one file, or every file of the review whatever its state", () => {
    assert.deepEqual(filesToOpen(review(), "b.ts"), ["b.ts"]);
    assert.deepEqual(filesToOpen(review()), ["a.ts", "b.ts", "c.ts"]);
  });

  it("Open takes only a file of the review: a path the page made up opens nothing (the message is untrusted)", () => {
    assert.deepEqual(filesToOpen(review(), "../../../etc/passwd"), []);
    assert.deepEqual(filesToOpen(review(), "/home/user/.ssh/id_rsa"), []);
    assert.deepEqual(filesToOpen(review(), "d.ts"), []);
  });

  it("restores a message to its checkpoint and rewinds to it, a tool card's files to theirs", () => {
    const message = restoreTarget({ kind: "user", id: "u", text: "Fix the parser\nand the tests", checkpoint: "cp1", messageIndex: 4 });
    assert.deepEqual(message, { kind: "message", checkpoint: "cp1", messageIndex: 4, text: "Fix the parser\nand the tests" });
    assert.equal(restoredNotice(message!, ["a.ts", "b.ts"]), "Restored 2 files to before “Fix the parser”.");
    const step = restoreTarget({ kind: "tool", id: "t", name: "edit_file", arguments: {}, status: "done", checkpoint: "cp2", changedFiles: ["a.ts"] });
    assert.deepEqual(step, { kind: "step", checkpoint: "cp2", paths: ["a.ts"], tool: "edit_file" });
    assert.equal(restoredNotice(step!, ["a.ts"]), "Undid edit_file on a.ts.");
  });

  it("a step's target carries how the step left its files, and the transcript keeps it from the step's end", () => {
    const transcript = newTranscript("c");
    applyEvent(transcript, { type: "toolStart", call: { id: "t", name: "edit_file", arguments: {} }, effect: "write" });
    applyEvent(transcript, { type: "toolEnd", callId: "t", ok: true, preview: "", durationMs: 1, diff: "-a\n+b\n", changedFiles: ["a.ts"], checkpoint: "cp2", after: "cp3" });
    assert.deepEqual(restoreTarget(transcript.items.at(-1)), { kind: "step", checkpoint: "cp2", paths: ["a.ts"], tool: "edit_file", after: "cp3" });
    applyEvent(transcript, { type: "review", checkpoint: "cp1", after: "cp4", summary: "Hearth changed 1 file.", files: ["a.ts"] });
    const item = transcript.items.at(-1);
    assert.equal(item?.kind === "review" && item.after, "cp4");
  });

  it("asks before undoing or rejecting files changed since, naming them (hidden characters shown) and what is lost", () => {
    assert.deepEqual(laterChangesQuestion("undo", ["src/a.ts"]), {
      message: "src/a.ts has changed since this step, by a later step or by hand.",
      detail: "Undoing the step puts back its version from before the step, and those later changes to it are lost.",
      button: "Undo Step Anyway",
    });
    const reject = laterChangesQuestion("reject", ["a.ts", "b\u202egnp.ts", "c.ts", "d.ts", "e.ts"]);
    assert.equal(reject.message, "a.ts, b⟨U+202E⟩gnp.ts, c.ts and 2 more files have changed since Hearth's run, by a later step or by hand — or by hand during it, after Hearth's first edit.");
    assert.equal(reject.detail, "Rejecting puts back their version from just before Hearth first edited them, and the changes made to them after that are lost.");
    assert.equal(reject.button, "Reject Anyway");
  });

  it("says of a file renamed or deleted since that the restore makes it again, a renamed copy left as it is", () => {
    const reject = laterChangesQuestion("reject", ["geo.py"], new Set(["geo.py"]));
    assert.equal(reject.message, "geo.py is gone: deleted or renamed since Hearth's run or during it.");
    assert.equal(reject.detail, "Rejecting creates it again as it was just before Hearth first edited it; a copy renamed elsewhere is left as it is, Hearth's edit in it.");
    assert.doesNotMatch(reject.detail, /lost/);
    const both = laterChangesQuestion("undo", ["a.py", "geo.py", "old.py"], new Set(["geo.py", "old.py"]));
    assert.equal(both.message, "a.py has changed since this step, by a later step or by hand. geo.py, old.py are gone: deleted or renamed since this step.");
    assert.equal(both.detail, "Undoing the step puts back its version from before the step, and those later changes to it are lost. Undoing the step creates them again as they were before the step; a copy renamed elsewhere is left as it is, Hearth's edit in it.");
    assert.equal(both.button, "Undo Step Anyway");
  });

  it("has nothing to restore without a checkpoint, a message index or changed files", () => {
    assert.equal(restoreTarget(undefined), undefined);
    assert.equal(restoreTarget({ kind: "user", id: "u", text: "hi", checkpoint: "cp1" }), undefined);
    assert.equal(restoreTarget({ kind: "tool", id: "t", name: "read_file", arguments: {}, status: "done", checkpoint: "cp2" }), undefined);
    assert.equal(restoreTarget({ kind: "notice", id: "n", level: "info", text: "x" }), undefined);
  });

  it("shortens a long first line in the notice", () => {
    const text = `${"word ".repeat(20)}\nsecond line`;
    const notice = restoredNotice({ kind: "message", checkpoint: "c", messageIndex: 1, text }, ["a"]);
    assert.equal(notice, `Restored 1 file to before “${"word ".repeat(20).slice(0, 49)}…”.`);
  });

  it("names the files a restore left as they are, with why, their names visible", () => {
    assert.equal(
      notRestoredNotice([{ path: "notes.txt ", reason: "its name starts or ends with a space" }]),
      "Left “notes.txt ” as it is now: its name starts or ends with a space, so Hearth cannot write it back. Put it back by hand if you need its earlier content.",
    );
    const many = notRestoredNotice([
      { path: "a\nb.txt", reason: "its name holds a line break" },
      { path: "caf\uFFFD.txt", reason: "its name is not valid UTF-8, and Hearth handles file names as text" },
    ]);
    assert.equal(
      many,
      "Left 2 files as they are now, since Hearth cannot write them back: “a⟨U+000A⟩b.txt” (its name holds a line break), “caf\uFFFD.txt” (its name is not valid UTF-8, and Hearth handles file names as text). Put them back by hand if you need their earlier content.",
    );
  });

  it("says a file VS Code did not save after the restore put it back is restored in the editor only, not that Hearth cannot write it", () => {
    const unsaved = { path: "a.txt", reason: "VS Code did not save it after putting it back (VS Code says why)", inEditor: true };
    const one = notRestoredNotice([unsaved]);
    assert.equal(one, "Put “a.txt” back in the editor, but VS Code did not save it (it says why): on disk it is still as it was. Save it there to restore it, or revert it to keep it as it is.");
    assert.equal(
      notRestoredNotice([unsaved, { ...unsaved, path: "b.txt" }, { path: "b\\c", reason: "its name holds a backslash, which Hearth reads as a folder separator" }]),
      "Left “b\\c” as it is now: its name holds a backslash, which Hearth reads as a folder separator, so Hearth cannot write it back. Put it back by hand if you need its earlier content. " +
        "Put 2 files back in the editor, but VS Code did not save them (it says why): on disk they are still as they were. Save them there to restore them, or revert them to keep them as they are: “a.txt”, “b.txt”.",
    );
  });

  it("says the user's own later work was kept on purpose, and how to have the earlier version anyway", () => {
    const mine = { path: "a.txt", reason: "it changed since Hearth's last checkpoint (your own work or another program's), and a restore does not overwrite or delete that", laterWork: true };
    const one = notRestoredNotice([mine]);
    assert.equal(
      one,
      "Kept “a.txt” as it is now, on purpose: it changed since Hearth's last checkpoint (your own work or another program's), and a restore does not overwrite or delete that. To have its earlier version anyway, put it back by hand (the file's Timeline view lists the versions saved in VS Code).",
    );
    assert.doesNotMatch(one, /cannot write/);
    const mixed = notRestoredNotice([mine, { path: "notes.md", reason: "it was made since Hearth's last checkpoint (your own work or another program's), and a restore does not overwrite or delete that", laterWork: true }, { path: "b\\c", reason: "its name holds a backslash, which Hearth reads as a folder separator" }]);
    assert.equal(
      mixed,
      "Left “b\\c” as it is now: its name holds a backslash, which Hearth reads as a folder separator, so Hearth cannot write it back. Put it back by hand if you need its earlier content. " +
        "Kept 2 files as they are now, on purpose: they hold changes Hearth did not make (your own work or another program's), and a restore does not overwrite or delete that: “a.txt”, “notes.md”. To have their earlier versions anyway, put them back by hand (a file's Timeline view lists the versions saved in VS Code).",
    );
  });
});
