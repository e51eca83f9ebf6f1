// @-mentions become the attachments sent with a message; the Problems list is cut at a limit.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type MentionSources,
  type Problem,
  MAX_PROBLEMS,
  attachmentsFor,
  formatProblems,
  isWorkEditor,
  mentionItems,
  selectionAttachment,
} from "../../../../src/extension/chat/mention-attachments.ts";
import { attachedPaths } from "../../../../src/agent/conversation-run.ts";

const none: MentionSources = { selection: () => undefined, problems: () => [] };

describe("attachmentsFor", () => {
  it("keeps files and symbols as chosen and reads the selection and problems when mentioned", () => {
    const sources: MentionSources = {
      selection: () => ({ path: "src/a.ts", startLine: 2, endLine: 4, text: "let a = 1;" }),
      problems: () => [{ path: "src/a.ts", line: 0, severity: "error", message: "Cannot find name 'b'." }],
    };
    const attachments = attachmentsFor(
      [{ kind: "file", path: "README.md" }, { kind: "symbol", name: "parse", symbolKind: "function", path: "src/p.ts", line: 7 }, { kind: "selection" }, { kind: "problems" }],
      sources,
    );
    assert.deepEqual(attachments, [
      { kind: "file", path: "README.md" },
      { kind: "symbol", name: "parse", path: "src/p.ts", line: 7 },
      { kind: "selection", path: "src/a.ts", startLine: 2, endLine: 4, text: "let a = 1;" },
      { kind: "problems", text: "src/a.ts:1: error: Cannot find name 'b'." },
    ]);
  });

  it("attaches nothing for an empty selection or an empty Problems list, and reads neither unless mentioned", () => {
    assert.deepEqual(attachmentsFor([{ kind: "selection" }, { kind: "problems" }], none), []);
    const untouched: MentionSources = { selection: () => assert.fail("selection read"), problems: () => assert.fail("problems read") };
    assert.deepEqual(attachmentsFor([{ kind: "file", path: "a" }], untouched), [{ kind: "file", path: "a" }]);
  });
});

describe("formatProblems", () => {
  it("writes one line a problem with 1-based lines, the errors before the warnings", () => {
    const problems: Problem[] = [
      { path: "a.ts", line: 0, severity: "warning", message: "unused" },
      { path: "b.ts", line: 4, severity: "error", message: "Cannot find name 'x'." },
    ];
    assert.equal(formatProblems(problems), "b.ts:5: error: Cannot find name 'x'.\na.ts:1: warning: unused");
  });

  it("of 10,000 problems attaches the limit, errors first, and says how many were left out", () => {
    // A linter's thousands of warnings came first in VS Code's order: the one type error was cut, and nothing said the list was.
    const many: Problem[] = Array.from({ length: 10_000 }, (_, i) => ({ path: "gen.ts", line: i, severity: "warning", message: `w${i}` }));
    many.push({ path: "src/main.ts", line: 2, severity: "error", message: "Type 'string' is not assignable to type 'number'." });
    const lines = formatProblems(many).split("\n");
    assert.equal(lines.length, MAX_PROBLEMS + 1);
    assert.equal(lines[0], "src/main.ts:3: error: Type 'string' is not assignable to type 'number'.");
    assert.equal(lines[1], "gen.ts:1: warning: w0");
    assert.equal(lines.at(-1), `(${MAX_PROBLEMS} of 10,001 problems shown: 1 error and 10,000 warnings in all)`);
  });
});

describe("formatProblems in a window of several folders", () => {
  it("lists the problems of the folder Hearth works in, never cut by another folder's, and counts those it left out", () => {
    // Working in api, with web's 60 type errors: api's own 3 were cut past the limit, and web's came as paths the agent's tools refuse.
    const problems: Problem[] = [
      ...Array.from({ length: 60 }, (_, i): Problem => ({ path: `/w/web/src/index.ts`, line: i, severity: "error", message: `web ${i}`, elsewhere: "web" })),
      ...Array.from({ length: 3 }, (_, i): Problem => ({ path: "src/index.ts", line: i, severity: "error", message: `api ${i}` })),
      { path: "/w/docs/a.md", line: 0, severity: "warning", message: "docs", elsewhere: "docs" },
      { path: "/tmp/scratch.ts", line: 0, severity: "warning", message: "outside every folder" },
    ];
    assert.equal(formatProblems(problems), [
      "src/index.ts:1: error: api 0",
      "src/index.ts:2: error: api 1",
      "src/index.ts:3: error: api 2",
      "/tmp/scratch.ts:1: warning: outside every folder",
      "(61 problems of other folders of this window left out, whose files Hearth's tools do not reach: 60 in web, 1 in docs)",
    ].join("\n"));
  });

  it("says so when every problem is another folder's", () => {
    assert.equal(formatProblems([{ path: "/w/web/a.ts", line: 0, severity: "error", message: "x", elsewhere: "web" }]),
      "(1 problem of other folders of this window left out, whose files Hearth's tools do not reach: 1 in web)");
  });
});

describe("mentionItems", () => {
  it("offers files first, then symbols with their kind and place", () => {
    assert.deepEqual(mentionItems({ files: ["a.ts"], symbols: [{ name: "A", kind: "class", path: "a.ts", line: 3 }] }), [
      { kind: "file", path: "a.ts" },
      { kind: "symbol", name: "A", symbolKind: "class", path: "a.ts", line: 3 },
    ]);
  });
});

describe("the selection attached from another folder of the window", () => {
  it("says which folder it is in and that the agent's tools cannot reach it, so api's src/index.ts is not taken for web's", () => {
    // Both folders hold src/index.ts: the bare absolute path read as a file the agent could edit, and it edited api's.
    const attached = selectionAttachment({ path: "/w/web/src/index.ts", elsewhere: "web", start: { line: 0, character: 0 }, end: { line: 1, character: 3 }, text: "a\nb" });
    assert.equal(attached?.path, "/w/web/src/index.ts (in web, another folder of this window: Hearth's tools cannot read or change it, and a file of the same name here is another file)");
    assert.deepEqual(attachedPaths(`Selected in ${attached!.path} (lines 1-2):\n\`\`\`\na\nb\n\`\`\``), [attached!.path]);
  });
});

describe("the selection attached", () => {
  it("comes from the editor the user worked in last: a file, a new untitled document or a notebook cell, not the Output panel", () => {
    // Only files counted: a selection in Untitled-1 or a notebook cell attached the last file's old selection, or nothing.
    assert.ok(isWorkEditor("file"));
    assert.ok(isWorkEditor("untitled"));
    assert.ok(isWorkEditor("vscode-notebook-cell"));
    assert.ok(!isWorkEditor("output"));
    assert.ok(!isWorkEditor("git"));
  });

  it("says where it is: an unsaved document is not on disk, a notebook's lines are a cell's", () => {
    const lines = { start: { line: 2, character: 0 }, end: { line: 4, character: 3 } };
    assert.deepEqual(selectionAttachment({ path: "src/a.ts", ...lines, text: "abc" }), { path: "src/a.ts", startLine: 2, endLine: 4, text: "abc" });
    assert.deepEqual(selectionAttachment({ path: "Untitled-1", untitled: true, ...lines, text: "abc" })?.path, "Untitled-1 (a new document, not saved to disk)");
    assert.deepEqual(selectionAttachment({ path: "nb/analysis.ipynb", cell: 2, ...lines, text: "abc" })?.path, "nb/analysis.ipynb, cell 3");
  });

  it("of whole lines ends at the last line it holds, not at the next line's start", () => {
    const attached = selectionAttachment({ path: "a.py", start: { line: 2, character: 0 }, end: { line: 5, character: 0 }, text: "a\nb\nc\n" });
    assert.deepEqual([attached?.startLine, attached?.endLine], [2, 4]);
    assert.equal(selectionAttachment({ path: "a.py", start: { line: 1, character: 4 }, end: { line: 1, character: 4 }, text: "" }), undefined);
  });
});
