// A Jupyter notebook's cell is completed with the notebook's earlier cells of its language
// before it in the prefix (nearest first within their budget): the model completing cell 5
// sees the imports of cell 1.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CompletionEngine } from "../../../src/completions/engine.ts";
import { buildFimPrompt } from "../../../src/completions/prompt.ts";
import type { FimRequest } from "../../../src/models/index.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { OpenDocuments } from "../../../src/runtime/open-documents.ts";
import { completionExtras, earlierCellTexts } from "../../../src/runtime/completion-wiring.ts";
import { tempDir } from "../../fixtures/temp.ts";

class RecordingBackend extends ScriptedBackend {
  readonly asked: FimRequest[] = [];
  override complete(request: FimRequest) {
    this.asked.push(request);
    return super.complete(request);
  }
}

const CELL = (n: number) => `vscode-notebook-cell:/w/explore.ipynb#W${n}sZmlsZQ%3D%3D`;

describe("notebook cells in the prompt", () => {
  it("the engine puts the earlier cells before the cell's own text, in notebook order", async () => {
    const path = join(tempDir("hearth-cells-"), "model.json");
    writeFileSync(path, JSON.stringify({ turns: [], completions: ["read_csv('data.csv')"] }));
    const backend = new RecordingBackend(path);
    const engine = new CompletionEngine({ model: async () => ({ backend, which: "main" }), debounce: { initialMs: 0, minMs: 0 } });
    const cell = { uri: CELL(5), path: CELL(5), text: "df = pd.\n", version: 1, inFolder: true, earlierCells: ["x = np.arange(3)", "import pandas as pd\nimport numpy as np"] };
    const answer = await engine.complete(cell, { line: 0, character: 8 }, new AbortController().signal);
    assert.equal(answer.text, "read_csv('data.csv')");
    const asked = backend.asked[0]!;
    assert.equal(asked.prefix, "import pandas as pd\nimport numpy as np\n\nx = np.arange(3)\n\ndf = pd.");
    assert.equal(asked.prefix.slice(0, asked.prefixStableChars), "import pandas as pd\nimport numpy as np\n\nx = np.arange(3)\n\n", "the stable point is still the cursor line's start");
  });

  // Hostile size: each cell's trailing blanks were taken off with /\s+$/, which from every blank of a run scanned to its end
  // (quadratic): a notebook cell of 1 MB of spaces then a letter held the runtime some 10 minutes at each completion.
  it("takes a cell of 400,000 spaces and a letter at once, and its trailing blanks off as before", () => {
    const prompt = buildFimPrompt({ path: "c", text: "print(\n", offset: 6, earlierCells: ["b = 2 \t\n\n", `${" ".repeat(400_000)}x`], budget: { earlierCellsChars: 100 } });
    const cells = prompt.prefix.slice(0, -"print(".length);
    // The long cell does not fit and has no line start within the budget: the nearest cell alone, its blanks off.
    assert.equal(cells, "b = 2\n\n");
  });

  it("within their budget, nearest first: a cell that does not fit whole gives its last lines", () => {
    const near = "b = 2";
    const far = Array.from({ length: 40 }, (_, i) => `import m${i}`).join("\n");
    const prompt = buildFimPrompt({ path: "c", text: "print(\n", offset: 6, earlierCells: [near, far], budget: { earlierCellsChars: 100 } });
    const cells = prompt.prefix.slice(0, -"print(".length);
    assert.ok(cells.length <= 100, `${cells.length} characters`);
    assert.ok(cells.endsWith("b = 2\n\n"), "the nearest cell whole, right before the cell");
    assert.ok(cells.startsWith("import m"), "then the end of the farther one, from a line's start");
    assert.ok(cells.includes("import m39\n"));
  });

  it("the runtime takes the cells' text from the open documents, skipping those it does not have", () => {
    const documents = new OpenDocuments();
    documents.opened(CELL(1), "import pandas as pd");
    documents.opened(CELL(2), "df = 1");
    documents.opened("file:///w/.env", "API_KEY=sk-live-0123456789");
    documents.opened("vscode-notebook-cell:/w/other.ipynb#W0sZmlsZQ%3D%3D", "secret = 1");
    const texts = earlierCellTexts(documents, [CELL(2), CELL(9), "file:///w/.env", "vscode-notebook-cell:/w/other.ipynb#W0sZmlsZQ%3D%3D", CELL(1)], CELL(5));
    assert.deepEqual(texts, ["df = 1", "import pandas as pd"], "only cells of the same notebook");
    assert.deepEqual(earlierCellTexts(documents, [CELL(1)], "file:///w/a.py"), [], "a file has no earlier cells");
    assert.deepEqual(completionExtras({ earlierCells: [CELL(2), 7, CELL(1)] }), { earlierCells: [CELL(2), CELL(1)] });
    assert.deepEqual(completionExtras({ earlierCells: "x" }), {});
  });
});
