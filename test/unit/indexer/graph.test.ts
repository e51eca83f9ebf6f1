import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildGraph, identifierWeight, pageRank, pushPageRank } from "../../../src/indexer/graph.ts";
import { FIXTURES, indexOf } from "./helpers/setup.ts";

describe("file graph and PageRank", async () => {
  const index = await indexOf(join(FIXTURES, "shop"));
  const graph = buildGraph([...index.files.keys()], index.tables);
  const order = (ranks: Float64Array): string[] => [...ranks.keys()].sort((a, b) => ranks[b]! - ranks[a]!).map((i) => graph.paths[i]!);

  it("links a referencing file to the defining file", () => {
    const from = graph.indexOf.get("src/checkout.ts")!;
    const targets = [...graph.targets.slice(graph.offsets[from]!, graph.offsets[from + 1]!)].map((j) => graph.paths[j]);
    assert.deepEqual(targets.sort(), ["src/cart.ts", "src/inventory.ts", "src/payments/stripe.ts", "src/pricing.ts"]);
  });

  it("ranks are a distribution that favours the seeds' neighbourhood", () => {
    const seeds = new Map([["src/checkout.ts", 1]]);
    const ranks = pageRank(graph, seeds);
    assert.ok(Math.abs(ranks.reduce((a, b) => a + b, 0) - 1) < 1e-3);
    assert.equal(order(ranks)[0], "src/checkout.ts");
    const session = ranks[graph.indexOf.get("src/users/session.ts")!]!;
    assert.ok(ranks[graph.indexOf.get("src/payments/stripe.ts")!]! > session);
  });

  it("forward push agrees with power iteration at the top", () => {
    for (const seed of ["src/checkout.ts", "src/cart.ts"]) {
      const seeds = new Map([[seed, 1]]);
      assert.deepEqual(order(pushPageRank(graph, seeds, 1e-6)).slice(0, 4), order(pageRank(graph, seeds, 100)).slice(0, 4));
    }
  });

  it("weights identifiers like Aider: long compound names up, private and common ones down", () => {
    assert.equal(identifierWeight("applyDiscount", 1), 10);
    assert.equal(identifierWeight("_cache", 1), 0.1);
    assert.equal(identifierWeight("get", 9), 0.1);
  });
});
