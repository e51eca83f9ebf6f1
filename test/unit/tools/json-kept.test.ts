// An edit that would break a JSON file's JSON is refused (checkJsonKept) naming where it
// breaks. It gave V8's message, which for a word where a value goes quotes the text around
// it with its line breaks and names no place ('Unexpected token 'u', "{\n  "a": u..." is not
// valid JSON'): the model was told nothing it could go to. It names the line and column now.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkJsonKept } from "../../../src/tools/text-file.ts";

function refusal(path: string, before: string, after: string): string {
  try {
    checkJsonKept(path, before, after);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail("the edit was not refused");
}

describe("checkJsonKept's refusal", () => {
  it("names the line and column where the JSON breaks, on one line", () => {
    const before = '{\n  "name": "p",\n  "private": true\n}\n';
    const word = refusal("package.json", before, '{\n  "name": "p",\n  "private": yes\n}\n');
    assert.match(word, /^"package\.json" would no longer be valid JSON \(line 3, column 14: expected a value .*found 'y'\); nothing was written/);
    assert.doesNotMatch(word, /\n/);
    const comma = refusal("n.ipynb", before, '{\n  "name": "p",\n  "private": true,\n}\n');
    assert.match(comma, /\(line 4, column 1: expected a property name in double quotes, found '}'\)/);
  });

  it("still leaves a file that never parsed, and an edit that keeps it valid", () => {
    assert.doesNotThrow(() => checkJsonKept("tsconfig.json", "{ // c\n}", "{ // d\n"));
    assert.doesNotThrow(() => checkJsonKept("a.json", "[1]", "[1, 2]"));
  });
});
