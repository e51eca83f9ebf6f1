import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SavableDocument, saveAutoSaved, saveEdited } from "../../../src/extension/edit-saves.ts";

/** A document as VS Code's: save() answers false (or throws) when the save fails, and it stays dirty. */
function doc(outcome: "saves" | "fails" | "throws", isDirty = true): SavableDocument & { saves: number } {
  return {
    isDirty,
    saves: 0,
    async save() {
      this.saves++;
      if (outcome === "throws") throw new Error("EROFS: read-only file system");
      return outcome === "saves";
    },
  };
}

describe("saveEdited (hearth/workspace/save)", () => {
  it("answers the documents VS Code could not save, and saves the rest", async () => {
    const docs = new Map([
      ["file:///w/a.ts", doc("saves")],
      ["file:///w/locked.ts", doc("fails")],
      ["file:///w/gone.ts", doc("throws")],
      ["file:///w/clean.ts", doc("fails", false)],
    ]);
    const result = await saveEdited([...docs.keys(), "file:///w/not-open.ts"], (uri) => docs.get(uri));
    assert.deepEqual(result, { notSaved: ["file:///w/locked.ts", "file:///w/gone.ts"] });
    assert.equal(docs.get("file:///w/a.ts")!.saves, 1);
    assert.equal(docs.get("file:///w/clean.ts")!.saves, 0);
  });
});

describe("saveAutoSaved (hearth/workspace/autoSave)", () => {
  it("saves the user's unsaved changes only where VS Code saves them on its own, and answers those saved", async () => {
    const docs = new Map([
      ["file:///w/after-delay.ts", { doc: doc("saves"), autoSave: { mode: "afterDelay", whenNoErrors: false, hasErrors: false } }],
      ["file:///w/focus.ts", { doc: doc("saves"), autoSave: { mode: "onFocusChange", whenNoErrors: false, hasErrors: false } }],
      ["file:///w/off.ts", { doc: doc("saves"), autoSave: { mode: "off", whenNoErrors: false, hasErrors: false } }],
      // files.autoSaveWhenNoErrors: VS Code holds the save back while the file has errors.
      ["file:///w/errors.ts", { doc: doc("saves"), autoSave: { mode: "afterDelay", whenNoErrors: true, hasErrors: true } }],
      ["file:///w/clean-enough.ts", { doc: doc("saves"), autoSave: { mode: "afterDelay", whenNoErrors: true, hasErrors: false } }],
      ["file:///w/locked.ts", { doc: doc("fails"), autoSave: { mode: "afterDelay", whenNoErrors: false, hasErrors: false } }],
    ]);
    const result = await saveAutoSaved([...docs.keys(), "file:///w/not-open.ts"], (uri) => docs.get(uri)?.doc, (uri) => docs.get(uri)!.autoSave);
    assert.deepEqual(result, { saved: ["file:///w/after-delay.ts", "file:///w/focus.ts", "file:///w/clean-enough.ts"] });
    assert.equal(docs.get("file:///w/off.ts")!.doc.saves, 0);
    assert.equal(docs.get("file:///w/errors.ts")!.doc.saves, 0);
  });
});
