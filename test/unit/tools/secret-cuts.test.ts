/**
 * A secret value that a cut falls inside: run_command keeps a long output's head and tail, and
 * the index keeps a definition's first 160 characters as its signature. Masking comes after
 * the cut (runTool, the repository map), and a token's part is too short for its shape: the
 * cut must not split one, or its first (or last) characters reach the model unmasked.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildRepoMap } from "../../../src/indexer/index.ts";
import { maskSecrets } from "../../../src/protocol/secret-values.ts";
import { OutputCollector } from "../../../src/tools/run-command.ts";
import { indexOf, tempDir } from "../indexer/helpers/setup.ts";

// Built from parts, so this file is not itself a store of tokens for a scanner to flag.
const HEAD_TOKEN = `ghp_${"A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"}`;
const TAIL_TOKEN = `gho_${"Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"}`;
const KEY_LINES = Array.from({ length: 24 }, (_, i) => `MIIEv${String(i).padStart(2, "0")}QIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4`.slice(0, 64));

/** What the model reads of an output cut to `max` characters: masked as runTool masks it. */
function shown(output: string, max: number): string {
  const collector = new OutputCollector(max);
  collector.push("stdout", Buffer.from(output));
  return maskSecrets(collector.end().text).text;
}

describe("a cut that falls inside a secret value", () => {
  it("run_command: a token across the head's end or the tail's start shows none of its characters", () => {
    const filler = Array.from({ length: 200 }, (_, i) => `line ${i} of the build log`).join("\n");
    const head = `${"h".repeat(980)} ${HEAD_TOKEN} more\n`;
    const tail = ` ${TAIL_TOKEN} ${"t".repeat(980)}\n`;
    const text = shown(`${head}${filler}\n${tail}`, 2000);
    assert.match(text, /characters omitted/);
    for (const token of [HEAD_TOKEN, TAIL_TOKEN]) {
      for (let at = 0; at + 8 <= token.length; at += 4) assert.ok(!text.includes(token.slice(at, at + 8)), `${token.slice(at, at + 8)} shown:\n${text}`);
    }
  });

  it("run_command: a key block's lines whose beginning was cut away are not shown", () => {
    const key = ["-----BEGIN PRIVATE KEY-----", ...KEY_LINES, "-----END PRIVATE KEY-----"].join("\n");
    const text = shown(`${"start of the log\n".repeat(100)}${key}\ndone\n`, 1000);
    assert.match(text, /characters omitted/);
    for (const line of KEY_LINES) assert.ok(!text.includes(line.slice(8, 40)), `${line} shown:\n${text}`);
  });

  it("run_command: a URL whose password begins the tail, its scheme and user cut away, is not shown", () => {
    const url = "postgres://app:Xk9f2Lq7Pz@db.internal:5432/app";
    const text = shown(`${"start\n".repeat(400)}${"u".repeat(480)} ${url} ${"t".repeat(470)}\n`, 1000);
    assert.match(text, /characters omitted/);
    assert.ok(!text.includes("Xk9f") && !text.includes("2Lq7Pz@"), text);
  });

  it("the index: a definition's signature cut at 160 characters inside a token shows none of it, in the repository map either", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "config.js"), `export const CONFIG = { service: "${"s".repeat(95)}", token: "${HEAD_TOKEN}" };\nexport function load() {\n  return CONFIG;\n}\n`);
      const index = await indexOf(dir);
      const signature = index.files.get("config.js")!.definitions.find((d) => d.name === "CONFIG")!.signature;
      const map = buildRepoMap(index, { tokens: 2000 }).text;
      for (const text of [signature, map]) assert.ok(!text.includes("ghp_"), text);
      assert.match(signature, /^export const CONFIG = \{ service: "s+", token: "$/);
    } finally {
      cleanup();
    }
  });
});
