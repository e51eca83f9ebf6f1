// A lazy build counts words without tree-sitter; `locateLazily` parses only what ranking
// needs; a full build finishes the rest. Real trees in temp folders, a real RepoIndex and cache.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { RepoIndex, analyzeQuery, locate, locateLazily } from "../../../src/indexer/index.ts";
import { candidateFiles } from "../../../src/indexer/lazy-locate.ts";
import { QUERIES_DIR, tempDir } from "./helpers/setup.ts";

/** 60 modules of unrelated helpers, and one chain the queries are about. */
function writeTree(root: string): void {
  const files: Record<string, string> = {
    "billing/ledger.py": "from billing.rates import exchange_rate\n\ndef post_entry(amount, currency):\n    return amount * exchange_rate(currency)\n",
    "billing/rates.py": "RATES = {}\n\ndef exchange_rate(currency):\n    return RATES.get(currency, 1.0)\n",
    "billing/report.py": "from billing.ledger import post_entry\n\ndef monthly_report(entries):\n    return [post_entry(e.amount, e.currency) for e in entries]\n",
  };
  for (let i = 0; i < 60; i++) {
    files[`misc/module_${i}.py`] = `def helper_${i}(value):\n    return value + ${i}\n\nclass Widget${i}:\n    def draw_${i}(self):\n        return helper_${i}(${i})\n`;
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

async function withTree(run: (root: string, storageDir: string) => Promise<void>): Promise<void> {
  const tree = tempDir("hearth-lazy-");
  const storage = tempDir("hearth-lazy-cache-");
  try {
    writeTree(tree.dir);
    await run(tree.dir, storage.dir);
  } finally {
    tree.cleanup();
    storage.cleanup();
  }
}

const QUERY = "exchange_rate returns 1.0 for unknown currencies, so post_entry books wrong amounts";

describe("lazy index and locateLazily", () => {
  it("a lazy build counts words only: every source file pending, no symbols, no cache written", async () => {
    await withTree(async (root, storageDir) => {
      const index = new RepoIndex({ root, queriesDir: QUERIES_DIR, storageDir });
      try {
        const report = await index.build({ lazy: true });
        assert.equal(report.files, 63);
        assert.equal(report.pending, 63);
        assert.equal(report.definitions, 0);
        assert.deepEqual(readdirSync(storageDir), [], "nothing written before the query's files are complete");
        // Words are there: lexical search works before any parse.
        assert.deepEqual([...index.tables.bm25(new Map([["rate", 1]])).keys()].sort(), ["billing/ledger.py", "billing/rates.py"]);
      } finally {
        await index.close();
      }
    });
  });

  it("locateLazily parses only what ranking needs and ranks like a full index", async () => {
    await withTree(async (root) => {
      const full = new RepoIndex({ root, queriesDir: QUERIES_DIR });
      const lazy = new RepoIndex({ root, queriesDir: QUERIES_DIR });
      try {
        await full.build();
        await lazy.build({ lazy: true });
        const expected = locate(full, QUERY, { top: 3 });
        const got = await locateLazily(lazy, QUERY, { top: 3 });
        assert.deepEqual(got.files.map((f) => f.path), expected.map((f) => f.path));
        assert.deepEqual(got.files[0]!.reasons, expected[0]!.reasons);
        // The three billing modules hold the query's words; the 60 others share none of them.
        assert.ok(got.parsed >= 2 && got.parsed <= 5, `parsed ${got.parsed} of 63`);
        assert.equal(lazy.pendingFiles(["billing/rates.py", "billing/ledger.py"]).length, 0, "the answer files are parsed");
        assert.deepEqual(lazy.files.get("billing/rates.py")!.definitions, full.files.get("billing/rates.py")!.definitions);
        assert.equal(lazy.pendingFiles().length, 63 - got.parsed);
      } finally {
        await full.close();
        await lazy.close();
      }
    });
  });

  it("on a complete index it is locate itself and parses nothing", async () => {
    await withTree(async (root) => {
      const index = new RepoIndex({ root, queriesDir: QUERIES_DIR });
      try {
        await index.build();
        const got = await locateLazily(index, QUERY, { top: 10 });
        assert.equal(got.parsed, 0);
        assert.deepEqual(got.files, locate(index, QUERY, { top: 10 }));
      } finally {
        await index.close();
      }
    });
  });

  it("the cache keeps what a query parsed; a full build parses the pending rest, from the cache too", async () => {
    await withTree(async (root, storageDir) => {
      const first = new RepoIndex({ root, queriesDir: QUERIES_DIR, storageDir });
      let parsed = 0;
      try {
        await first.build({ lazy: true });
        parsed = (await locateLazily(first, QUERY)).parsed;
        assert.ok((await first.saveIfChanged()) > 0);
        assert.equal(await first.saveIfChanged(), 0, "nothing new: no second write");
      } finally {
        await first.close();
      }
      const warm = new RepoIndex({ root, queriesDir: QUERIES_DIR, storageDir });
      try {
        const report = await warm.build({ lazy: true });
        assert.equal(report.cache, "hit");
        assert.equal(report.parsed, 0);
        assert.equal(report.pending, 63 - parsed, "files parsed by the first query stay parsed");
        assert.equal((await locateLazily(warm, QUERY)).parsed, 0, "the same query again parses nothing");
      } finally {
        await warm.close();
      }
      const complete = new RepoIndex({ root, queriesDir: QUERIES_DIR, storageDir });
      const fresh = new RepoIndex({ root, queriesDir: QUERIES_DIR });
      try {
        const report = await complete.build();
        assert.equal(report.pending, 0);
        assert.equal(report.parsed, 63 - parsed, "exactly the pending files were parsed");
        await fresh.build();
        assert.equal(report.definitions, fresh.summary().definitions);
        for (const [path, record] of fresh.files) assert.deepEqual(complete.files.get(path)!.words, record.words, path);
      } finally {
        await complete.close();
        await fresh.close();
      }
    });
  });

  it("a one-file update of a pending file parses it even though its bytes did not change", async () => {
    await withTree(async (root) => {
      const index = new RepoIndex({ root, queriesDir: QUERIES_DIR });
      try {
        await index.build({ lazy: true });
        assert.equal(await index.updateFile("billing/rates.py"), "parsed");
        assert.equal(index.files.get("billing/rates.py")!.symbolsPending, undefined);
        assert.ok(index.files.get("billing/rates.py")!.definitions.some((d) => d.name === "exchange_rate"));
        assert.ok(existsSync(join(root, "billing/rates.py")));
      } finally {
        await index.close();
      }
    });
  });
  it("parses the file that holds a message the issue quotes, though 50 files hold its words more often", async () => {
    const tree = tempDir("hearth-lazy-");
    try {
      const words = "cannot convert the selected ledger entry into another currency";
      const files: Record<string, string> = {
        // The message once, among many other words: BM25 ranks it below the 45 others.
        "billing/convert.py": `def apply(e):\n    ${Array.from({ length: 80 }, (_, i) => `step_${i} = e.value + ${i}`).join("\n    ")}\n    raise RuntimeError("${words}")\n`,
      };
      // 45 files hold its words (but "ledger") three times each, out of order; 5 hold "ledger" too.
      const shuffled = words.replace("ledger ", "").split(" ").reverse().join(" ");
      for (let i = 0; i < 45; i++) files[`billing/part_${i}.py`] = `# ${shuffled}; ${shuffled}; ${shuffled}\ndef part_${i}(entry):\n    return entry\n`;
      for (let i = 0; i < 100; i++) files[`misc/f_${i}.py`] = `def f_${i}():\n    return ${i}\n`;
      for (let i = 0; i < 5; i++) files[`billing/ledger_${i}.py`] = `# ledger: ${shuffled}; ledger ${shuffled}\ndef ledger_${i}(entry):\n    return entry\n`;
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(tree.dir, path)), { recursive: true });
        writeFileSync(join(tree.dir, path), text);
      }
      const index = new RepoIndex({ root: tree.dir, queriesDir: QUERIES_DIR, history: false });
      try {
        await index.build({ lazy: true });
        const issue = `Conversion fails\n\n\`\`\`\n${words}\n\`\`\`\n`;
        const lexical = [...index.tables.bm25(analyzeQuery(index, issue).terms).entries()].sort((a, b) => b[1].score - a[1].score).map(([p]) => p);
        assert.ok(lexical.indexOf("billing/convert.py") >= 40, `its words alone rank it ${lexical.indexOf("billing/convert.py") + 1}`);
        assert.ok(candidateFiles(index, issue).has("billing/convert.py"));
      } finally {
        await index.close();
      }
    } finally {
      tree.cleanup();
    }
  });
});
