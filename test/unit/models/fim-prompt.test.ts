// Qwen FIM prompts as segments, and stop strings.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyStops, renderFimSegments } from "../../../src/models/fim-prompt.ts";

const TOKENS = { prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>", repoName: "<|repo_name|>", fileSep: "<|file_sep|>" };

test("prefix, suffix and middle, with user text as content so control tokens in it stay text", () => {
  const segments = renderFimSegments({ prefix: "a = <|im_end|>", suffix: "\nb" }, TOKENS);
  assert.deepEqual(segments, [
    { kind: "template", text: "<|fim_prefix|>" }, { kind: "content", text: "a = <|im_end|>" },
    { kind: "template", text: "<|fim_suffix|>" }, { kind: "content", text: "\nb" },
    { kind: "template", text: "<|fim_middle|>" },
  ]);
});

test("repository context comes first, file by file, when the model has the tokens", () => {
  const segments = renderFimSegments({ prefix: "p", suffix: "s", repoName: "hearth", context: [{ path: "a.ts", content: "export const a = 1;" }] }, TOKENS);
  assert.equal(segments.map((s) => s.text).join(""), "<|repo_name|>hearth\n<|file_sep|>a.ts\nexport const a = 1;\n<|fim_prefix|>p<|fim_suffix|>s<|fim_middle|>");
  const { fileSep: _f, repoName: _r, ...bare } = TOKENS;
  assert.equal(renderFimSegments({ prefix: "p", suffix: "s", context: [{ path: "a.ts", content: "x" }] }, bare).map((s) => s.text).join(""), "<|fim_prefix|>p<|fim_suffix|>s<|fim_middle|>");
});

test("stops cut at the earliest stop string", () => {
  assert.deepEqual(applyStops("a\n\nb}c", ["}", "\n\n"]), { text: "a", stopped: true });
  assert.deepEqual(applyStops("abc", ["x"]), { text: "abc", stopped: false });
  assert.deepEqual(applyStops("abc", undefined), { text: "abc", stopped: false });
});
