// A name written decomposed (NFD: é as e + U+0301, as macOS and archives made there write
// them) and the composed form a model writes (U+00E9) name the same file to a person.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runTool, toolByName } from "../../../src/tools/index.ts";
import { workspaceWith } from "./helpers/setup.ts";

const nfd = (s: string) => s.normalize("NFD");
const nfc = (s: string) => s.normalize("NFC");

describe("file names in another Unicode normalization form", () => {
  it("read, edit and replace the file on disk instead of missing it or writing a same-looking twin", async () => {
    const { root, ctx } = workspaceWith({ [nfd("café.ts")]: "export const cafe = 1;\n", [nfd("résumé/x.ts")]: "x\n" });
    const call = (tool: string, input: Record<string, string>) => runTool(toolByName(tool)!, input, ctx);
    const read = await call("read_file", { path: nfc("café.ts") });
    assert.equal(read.text, "1| export const cafe = 1;", read.text);
    assert.equal((await call("read_file", { path: nfc("résumé/x.ts") })).text, "1| x");
    const edit = await call("edit_file", { path: nfc("café.ts"), old_text: "1", new_text: "2" });
    assert.equal(edit.ok, true, edit.text);
    const write = await call("write_file", { path: nfc("café.ts"), content: "export const cafe = 3;\n" });
    assert.equal(write.ok, true, write.text);
    assert.deepEqual(readdirSync(root).sort(), [nfd("café.ts"), nfd("résumé")]);
    assert.equal(readFileSync(join(root, nfd("café.ts")), "utf8"), "export const cafe = 3;\n");
    const search = await call("search", { pattern: "x", path: nfc("résumé") });
    assert.match(search.text, /x\.ts:1: x/);
  });

  it("writes a new non-ASCII name into the folder on disk, not into a same-looking twin folder", async () => {
    const { root, ctx } = workspaceWith({ [nfd("résumé/x.ts")]: "x\n" });
    const write = await runTool(toolByName("write_file")!, { path: nfc("résumé/née.ts"), content: "n\n" }, ctx);
    assert.equal(write.ok, true, write.text);
    assert.deepEqual(readdirSync(root), [nfd("résumé")]);
    assert.deepEqual(readdirSync(join(root, nfd("résumé"))).sort(), [nfc("née.ts"), "x.ts"]);
  });

  it("keeps to the exact name where both forms exist", async () => {
    const { ctx } = workspaceWith({ [nfd("café.ts")]: "decomposed\n", [nfc("café.ts")]: "composed\n" });
    assert.equal((await runTool(toolByName("read_file")!, { path: nfc("café.ts") }, ctx)).text, "1| composed");
    assert.equal((await runTool(toolByName("read_file")!, { path: nfd("café.ts") }, ctx)).text, "1| decomposed");
  });

  it("refuses a name that two spellings on disk match, neither as written, instead of writing a third", async () => {
    // ệ has more than two spellings: e + U+0323 + U+0302 (NFD), ẹ + U+0302, and ệ (NFC, as a model writes it).
    const decomposed = "e\u0323\u0302.ts";
    const half = "\u1eb9\u0302.ts";
    const { root, ctx } = workspaceWith({ [decomposed]: "one\n", [half]: "two\n" });
    const write = await runTool(toolByName("write_file")!, { path: "\u1ec7.ts", content: "three\n" }, ctx);
    assert.equal(write.ok, false, write.text);
    assert.match(write.text, /^Error \(ambiguous-match\): "\\u1ec7\.ts" matches 2 names on disk that differ only in how their accents are encoded/);
    assert.ok(write.text.includes(JSON.stringify(decomposed).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)), write.text);
    assert.deepEqual(readdirSync(root).sort(), [decomposed, half].sort());
    const read = await runTool(toolByName("read_file")!, { path: "\u1ec7.ts" }, ctx);
    assert.match(read.text, /^Error \(ambiguous-match\)/);
    // Either spelling, given exactly, is read.
    assert.equal((await runTool(toolByName("read_file")!, { path: half }, ctx)).text, "1| two");
  });
});
