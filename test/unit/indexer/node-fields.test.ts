// extract.ts reads where a node starts from node-tree-sitter's node fields instead of its
// getters (a native call each). This checks, on every node of the fixture files in all
// languages, that both agree — so a binding upgrade that changes the layout fails here —
// and that the fast path is the one in use.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import Parser from "tree-sitter";
import { nodeFieldsTrusted, nodeStart } from "../../../src/indexer/extract.ts";
import { languageForPath, LanguageRegistry } from "../../../src/indexer/languages.ts";
import { FIXTURES, QUERIES_DIR } from "./helpers/setup.ts";

test("node starts read from the fields equal the getters on every node of every fixture language", () => {
  const registry = new LanguageRegistry(QUERIES_DIR);
  const parser = new Parser();
  let nodes = 0;
  const dir = join(FIXTURES, "langs");
  for (const file of readdirSync(dir)) {
    const language = languageForPath(file);
    assert.ok(language, file);
    parser.setLanguage(registry.get(language).grammar);
    // Non-ASCII text before the nodes: columns and offsets are in UTF-16 units.
    const source = `/* ünïcödé — 漢字 */\n${readFileSync(join(dir, file), "utf8")}`;
    const cursor = parser.parse(source).walk();
    let more = true;
    while (more) {
      const node = cursor.currentNode;
      const p = node.startPosition;
      assert.deepEqual(nodeStart(node), { index: node.startIndex, row: p.row, column: p.column }, `${file} ${node.type} at ${p.row}:${p.column}`);
      nodes++;
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) {
          more = false;
          break;
        }
      }
    }
  }
  assert.ok(nodes > 1000, `walked ${nodes} nodes`);
  assert.equal(nodeFieldsTrusted(), true);
});
