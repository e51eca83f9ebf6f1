import assert from "node:assert/strict";
import { describe, it } from "node:test";
// @ts-expect-error: a plain .mjs script without type declarations
import { checkFile } from "../../../scripts/lint-imports.mjs";

const check = checkFile as (path: string, source: string) => string[];

describe("import-direction lint", () => {
  it("accepts the allowed directions", () => {
    assert.deepEqual(check("src/runtime/server.ts", 'import { x } from "../models/index.ts";\nimport * as l from "vscode-languageserver/node";'), []);
    assert.deepEqual(check("src/models/llama-cpp/validate.ts", 'import { x } from "../model-slot.ts";'), []);
    assert.deepEqual(check("src/extension/main.ts", 'import * as vscode from "vscode";\nimport { A } from "../protocol/lsp-ext.ts";'), []);
    assert.deepEqual(check("src/models/llama-cpp/probe.ts", 'const m = await import("node-llama-cpp");'), []);
  });

  it("rejects vscode outside src/extension", () => {
    assert.match(check("src/runtime/x.ts", 'import * as vscode from "vscode";').join(), /only src\/extension may import "vscode"/);
  });

  it("rejects node-llama-cpp outside src/models/llama-cpp", () => {
    assert.match(check("src/models/other.ts", 'import { getLlama } from "node-llama-cpp";').join(), /node-llama-cpp/);
    assert.match(check("src/runtime/x.ts", 'const m = await import("node-llama-cpp");').join(), /node-llama-cpp/);
  });

  it("lets other folders import src/models only through its index.ts", () => {
    assert.match(check("src/runtime/session.ts", 'import { createBackend } from "../models/factory.ts";').join(), /through src\/models\/index\.ts/);
    assert.match(check("src/cli/commands/fix.ts", 'import { x } from "../../models/llama-cpp/validate.ts";').join(), /through src\/models\/index\.ts/);
  });

  it("rejects imports of runtime/ and extension/, and webview → anything but protocol", () => {
    assert.match(check("src/cli/x.ts", 'import { startServer } from "../runtime/server.ts";').join(), /src\/cli may not import src\/runtime/);
    assert.match(check("src/agent/x.ts", 'import { y } from "../extension/config.ts";').join(), /may not import src\/extension/);
    assert.match(check("src/webview/x.ts", 'import { y } from "../models/source.ts";').join(), /may not import src\/models/);
    assert.match(check("src/webview/x.ts", 'import { readFile } from "node:fs";').join(), /runs in a browser/);
    assert.match(check("src/protocol/x.ts", 'import { z } from "zod";').join(), /src\/protocol may import only/);
  });

  it("rejects file names that are not kebab-case", () => {
    assert.match(check("src/runtime/runtimeState.ts", "").join(), /kebab-case/);
    assert.deepEqual(check("src/runtime/runtime-state.ts", ""), []);
  });
});
