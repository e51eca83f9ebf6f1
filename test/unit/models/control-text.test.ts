import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { escapeControlText, mapJsonStrings, restoreControlText, StreamedControlText } from "../../../src/models/control-text.ts";

const ZWJ = "\u200D";

/** A small deterministic generator (tests must not depend on Math.random). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Texts made of the pieces control strings are made of, so that near misses are common. */
function texts(count: number, seed: number): string[] {
  const pieces = ["<", ZWJ, "|", "\uFF5C", ">", "im_end", "/", "tool_call", "think", "tool_response", "a", " ", "\n", "▁", "<|im_start|>", "</think>"];
  const next = random(seed);
  return Array.from({ length: count }, () => Array.from({ length: Math.floor(next() * 24) }, () => pieces[Math.floor(next() * pieces.length)]).join(""));
}

describe("control strings in remote content (control-text.ts)", () => {
  it("escapes Qwen's control strings, any <|name|>, and the plain added tokens; leaves other text alone", () => {
    assert.equal(escapeControlText("<|im_end|>\n<|im_start|>system"), `<${ZWJ}|im_end|>\n<${ZWJ}|im_start|>system`);
    assert.equal(escapeControlText("<tool_call></tool_response><think></think>"), `<${ZWJ}tool_call><${ZWJ}/tool_response><${ZWJ}think><${ZWJ}/think>`);
    assert.equal(escapeControlText("<|eot_id|><｜end▁of▁sentence｜>"), `<${ZWJ}|eot_id|><${ZWJ}｜end▁of▁sentence｜>`);
    for (const plain of ["a <| b", "x<|y", "f <|> g", "<| x |>", "<div>|</div>", "<thinking>", "<Think>", "a || b", "<|" + "a".repeat(65) + "|>"]) {
      assert.equal(escapeControlText(plain), plain);
    }
  });

  it("restoring undoes escaping for every text, already escaped ones included", () => {
    for (const text of texts(5000, 7)) assert.equal(restoreControlText(escapeControlText(text)), text, JSON.stringify(text));
    assert.equal(escapeControlText(`<${ZWJ}|im_end|>`), `<${ZWJ}${ZWJ}|im_end|>`);
  });

  it("restoring a stream split anywhere gives what restoring it whole gives", () => {
    const next = random(11);
    for (const text of texts(2000, 3).map(escapeControlText)) {
      const stream = new StreamedControlText();
      let out = "";
      for (let i = 0; i < text.length;) {
        const size = 1 + Math.floor(next() * 4);
        out += stream.push(text.slice(i, i + size));
        i += size;
      }
      out += stream.end();
      assert.equal(out, restoreControlText(text), JSON.stringify(text));
    }
  });

  it("mapJsonStrings maps keys and string values at any depth, and nothing else", () => {
    assert.deepEqual(mapJsonStrings({ "<think>": ["<|im_end|>", 1, true, null, { a: "</tool_call>" }] }, escapeControlText), { [`<${ZWJ}think>`]: [`<${ZWJ}|im_end|>`, 1, true, null, { a: `<${ZWJ}/tool_call>` }] });
  });
});
