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

  it("a frame of CJK text is cut to the terminal's width in columns, and padded by columns", () => {
    const frame = progressFrame("Loading 通义千问-7B-Chat-Q4_K_M.gguf", 20);
    assert.equal(frame, "\rLoading 通义千问-7B");
    assert.ok(terminalColumns(frame.slice(1)) <= 19);
    assert.equal(progressFrame("通义", 10), `\r通义${" ".repeat(5)}`);
    assert.equal(progressFrame("cafe\u0301", 10), `\rcafe\u0301${" ".repeat(5)}`);
  });
});
