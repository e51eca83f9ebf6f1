// A completion's indentation in the file's style: in a file indented with tabs, a block the
// model wrote with spaces (or the reverse) is inserted with tabs. Only the leading
// whitespace of each line changes, and nothing inside a multi-line string.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { detectIndentation, reindent } from "../../../src/completions/indentation.ts";
import { CompletionEngine } from "../../../src/completions/engine.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { tempDir } from "../../fixtures/temp.ts";

const at = (linePrefix: string) => ({ linePrefix, lineSuffix: "", previousLine: "", nextLine: "" });
const TABS = { insertSpaces: false, tabSize: 4 };
const SPACES2 = { insertSpaces: true, tabSize: 2 };

describe("reindent", () => {
  it("spaces to tabs in a tab file, each tabSize columns a tab, what is left as spaces", () => {
    assert.equal(reindent("\n    if (x) {\n        return 1;\n    }", TABS, at("func f() {")), "\n\tif (x) {\n\t\treturn 1;\n\t}");
    assert.equal(reindent("\n\t  .then(x)", TABS, at("p")), "\n\t  .then(x)", "alignment after the tabs is kept");
  });

  it("tabs to spaces in a space file", () => {
    assert.equal(reindent("\n\treturn 1;\n}", SPACES2, at("function f() {")), "\n  return 1;\n}");
  });

  it("the first line only where the cursor is in the line's indentation", () => {
    assert.equal(reindent("    return 1;", TABS, at("")), "\treturn 1;");
    assert.equal(reindent("    return 1;", TABS, at("\t")), "\t\treturn 1;".slice(1), "cursor after a tab: the rest of the second level");
    assert.equal(reindent("x    = 1", TABS, at("const ")), "x    = 1", "inside code: untouched");
  });

  it("leaves the lines inside a multi-line string the completion opens, and everything when the cursor may be in one", () => {
    const text = "\n    const s = `\n    keep\n    `;\n    done();";
    assert.equal(reindent(text, TABS, at("{")), "\n\tconst s = `\n    keep\n    `;\n\tdone();");
    assert.equal(reindent('\n    """\n    doc\n    """\n    pass', TABS, at("def f():")), '\n\t"""\n    doc\n    """\n\tpass');
    assert.equal(reindent("\n    x", TABS, at("{"), "const s = `\nabc {"), "\n    x", "an odd backtick before the cursor: cannot tell");
  });

  it("a completion already in the file's style is unchanged", () => {
    assert.equal(reindent("\n\treturn 1;", TABS, at("{")), "\n\treturn 1;");
    assert.equal(reindent("\n  return 1;", SPACES2, at("{")), "\n  return 1;");
  });
});

describe("detectIndentation", () => {
  it("tabs, spaces and their width, or nothing to tell by", () => {
    assert.deepEqual(detectIndentation("func f() {\n\tif x {\n\t\treturn\n\t}\n}\n"), { insertSpaces: false, tabSize: 4 });
    assert.deepEqual(detectIndentation("function f() {\n  if (x) {\n    return;\n  }\n}\n"), { insertSpaces: true, tabSize: 2 });
    assert.deepEqual(detectIndentation("def f():\n    if x:\n        return\n"), { insertSpaces: true, tabSize: 4 });
    assert.equal(detectIndentation("a = 1\nb = 2\n"), undefined);
    assert.deepEqual(detectIndentation("/**\n * doc\n */\nfunction f() {\n\treturn;\n}\n"), { insertSpaces: false, tabSize: 4 }, "a doc comment's ' *' is no indentation");
  });
});

describe("completion engine: indentation", () => {
  function engineAnswering(completion: string) {
    const path = join(tempDir("hearth-indent-"), "model.json");
    writeFileSync(path, JSON.stringify({ turns: [], completions: [completion] }));
    const backend = new ScriptedBackend(path);
    return new CompletionEngine({ model: async () => ({ backend, which: "main" }), debounce: { initialMs: 0, minMs: 0 } });
  }
  const live = () => new AbortController().signal;

  it("a block the model wrote with spaces in a Go file indented with tabs is answered with tabs", async () => {
    const text = "package main\n\nfunc main() {\n\tx := 1\n\tif x > 0 {\n\t}\n}\n";
    const doc = { uri: "file:///w/main.go", path: "main.go", text, version: 1, inFolder: true };
    const answer = await engineAnswering("\n        fmt.Println(x)\n        x++\n    }")
      .complete(doc, { line: 4, character: 11 }, live());
    assert.equal(answer.text, "\n\t\tfmt.Println(x)\n\t\tx++");
  });

  it("the editor's own indentation settings win over what the document looks like", async () => {
    const text = "function f() {\n}\n";
    const doc = { uri: "file:///w/a.ts", path: "a.ts", text, version: 1, inFolder: true, indentation: TABS };
    const answer = await engineAnswering("\n    return 1;\n}").complete(doc, { line: 0, character: 14 }, live());
    assert.equal(answer.text, "\n\treturn 1;");
  });
});
