// A C++ project's `.h` headers and its out-of-line definitions with nested qualifiers, indexed as a user's project has them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findDefinitions } from "../../../src/indexer/index.ts";
import { languageForFile } from "../../../src/indexer/languages.ts";
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

// C++ headers with none of a class body, `namespace x {` on one line, a template or an access label:
// an Allman-style namespace, a struct with member functions, `enum class`, C++17's `namespace a::b {`.
const UTIL_H = "#pragma once\n#include <string>\n\nnamespace util\n{\nstd::string trim(const std::string& s);\ninline int twice(int x) { return 2 * x; }\n}\n";
const VEC_H = "#pragma once\nstruct Vec {\n  float x, y;\n  float dot(const Vec& o) const { return x * o.x + y * o.y; }\n};\n";
const COLOR_H = "#pragma once\n#include <cstdint>\nenum class Color : std::uint8_t { Red, Green };\n";
const NESTED_H = "#pragma once\nnamespace acme::io {\nstruct Reader { int fd; };\n}\nnamespace acme::io::detail {\nstruct Buffer { int n; };\n}\n";
// A C header whose comment shows C++ use: stays C.
const BUF_H = "#ifndef BUF_H\n#define BUF_H\n/*\n  From C++:\n  namespace app {\n  class Owner { buf b; };\n*/\nstruct buf { char *data; int len; };\n#endif\n";

describe("a C++ project's headers and out-of-line definitions", async () => {
  const dir = tempDir("hearth-cpp-headers-");
  mkdirSync(join(dir, "include"));
  writeFileSync(join(dir, "include", "parser.h"), PARSER_H);
  writeFileSync(join(dir, "parser.cpp"), PARSER_CPP);
  writeFileSync(join(dir, "list.h"), LIST_H);
  for (const [name, text] of Object.entries({ "util.h": UTIL_H, "vec.h": VEC_H, "color.h": COLOR_H, "nested.h": NESTED_H, "buf.h": BUF_H })) writeFileSync(join(dir, name), text);
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

  it("parses as C++ a header whose C++ is an Allman namespace, member functions, enum class, std::, C++17 namespace a::b; a C header with C++ in a comment as C", () => {
    const languages = Object.fromEntries(["util.h", "vec.h", "color.h", "nested.h", "buf.h"].map((name) => [name, index.files.get(name)?.language]));
    assert.deepEqual(languages, { "util.h": "cpp", "vec.h": "cpp", "color.h": "cpp", "nested.h": "cpp", "buf.h": "c" });
    assert.deepEqual(
      { util: at("util"), dot: at("dot"), Vec: at("Vec"), Color: at("Color"), io: at("io"), Reader: at("Reader"), detail: at("detail"), Buffer: at("Buffer") },
      { util: ["util.h:4 module"], dot: ["vec.h:4 method in Vec"], Vec: ["vec.h:2 struct"], Color: ["color.h:3 enum"], io: ["nested.h:2 module"], Reader: ["nested.h:3 struct in io"], detail: ["nested.h:5 module"], Buffer: ["nested.h:6 struct in detail"] },
    );
  });
});

// Hostile size: comments and literals were emptied with one regular expression that looked for an unclosed comment's end
// from each `/*` to the end of the file (quadratic): a repository's 1 MB header of `/*\` held the index 49 s.
describe("a .h header of 1 MB of unclosed comments and literals", () => {
  it("is read at once, an unclosed comment or literal read as text, a closed one left out", () => {
    const unclosed = "/*\\".repeat(350_000);
    assert.equal(languageForFile("big.h", unclosed), "c");
    assert.equal(languageForFile("big.h", `${unclosed}\nclass Parser {\n`), "cpp");
    const quotes = '"\\"'.repeat(350_000);
    assert.equal(languageForFile("quotes.h", `${quotes}\nnamespace app {\n`), "cpp");
    assert.equal(languageForFile("closed.h", `/* namespace app { */\nchar *s = "class A {";\n// template<\nint n;\n${unclosed}`), "c");
  });
});
