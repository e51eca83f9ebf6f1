// Where a completion may span lines, and where the model's text is cut.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cursorLines } from "../../../src/completions/engine.ts";
import { isMultiline, MAX_CHARS, MAX_LINES, trimCompletion } from "../../../src/completions/stop-rules.ts";

/** The cursor is at "|". */
const at = (text: string) => cursorLines(text.replace("|", ""), text.indexOf("|"));

describe("multi-line decision", () => {
  it("multi-line where the cursor opens a block, one line elsewhere", () => {
    assert.equal(isMultiline(at("function f(a) {|\n}\n")), true);
    assert.equal(isMultiline(at("def f(a):|\n")), true);
    assert.equal(isMultiline(at("const xs = items.map((x) =>|)\n")), true);
    assert.equal(isMultiline(at("if (ok) {\n  |\n}\n")), true, "an empty body under an opener");
    assert.equal(isMultiline(at("const x = |;\n")), false);
    assert.equal(isMultiline(at("  return a|\n")), false);
    assert.equal(isMultiline(at("if (ok) {\n  |\n  done();\n}\n")), false, "the block already has a body");
    assert.equal(isMultiline(at("foo({|a: 1})\n")), false, "code right of the cursor");
  });
});

describe("stop rules", () => {
  it("one line: cut at the first newline", () => {
    assert.equal(trimCompletion("a + b;\n  return c;\n", at("  const s = |\n"), false), "a + b;");
  });

  it("a block ends where its brackets close, and the closing line already below is not repeated", () => {
    const text = "\n  const s = a + b;\n  return s;\n}\n\nfunction next() {\n";
    assert.equal(trimCompletion(text, at("function f(a, b) {|\n"), true), "\n  const s = a + b;\n  return s;\n}");
    assert.equal(trimCompletion(text, at("function f(a, b) {|\n}\n"), true), "\n  const s = a + b;\n  return s;");
  });

  it("a Python block ends at the first line indented at or left of the opener", () => {
    const text = "\n    total = 0\n    for x in xs:\n        total += x\n    return total\ndef other():\n    pass\n";
    assert.equal(trimCompletion(text, at("def f(xs):|\n"), true), "\n    total = 0\n    for x in xs:\n        total += x\n    return total");
  });

  it("keeps a brace block's labels written at the opener's indentation: go's and C's case, C++'s public:", () => {
    // gofmt puts `case` at the `switch`'s indentation: cut at the first one, the block was nothing.
    const go = "\n\tcase 1:\n\t\treturn \"one\"\n\tdefault:\n\t\treturn \"many\"\n\t}\n\treturn \"\"\n";
    assert.equal(trimCompletion(go, at("func name(n int) string {\n\tswitch n {|\n"), true), "\n\tcase 1:\n\t\treturn \"one\"\n\tdefault:\n\t\treturn \"many\"\n\t}");
    const c = "\ncase 'a': return 1;\ndefault: return 0;\n}\nint other;\n";
    assert.equal(trimCompletion(c, at("switch (ch) {|\n"), true), "\ncase 'a': return 1;\ndefault: return 0;\n}");
    const cpp = "\npublic:\n  int parse(const char* s);\nprivate:\n  int depth_;\n};\n";
    assert.equal(trimCompletion(cpp, at("class Parser {|\n"), true), "\npublic:\n  int parse(const char* s);\nprivate:\n  int depth_;\n};");
    // Python's indentation still ends a block there: a label needs a brace block.
    assert.equal(trimCompletion("\n    x = 1\ndefault: 2\n", at("def f():|\n"), true), "\n    x = 1");
  });

  it("a block stops after two blank lines and at the line limit", () => {
    assert.equal(trimCompletion("\n  a();\n\n\n  b();\n", at("def f():|\n"), true), "\n  a();");
    const long = "\n" + Array.from({ length: 40 }, (_, i) => `    s${i}()`).join("\n");
    assert.equal(trimCompletion(long, at("def f():|\n"), true).split("\n").length, MAX_LINES);
  });

  it("drops what duplicates the text right of the cursor", () => {
    assert.equal(trimCompletion("a, b)", at("call(|)\n"), false), "a, b");
    assert.equal(trimCompletion("a, b);", at("call(|);\n"), false), "a, b");
    assert.equal(trimCompletion("'name'", at("get('|')\n"), false), "'name");
    assert.equal(trimCompletion("a, b", at("call(|)\n"), false), "a, b");
  });

  it("keeps the space between the completion and the text right of the cursor it stops before", () => {
    // Cut right before the repeat, the space the model wrote there is what separates the two.
    assert.equal(trimCompletion("user && ready) {", at("if (|ready) {\n"), false), "user && ", "not `if (user &&ready) {`");
    assert.equal(trimCompletion("not x", at("    return |x\n"), false), "not ", "not `return notx`, another name");
    assert.equal(trimCompletion("c + b;", at("const s = a + |b;\n"), false), "c + ");
    assert.equal(trimCompletion("c + b;", at("const s = a + | b;\n"), false), "c +", "the line has its own space there");
    assert.equal(trimCompletion(" foo", at("const a =|foo\n"), false), "", "nothing but a space is no completion");
  });

  it("leaves the closer the editor put right of the cursor on its own line when a block ends with it", () => {
    // `{` typed, VS Code added `}`: a body followed by that `}` must not end as `return 1;}`.
    assert.equal(trimCompletion("\n  return 1;\n}", at("function f() {|}\n"), true), "\n  return 1;\n");
    assert.equal(trimCompletion("\n    y();\n  }", at("  if (x) {|}\n"), true), "\n    y();\n  ", "the closer keeps its indentation");
    assert.equal(trimCompletion("\n    y();\n  });", at("  run(() => {|});\n"), true), "\n    y();\n  ");
  });

  it("takes a block's last line for the closer right of the cursor, not the closing line below, when it is that closer", () => {
    // A method in a class: the next line is the class's `}`, which the block's own closer looks like.
    assert.equal(trimCompletion("\n    return 1;\n  }", at("class A {\n  m() {|}\n}\n"), true), "\n    return 1;\n  ", "not `return 1;}`");
    assert.equal(trimCompletion("\n    x = {}\n  }", at("class A {\n  m() {|}\n}\n"), true), "\n    x = {}\n  ", "not `x = {}` closing the method");
    assert.equal(trimCompletion("\n    1\n  )", at("x = foo(\n  bar(|)\n)\n"), true), "\n    1\n  ");
    assert.equal(trimCompletion("return 1;\n}", at("if (x) {\n  |\n}\n"), true), "return 1;", "an empty body's closer is the line below");
  });

  it("drops the closers the editor already put right of the cursor when the completion closes with them and ends the statement", () => {
    // VS Code closes `(` as it is typed: the cursor sits before `)`, and a model writes the whole call.
    const cursor = at("console.log(|)\n");
    assert.equal(isMultiline(cursor), true, "the engine asks for a block here");
    assert.equal(trimCompletion("'total', total);", cursor, true), "'total', total");
    assert.equal(trimCompletion("a, b));", at("f(call(|))\n"), false), "a, b");
    assert.equal(trimCompletion("price(item), 0);", at("sum(|)\n"), true), "price(item), 0", "the completion's own brackets stay");
    assert.equal(trimCompletion("price(item));", at("sum(|)\n"), true), "price(item)");
    assert.equal(trimCompletion("'a', 'b']);", at("set([|])\n"), true), "'a', 'b'");
    assert.equal(trimCompletion("x) + y;", at("f(|)\n"), false), "x", "code after the closer: cut before the closer, not `f(x) + y;)`");
  });

  it("does not double the space already typed before the cursor", () => {
    // A prompt ending in a space makes a model start with a token that has its own space: `x =  1`.
    assert.equal(trimCompletion(" total + 1;", at("const x = |\n"), false), "total + 1;");
    assert.equal(trimCompletion("\t1,", at("f(a,\t|)\n"), false), "1,");
    assert.equal(trimCompletion("  return x;", at("  |\n"), false), "  return x;", "on an indentation-only line the model's indentation stays");
    assert.equal(trimCompletion(" + 1;", at("const x = y|\n"), false), " + 1;", "no space typed: the model's space stays");
  });

  it("compares only as much of a huge rest of the line as the completion is long", () => {
    const right = "x=y;".repeat(500_000);
    const cursor = at(`var q=|${right}\n`);
    const endsWith = String.prototype.endsWith;
    let compared = 0;
    String.prototype.endsWith = function (this: string, search: string, position?: number) {
      compared++;
      return endsWith.call(this, search, position);
    };
    try {
      assert.equal(trimCompletion("1;x=y", cursor, false), "1;");
    } finally {
      String.prototype.endsWith = endsWith;
    }
    assert.ok(compared <= "1;x=y".length, `${compared} comparisons`);
  });

  it("ends a completion before a control or bidirectional-override character", () => {
    // Invisible in ghost text, and U+202E reorders how the code after it reads ("Trojan Source").
    assert.equal(trimCompletion("isAdmin \u202E} if (ok) {", at("if (|)\n"), false), "isAdmin");
    assert.equal(trimCompletion("name\u0000rest", at("const a = |\n"), false), "name");
    assert.equal(trimCompletion("\n  log(1);\n  x(\u001b[2J);\n}", at("function f() {|\n"), true), "\n  log(1);", "a block: its whole lines before it");
    assert.equal(trimCompletion("a\tb", at("const a = |\n"), false), "a\tb", "a tab is text");
  });

  it("ends a completion before an invisible character — a zero-width one, an Arabic letter mark, a tag, a filler — that the prompt did not hold", () => {
    // Ghost text shows none of them; accepted with Tab, `isAdmin\u200B` is another name than `isAdmin` (ZWJ, ZWNJ and
    // variation selectors are even valid in a JavaScript identifier), U+061C reorders text as U+202E does, tags hide text.
    assert.equal(trimCompletion("isAdmin\u200B) {", at("if (|)\n"), false), "isAdmin");
    assert.equal(trimCompletion("user\u200D.role", at("const r = |\n"), false), "user");
    assert.equal(trimCompletion("a \u061C|| b", at("const ok = |\n"), false), "a");
    assert.equal(trimCompletion("x\u{E0041}\u{E0042};", at("const a = |\n"), false), "x");
    assert.equal(trimCompletion("\u3164 = 1;", at("const |\n"), false), "", "a Hangul filler: an invisible JavaScript name");
    assert.equal(trimCompletion("a\uFEFFb", at("const a = |\n"), false), "a");
    assert.equal(trimCompletion("a;\u2028b();", at("const a = |\n"), false), "a;", "a line separator: VS Code's unusual line terminator");
    assert.equal(trimCompletion("\n  log(1);\n  go\u200B();\n}", at("function f() {|\n"), true), "\n  log(1);", "a block: its whole lines before it");
  });

  it("keeps the joiners and variation selectors of an emoji, and an invisible character the file itself uses", () => {
    const family = "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}";
    assert.equal(trimCompletion(`"${family} family";`, at("const s = |\n"), false), `"${family} family";`);
    assert.equal(trimCompletion(`"\u2764\uFE0F ok";`, at("const s = |\n"), false), `"\u2764\uFE0F ok";`);
    assert.equal(trimCompletion(`"1\uFE0F\u20E3 first, #\uFE0F\u20E3 tag";`, at("const s = |\n"), false), `"1\uFE0F\u20E3 first, #\uFE0F\u20E3 tag";`, "a keycap: digit, selector, U+20E3");
    assert.equal(trimCompletion(`id1\uFE0F = 2;`, at("const |\n"), false), "id1", "a selector after a digit that no keycap follows is hidden");
    assert.equal(trimCompletion(`"\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";`, at("const flag = |\n"), false), `"\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";`, "a subdivision flag's tags");
    // Persian writes ZWNJ inside words: a file that holds it may get it back.
    const persian = "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645";
    assert.equal(trimCompletion(`"${persian}";`, at("title = |\n"), false, { shown: [`x = "${persian}"\ntitle = `] }), `"${persian}";`);
    assert.equal(trimCompletion(`"${persian}";`, at("title = |\n"), false), `"\u0645\u06CC`, "not shown: cut");
  });

  it("takes a lone CR (a server's \\r line ends) for the line break the editor makes of it: one line stays one line, a block's lines follow the block rules", () => {
    assert.equal(trimCompletion("a;\rconsole.log(a);", at("const a = |\n"), false), "a;", "not two lines in a one-line completion");
    assert.equal(trimCompletion("a;\r\nconsole.log(a);", at("const a = |\r\n"), false), "a;");
    assert.equal(trimCompletion("\r  log(1);\r}\r\rfunction next() {\r", at("function f() {|\n"), true), "\n  log(1);\n}", "the block ends where its brackets close");
    assert.equal(trimCompletion("\r\n  log(1);\r\n}", at("function f() {|\r\n"), true), "\r\n  log(1);\r\n}", "CRLF is kept as it came");
  });

  it("offers no more than MAX_CHARS characters, whatever a server sends (it may ignore the token limit)", () => {
    assert.equal(trimCompletion("a".repeat(100_000), at("const a = |\n"), false), "", "a line that long is not code to offer");
    const block = trimCompletion(Array.from({ length: 10 }, () => `  ${"x".repeat(400)};`).join("\n"), at("function f() {|\n"), true);
    assert.ok(block.length > 0 && block.length <= MAX_CHARS, `${block.length} characters`);
    assert.ok(block.split("\n").every((line) => line === `  ${"x".repeat(400)};`), "whole lines");
  });

  it("a line does not close a bracket the text right of the cursor already closes", () => {
    // `foo(bar(x)), 2)`: the completion's second `)` closed foo( before the `, 2` that is foo's.
    assert.equal(trimCompletion("x))", at("foo(bar(|), 2)\n"), false), "x");
    assert.equal(trimCompletion("1, 2]]", at("const m = [[|], [3]];\n"), false), "1, 2");
    assert.equal(trimCompletion("x))", at("foo(bar(|)\n"), false), "x)", "bar( is still open: its `)` is the completion's to write");
    assert.equal(trimCompletion("b)", at("foo(\n  a, |\n"), false), "b)", "nothing right of the cursor closes foo(");
    assert.equal(trimCompletion("a, \")\")", at("f(|)\n"), false), "a, \")\"", "a closer in a string is text");
    // Right after an opener, with the editor's closer on the right, the engine asks for a block (isMultiline): its first line too.
    assert.equal(isMultiline(at("f(|)\n")), true);
    assert.equal(trimCompletion("x) + y;", at("f(|)\n"), true), "x", "not `f(x) + y;)`");
    assert.equal(trimCompletion("total) + 1);\nnext();", at("console.log(|)\n"), true), "total", "the block ends there");
    assert.equal(trimCompletion("() => {\n  go();\n}, [])", at("useEffect(|)\n"), true), "() => {\n  go();\n}, []", "a block's own brackets stay");
  });

  it("a name's tick (Rust's lifetimes and labels, OCaml's type variables) is no quote where the language has them; a quote elsewhere", () => {
    const rust = { tickNames: true };
    assert.equal(trimCompletion("x: &'a str) -> bool {", at("fn check<'a>(|)\n"), true, rust), "x: &'a str");
    assert.equal(trimCompletion("x.len()))", at("    let n: &'a str = pick(first(|), 2);\n"), false, rust), "x.len()");
    assert.equal(trimCompletion("s))", at("    let v: Vec<&'static str> = keep(split(|), 1);\n"), false, rust), "s");
    assert.equal(trimCompletion("'(', ')'))", at("    let pair = both(chars(|), 2);\n"), false, rust), "'(', ')'", "a char literal is still one");
    assert.equal(trimCompletion("x))", at("print('a (b', foo(bar(|), 2))\n"), false), "x", "Python's string");
  });

  it("brackets inside strings do not end a block", () => {
    assert.equal(trimCompletion("\n  log(\"}\");\n  x();\n}\n", at("function f() {|\n"), true), "\n  log(\"}\");\n  x();\n}");
  });
});
