// The FIM request layout: a prefix window whose start moves in steps, a short suffix, the
// stable point at the cursor line's start, and context within a token budget.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildFimPrompt, fitContext, PREFIX_STEP } from "../../../src/completions/prompt.ts";
import { estimateTokens } from "../../../src/indexer/index.ts";
import { renderFimSegments } from "../../../src/models/fim-prompt.ts";

const TOKENS = { prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>", repoName: "<|repo_name|>", fileSep: "<|file_sep|>" };
const lines = (n: number) => Array.from({ length: n }, (_, i) => `const v${i} = ${i};`).join("\n") + "\n";

describe("buildFimPrompt", () => {
  it("lays out Qwen's FIM tokens: repository context first, then prefix, suffix and middle", () => {
    const text = "import { add } from './math';\nconst x = add(1, 2);\nconsole.log(x);\n";
    const offset = text.indexOf("add(1");
    const prompt = buildFimPrompt({ path: "src/main.ts", text, offset, repoName: "demo", context: [{ path: "src/math.ts", text: "export function add(a: number, b: number) { return a + b; }" }] });
    const rendered = renderFimSegments(prompt, TOKENS).map((s) => s.text).join("");
    assert.equal(
      rendered,
      "<|repo_name|>demo\n<|file_sep|>src/math.ts\nexport function add(a: number, b: number) { return a + b; }\n" +
        "<|fim_prefix|>import { add } from './math';\nconst x = <|fim_suffix|>add(1, 2);\nconsole.log(x);\n<|fim_middle|>",
    );
  });

  it("marks the start of the cursor's line as the stable point", () => {
    const text = "a\nbb\ncc dd\n";
    const prompt = buildFimPrompt({ path: "f", text, offset: text.indexOf(" dd") });
    assert.equal(prompt.prefix, "a\nbb\ncc");
    assert.equal(prompt.prefix.slice(0, prompt.prefixStableChars), "a\nbb\n");
  });

  it("keeps the prompt's start byte-identical while typing, line after line, until the window steps", () => {
    const text = lines(400);
    const starts = new Set<string>();
    let previousStable = "";
    for (let line = 200; line < 200 + PREFIX_STEP - 1; line++) {
      const offset = text.split("\n").slice(0, line).join("\n").length + 1;
      for (const typed of ["", "c", "co", "con"]) {
        const edited = text.slice(0, offset) + typed + text.slice(offset);
        const prompt = buildFimPrompt({ path: "f", text: edited, offset: offset + typed.length });
        starts.add(prompt.prefix.slice(0, 40));
        const stable = prompt.prefix.slice(0, prompt.prefixStableChars);
        if (typed !== "") assert.equal(stable, previousStable, "typing on a line keeps everything before it");
        previousStable = stable;
      }
    }
    assert.ok(starts.size <= 2, `the window's first line moved ${starts.size - 1} times in ${PREFIX_STEP - 1} lines`);
  });

  it("bounds the prefix by lines and characters, and the suffix to a few lines", () => {
    const text = lines(1000);
    const offset = Math.floor(text.length / 2);
    const prompt = buildFimPrompt({ path: "f", text, offset, budget: { prefixLines: 50, prefixChars: 100_000, suffixLines: 3 } });
    assert.ok(prompt.prefix.split("\n").length <= 51);
    assert.ok(text.slice(0, offset).endsWith(prompt.prefix));
    assert.equal(prompt.suffix.split("\n").length, 5, "rest of the line, 3 lines, and the newline after the last");
    const byChars = buildFimPrompt({ path: "f", text, offset, budget: { prefixLines: 1000, prefixChars: 300 } });
    assert.ok(byChars.prefix.length < 300 + 40 * PREFIX_STEP);
  });

  it("given the cursor's line, finds the window by walking back from it, not by counting every line above", () => {
    const text = lines(200_000);
    const line = 150_000;
    const offset = text.split("\n").slice(0, line).join("\n").length + 1 + 6;
    const counted = buildFimPrompt({ path: "f", text, offset });
    const { indexOf, lastIndexOf } = String.prototype;
    let searches = 0;
    String.prototype.indexOf = function (this: string, ...args: Parameters<typeof indexOf>) {
      searches++;
      return indexOf.apply(this, args);
    };
    String.prototype.lastIndexOf = function (this: string, ...args: Parameters<typeof lastIndexOf>) {
      searches++;
      return lastIndexOf.apply(this, args);
    };
    let walked;
    try {
      walked = buildFimPrompt({ path: "f", text, offset, line });
    } finally {
      Object.assign(String.prototype, { indexOf, lastIndexOf });
    }
    assert.deepEqual(walked, counted);
    assert.ok(searches < 1000, `${searches} searches for a cursor on line ${line}`);
    // Against the rule written plainly (every line's start counted), with blank lines where walking back is easy to get wrong.
    const blanks = "\n\n\nx\n\ny\n".repeat(40);
    const budget = { prefixLines: 20, prefixChars: 30 };
    for (let at = 0; at <= blanks.length; at++) {
      const starts = [0, ...[...blanks.slice(0, at).matchAll(/\n/g)].map((m) => m.index + 1)];
      const cursorLine = starts.length - 1;
      let first = Math.floor(Math.max(0, cursorLine - budget.prefixLines) / PREFIX_STEP) * PREFIX_STEP;
      if (cursorLine - first > budget.prefixLines) first += PREFIX_STEP;
      while (first < cursorLine && starts[cursorLine]! - starts[first]! > budget.prefixChars) first += PREFIX_STEP;
      const expected = blanks.slice(starts[Math.min(first, cursorLine)]!, at);
      assert.equal(buildFimPrompt({ path: "f", text: blanks, offset: at, line: cursorLine, budget }).prefix, expected, `offset ${at}`);
    }
  });

  it("bounds the prefix within one huge line (minified code) and keeps its start still while typing", () => {
    const line = "var a=function(b){return b+1};".repeat(100_000);
    const offset = 1_500_000;
    const prompt = buildFimPrompt({ path: "app.min.js", text: line + "\n", offset });
    assert.ok(prompt.prefix.length <= 6000, `${prompt.prefix.length} characters of prefix`);
    assert.ok(line.slice(0, offset).endsWith(prompt.prefix));
    const stable = prompt.prefixStableChars ?? 0;
    assert.ok(stable >= 0 && stable <= prompt.prefix.length);
    const typed = buildFimPrompt({ path: "app.min.js", text: line.slice(0, offset) + "x" + line.slice(offset) + "\n", offset: offset + 1 });
    assert.ok(typed.prefix.startsWith(prompt.prefix), "one more key keeps the window's start");
    // A window that would start inside a surrogate pair starts after it.
    const emoji = "\u{1F600}".repeat(5000);
    const cut = buildFimPrompt({ path: "e.txt", text: emoji, offset: emoji.length });
    assert.ok(cut.prefix.length <= 6000 && !/^[\uDC00-\uDFFF]/.test(cut.prefix));
    // …and a suffix cut in one long line does not end inside one.
    const after = buildFimPrompt({ path: "e.txt", text: "x" + emoji, offset: 1 });
    assert.ok(after.suffix.length > 0 && after.suffix.length <= 400 && !/[\uD800-\uDBFF]$/.test(after.suffix));
  });

  it("fills the context budget most relevant first and writes the most relevant file last", () => {
    const pieces = [
      { path: "a.ts", text: "function a() {}" },
      { path: "b.ts", text: "x".repeat(4000) },
      { path: "c.ts", text: "function c() {}" },
      { path: "a.ts", text: "function a2() {}" },
    ];
    const fitted = fitContext(pieces, 50);
    assert.deepEqual(fitted.map((f) => f.path), ["c.ts", "a.ts"], "b.ts does not fit; a.ts (most relevant) comes last");
    assert.equal(fitted[1]!.content, "function a() {}\n...\nfunction a2() {}");
    const used = fitted.reduce((n, f) => n + estimateTokens(f.content), 0);
    assert.ok(used <= 50);
  });
});
