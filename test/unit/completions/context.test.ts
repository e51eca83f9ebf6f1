// Repository context for completions: definitions and recent edits, looked up once per
// block of lines so the prompt's start stays the same while typing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ContextGatherer, CONTEXT_BLOCK, definitionPieces, recentEditPieces } from "../../../src/completions/context.ts";
import type { CompletionContext } from "../../../src/indexer/index.ts";

const FOUND: CompletionContext = {
  imports: ["import { price } from './pricing';"],
  snippets: [{ path: "src/pricing.ts", startLine: 3, endLine: 5, text: "export function price(item: Item): number {\n  return item.cents / 100;\n}", symbol: "price" }],
};

describe("completion context", () => {
  it("definitions of symbols near the cursor, and the imports once the cursor is far below them", () => {
    assert.deepEqual(definitionPieces(FOUND, "src/cart.ts", 10), [{ path: "src/pricing.ts", text: FOUND.snippets[0]!.text }]);
    assert.equal(definitionPieces(FOUND, "src/cart.ts", 300).at(-1)!.text, FOUND.imports[0]);
  });

  it("a few lines around recent edits in other files, not the cursor's own", () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    const pieces = recentEditPieces([{ path: "a.ts", line: 10, text }, { path: "cart.ts", line: 2, text }], "cart.ts");
    assert.deepEqual(pieces, [{ path: "a.ts", text: "line 6\nline 7\nline 8\nline 9\nline 10\nline 11\nline 12\nline 13\nline 14" }]);
  });

  it("looks up once per block of lines and keeps the same context while the cursor stays in it", async () => {
    const lookups: number[] = [];
    const gatherer = new ContextGatherer(async (_path, line) => (lookups.push(line), FOUND), 1000);
    const first = await gatherer.at("src/cart.ts", 17, "", []);
    for (let line = 17; line < 2 * CONTEXT_BLOCK; line++) assert.equal(await gatherer.at("src/cart.ts", line, "", []), first);
    assert.deepEqual(lookups, [17]);
    await gatherer.at("src/cart.ts", 2 * CONTEXT_BLOCK, "", []);
    assert.deepEqual(lookups, [17, 2 * CONTEXT_BLOCK]);
  });

  it("does not wait for a slow lookup: the request goes on with the previous context", async () => {
    let release!: () => void;
    const gatherer = new ContextGatherer(() => new Promise((resolve) => (release = () => resolve(FOUND))), 5);
    assert.deepEqual(await gatherer.at("src/cart.ts", 0, "", []), []);
    release();
    await new Promise((r) => setImmediate(r));
    assert.equal((await gatherer.at("src/cart.ts", 1, "", [])).length, 1);
  });
});
