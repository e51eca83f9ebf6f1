// Identifiers in letters other than ASCII (JavaScript, Python, Go, Rust and Java allow any
// script): an issue that names one finds the file that defines it, and the index's words
// and the query's terms are the same words. Real files in a temp folder, the real indexer.
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { locate, locateEntities } from "../../../src/indexer/index.ts";
import type { RepoIndex } from "../../../src/indexer/repo-index.ts";
import { wordsOf } from "../../../src/indexer/quotes.ts";
import { identifiersIn, looksLikeIdentifier, splitIdentifier, termsOfWord } from "../../../src/indexer/text.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

const FILES: Record<string, string> = {
  "menu/prix.py": "def calculer_café(prix):\n    return prix * 2\n\n\ndef total(prix):\n    return prix\n",
  "data/loader.go": "package data\n\nfunc ПолучитьДанные(путь string) string {\n\treturn путь\n}\n",
  "ui/読み込み.js": "export function 読み込み(ファイル) {\n  return ファイル;\n}\n",
  "menu/other.py": "def caf(x):\n    return x\n\n\ndef unrelated(y):\n    return y\n",
};

async function setup(t: TestContext): Promise<RepoIndex> {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const index = await indexOf(dir, { history: false });
  t.after(() => index.close());
  return index;
}

describe("identifiers in any script", () => {
  it("are read whole from a text, and split at case changes as ASCII ones are", () => {
    assert.deepEqual(identifiersIn("call calculer_café() or ПолучитьДанные, 読み込み and parseFlags"), ["call", "calculer_café", "or", "ПолучитьДанные", "読み込み", "and", "parseFlags"]);
    assert.deepEqual(splitIdentifier("ПолучитьДанные"), ["получить", "данные"]);
    assert.deepEqual(termsOfWord("calculer_café"), ["calculercafé", "calcul", "café"]);
    assert.ok(looksLikeIdentifier("получитьДанные"));
    assert.ok(!looksLikeIdentifier("данные"));
    assert.deepEqual(wordsOf("Le café est fermé"), ["le", "café", "est", "fermé"]);
  });

  it("an ASCII text reads as before", () => {
    assert.deepEqual(identifiersIn("parseHTTPFlags_v2 at 3x $el"), ["parseHTTPFlags_v2", "at", "3x", "$el"]);
    assert.deepEqual(termsOfWord("parseHTTPFlags_v2"), ["parsehttpflagsv2", "pars", "http", "flag"]);
  });

  it("a name the issue writes is found where it is defined, with its whole name as the reason", async (t) => {
    const index = await setup(t);
    for (const [issue, path, name] of [
      ["`calculer_café` doubles the price", "menu/prix.py", "calculer_café"],
      ["ПолучитьДанные returns the path instead of the data", "data/loader.go", "ПолучитьДанные"],
      ["`読み込み` returns its argument", "ui/読み込み.js", "読み込み"],
    ] as const) {
      const files = locate(index, issue, { top: 3 });
      assert.equal(files[0]?.path, path, `${issue}: ${JSON.stringify(files)}`);
      assert.match(files[0]!.reasons.join("; "), new RegExp(`defines ${name}`), issue);
      const entities = locateEntities(index, issue, files, { top: 1 });
      assert.equal(entities[0]?.name, name, issue);
      assert.match(entities[0]!.reasons.join("; "), /named in the issue|its name is a word of the issue/, issue);
    }
  });

  it("the index's words are the query's terms: a word of the file's text finds it whole, and a cut ASCII part does not", async (t) => {
    const index = await setup(t);
    assert.deepEqual(index.tables.filesWith(termsOfWord("ファイル")[0]!, 10), ["ui/読み込み.js"]);
    assert.deepEqual(index.tables.filesWith(termsOfWord("путь")[0]!, 10), ["data/loader.go"]);
    // "café" was read as "caf" on both sides, and met the file that defines caf.
    assert.ok(!(index.tables.filesWith("caf", 10) ?? []).includes("menu/prix.py"));
  });
});
