// References are stored packed (a string table and a Uint32Array); unpacking gives back
// exactly what extraction found.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { extractSymbols } from "../../../src/indexer/extract.ts";
import { languageForPath, LanguageRegistry } from "../../../src/indexer/languages.ts";
import { packReferences, referenceCount, unpackReferences } from "../../../src/indexer/references.ts";
import type { Reference } from "../../../src/indexer/types.ts";
import { FIXTURES, QUERIES_DIR } from "./helpers/setup.ts";

test("pack and unpack round-trip, with and without scopes, and filter by name", () => {
  const refs: Reference[] = [
    { name: "parse", kind: "call", line: 3, col: 4, scope: "Config" },
    { name: "Config", kind: "type", line: 3, col: 20 },
    { name: "parse", kind: "call", line: 9, col: 0 },
    { name: "ünïcode", kind: "call", line: 70000, col: 123456, scope: "parse" },
  ];
  const packed = packReferences(refs);
  assert.deepEqual(packed.strings, ["parse", "call", "Config", "type", "ünïcode"]);
  assert.equal(referenceCount(packed), 4);
  assert.deepEqual(unpackReferences(packed), refs);
  assert.deepEqual(unpackReferences(packed, "parse"), [refs[0], refs[2]]);
  assert.deepEqual(unpackReferences(packed, "missing"), []);
  assert.deepEqual(unpackReferences(packReferences([])), []);
});

test("a fixture file's references survive packing in every language", () => {
  const registry = new LanguageRegistry(QUERIES_DIR);
  const dir = join(FIXTURES, "langs");
  for (const file of ["shapes.ts", "inventory.py", "server.go", "cache.rs", "matrix.cpp"]) {
    const found = extractSymbols(readFileSync(join(dir, file), "utf8"), registry.get(languageForPath(file)!), 5000).references;
    assert.ok(found.length > 3, file);
    assert.deepEqual(unpackReferences(packReferences(found)), found, file);
  }
});
