import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { RepoIndex, indexQueries } from "../../../src/indexer/index.ts";
import { findSymbolTool } from "../../../src/tools/find-symbol.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

const QUERIES = join(import.meta.dirname, "../../../src/indexer/queries");

describe("find_symbol on a name many files define", () => {
  it("says that more definitions and references than it shows exist, and how to see more", async () => {
    const files: Record<string, string> = { "main.py": "from pkg import setup\n\n" + "setup()\n".repeat(40) };
    for (let i = 0; i < 45; i++) files[`pkg/m${String(i).padStart(2, "0")}.py`] = `def setup():\n    return ${i}\n`;
    const { root, ctx } = workspaceWith(files);
    const index = new RepoIndex({ root, queriesDir: QUERIES });
    await index.build();
    try {
      const tool = { ...ctx, index: indexQueries(index) };
      const r = await runTool(findSymbolTool, { name: "setup", references: true }, tool);
      assert.equal(r.ok, true, r.text);
      const lines = r.text.split("\n");
      assert.equal(lines.filter((l) => /^pkg\/m\d+\.py:1: function: def setup\(\):$/.test(l)).length, 30, r.text);
      assert.equal(lines.filter((l) => /^main\.py:\d+: /.test(l)).length, 30, r.text);
      assert.match(r.text, /\[More than 30 definitions; .*max_results.*\]/);
      assert.match(r.text, /\[More than 30 references; .*max_results.*\]/);
      // All of them fit: nothing is said to be left out.
      const all = await runTool(findSymbolTool, { name: "setup", references: true, max_results: 45 }, tool);
      assert.ok(all.text.includes("main.py:1: import"), all.text);
      assert.equal(all.text.split("\n").filter((l) => l.includes(": function: ")).length, 45);
      assert.equal(all.text.split("\n").filter((l) => l.startsWith("main.py:")).length, 41, all.text);
      assert.doesNotMatch(all.text, /More than/);
    } finally {
      await index.close();
    }
  });
});
