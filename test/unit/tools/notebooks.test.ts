/** The agent's tools on a Jupyter notebook as a data scientist keeps one: figures as base64, an HTML table, code cells. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { notebookText } from "../../fixtures/notebook.ts";
import { workspaceWith } from "./helpers/setup.ts";

/** The longest run of base64 characters in `text`. */
function longestBase64(text: string): number {
  return Math.max(0, ...(text.match(/[A-Za-z0-9+/=]{100,}/g) ?? []).map((m) => m.length));
}

describe("read_file on a notebook", () => {
  // Three 60 KB figures: a read of the file showed 38,770 characters of the first figure's
  // base64 after its code, and each read on from there another 48,000 of base64.
  for (const eol of ["\n", "\r\n"] as const) {
    it(`shows every cell in one read, each figure's base64 left out and said (${JSON.stringify(eol)} line ends)`, async () => {
      const notebook = notebookText({ figures: 3, eol });
      const { ctx } = workspaceWith({ "analysis.ipynb": notebook });
      const r = await runTool(readFileTool, { path: "analysis.ipynb" }, ctx);
      assert.equal(r.ok, true, r.text);
      const lines = notebook.split(/\r?\n/).length - 1;
      assert.doesNotMatch(r.text, /Cut at the size limit|characters long/);
      assert.match(r.text, new RegExp(`^${lines}\\| \\}$`, "m"));
      assert.ok(longestBase64(r.text) < 100, `a run of ${longestBase64(r.text)} base64 characters was shown`);
      assert.ok(r.text.length < 20_000, `read_file returned ${r.text.length} characters`);
      assert.match(r.text, /"def load_sales\(path\):\\n",/);
      assert.match(r.text, /"def plot_revenue\(frame\):\\n",/);
      const data = [...r.text.matchAll(/^ *(\d+)\| +"image\/png": "\[Hearth: 59 KB of base64 image\/png output data left out\]",$/gm)].map((m) => Number(m[1]));
      assert.equal(data.length, 3, r.text);
      assert.ok(r.text.includes(`[Hearth: analysis.ipynb is a Jupyter notebook; lines ${data.join(", ")} hold base64 output data (figures)`), r.text);
    });
  }

  it("counts a figure's line as not seen: write_file refuses to replace the notebook, edit_file changes a cell and keeps the figures", async () => {
    const notebook = notebookText({ figures: 2 });
    const { ctx, root } = workspaceWith({ "analysis.ipynb": notebook });
    const read = await runTool(readFileTool, { path: "analysis.ipynb" }, ctx);
    assert.equal(read.ok, true, read.text);
    const model = read.text.split("\n").filter((l) => /^ *\d+\| /.test(l)).map((l) => l.replace(/^ *\d+\| /, "")).join("\n") + "\n";
    const write = await runTool(writeFileTool, { path: "analysis.ipynb", content: model }, ctx);
    assert.equal(write.ok, false);
    assert.match(write.text, /read only in part \(you have not seen lines? \d+(, \d+)? of \d+\)/);
    assert.equal(readFileSync(join(root, "analysis.ipynb"), "utf8"), notebook);

    const edit = await runTool(editFileTool, { path: "analysis.ipynb", old_text: '"    return pd.read_csv(path, parse_dates=[\\"month\\"])"', new_text: '"    return pd.read_csv(path, parse_dates=[\\"month\\"], index_col=0)"' }, ctx);
    assert.equal(edit.ok, true, edit.text);
    const after = JSON.parse(readFileSync(join(root, "analysis.ipynb"), "utf8"));
    const before = JSON.parse(notebook);
    assert.deepEqual(after.cells.slice(5), before.cells.slice(5));
    assert.equal(after.cells[2].source.at(-1), '    return pd.read_csv(path, parse_dates=["month"], index_col=0)');
  });

  it("shows a JSON file's long base64 line as before (only notebooks leave data out)", async () => {
    const data = Buffer.alloc(3000, 7).toString("base64");
    const { ctx } = workspaceWith({ "fixture.json": `{\n "image/png": "${data}"\n}\n` });
    const r = await runTool(readFileTool, { path: "fixture.json" }, ctx);
    assert.equal(r.ok, true, r.text);
    assert.ok(r.text.includes(data));
  });
});

describe("edits that keep a notebook valid JSON but break it as a notebook", () => {
  // JSON.parse accepted both, so they were written: Jupyter then refuses to open the notebook
  // ("'outputs' is a required property"), or the cell's two lines run into one.
  it("refuses a source line without its \\n (edit_file) and a code cell without outputs (write_file), and writes nothing", async () => {
    const notebook = notebookText({ figures: 0 });
    const { ctx, root } = workspaceWith({ "analysis.ipynb": notebook });
    const joined = await runTool(editFileTool, { path: "analysis.ipynb", old_text: '"import pandas as pd\\n",', new_text: '"import pandas as pd",\n     "import numpy as np\\n",' }, ctx);
    assert.equal(joined.ok, false);
    assert.match(joined.text, /would no longer be a notebook Jupyter and VS Code open as written: cell 2 has source line "import pandas as pd" without "\\n" at its end, so it joins the next line; nothing was written/);

    assert.equal((await runTool(readFileTool, { path: "analysis.ipynb" }, ctx)).ok, true);
    const parsed = JSON.parse(notebook);
    delete parsed.cells[1].outputs;
    const write = await runTool(writeFileTool, { path: "analysis.ipynb", content: JSON.stringify(parsed, null, 1) + "\n" }, ctx);
    assert.equal(write.ok, false);
    assert.match(write.text, /cell 2 is a code cell without an "outputs" list/);
    assert.equal(readFileSync(join(root, "analysis.ipynb"), "utf8"), notebook);

    const kept = await runTool(editFileTool, { path: "analysis.ipynb", old_text: '"import pandas as pd\\n",', new_text: '"import pandas as pd\\n",\n     "import numpy as np\\n",' }, ctx);
    assert.equal(kept.ok, true, kept.text);
    assert.deepEqual(JSON.parse(readFileSync(join(root, "analysis.ipynb"), "utf8")).cells[1].source, ["import pandas as pd\n", "import numpy as np\n", "import matplotlib.pyplot as plt"]);
  });

  it("lets a .ipynb that was no notebook be edited as JSON", async () => {
    const { ctx } = workspaceWith({ "draft.ipynb": '{"cells": "todo"}\n' });
    const r = await runTool(editFileTool, { path: "draft.ipynb", old_text: '"todo"', new_text: '"later"' }, ctx);
    assert.equal(r.ok, true, r.text);
  });
});
