import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IgnoreRules, isIgnored } from "../../../src/indexer/ignore.ts";
import { isPathExcluded, scanRepository } from "../../../src/indexer/scan.ts";
import { DEFAULT_LIMITS } from "../../../src/indexer/index.ts";
import { FIXTURES, tempDir } from "./helpers/setup.ts";

describe("gitignore rules", () => {
  const rules = IgnoreRules.parse("", ["# comment", "*.log", "!keep.log", "/build", "docs/**/*.tmp", "cache/", "a?c", "[xy].txt", "\\#hash"].join("\n"));
  const cases: [string, boolean, boolean][] = [
    ["debug.log", false, true],
    ["deep/dir/debug.log", false, true],
    ["keep.log", false, false],
    ["build", true, true],
    ["src/build", true, false],
    ["docs/a/b/c.tmp", false, true],
    ["docs/c.tmp", false, true],
    ["cache", true, true],
    ["cache", false, false],
    ["abc", false, true],
    ["x.txt", false, true],
    ["z.txt", false, false],
    ["#hash", false, true],
  ];
  for (const [path, isDir, expected] of cases) {
    it(`${path}${isDir ? "/" : ""} → ${expected ? "ignored" : "kept"}`, () => {
      assert.equal(isIgnored([rules], path, isDir), expected);
    });
  }

  it("applies a nested .gitignore relative to its folder, after the root's", () => {
    const root = IgnoreRules.parse("", "*.gen.ts\n");
    const nested = IgnoreRules.parse("pkg", "!keep.gen.ts\n/local.ts\n");
    assert.equal(isIgnored([root, nested], "pkg/keep.gen.ts", false), false);
    assert.equal(isIgnored([root, nested], "pkg/other.gen.ts", false), true);
    assert.equal(isIgnored([root, nested], "pkg/local.ts", false), true);
    assert.equal(isIgnored([root, nested], "pkg/sub/local.ts", false), false);
  });
});

describe("scanning a repository", () => {
  it("honours .gitignore (nested), .hearthignore, excluded folders; reports symlink loops", async () => {
    const { dir, cleanup } = tempDir();
    try {
      cpSync(join(FIXTURES, "shop"), dir, { recursive: true });
      mkdirSync(join(dir, "generated"));
      writeFileSync(join(dir, "generated/ignored.ts"), "export const X = 1;\n");
      writeFileSync(join(dir, "debug.log"), "noise\n");
      writeFileSync(join(dir, "src/users/.gitignore"), "secret.ts\n");
      writeFileSync(join(dir, "src/users/secret.ts"), "export const S = 1;\n");
      writeFileSync(join(dir, ".hearthignore"), "src/util/\n");
      mkdirSync(join(dir, "node_modules/dep"), { recursive: true });
      writeFileSync(join(dir, "node_modules/dep/index.js"), "module.exports = 1;\n");
      symlinkSync(dir, join(dir, "src/loop"));
      symlinkSync(join(dir, "missing-target"), join(dir, "src/dangling.ts"));
      const scan = await scanRepository(dir, DEFAULT_LIMITS);
      assert.deepEqual(
        scan.files.map((f) => f.path),
        [".gitignore", ".hearthignore", "README.md", "src/cart.ts", "src/checkout.ts", "src/inventory.ts",
          "src/payments/stripe.ts", "src/pricing.ts", "src/users/.gitignore", "src/users/session.ts"],
      );
      const reasons = Object.fromEntries(scan.skipped.map((s) => [s.path, s.reason]));
      assert.deepEqual(reasons, {
        "debug.log": "ignored",
        generated: "ignored",
        node_modules: "excluded-dir",
        "src/dangling.ts": "unreadable",
        "src/loop": "symlink-loop",
        "src/users/secret.ts": "ignored",
        "src/util": "ignored",
      });
    } finally {
      cleanup();
    }
  });

  it("hands each entered folder's ignore rules to isPathExcluded, which then reads no ignore file", async () => {
    const { dir, cleanup } = tempDir();
    try {
      cpSync(join(FIXTURES, "shop"), dir, { recursive: true });
      writeFileSync(join(dir, "src/users/.gitignore"), "secret.ts\n");
      const rulesCache = new Map<string, IgnoreRules[]>();
      await scanRepository(dir, { ...DEFAULT_LIMITS, rulesCache });
      assert.ok(["", "src", "src/users", "src/payments"].every((d) => rulesCache.has(d)), [...rulesCache.keys()].join(","));
      assert.equal(rulesCache.get("src/users")!.length, 1);
      assert.equal(rulesCache.get("src/payments")!.length, 0);
      // With the disk changed behind its back, the check still answers from the scan's rules.
      writeFileSync(join(dir, "src/users/.gitignore"), "# nothing\n");
      assert.equal(await isPathExcluded(dir, "src/users/secret.ts", DEFAULT_LIMITS, rulesCache), true);
      assert.equal(await isPathExcluded(dir, "src/users/secret.ts", DEFAULT_LIMITS, new Map()), false);
    } finally {
      cleanup();
    }
  });
});
