/**
 * Real but unusual files, as the index reads them and as the model is told about them:
 * classic Mac line ends, UTF-16, characters that would change how a signature reads.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { contextAt, findDefinitions, locate, locateEntities } from "../../../src/indexer/index.ts";
import { LanguageRegistry } from "../../../src/indexer/languages.ts";
import { parseBytes } from "../../../src/indexer/parse-file.ts";
import { decodeText, splitLines } from "../../../src/tools/text-file.ts";
import { QUERIES_DIR, indexOf, tempDir } from "./helpers/setup.ts";

const registry = new LanguageRegistry(QUERIES_DIR);
const settings = { maxFileBytes: 1024 * 1024, parseTimeoutMs: 5000, maxWords: 400 };
const job = (path: string) => ({ path, absPath: "/nonexistent/" + path, mtimeMs: 0 });

function definitionsOf(path: string, bytes: Uint8Array) {
  const out = parseBytes(job(path), bytes, registry, settings);
  assert.ok(out.ok, JSON.stringify(!out.ok && out.skip));
  return out.record.definitions;
}

describe("classic Mac files (lines ended by a lone CR)", () => {
  const MAC = "def foo():\r    return 1\r\rdef bar():\r    return foo()\r";

  it("each definition is at the line read_file shows it on, with that line as its signature", () => {
    const defs = definitionsOf("mac.py", Buffer.from(MAC));
    const shown = splitLines(decodeText(Buffer.from(MAC), "mac.py").text).map((l) => l.text);
    assert.deepEqual(defs.map((d) => [d.name, d.line, d.col, d.startLine, d.endLine, d.signature]), [
      ["foo", 0, 4, 0, 1, "def foo():"],
      ["bar", 3, 4, 3, 4, "def bar():"],
    ]);
    for (const d of defs) assert.ok(shown[d.line]!.slice(d.col).startsWith(d.name), shown[d.line]);
  });

  it("a stray CR in an LF file stays part of its line, as read_file reads it", () => {
    const text = "def foo(): # a\rb\n    return 1\ndef bar():\n    pass\n";
    assert.deepEqual(definitionsOf("stray.py", Buffer.from(text)).map((d) => [d.name, d.line]), [["foo", 0], ["bar", 2]]);
  });

  it("a completion in one is given the definition it uses from another, whole", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "helpers.py"), "import os\r\rdef load_settings(path):\r    return os.path.exists(path)\r");
      const user = "from helpers import load_settings\r\rdef main():\r    ok = load_settings('x')\r";
      writeFileSync(join(dir, "main.py"), user);
      const index = await indexOf(dir);
      assert.deepEqual(findDefinitions(index, "load_settings").map((d) => [d.path, d.line]), [["helpers.py", 2]]);
      const ctx = await contextAt(index, "main.py", 3);
      const snippet = ctx.snippets.find((s) => s.symbol === "load_settings");
      assert.equal(snippet?.text, "def load_settings(path):\n    return os.path.exists(path)");
    } finally {
      cleanup();
    }
  });

  it("the function that holds a message an issue quotes is named for it", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const raise = '    raise ValueError("the selected widget cannot be resized below its minimum width")\r';
      writeFileSync(join(dir, "widgets.py"), `def grow(w):\r    return w\r\rdef shrink(w):\r${raise}\rdef other(w):\r    return w\r`);
      const index = await indexOf(dir);
      const issue = "Resize fails\n\n```\nValueError: the selected widget cannot be resized below its minimum width\n```\n";
      const entities = locateEntities(index, issue, locate(index, issue, { top: 5 }));
      const quoting = entities.filter((e) => e.reasons.some((r) => r.startsWith("quotes ")));
      assert.deepEqual(quoting.map((e) => [e.name, e.line]), [["shrink", 4]], JSON.stringify(entities));
    } finally {
      cleanup();
    }
  });
});
