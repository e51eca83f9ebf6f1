// @-mentions become the attachments sent with a message; the Problems list is cut at a limit.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type MentionSources, type Problem, MAX_PROBLEMS, attachmentsFor, formatProblems, mentionItems } from "../../../../src/extension/chat/mention-attachments.ts";

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
  it("writes one line a problem with 1-based lines and stops at the limit without reading further", () => {
    let read = 0;
    function* many(): Generator<Problem> {
      for (let i = 0; ; i++) {
        read++;
        yield { path: `f${i}.ts`, line: i, severity: i % 2 ? "warning" : "error", message: `m${i}` };
      }
    }
    const lines = formatProblems(many()).split("\n");
    assert.equal(lines.length, MAX_PROBLEMS);
    assert.deepEqual(lines.slice(0, 2), ["f0.ts:1: error: m0", "f1.ts:2: warning: m1"]);
    assert.ok(read <= MAX_PROBLEMS + 1, `read ${read}`);
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
