import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { findDefinitions, findReferences, type FileRecord } from "../../../src/indexer/index.ts";
import { FIXTURES, indexOf } from "./helpers/setup.ts";

const LANGS = join(FIXTURES, "langs");
const CTAGS = "/usr/bin/ctags";

// What Universal Ctags reports that our tags deliberately do not: `module.exports = {…}`
// object keys (not definitions), and TSX, which ctags does not parse at all.
const CTAGS_EXCEPTIONS = new Set(["queue.js:JobQueue:32"]);

interface CtagsTag {
  name: string;
  line: number;
  kind: string;
}

function ctagsOf(file: string): CtagsTag[] {
  const out = execFileSync(CTAGS, ["--output-format=json", "--fields=+nK", "-o", "-", file], { encoding: "utf8" });
  return out.split("\n").filter(Boolean).map((l) => JSON.parse(l) as CtagsTag);
}

function defKeys(record: FileRecord): Set<string> {
  return new Set(record.definitions.map((d) => `${d.name}:${d.line + 1}`));
}

describe("tags queries on fixture files", async () => {
  const index = await indexOf(LANGS);

  it("parses every fixture with its language", () => {
    const langs = Object.fromEntries([...index.files.values()].map((r) => [r.path, r.language]));
    assert.deepEqual(langs, {
      "Account.java": "java",
      "cache.rs": "rust",
      "inventory.py": "python",
      "list.c": "c",
      "matrix.cpp": "cpp",
      "queue.js": "javascript",
      "server.go": "go",
      "shapes.ts": "typescript",
      "widget.tsx": "tsx",
    });
  });

  it("finds every definition Universal Ctags finds (name and line)", { skip: !existsSync(CTAGS) && "no ctags" }, () => {
    for (const record of index.files.values()) {
      const ours = defKeys(record);
      const missing = ctagsOf(join(LANGS, record.path))
        .map((t) => `${t.name}:${t.line}`)
        .filter((k) => !ours.has(k) && !CTAGS_EXCEPTIONS.has(`${record.path}:${k}`));
      assert.deepEqual(missing, [], `${record.path}: ctags definitions we missed`);
    }
  });

  it("gives kinds, scopes and signature lines", () => {
    const area = findDefinitions(index, "area").find((d) => d.path === "shapes.ts" && d.scope === "Circle");
    assert.equal(area?.kind, "method");
    assert.equal(area?.signature, "area(): number {");
    const discounted = findDefinitions(index, "discounted")[0];
    assert.equal(discounted?.kind, "method");
    assert.equal(discounted?.scope, "Item");
    assert.equal(findDefinitions(index, "Server")[0]?.kind, "struct");
    assert.equal(findDefinitions(index, "Handler")[0]?.kind, "interface");
    assert.equal(findDefinitions(index, "hash_key")[0]?.kind, "function");
    const handle = findDefinitions(index, "Handle")[0];
    assert.equal(handle?.scope, "Server");
    const insert = findDefinitions(index, "insert")[0];
    assert.equal(insert?.scope, "Cache");
    const multiply = findDefinitions(index, "multiply").find((d) => d.kind === "method" && d.line === 23);
    assert.equal(multiply?.scope, "Matrix");
    assert.deepEqual(
      findDefinitions(index, "list_new").map((d) => [d.kind, d.startLine, d.endLine]),
      [["function", 20, 23]],
    );
  });

  it("finds references: calls, constructions, types", () => {
    const refs = (name: string): string[] => findReferences(index, name).map((r) => `${r.path}:${r.line + 1}:${r.kind}`);
    assert.ok(refs("Circle").includes("shapes.ts:36:class"));
    assert.ok(refs("drain").includes("queue.js:14:call"));
    assert.ok(refs("Item").includes("inventory.py:39:call"));
    assert.ok(refs("Handler").includes("server.go:19:type"));
    assert.ok(refs("evict").includes("cache.rs:27:call"));
    assert.ok(refs("Transaction").includes("Account.java:17:class"));
    assert.ok(refs("calloc").includes("list.c:22:call"));
    assert.ok(refs("formatLabel").includes("widget.tsx:8:call"));
    // A definition's own name is not also a reference.
    assert.ok(!refs("Matrix").includes("matrix.cpp:6:type"));
  });

  it("keeps import lines for completion context", () => {
    assert.deepEqual(index.files.get("inventory.py")?.imports, ["import os", "from collections import defaultdict"]);
    assert.deepEqual(index.files.get("list.c")?.imports, ["#include <stdlib.h>", '#include "list.h"']);
  });
});
