import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { wellFormed } from "../../../src/protocol/plain-text.ts";

describe("wellFormed", () => {
  it("puts U+FFFD for each half of a surrogate pair without its other half, keeping whole pairs and the length", () => {
    const text = "a\ud83d b\ude00 c😀 \ude00\ud83d end\ud83d";
    const out = wellFormed(text);
    assert.equal(out, "a\ufffd b\ufffd c😀 \ufffd\ufffd end\ufffd");
    assert.equal(out.length, text.length);
    assert.equal(wellFormed("plain 😀 text"), "plain 😀 text");
    // Called again on the same text (a global regular expression keeps its lastIndex between calls if tested, not replaced).
    assert.equal(wellFormed(text), out);
  });
});
