// A progress frame wider than the terminal wraps, and each redraw (\r goes back to the start
// of the last screen line only) then leaves a line behind. CJK and full-width letters and
// most emoji take two columns, combining marks none: counting characters made a model
// named 通义千问 (hearth chat's "Loading …") or a download of one twice the width allowed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { progressFrame } from "../../../src/cli/command.ts";
import { terminalColumns } from "../../../src/cli/columns.ts";

describe("progress frames of text that is not one column a character", () => {
  it("terminalColumns counts wide letters and emoji as two columns, combining marks and joiners as none", () => {
    assert.equal(terminalColumns("abc"), 3);
    assert.equal(terminalColumns("通义千问"), 8);
    assert.equal(terminalColumns("ＡＢ"), 4);
    assert.equal(terminalColumns("한국어"), 6);
    assert.equal(terminalColumns("cafe\u0301"), 4);
    assert.equal(terminalColumns("🚀 ok"), 5);
    assert.equal(terminalColumns("👨\u200d👩\u200d👧"), 6);
  });

  // ❤ (U+2764), ⚠, ☀ are one column as text; U+FE0F asks for the emoji, which VTE, kitty,
  // iTerm2 and Windows Terminal draw two wide: counted as one, a frame of them wrapped.
  it("an emoji made so by U+FE0F takes two columns, as most terminals draw it", () => {
    assert.equal(terminalColumns("\u2764\ufe0f ok"), 5);
    assert.equal(terminalColumns("\u26a0\ufe0f"), 2);
    assert.equal(terminalColumns("1\ufe0f\u20e3"), 2);
    assert.equal(terminalColumns("\u2764 ok"), 4, "the text heart stays one column");
    assert.equal(terminalColumns("\u{1f680}\ufe0f"), 2, "an emoji already wide stays two");
    assert.equal(terminalColumns("e\ufe0f"), 1, "a selector after a letter that is no emoji picks nothing");
    assert.equal(progressFrame("\u2764\ufe0f\u2764\ufe0f\u2764\ufe0f", 6), "\r\u2764\ufe0f\u2764\ufe0f\u2764");
    assert.equal(progressFrame("\u2764\ufe0f", 10), `\r\u2764\ufe0f${" ".repeat(7)}`);
  });

  it("a frame of CJK text is cut to the terminal's width in columns, and padded by columns", () => {
    const frame = progressFrame("Loading 通义千问-7B-Chat-Q4_K_M.gguf", 20);
    assert.equal(frame, "\rLoading 通义千问-7B");
    assert.ok(terminalColumns(frame.slice(1)) <= 19);
    assert.equal(progressFrame("通义", 10), `\r通义${" ".repeat(5)}`);
    assert.equal(progressFrame("cafe\u0301", 10), `\rcafe\u0301${" ".repeat(5)}`);
  });
});
