// package.json and the Language Model Chat Provider: the vendor the extension registers is
// the one it contributes (VS Code refuses an undeclared vendor), and the VS Code types are
// the engine's minimum (vsce refuses newer types; the 1.104 API is declared locally).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { LM_VENDOR } from "../../../src/protocol/lm.ts";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));

describe("package.json for VS Code's chat", () => {
  it("contributes exactly the 'hearth' language model vendor", () => {
    assert.deepEqual(pkg.contributes.languageModelChatProviders, [{ vendor: LM_VENDOR, displayName: "Hearth" }]);
  });

  it("pins @types/vscode to the engine minimum", () => {
    assert.equal(pkg.devDependencies["@types/vscode"], String(pkg.engines.vscode).replace(/^\^/, ""));
  });
});
