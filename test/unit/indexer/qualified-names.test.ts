// find_symbol's lookup of a name written as the language qualifies it: Store.Get (Go), Circle::area (Rust), Outer.Builder (Java), acme::text::Parser::parse (C++).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { findDefinitions } from "../../../src/indexer/index.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { indexOf } from "./helpers/setup.ts";

const FILES: Record<string, string> = {
  "store.go": "package store\n\ntype Store struct{ items map[string]int }\n\nfunc (s *Store) Get(key string) int { return s.items[key] }\n\ntype Cache struct{}\n\nfunc (c Cache) Get(key string) int { return 0 }\n",
  "lib.rs": "pub trait Shape { fn area(&self) -> f64; }\npub struct Circle { r: f64 }\nimpl Shape for Circle {\n    fn area(&self) -> f64 { self.r }\n}\n",
  "Outer.java": "package com.acme;\n\npublic class Outer {\n    public static class Builder {\n        public Outer build() { return new Outer(); }\n    }\n}\n",
  "shapes.py": "class Polygon:\n    def area(self):\n        return 0\n\n\ndef area(shape):\n    return shape.area()\n",
  "calc.js": "export class Calc {\n  add(a, b) { return a + b; }\n}\nexport const calc = new Calc();\n",
  "parser.cpp": "namespace acme {\nnamespace text {\nclass Parser { public: int parse(); };\nint Parser::parse() { return 0; }\n}\n}\n",
};

describe("a qualified name finds its definition", async () => {
  const dir = tempDir("hearth-qualified-");
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  const index = await indexOf(dir, { history: false });
  const at = (name: string) => findDefinitions(index, name).map((d) => `${d.path}:${d.line + 1} ${d.name}${d.scope ? ` in ${d.scope}` : ""}`).sort();

  it("Go's receiver: Store.Get, not Cache.Get", () => assert.deepEqual(at("Store.Get"), ["store.go:5 Get in Store"]));
  it("Rust's impl: Circle::area", () => assert.deepEqual(at("Circle::area"), ["lib.rs:4 area in Circle"]));
  it("Java's nested class: Outer.Builder, and a package-qualified name by its last part", () => {
    assert.deepEqual(at("Outer.Builder"), ["Outer.java:4 Builder in Outer"]);
    assert.deepEqual(at("com.acme.Outer"), ["Outer.java:3 Outer"]);
  });
  it("C++'s namespaces and class: acme::text::Parser::parse", () => {
    assert.deepEqual(at("acme::text::Parser::parse"), ["parser.cpp:3 parse in Parser", "parser.cpp:4 parse in Parser"]);
  });
  it("Python's Class.method, and JavaScript's obj.method (an instance: its class's method)", () => {
    assert.deepEqual(at("Polygon.area"), ["shapes.py:2 area in Polygon"]);
    assert.deepEqual(at("calc.add"), ["calc.js:2 add in Calc"]);
  });
  it("a plain name is as before", () => assert.deepEqual(at("Get"), ["store.go:5 Get in Store", "store.go:9 Get in Cache"]));
});
