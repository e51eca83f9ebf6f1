import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BlockEditor, type BlockTarget, putCodeBlock } from "../../../../src/extension/chat/code-blocks.ts";

/** An editor as VS Code's TextEditor: edit() answers false when the editor did not take the edit. */
function editor(name: string, options: { takes?: boolean; selection?: boolean } = {}): BlockEditor & { edits: string[] } {
  const edits: string[] = [];
  const edit = (what: string) => async (code: string) => {
    if (options.takes === false) return false;
    edits.push(`${what}: ${code}`);
    return true;
  };
  return { name, hasSelection: options.selection ?? false, edits, insertAtCursor: edit("insert"), replaceSelection: edit("selection"), replaceAll: edit("all") };
}

function target(shown: BlockEditor | Error, answers: { replaceAll?: boolean } = {}): BlockTarget & { warnings: string[]; asked: string[] } {
  const warnings: string[] = [];
  const asked: string[] = [];
  return {
    name: "src/a.ts",
    warnings,
    asked,
    show: async () => {
      if (shown instanceof Error) throw shown;
      return shown;
    },
    confirmReplaceAll: async (name) => {
      asked.push(name);
      return answers.replaceAll ?? true;
    },
    warn: (message) => void warnings.push(message),
  };
}

describe("a code block's Insert / Apply to file", () => {
  it("edits through the editor shown now (the remembered one's tab may be closed), nothing said when it takes the edit", async () => {
    const shown = editor("src/a.ts", { selection: true });
    const insert = target(shown);
    await putCodeBlock("insert", "x()", insert);
    await putCodeBlock("apply", "y()", insert);
    assert.deepEqual(shown.edits, ["insert: x()", "selection: y()"]);
    assert.deepEqual(insert.warnings, []);
  });

  it("asks before replacing a whole file, and replaces nothing on no", async () => {
    const shown = editor("src/a.ts");
    await putCodeBlock("apply", "y()", target(shown, { replaceAll: false }));
    assert.deepEqual(shown.edits, []);
    const yes = target(shown);
    await putCodeBlock("apply", "y()", yes);
    assert.deepEqual(yes.asked, ["src/a.ts"]);
    assert.deepEqual(shown.edits, ["all: y()"]);
  });

  // VS Code's TextEditor.edit answers false when it did not apply the edit (the document
  // changed under it, a read-only editor): the button did nothing, and nothing was said.
  it("says so when the editor did not take the edit", async () => {
    const insert = target(editor("src/a.ts", { takes: false }));
    await putCodeBlock("insert", "x()", insert);
    assert.deepEqual(insert.warnings, ["Hearth could not insert the code into src/a.ts: the editor did not take the edit (the file changed meanwhile, or it is read-only). Click Insert again."]);
    const apply = target(editor("src/a.ts", { takes: false, selection: true }));
    await putCodeBlock("apply", "x()", apply);
    assert.deepEqual(apply.warnings, ["Hearth could not apply the code to src/a.ts: the editor did not take the edit (the file changed meanwhile, or it is read-only). Click Apply again."]);
  });

  it("says so when the file could not be shown again (deleted since, say)", async () => {
    const insert = target(new Error("cannot open file:///w/src/a.ts. Detail: Unable to read file (EntryNotFound)"));
    await putCodeBlock("insert", "x()", insert);
    assert.deepEqual(insert.warnings, ["Hearth could not open src/a.ts to insert the code: cannot open file:///w/src/a.ts. Detail: Unable to read file (EntryNotFound)"]);
  });

  it("says so when the edit throws (an editor closed under it)", async () => {
    const closed: BlockEditor = { ...editor("src/a.ts"), insertAtCursor: async () => Promise.reject(new Error("TextEditor#edit not possible on closed editors")) };
    const insert = target(closed);
    await putCodeBlock("insert", "x()", insert);
    assert.deepEqual(insert.warnings, ["Hearth could not insert the code into src/a.ts: TextEditor#edit not possible on closed editors. Click Insert again."]);
  });
});
