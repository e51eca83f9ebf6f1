import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SavableDocument, saveEdited } from "../../../src/extension/edit-saves.ts";

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
