/** What the index reads of a Jupyter notebook: its cells' sources, not its outputs or JSON. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { locate } from "../../../src/indexer/index.ts";
import { LanguageRegistry } from "../../../src/indexer/languages.ts";
import { parseBytes } from "../../../src/indexer/parse-file.ts";
import { stem } from "../../../src/indexer/text.ts";
import { notebookText } from "../../fixtures/notebook.ts";
import { QUERIES_DIR, indexOf, tempDir } from "./helpers/setup.ts";

const registry = new LanguageRegistry(QUERIES_DIR);
const settings = { maxFileBytes: 1024 * 1024, parseTimeoutMs: 5000, maxWords: 400 };

function wordsOf(path: string, text: string): string[] {
  const out = parseBytes({ path, absPath: "/nonexistent/" + path, mtimeMs: 0 }, Buffer.from(text, "utf8"), registry, settings);
  assert.ok(out.ok, JSON.stringify(!out.ok && out.skip));
  return out.record.words.split(" ");
}

/** Whether `words` (an index record's terms, stemmed) hold `word`. */
function holds(words: readonly string[], word: string): boolean {
  return words.includes(stem(word));
}

describe("a notebook in the index", () => {
  // It was skipped as "minified" (the figure's base64 line), so no search found its code.
  it("indexes a notebook with a figure by its cells' words", () => {
    const words = wordsOf("analysis.ipynb", notebookText({ figureFirst: true }));
    for (const w of ["load", "sales", "plot", "revenue", "monthly"]) assert.ok(holds(words, w), `${w} not among ${words.join(" ")}`);
  });

  // Its terms were the JSON's keys and a printed DataFrame's HTML, first seen first.
  it("leaves out the JSON's keys and the cells' outputs, for a notebook written with string sources and CRLF too", () => {
    const notebook = JSON.parse(notebookText({ figures: 0 }));
    for (const cell of notebook.cells) cell.source = cell.source.join("");
    for (const text of [notebookText({ figures: 0 }), notebookText({ figures: 0, eol: "\r\n" }), JSON.stringify(notebook)]) {
      const words = wordsOf("analysis.ipynb", text);
      assert.ok(holds(words, "load") && holds(words, "sales"), words.join(" "));
      for (const w of ["td", "tr", "dataframe", "execution", "cell", "stdout", "kernelspec", "nbformat"]) assert.ok(!holds(words, w), `${w} among ${words.join(" ")}`);
    }
  });

  it("reads a .ipynb that is not a notebook's JSON as text, as before", () => {
    assert.ok(holds(wordsOf("broken.ipynb", '{"cells": [ {"source": "def load_sales(path):\\n"\n'), "sales"));
  });

  it("finds the notebook that defines a function a question names, not one whose outputs repeat its words", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "analysis.ipynb"), notebookText({ figureFirst: true, figures: 2 }));
      // Another notebook whose printed table says "load" and "sales" on every row, its code about neither.
      const table = JSON.parse(notebookText({ figures: 0, tableRows: 200 }));
      table.cells = table.cells.filter((c: { id: string }) => c.id === "table" || c.id === "intro");
      table.cells[0].source = ["# Quarterly report\n"];
      table.cells[1].source = ["report = quarterly(frame)\n", "report"];
      table.cells[1].outputs[1].data["text/html"] = Array.from({ length: 200 }, (_, i) => `<tr><td>load sales ${i}</td></tr>\n`);
      writeFileSync(join(dir, "report.ipynb"), JSON.stringify(table, null, 1));
      const index = await indexOf(dir, { history: false });
      const found = locate(index, "load_sales fails on a CSV without a month column", { top: 5 }).map((f) => f.path);
      assert.equal(found[0], "analysis.ipynb", found.join(", "));
    } finally {
      cleanup();
    }
  });
});
