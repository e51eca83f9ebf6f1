/**
 * A token written into a constant's definition (`GITHUB_TOKEN = "ghp_…"`) is the definition's
 * signature: the repository map, which goes into the model's prompt, shows it masked, as
 * find_symbol's result does (secret-values.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildRepoMap } from "../../../src/indexer/index.ts";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { findSymbolTool } from "../../../src/tools/find-symbol.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

// Built from parts, so this file is not itself a store of tokens for a scanner to flag.
const GITHUB = `ghp_${"q7Rk2LmZ9vXa".repeat(3)}`;

describe("secret values in definitions", () => {
  it("the repo map and find_symbol show a constant's token masked", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "notify.js"), `export const GITHUB_TOKEN = "${GITHUB}";\nexport function notify() {\n  return GITHUB_TOKEN;\n}\n`);
      writeFileSync(join(dir, "main.js"), `import { GITHUB_TOKEN, notify } from "./notify.js";\nnotify(GITHUB_TOKEN);\n`);
      const index = await indexOf(dir);
      const map = buildRepoMap(index, { tokens: 2000 }).text;
      assert.ok(!map.includes(GITHUB), map);
      assert.match(map, /1│ export const GITHUB_TOKEN = "\[secret masked: GitHub token\]";/);
      const ctx = { workspace: new DiskWorkspace(dir), signal: new AbortController().signal, index: { findDefinitions: async (name: string) => index.files.get("notify.js")!.definitions.filter((d) => d.name === name).map((d) => ({ ...d, path: "notify.js" })), findReferences: async () => [] } };
      const found = await runTool(findSymbolTool, { name: "GITHUB_TOKEN" }, ctx as never);
      assert.ok(!found.text.includes(GITHUB) && !JSON.stringify(found.data).includes(GITHUB), found.text);
      assert.match(found.text, /notify\.js:1: constant: export const GITHUB_TOKEN = "\[secret masked: GitHub token\]";/);
      // The index stores the signature masked (not only the cache's copy of the token gone): the note still says what was.
      assert.match(found.text, /\[Masked 1 value that looks like a secret \(GitHub token, notify\.js:1\)/);
    } finally {
      cleanup();
    }
  });
  it("find_symbol names no mask for a signature whose own text reads like one (a test's expected output)", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "expected.js"), `export const SHOWN = "[secret masked: GitHub token]";\n`);
      const index = await indexOf(dir);
      const ctx = { workspace: new DiskWorkspace(dir), signal: new AbortController().signal, index: { findDefinitions: async (name: string) => index.files.get("expected.js")!.definitions.filter((d) => d.name === name).map((d) => ({ ...d, path: "expected.js" })), findReferences: async () => [] } };
      const found = await runTool(findSymbolTool, { name: "SHOWN" }, ctx as never);
      assert.match(found.text, /expected\.js:1: constant: export const SHOWN = "\[secret masked: GitHub token\]";/);
      assert.doesNotMatch(found.text, /\[Masked /, found.text);
    } finally {
      cleanup();
    }
  });
});
