import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { runTool, type JsonValue, type ToolResult } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

const PY = "def area(r):\n    return 3.14 * r * r\n\n\ndef perimeter(r):\n    return 2 * 3.14 * r\n";

async function edit(files: Record<string, string | Uint8Array>, input: Record<string, JsonValue>): Promise<{ result: ToolResult; bytes: (p?: string) => Buffer }> {
  const { root, ctx } = workspaceWith(files);
  const result = await runTool(editFileTool, input, ctx);
  return { result, bytes: (p = String(input.path)) => readFileSync(join(root, p)) };
}

describe("edit_file", () => {
  it("replaces an exact, unique match", async () => {
    const { result, bytes } = await edit({ "geo.py": PY }, { path: "geo.py", old_text: "return 3.14 * r * r", new_text: "return math.pi * r * r" });
    assert.equal(result.ok, true, result.text);
    assert.equal(bytes().toString(), PY.replace("3.14 * r * r", "math.pi * r * r"));
  });

  it("refuses an ambiguous match, names the lines and writes nothing", async () => {
    const { result, bytes } = await edit({ "geo.py": PY }, { path: "geo.py", old_text: "3.14", new_text: "math.pi" });
    assert.equal(!result.ok && result.code, "ambiguous-match");
    assert.match(result.text, /lines 2, 6/);
    assert.equal(bytes().toString(), PY);
  });

  it("replace_all changes every occurrence", async () => {
    const { result, bytes } = await edit({ "geo.py": PY }, { path: "geo.py", old_text: "3.14", new_text: "math.pi", replace_all: true });
    assert.equal(result.ok, true);
    assert.equal(bytes().toString(), PY.replaceAll("3.14", "math.pi"));
  });

  it("no match: nothing written, the closest candidates with line numbers", async () => {
    const { result, bytes } = await edit({ "geo.py": PY }, { path: "geo.py", old_text: "def perimeter(radius):\n    return 2 * 3.14 * radius", new_text: "x" });
    assert.equal(!result.ok && result.code, "no-match");
    assert.match(result.text, /Did you mean:\nLines 5-6 \(\d+% similar\):\n    5\| def perimeter\(r\):/);
    assert.equal(bytes().toString(), PY);
  });

  it("tolerates trailing whitespace the model dropped", async () => {
    const file = "a = 1   \nb = 2\t\nc = 3\n";
    const { result, bytes } = await edit({ "x.py": file }, { path: "x.py", old_text: "a = 1\nb = 2\n", new_text: "a = 10\nb = 20\n" });
    assert.equal(result.ok, true, result.text);
    assert.equal(bytes().toString(), "a = 10\nb = 20\nc = 3\n");
  });

  // Hostile size: the trailing blanks were taken off each line with /\s+$/, which from every blank of a run scanned to its
  // end (quadratic): a checkout's line of 1 MB of spaces then a letter held the runtime some 10 minutes at such an edit.
  it("tolerates trailing whitespace at once beside a line of 400,000 spaces and a letter, and leaves that line as it was", async () => {
    const long = `${" ".repeat(400_000)}x`;
    const file = `${long}\na = 1   \nb = 2\t\n`;
    const { result, bytes } = await edit({ "x.py": file }, { path: "x.py", old_text: "a = 1\nb = 2\n", new_text: "a = 10\nb = 20\n" });
    assert.equal(result.ok, true, result.text);
    assert.equal(bytes().toString(), `${long}\na = 10\nb = 20\n`);
  });

  it("indentation-relative: a dedented old_text matches and new_text is re-indented like the file", async () => {
    const file = "class A:\n    def f(self):\n        if x:\n            return 1\n        return 2\n";
    const { result, bytes } = await edit({ "a.py": file }, { path: "a.py", old_text: "if x:\n    return 1\n", new_text: "if x:\n    log()\n    return 1\n" });
    assert.equal(result.ok, true, result.text);
    assert.equal(bytes().toString(), "class A:\n    def f(self):\n        if x:\n            log()\n            return 1\n        return 2\n");
  });

  it("tab/space drift: spaces in old_text match a tab-indented file; new lines get tabs", async () => {
    const file = "func f() {\n\tif x {\n\t\treturn 1\n\t}\n}\n";
    const { result, bytes } = await edit({ "f.go": file }, { path: "f.go", old_text: "    if x {\n        return 1\n    }", new_text: "    if x {\n        return 2\n    }" });
    assert.equal(result.ok, true, result.text);
    assert.equal(bytes().toString(), "func f() {\n\tif x {\n\t\treturn 2\n\t}\n}\n");
  });

  it("lines the model left unchanged keep the file's own whitespace when the match was fuzzy", async () => {
    // Markdown hard breaks (two trailing spaces), which a model's copy drops.
    const md = await edit({ "a.md": "line one  \nline two  \nline three\n" }, { path: "a.md", old_text: "line one\nline two\nline three", new_text: "line one\nline two\nline 3" });
    assert.equal(md.result.ok, true, md.result.text);
    assert.equal(md.bytes().toString(), "line one  \nline two  \nline 3\n");
    // A string literal's double space, which the model's copy collapsed.
    const py = await edit({ "b.py": "def f():\n    s = 'a  b'\n    return s\n" }, { path: "b.py", old_text: "def f():\n    s = 'a b'\n    return s", new_text: "def f():\n    s = 'a b'\n    return s + '!'" });
    assert.equal(py.result.ok, true, py.result.text);
    assert.equal(py.bytes().toString(), "def f():\n    s = 'a  b'\n    return s + '!'\n");
  });

  it("tabs plus alignment spaces (no single re-indentation rule): a new line takes the file's indentation of its level", async () => {
    const go = "func f() {\n\tif x {\n\t\tcall(a,\n\t\t    b)\n\t}\n}\n";
    const tabs = await edit({ "f.go": go }, { path: "f.go", old_text: "    if x {\n        call(a,\n            b)\n    }", new_text: "    if x {\n        call(a,\n            b)\n        done()\n    }" });
    assert.equal(tabs.result.ok, true, tabs.result.text);
    assert.equal(tabs.bytes().toString(), "func f() {\n\tif x {\n\t\tcall(a,\n\t\t    b)\n\t\tdone()\n\t}\n}\n");
  });

  it("an edit that would break a notebook's or a JSON file's JSON is refused, naming the line; one that keeps it valid applies", async () => {
    const nb = JSON.stringify({ cells: [{ cell_type: "code", metadata: {}, source: ["print(1)\n", "x = 2"] }], nbformat: 4 }, null, 1) + "\n";
    const broken = await edit({ "n.ipynb": nb }, { path: "n.ipynb", old_text: '"print(1)\\n",', new_text: '"print(1)\\n"\n"y = 3\\n",' });
    assert.equal(!broken.result.ok && broken.result.code, "invalid-input", broken.result.text);
    assert.match(broken.result.text, /n\.ipynb" would no longer be valid JSON \(line 8, column 1: /);
    assert.equal(broken.bytes().toString(), nb);
    const ok = await edit({ "n.ipynb": nb }, { path: "n.ipynb", old_text: '"x = 2"', new_text: '"x = 3"' });
    assert.equal(ok.result.ok, true, ok.result.text);
    const pkg = '{\n  "name": "p",\n  "version": "1.0.0"\n}\n';
    const comma = await edit({ "package.json": pkg }, { path: "package.json", old_text: '"version": "1.0.0"', new_text: '"version": "1.0.0",' });
    assert.equal(!comma.result.ok && comma.result.code, "invalid-input");
    assert.equal(comma.bytes().toString(), pkg);
    // JSON with comments (tsconfig.json) never parsed as JSON: edited as text.
    const tsconfig = '{\n  // strict\n  "strict": true\n}\n';
    const jsonc = await edit({ "tsconfig.json": tsconfig }, { path: "tsconfig.json", old_text: '"strict": true', new_text: '"strict": false,' });
    assert.equal(jsonc.result.ok, true, jsonc.result.text);
  });

  it("a long old_text that matches nowhere in a long file still names the region it came from first", async () => {
    const file = Array.from({ length: 6000 }, (_, k) => `    total${k} = combine(part${k % 89}, weight${k % 31})`);
    file.splice(3000, 120, ...Array.from({ length: 120 }, (_, k) => `    report(section_${k}, "heading ${k}", level=${k % 4})`));
    const old = Array.from({ length: 120 }, (_, k) => `report(section_${k}, "heading ${k}", lvl=${k % 4})`).join("\n");
    const { result } = await edit({ "big.py": `${file.join("\n")}\n` }, { path: "big.py", old_text: old, new_text: "pass" });
    assert.equal(!result.ok && result.code, "no-match");
    assert.match(result.text, /Did you mean:\nLines 3001-3120 \(\d+% similar\):\n 3001\|     report\(section_0,/);
  });

  it("the same insertion sent again (new_text holds old_text) is refused as already made, not made twice", async () => {
    const file = "import os\n\ndef main():\n    run()\n";
    const input = { path: "m.py", old_text: "import os\n", new_text: "import os\nimport sys\n" };
    const { root, ctx } = workspaceWith({ "m.py": file });
    const first = await runTool(editFileTool, input, ctx);
    assert.equal(first.ok, true, first.text);
    const again = await runTool(editFileTool, input, ctx);
    assert.equal(!again.ok && again.code, "already-exists", again.text);
    assert.match(again.text, /already in the file at line 1/);
    assert.equal(readFileSync(join(root, "m.py"), "utf8"), "import os\nimport sys\n\ndef main():\n    run()\n");
    // Sent again with the model's own indentation (a whitespace-tolerant match the first time).
    const py = "class A:\n    def f(self):\n        return 1\n";
    const loose = { path: "a.py", old_text: "def f(self):\n    return 1", new_text: "def f(self):\n    return 1\n\ndef g(self):\n    return 2" };
    const w = workspaceWith({ "a.py": py });
    assert.equal((await runTool(editFileTool, loose, w.ctx)).ok, true);
    const twice = await runTool(editFileTool, loose, w.ctx);
    assert.equal(!twice.ok && twice.code, "already-exists", twice.text);
    assert.equal(readFileSync(join(w.root, "a.py"), "utf8"), "class A:\n    def f(self):\n        return 1\n\n    def g(self):\n        return 2\n");
    // A place the insertion has not been made yet is still edited.
    const two = await edit({ "t.py": "import os\nimport sys\nx = 1\nimport os\n" }, { path: "t.py", old_text: "x = 1\nimport os\n", new_text: "x = 1\nimport os\nimport sys\n" });
    assert.equal(two.result.ok, true, two.result.text);
  });

  it("several edits apply in order, all or nothing", async () => {
    const ok = await edit({ "geo.py": PY }, { path: "geo.py", edits: [{ old_text: "def area(r)", new_text: "def area(radius)" }, { old_text: "def perimeter(r)", new_text: "def perimeter(radius)" }] });
    assert.equal(ok.result.ok, true, ok.result.text);
    assert.match(ok.bytes().toString(), /def area\(radius\)[\s\S]*def perimeter\(radius\)/);
    const bad = await edit({ "geo.py": PY }, { path: "geo.py", edits: [{ old_text: "def area(r)", new_text: "def area(radius)" }, { old_text: "def volume(r)", new_text: "x" }] });
    assert.equal(!bad.result.ok && bad.result.code, "no-match");
    assert.match(bad.result.text, /edit 2 of 2/);
    assert.equal(bad.bytes().toString(), PY);
  });

  it("refuses edits given as a JSON string: the call parser makes arrays of XML values, runTool checks the schema", async () => {
    const { result, bytes } = await edit({ "geo.py": PY }, { path: "geo.py", edits: JSON.stringify([{ old_text: "def area(r)", new_text: "def area(q)" }]) });
    assert.equal(!result.ok && result.code, "invalid-input");
    assert.match(result.text, /\/edits must be array/);
    assert.equal(bytes().toString(), PY);
  });

  it("keeps CRLF line endings, a BOM and a missing final newline", async () => {
    const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("one\r\ntwo\r\nthree")]);
    const { result, bytes } = await edit({ "w.txt": file }, { path: "w.txt", old_text: "two\nthree", new_text: "2\n3\n3.5" });
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(bytes(), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("one\r\n2\r\n3\r\n3.5")]));
  });

  it("keeps mixed line endings outside the edited region byte for byte", async () => {
    const { result, bytes } = await edit({ "m.txt": "a\r\nb\nc\r\nd\n" }, { path: "m.txt", old_text: "c\n", new_text: "C\n" });
    assert.equal(result.ok, true, result.text);
    assert.equal(bytes().toString(), "a\r\nb\nC\r\nd\n");
  });

  it("new lines in the LF part of a mostly CRLF file end in LF like their neighbours, matched exactly or ignoring whitespace", async () => {
    // A CRLF file with LF lines pasted in: the lines the model kept must not turn CRLF.
    const file = "a\r\nb\r\nc\r\n  x\n  y\nz\n";
    for (const [old_text, new_text] of [["  x\n  y", "  x\n  Y\n  W"], ["x\ny", "x\nY\nW"]] as const) {
      const { result, bytes } = await edit({ "m.txt": file }, { path: "m.txt", old_text, new_text });
      assert.equal(result.ok, true, result.text);
      assert.equal(JSON.stringify(bytes().toString()), JSON.stringify("a\r\nb\r\nc\r\n  x\n  Y\n  W\nz\n"));
    }
    const one = await edit({ "m.txt": file }, { path: "m.txt", old_text: "z", new_text: "z\nz2" });
    assert.equal(JSON.stringify(one.bytes().toString()), JSON.stringify("a\r\nb\r\nc\r\n  x\n  y\nz\nz2\n"));
  });

  it("refuses a changed line whose indentation the file does not say, when the model's copy lost the block's indentation", async () => {
    // 'def f' and 'return 1' both at column 0 in the copy, at 4 and 8 in the file: the new
    // 'return 2' was written at column 0, Python that no longer runs, and called a success.
    const file = "class A:\n    def f(self):\n        return 1\n";
    const { result, bytes } = await edit({ "a.py": file }, { path: "a.py", old_text: "def f(self):\nreturn 1", new_text: "def f(self):\nreturn 2" });
    assert.equal(!result.ok && result.code, "invalid-input", result.text);
    assert.match(result.text, /indentation.*"return 2".*nothing was written/s);
    assert.equal(bytes().toString(), file);
  });

  it("edits a block indented by a tab on some lines and four spaces on others from the model's copy in spaces", async () => {
    // One level, written two ways (common in old C): not several indentations, so the edit
    // goes through as before ffdfca1, each line keeping the file's own indentation.
    const file = "int f(void) {\n\tint a = 1;\n    int b = 2;\n\treturn a + b;\n}\n";
    const { result, bytes } = await edit({ "f.c": file }, { path: "f.c", old_text: "    int a = 1;\n    int b = 2;\n    return a + b;", new_text: "    int a = 1;\n    int b = 3;\n    return a + b;" });
    assert.equal(result.ok, true, result.text);
    assert.equal(bytes().toString(), file.replace("int b = 2", "int b = 3"));
  });

  it("still refuses a changed line of a copy that lost the indentation of a block indented with a tab and spaces, never writing it flat", async () => {
    // '\t' and 8 spaces reach one column at tab width 8 (bcee3bd counts that one depth), but
    // the copy at column 0 says nothing of where b2() goes: it was written at column 0.
    for (const file of ["int f(void) {\n\tif (a)\n        b();\n\tc();\n}\n", "int f(void) {\n\tif (a)\n  b();\n\tc();\n}\n"]) {
      const { result, bytes } = await edit({ "f.c": file }, { path: "f.c", old_text: "if (a)\nb();\nc();", new_text: "if (a)\nb2();\nc();" });
      assert.equal(!result.ok && result.code, "invalid-input", result.text);
      assert.match(result.text, /"b2\(\);" cannot be told/);
      assert.equal(bytes().toString(), file);
    }
  });

  it("keeps bytes that are not UTF-8 (latin1 file) untouched", async () => {
    const file = Buffer.from("caf\xe9 = 1\nx = 2\n", "latin1");
    const { result, bytes } = await edit({ "l.py": file }, { path: "l.py", old_text: "x = 2", new_text: "x = 3" });
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(bytes(), Buffer.from("caf\xe9 = 1\nx = 3\n", "latin1"));
  });

  it("deleting whole lines removes their line breaks", async () => {
    const { result, bytes } = await edit({ "d.txt": "a\nb\nc\n" }, { path: "d.txt", old_text: "  b\n", new_text: "" });
    assert.equal(result.ok, true, result.text);
    assert.equal(bytes().toString(), "a\nc\n");
  });

  it("refuses binary files, missing files and paths outside the workspace", async () => {
    const bin = await edit({ "b.bin": Buffer.from([1, 0, 2, 3]) }, { path: "b.bin", old_text: "a", new_text: "b" });
    assert.equal(!bin.result.ok && bin.result.code, "binary-file");
    assert.deepEqual(bin.bytes(), Buffer.from([1, 0, 2, 3]));
    const missing = await edit({}, { path: "nope.py", old_text: "a", new_text: "b" });
    assert.equal(!missing.result.ok && missing.result.code, "not-found");
    const { ctx } = workspaceWith({});
    const out = await runTool(editFileTool, { path: "../../etc/passwd", old_text: "root", new_text: "x" }, ctx);
    assert.equal(!out.ok && out.code, "outside-workspace");
  });
});

// The user (or a formatter, or git) writes the file after edit_file read it and before its
// write: the edit was made from the old text, so writing it would undo theirs.
describe("edit_file on a file that changes while the edit is made", () => {
  it("writes nothing and says the file changed", async () => {
    const { root, ctx } = workspaceWith({ "geo.py": PY });
    const theirs = `# formatted by the user\n${PY}`;
    const read = ctx.workspace.read.bind(ctx.workspace);
    const workspace = Object.assign(Object.create(Object.getPrototypeOf(ctx.workspace)), ctx.workspace, {
      read: async (path: string) => {
        const bytes = await read(path);
        writeFileSync(join(root, "geo.py"), theirs);
        return bytes;
      },
    });
    const result = await runTool(editFileTool, { path: "geo.py", old_text: "return 3.14 * r * r", new_text: "return math.pi * r * r" }, { ...ctx, workspace });
    assert.equal(!result.ok && result.code, "stale-file", result.text);
    assert.match(result.text, /geo\.py" changed while the edit was made.*nothing was written\. Read it again/);
    assert.equal(readFileSync(join(root, "geo.py"), "utf8"), theirs);
  });
});
