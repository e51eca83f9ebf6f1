// Where a JSON text first goes wrong, as FILE:LINE:COLUMN on one line: V8 says "at position N"
// or nothing, and quotes the text with its newlines.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonErrorLine, jsonSyntaxError } from "../../../src/protocol/json-syntax.ts";

describe("jsonSyntaxError", () => {
  it("names the line and column of the first error, and what is wrong", () => {
    const cases: [string, number, number, RegExp][] = [
      ['{\n  "a": 1,\n}', 3, 1, /expected a property name in double quotes, found '}'/],
      ['{\n "a": tru\n}', 2, 7, /expected a value/],
      ["[1,\n2,,3]", 2, 3, /expected a value .*found ','/],
      ['{"a": "b\nc"}', 1, 9, /a line break inside a string/],
      ['{\n"a": undefined}', 2, 6, /found 'u'/],
      ['{"a": 1}\n}', 2, 1, /'}' after the end of the JSON value/],
      ['{"a": 01}', 1, 8, /a number is not written as JSON writes one/],
      ['{"a" 1}', 1, 6, /expected ':' after the property name/],
      ['{"a": [1 2]}', 1, 10, /expected ',' or '\]', found '2'/],
      ['{"a": "\\x"}', 1, 8, /the escape \\x is not one JSON has/],
      ["", 1, 1, /the file ends where a value is expected/],
      ['{"a": "never', 1, 7, /a string that is never closed/],
      ["\ufeff{}", 1, 1, /found U\+FEFF/],
      ['{\r\n  "a": 1,\r\n}', 3, 1, /expected a property name/],
    ];
    for (const [text, line, column, problem] of cases) {
      const error = jsonSyntaxError(text);
      assert.ok(error, JSON.stringify(text));
      assert.deepEqual([error.line, error.column], [line, column], JSON.stringify(text));
      assert.match(error.problem, problem, JSON.stringify(text));
      assert.throws(() => JSON.parse(text));
    }
  });

  it("finds nothing wrong in what JSON.parse reads, however deep or long", () => {
    for (const text of ['{"a": [1, -2.5e+3, true, false, null, "\\u00e9\\n", {}], "b": {"c": []}}', " 7 ", '"x"', "[".repeat(100_000) + "]".repeat(100_000), "1".repeat(5000)]) {
      JSON.parse(text);
      assert.equal(jsonSyntaxError(text), undefined, text.slice(0, 40));
    }
  });

  it("reads comments and trailing commas as VS Code does with jsonc, and an unclosed comment is an error", () => {
    assert.equal(jsonSyntaxError('// servers\n{ /* one\n two */ "a": [1, 2, ], "b": 3, // last\n}', { jsonc: true }), undefined);
    assert.deepEqual(jsonSyntaxError('{\n  /* one\n  two */ "a": nope}', { jsonc: true }), { line: 3, column: 15, problem: "expected a value (a string in double quotes, a number, true, false, null, [ or {), found 'n'" });
    assert.match(jsonSyntaxError('{"a": 1 /* never', { jsonc: true })?.problem ?? "", /a comment that is never closed/);
    assert.ok(jsonSyntaxError('{"a": [1,]}'), "a trailing comma is an error in plain JSON");
  });

  it("says it on one ASCII line, whatever the text around the error holds", () => {
    const line = jsonErrorLine("model.json", '{\n"turns": [\n\u001b[2J\u00e9]}');
    assert.equal(line, "model.json:3:1: expected a value (a string in double quotes, a number, true, false, null, [ or {), found U+001B");
    assert.match(line, /^[\x20-\x7e]+$/);
  });
});
