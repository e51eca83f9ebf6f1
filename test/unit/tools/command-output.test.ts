/**
 * What run_command hands the model when output is shaped by a terminal in mind: two streams
 * each redrawing an unfinished line, text whose lines end in a carriage return alone (a
 * classic-Mac file, an Excel for Mac CSV) against a progress bar's \r redraws, multi-line
 * progress redrawn with cursor-up, and UTF-16 that starts after UTF-8. OutputCollector is fed
 * the reads a pipe could give; `shown` is the text before Hearth's notes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OutputCollector } from "../../../src/tools/run-command.ts";

type Read = readonly ["stdout" | "stderr", string | Buffer];

/** The output as the model reads it, and the notes after it. */
function collect(reads: readonly Read[], max = 100_000): { shown: string; notes: string[] } {
  const collector = new OutputCollector(max);
  for (const [stream, data] of reads) collector.push(stream, typeof data === "string" ? Buffer.from(data) : data);
  const [shown = "", ...notes] = collector.end().text.split(/\n(?=\[[^\n]*\]\n$)|\n(?=\[[^\n]*\]\n\[)/);
  return { shown: notes.length > 0 ? `${shown}\n` : shown, notes };
}

describe("two streams each redrawing an unfinished line", () => {
  it("keep their lines apart: a redraw on one is never joined onto the other's text", () => {
    const { shown } = collect([
      ["stdout", "build  10%"],
      ["stderr", "fetch 1/3"],
      ["stdout", "\rbuild  50%"],
      ["stderr", "\rfetch 3/3\n"],
      ["stdout", "\rbuild 100%\n"],
    ]);
    assert.equal(shown, "fetch 3/3\nbuild 100%\n");
  });

  it("a line one stream left unfinished is not joined onto the other's next line (stdout's block-buffered write cut mid-line, a warning on stderr between)", () => {
    const { shown } = collect([
      ["stdout", "line 1\nline 2 is cut he"],
      ["stderr", "warning: x\n"],
      ["stdout", "re\nline 3\n"],
    ]);
    assert.equal(shown, "line 1\nwarning: x\nline 2 is cut here\nline 3\n");
  });

  it("unfinished lines of both at the end, and a line too long to hold, each end a line of their own", () => {
    const long = "x".repeat(20_000);
    assert.equal(collect([["stdout", "Continue? [y/N] "], ["stderr", "no input"]]).shown, "Continue? [y/N] \nno input");
    assert.equal(collect([["stdout", long], ["stderr", "warning\n"], ["stdout", "tail\n"]]).shown, `${long}\nwarning\ntail\n`);
  });
});
