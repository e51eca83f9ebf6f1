import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SavableDocument, autoSaveOf, openSavable, saveAutoSaved, saveEdited, unsavedNotebooks } from "../../../src/extension/edit-saves.ts";

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

describe("unsavedNotebooks (hearth/workspace/unsavedNotebooks)", () => {
  it("answers the notebooks open with unsaved changes, not saved ones nor files open in no notebook editor", () => {
    const notebooks = new Map([
      ["file:///w/sales.ipynb", { isDirty: true }],
      ["file:///w/saved.ipynb", { isDirty: false }],
    ]);
    const result = unsavedNotebooks(["file:///w/sales.ipynb", "file:///w/saved.ipynb", "file:///w/calc.py"], (uri) => notebooks.get(uri));
    assert.deepEqual(result, { unsaved: ["file:///w/sales.ipynb"] });
  });
});

describe("saveAutoSaved (hearth/workspace/autoSave)", () => {
  it("saves the user's unsaved changes only where VS Code saves them on its own, and answers those saved", async () => {
    const how = (mode: string, whenNoErrors = false, hasErrors = false) => ({ mode, delay: 1000, whenNoErrors, hasErrors });
    const docs = new Map([
      // afterDelay: VS Code's own save, waited for (below).
      ["file:///w/after-delay.ts", { doc: doc("saves"), autoSave: how("afterDelay") }],
      ["file:///w/focus.ts", { doc: doc("saves"), autoSave: how("onFocusChange") }],
      ["file:///w/window.ts", { doc: doc("saves"), autoSave: how("onWindowChange") }],
      ["file:///w/off.ts", { doc: doc("saves"), autoSave: how("off") }],
      // files.autoSaveWhenNoErrors: VS Code holds the save back while the file has errors.
      ["file:///w/errors.ts", { doc: doc("saves"), autoSave: how("afterDelay", true, true) }],
      ["file:///w/focus-errors.ts", { doc: doc("saves"), autoSave: how("onFocusChange", true, true) }],
      ["file:///w/clean-enough.ts", { doc: doc("saves"), autoSave: how("afterDelay", true, false) }],
      ["file:///w/locked.ts", { doc: doc("fails"), autoSave: how("onFocusChange") }],
    ]);
    const waited: string[] = [];
    const uriOf = new Map([...docs].map(([uri, { doc }]) => [doc as SavableDocument, uri]));
    const ownSave = async (document: SavableDocument) => (waited.push(uriOf.get(document)!), true);
    const result = await saveAutoSaved([...docs.keys(), "file:///w/not-open.ts"], (uri) => docs.get(uri)?.doc, (_, uri) => docs.get(uri)!.autoSave, ownSave);
    assert.deepEqual(result, { saved: ["file:///w/after-delay.ts", "file:///w/focus.ts", "file:///w/window.ts", "file:///w/clean-enough.ts"] });
    assert.deepEqual(waited, ["file:///w/after-delay.ts", "file:///w/clean-enough.ts"]);
    for (const uri of ["file:///w/off.ts", "file:///w/errors.ts", "file:///w/focus-errors.ts", "file:///w/after-delay.ts"]) assert.equal(docs.get(uri)!.doc.saves, 0, uri);
    assert.equal(docs.get("file:///w/focus.ts")!.doc.saves, 1);
  });
});

// A notebook open in the notebook editor has no text document for its file: the write was
// refused for its unsaved cells even where VS Code auto-saves it.
describe("saveAutoSaved and notebooks (hearth/workspace/autoSave)", () => {
  it("saves a notebook's unsaved cells where VS Code auto-saves it, as a text file's; not where auto-save is off or the save fails", async () => {
    const texts = new Map([["file:///w/calc.py", doc("saves")]]);
    const notebooks = new Map([
      ["file:///w/focus.ipynb", doc("saves")],
      ["file:///w/after-delay.ipynb", doc("saves")],
      ["file:///w/off.ipynb", doc("saves")],
      ["file:///w/locked.ipynb", doc("fails")],
    ]);
    const mode = (uri: string) => (uri.includes("off") ? "off" : uri.includes("after-delay") ? "afterDelay" : "onFocusChange");
    const waited: SavableDocument[] = [];
    const find = (uri: string) => openSavable(uri, (u) => texts.get(u), (u) => notebooks.get(u));
    const result = await saveAutoSaved([...texts.keys(), ...notebooks.keys()], find, (_, uri) => ({ mode: mode(uri), delay: 1000, whenNoErrors: false, hasErrors: false }), async (document) => (waited.push(document), true));
    assert.deepEqual(result, { saved: ["file:///w/calc.py", "file:///w/focus.ipynb", "file:///w/after-delay.ipynb"] });
    assert.equal(notebooks.get("file:///w/focus.ipynb")!.saves, 1);
    // afterDelay: VS Code's own save of the notebook, waited for.
    assert.deepEqual(waited, [notebooks.get("file:///w/after-delay.ipynb")]);
    assert.equal(notebooks.get("file:///w/off.ipynb")!.saves, 0);
    assert.equal(notebooks.get("file:///w/locked.ipynb")!.saves, 1);
  });

  it("reads a notebook's files.autoSave for its file alone (a notebook has no language)", () => {
    const scopes: unknown[] = [];
    const files = (scope: { uri: string; languageId?: string }) => (scopes.push(scope), { get: <T>(key: string) => (key === "autoSave" ? "onFocusChange" : undefined) as T | undefined });
    assert.equal(autoSaveOf({ uri: "file:///w/sales.ipynb" }, files, false).mode, "onFocusChange");
    assert.deepEqual(scopes, [{ uri: "file:///w/sales.ipynb" }]);
  });
});

describe("saveAutoSaved with files.autoSave afterDelay", () => {
  const afterDelay = (delay: number) => ({ mode: "afterDelay", whenNoErrors: false, hasErrors: false, delay });

  it("leaves the save to VS Code's own auto-save, which runs no format on save nor code actions on save, and answers it once it came", async () => {
    // A save of Hearth's is an explicit one: with editor.formatOnSave or codeActionsOnSave
    // ("source.organizeImports": "explicit") it would reformat the user's typing, or drop the
    // import they have just written, where VS Code's own save after the delay does neither.
    const typed = doc("saves");
    const waited: [string, number][] = [];
    const result = await saveAutoSaved(["file:///w/a.ts"], () => typed, () => afterDelay(1000), async (document, ms) => {
      waited.push([document === typed ? "file:///w/a.ts" : "another", ms]);
      return true; // VS Code saved it within the time given
    });
    assert.equal(typed.saves, 0, "Hearth saved the document itself");
    assert.deepEqual(result, { saved: ["file:///w/a.ts"] });
    assert.equal(waited.length, 1);
    assert.equal(waited[0]![0], "file:///w/a.ts");
    assert.ok(waited[0]![1] > 1000, "the wait is longer than the auto-save delay");
  });

  it("answers nothing saved when VS Code's own save did not come in time, or would come too late to wait for", async () => {
    const typed = doc("saves");
    const late = doc("saves");
    const waited: string[] = [];
    const docs = new Map([
      ["file:///w/a.ts", { doc: typed, delay: 1000 }],
      ["file:///w/late.ts", { doc: late, delay: 60_000 }],
    ]);
    const result = await saveAutoSaved([...docs.keys()], (uri) => docs.get(uri)?.doc, (_, uri) => afterDelay(docs.get(uri)!.delay), async (document) => {
      waited.push(document === typed ? "file:///w/a.ts" : "another");
      return false;
    });
    assert.deepEqual(result, { saved: [] });
    assert.deepEqual(waited, ["file:///w/a.ts"]);
    assert.equal(typed.saves + late.saves, 0);
  });
});

describe("autoSaveOf", () => {
  /** Settings as VS Code answers getConfiguration("files", scope): a language's own block only where the scope names that language. */
  function settings(user: Record<string, unknown>, byLanguage: Record<string, Record<string, unknown>>) {
    return (scope: { uri: string; languageId?: string }) => ({
      get<T>(key: string): T | undefined {
        const own = scope.languageId === undefined ? undefined : byLanguage[scope.languageId];
        return (own && key in own ? own[key] : user[key]) as T | undefined;
      },
    });
  }

  it("reads files.autoSave for the file's language, as VS Code's own auto-save does", () => {
    const files = settings({ autoSave: "afterDelay", autoSaveDelay: 500 }, { markdown: { autoSave: "off" } });
    assert.equal(autoSaveOf({ uri: "file:///w/README.md", languageId: "markdown" }, files, false).mode, "off");
    assert.deepEqual(autoSaveOf({ uri: "file:///w/a.ts", languageId: "typescript" }, files, true), { mode: "afterDelay", delay: 500, whenNoErrors: false, hasErrors: true });
  });

  it("takes a setting that is no number of milliseconds, or no mode, as VS Code's defaults", () => {
    const files = settings({ autoSaveDelay: -3, autoSave: 7 }, {});
    assert.deepEqual(autoSaveOf({ uri: "file:///w/a.ts", languageId: "typescript" }, files, false), { mode: "off", delay: 1000, whenNoErrors: false, hasErrors: false });
  });
});
