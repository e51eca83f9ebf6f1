// Text from outside (an environment variable, a GGUF's architecture, a file's first bytes)
// in one of hearth's own stderr lines: shown as printable ASCII, each other character as its
// escape, so it neither acts on the terminal nor leaves ASCII in a C locale. One function:
// four copies had each their own way ('?' for one, \xNN for another).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { printableAscii } from "../../../src/protocol/printable-ascii.ts";
import { parseLogLevel } from "../../../src/protocol/log-level.ts";

describe("printableAscii", () => {
  it("keeps printable ASCII and escapes controls, C1, line separators and letters outside ASCII", () => {
    assert.equal(printableAscii("qwen35 ~!"), "qwen35 ~!");
    assert.equal(printableAscii("a\u001b[2J\r\n\t\u007f\u0085\u009b"), "a\\x1b[2J\\x0d\\x0a\\x09\\x7f\\x85\\x9b");
    assert.equal(printableAscii("H\u00d6ME\u2028\u202e\ud83d\ude00"), "H\\u00d6ME\\u2028\\u202e\\u{1f600}");
    assert.equal(printableAscii(""), "");
  });

  it("clips to its first characters when given a count, a surrogate pair kept whole", () => {
    assert.equal(printableAscii("abcdef", 3), "abc");
    assert.equal(printableAscii("ab\ud83d\ude00cd", 3), "ab\\u{1f600}");
    assert.equal(printableAscii("x".repeat(1_000_000), 60), "x".repeat(60));
  });

  it("is how HEARTH_LOG_LEVEL's warning shows the value it did not read", () => {
    assert.match(parseLogLevel("\u001b[2J\u00e9").problem ?? "", /^HEARTH_LOG_LEVEL=\\x1b\[2J\\u00e9 is not a log level/);
  });
});
