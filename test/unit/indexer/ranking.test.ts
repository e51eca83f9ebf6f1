import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRepoMap, contextAt, findDefinitions, findReferences, locate } from "../../../src/indexer/index.ts";
import { FIXTURES, indexOf } from "./helpers/setup.ts";

describe("ranking and outputs on the shop fixture", async () => {
  const index = await indexOf(join(FIXTURES, "shop"));
  const first = (query: string, opts = {}) => locate(index, query, opts)[0]?.path;

  it("a file whose symbols the query names ranks first", () => {
    assert.equal(first("applyDiscount gives a wrong total when the coupon is unknown"), "src/pricing.ts");
    assert.equal(first("calling releaseStock twice puts too many units back"), "src/inventory.ts");
    assert.equal(first("expireSession should also clear the cookie"), "src/users/session.ts");
  });

  it("a path named in the query ranks first", () => {
    assert.equal(first("there is a typo in src/util/format.ts"), "src/util/format.ts");
    assert.equal(first("crash in stripe.ts on empty card"), "src/payments/stripe.ts");
  });

  it("plain-language queries reach the right file through comments and identifiers", () => {
    assert.equal(first("give the money back to the customer for an earlier charge"), "src/payments/stripe.ts");
    assert.equal(first("logout does not end the login session"), "src/users/session.ts");
  });

  it("returns scores best first with reasons", () => {
    const results = locate(index, "applyDiscount coupon", { top: 3 });
    assert.ok(results.length > 1);
    for (let i = 1; i < results.length; i++) assert.ok(results[i - 1]!.score >= results[i]!.score);
    assert.ok(results[0]!.reasons.some((r) => r.includes("defines applyDiscount")));
    assert.ok(results[0]!.reasons.some((r) => r.startsWith("terms:")));
  });

  it("graph neighbours of a named file rank above unrelated files", () => {
    const ranked = locate(index, "checkout", { top: 10 }).map((r) => r.path);
    assert.equal(ranked[0], "src/checkout.ts");
    // checkout.ts calls into these; sessions have nothing to do with it.
    const session = ranked.indexOf("src/users/session.ts");
    for (const neighbour of ["src/inventory.ts", "src/payments/stripe.ts"]) {
      assert.ok(ranked.includes(neighbour), `${neighbour} listed`);
      assert.ok(session === -1 || ranked.indexOf(neighbour) < session, `${neighbour} above session.ts`);
    }
  });

  it("fits the repo map to the token budget, with the counter it is given", () => {
    for (const budget of [20, 60, 150, 400, 5000]) {
      const map = buildRepoMap(index, { tokens: budget });
      assert.ok(map.tokens <= budget, `${map.tokens} <= ${budget}`);
    }
    const small = buildRepoMap(index, { tokens: 60 });
    const large = buildRepoMap(index, { tokens: 5000 });
    assert.ok(large.definitions > small.definitions);
    assert.ok(large.text.includes("export function applyDiscount(amount: number, coupon?: string): number {"));
    const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
    const byWords = buildRepoMap(index, { tokens: 50, countTokens: words });
    assert.ok(words(byWords.text) <= 50 && byWords.definitions > 0);
  });

  it("puts the focused file's neighbourhood first in the map", () => {
    const map = buildRepoMap(index, { tokens: 80, openFiles: ["src/payments/stripe.ts"] });
    assert.equal(map.files[0], "src/payments/stripe.ts");
    const mentioned = buildRepoMap(index, { tokens: 80, query: "what calls formatPrice?" });
    assert.equal(mentioned.files[0], "src/util/format.ts");
    const described = buildRepoMap(index, { tokens: 80, query: "giving the money of a charge back to the customer fails" });
    assert.equal(described.files[0], "src/payments/stripe.ts");
  });

  it("looks up definitions and references by name", () => {
    assert.deepEqual(findDefinitions(index, "reserveStock").map((d) => `${d.path}:${d.line + 1}:${d.kind}`), ["src/inventory.ts:4:function"]);
    assert.deepEqual(findDefinitions(index, "reservestock").map((d) => d.name), ["reserveStock"]);
    assert.deepEqual(findReferences(index, "reserveStock").map((r) => `${r.path}:${r.line + 1}:${r.kind}:${r.scope ?? ""}`), [
      "src/checkout.ts:2:import:",
      "src/checkout.ts:9:call:checkout",
    ]);
  });

  it("gives completion context: imports and definitions used near the cursor", async () => {
    const ctx = await contextAt(index, "src/checkout.ts", 11);
    assert.ok(ctx.imports.includes('import { chargeCard } from "./payments/stripe";'));
    const symbols = ctx.snippets.map((s) => `${s.symbol}@${s.path}`);
    assert.ok(symbols.includes("chargeCard@src/payments/stripe.ts"));
    assert.ok(symbols.includes("releaseStock@src/inventory.ts"));
    const charge = ctx.snippets.find((s) => s.symbol === "chargeCard")!;
    assert.match(charge.text, /^export async function chargeCard/);
    const unsaved = await contextAt(index, "src/checkout.ts", 0, { text: "formatDate(new Date())\n" });
    assert.deepEqual(unsaved.snippets.map((s) => s.symbol), ["formatDate"]);
  });

  it("in one huge line (minified code) reads only the identifiers around the cursor's column", async () => {
    const filler = "var q=function(b){return b+1};".repeat(50_000);
    const text = `chargeCard(x);${filler}formatDate(new Date());${filler}releaseStock(y);\n`;
    const character = text.indexOf("formatDate") + 5;
    const ctx = await contextAt(index, "src/checkout.ts", 0, { text, character });
    assert.deepEqual(ctx.snippets.map((s) => s.symbol), ["formatDate"]);
  });
});
