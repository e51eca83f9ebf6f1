// The chat's notices name a message by its first line, shortened: an emoji or a letter with
// its marks was cut in two there (half a surrogate pair, a flag's half, a bare letter).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { shorten } from "../../../../src/extension/chat/wording.ts";

describe("shorten", () => {
  it("keeps a short first line whole and cuts a long one at 49 characters with an ellipsis", () => {
    assert.equal(shorten("  Fix the build\nsecond line"), "Fix the build");
    assert.equal(shorten("x".repeat(60)), `${"x".repeat(49)}…`);
  });

  it("cuts on whole characters as the eye sees them: an emoji, a flag, a family, a letter and its marks stay whole or go", () => {
    for (const character of ["😀", "🇫🇷", "👨‍👩‍👧", "e\u0301\u0302"]) {
      const line = `${"x".repeat(48)}${character}${"y".repeat(10)}`;
      const cut = shorten(line);
      assert.ok(cut.endsWith("…"), cut);
      const kept = cut.slice(0, -1);
      assert.ok(kept === "x".repeat(48) || kept === `${"x".repeat(48)}${character}`, JSON.stringify(kept));
    }
  });
});
