// Reuse of a completion while the user types what it predicted, and the debounce.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CompletionCache } from "../../../src/completions/cache.ts";
import { AdaptiveDebounce } from "../../../src/completions/debounce.ts";
import { typedAhead } from "../../../src/protocol/completions.ts";

describe("typed-ahead cache", () => {
  const cache = new CompletionCache();
  cache.store("file:///a.ts", "const total = ", ";\n", "items.reduce(add, 0)");

  it("serves the same completion at the same place, and its rest while the predicted characters are typed", () => {
    assert.equal(cache.lookup("file:///a.ts", "const total = ", ";\n"), "items.reduce(add, 0)");
    let prefix = "const total = ";
    for (const ch of "items.red") {
      prefix += ch;
      assert.equal(cache.lookup("file:///a.ts", prefix, ";\n"), "items.reduce(add, 0)".slice(prefix.length - "const total = ".length));
    }
  });

  it("misses when the typed text diverges, the text after the cursor changed, another file, or all of it was typed", () => {
    assert.equal(cache.lookup("file:///a.ts", "const total = itx", ";\n"), undefined);
    assert.equal(cache.lookup("file:///a.ts", "const total = it", ");\n"), undefined);
    assert.equal(cache.lookup("file:///b.ts", "const total = it", ";\n"), undefined);
    assert.equal(cache.lookup("file:///a.ts", "const total = items.reduce(add, 0)", ";\n"), undefined);
    assert.equal(cache.lookup("file:///a.ts", "const tota", ";\n"), undefined, "backspace before the completion's start");
  });

  it("the newest matching entry wins; forget drops a document", () => {
    cache.store("file:///a.ts", "const total = it", ";\n", "ems.length");
    assert.equal(cache.lookup("file:///a.ts", "const total = ite", ";\n"), "ms.length");
    cache.forget("file:///a.ts");
    assert.equal(cache.lookup("file:///a.ts", "const total = ", ";\n"), undefined);
  });

  it("the same rule on lines, as the extension applies it", () => {
    assert.equal(typedAhead({ before: "  x = ", after: "", text: "y + 1" }, "  x = y ", ""), "+ 1");
    assert.equal(typedAhead({ before: "  x = ", after: "", text: "y + 1" }, "  x = z", ""), undefined);
  });
});

describe("adaptive debounce", () => {
  it("starts at the initial wait, then follows the typing speed within its bounds", () => {
    const d = new AdaptiveDebounce({ initialMs: 60, minMs: 15, maxMs: 150 });
    assert.equal(d.next(0), 60);
    let t = 0;
    for (let i = 0; i < 6; i++) d.next((t += 100));
    assert.equal(d.delay(), 110, "1.1 × a 100 ms typing gap");
    for (let i = 0; i < 12; i++) d.next((t += 400));
    assert.equal(d.delay(), 150, "slow typing: capped");
    for (let i = 0; i < 12; i++) d.next((t += 5));
    assert.equal(d.delay(), 15, "a burst (paste, key repeat): the minimum");
  });

  it("a pause is not a typing gap", () => {
    const d = new AdaptiveDebounce({ initialMs: 60 });
    let t = 0;
    for (let i = 0; i < 6; i++) d.next((t += 80));
    d.next((t += 5000));
    assert.equal(d.delay(), 88);
  });
});
