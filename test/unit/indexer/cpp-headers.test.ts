// A C++ project's `.h` headers and its out-of-line definitions with nested qualifiers, indexed as a user's project has them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findDefinitions } from "../../../src/indexer/index.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { indexOf } from "./helpers/setup.ts";

const PARSER_H = `#pragma once
#include <string>
namespace acme {
namespace text {
class Parser {
public:
  int parse(const std::string& s);
  class Cursor {
  public:
    bool advance();
  };
};
template <typename T> T identity(T x) { return x; }
}  // namespace text
}  // namespace acme
`;

const PARSER_CPP = `#include "parser.h"
namespace acme {
namespace text {
int Parser::parse(const std::string& s) { return s.empty() ? 0 : 1; }
}  // namespace text
}  // namespace acme

bool acme::text::Parser::Cursor::advance() { return false; }

int acme::text::helper(int x) { return x; }
`;

// A C header: stays C, its `class` a field name.
const LIST_H = `#ifndef LIST_H
#define LIST_H
#ifdef __cplusplus
extern "C" {
#endif
struct list { int class; struct list *next; };
int list_len(const struct list *l);
#ifdef __cplusplus
}
#endif
#endif
`;

describe("a C++ project's headers and out-of-line definitions", async () => {
  const dir = tempDir("hearth-cpp-headers-");
  mkdirSync(join(dir, "include"));
  writeFileSync(join(dir, "include", "parser.h"), PARSER_H);
  writeFileSync(join(dir, "parser.cpp"), PARSER_CPP);
  writeFileSync(join(dir, "list.h"), LIST_H);
  const index = await indexOf(dir, { history: false });
  const at = (name: string) => findDefinitions(index, name).map((d) => `${d.path}:${d.line + 1} ${d.kind}${d.scope ? ` in ${d.scope}` : ""}`).sort();

  it("parses a .h holding C++ (a namespace, a class) as C++, a C header as C", () => {
    assert.equal(index.files.get("include/parser.h")?.language, "cpp");
    assert.equal(index.files.get("list.h")?.language, "c");
    assert.deepEqual(at("list_len"), ["list.h:7 prototype"]);
  });

  it("finds the header's classes, nested class, namespaces and template", () => {
    assert.deepEqual(
      { Parser: at("Parser"), Cursor: at("Cursor"), text: at("text"), identity: at("identity") },
      { Parser: ["include/parser.h:5 class in text"], Cursor: ["include/parser.h:8 class in Parser"], text: ["include/parser.h:4 module in acme", "parser.cpp:3 module in acme"], identity: ["include/parser.h:13 function in text"] },
    );
  });

  it("finds out-of-line definitions under nested qualifiers (ns::Class::Inner::method), with the class as scope", () => {
    assert.ok(at("parse").includes("parser.cpp:4 method in Parser"), at("parse").join(", "));
    assert.ok(at("advance").includes("parser.cpp:8 method in Cursor"), at("advance").join(", "));
    assert.ok(at("helper").includes("parser.cpp:10 method in text"), at("helper").join(", "));
  });
});
