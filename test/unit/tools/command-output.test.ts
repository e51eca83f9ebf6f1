/**
 * What run_command hands the model when output is shaped by a terminal in mind: two streams
 * each redrawing an unfinished line, text whose lines end in a carriage return alone (a
 * classic-Mac file, an Excel for Mac CSV) against a progress bar's \r redraws, multi-line
 * progress redrawn with cursor-up, and UTF-16 that starts after UTF-8. OutputCollector is fed
 * the reads a pipe could give; `shown` is the text before Hearth's notes.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { OutputCollector, runShell } from "../../../src/tools/run-command.ts";
import { tempDir } from "./helpers/setup.ts";

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

  it("what a killed command printed last with no newline (a prompt it hung on) is shown last, whichever stream held a line before it", () => {
    for (const [progress, prompt] of [
      ["stderr", "stdout"],
      ["stdout", "stderr"],
    ] as const) {
      const { shown } = collect([
        [progress, "Downloading  30%\rDownloading  60%"],
        [prompt, "step 1\n"],
        [prompt, "Continue? [y/N] "],
      ]);
      assert.equal(shown, "step 1\nDownloading  60%\nContinue? [y/N] \n", `progress on ${progress}, the prompt on ${prompt}`);
    }
  });
});

describe("text whose lines end in a carriage return alone, against a progress bar's redraws", () => {
  const mac = "name,age,city\rAlice,30,Paris\rBob,25,Rome\rCharlotte,41,Lyon\rEve,5,Nice\r";

  it("a classic-Mac file (an Excel for Mac CSV) cat'ed shows every line, kept as it is, however the reads split it", () => {
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const reads: Read[] = [];
      for (let at = 0; at < mac.length; at += size) reads.push(["stdout", mac.slice(at, at + size)]);
      assert.deepEqual(collect(reads), { shown: mac, notes: [] }, `reads of ${size}`);
    }
    assert.equal(collect([["stdout", mac], ["stdout", "done\n"]]).shown, `${mac}done\n`);
    assert.equal(collect([["stdout", mac.slice(0, -1)], ["stdout", "\n"]]).shown, mac.slice(0, -1) + "\n");
  });

  it("a last line with no line end after it, the first shorter than the one before, is not written over it ('Bob,2530,Paris')", () => {
    for (const text of ["name,age,city\rAlice,30,Paris\rBob,25", "hello world\rbye"]) {
      assert.deepEqual(collect([["stdout", text]]), { shown: text, notes: [] });
    }
  });

  it("a progress bar redrawn over itself (as long, padded, or erased first) still shows its last state, said in a note", () => {
    const bars = [
      ["Downloading  10%\rDownloading  55%\rDownloading 100%\n", "Downloading 100%\n"],
      ["  0%|          | 0/9\r 44%|####      | 4/9\r100%|##########| 9/9\n", "100%|##########| 9/9\n"],
      ["ETA 10s, 9.5 MB/s\rETA 9s, 10 MB/s  \rdone             \n", "done             \n"],
      ["resolving a-long-package-name\r\x1b[Kfetching b\r\x1b[2Kok\n", "ok\n"],
      ["Receiving objects:  10% (1/10)\r\rReceiving objects: 100% (10/10), done.\n", "Receiving objects: 100% (10/10), done.\n"],
    ];
    for (const [output, last] of bars) {
      for (const size of [1, 3, 1000]) {
        const reads: Read[] = [];
        for (let at = 0; at < output.length; at += size) reads.push(["stdout", output.slice(at, at + size)]);
        const { shown, notes } = collect(reads);
        assert.equal(shown, last, `${JSON.stringify(output)} in reads of ${size}`);
        assert.equal(notes.length, 1);
      }
    }
  });
});

describe("a CR that ends the output", () => {
  it("redraws nothing: lines of text that grow longer and end in CR are all shown", () => {
    assert.deepEqual(collect([["stdout", "line one\rline two\rline three\r"]]), { shown: "line one\rline two\rline three\r", notes: [] });
    assert.deepEqual(collect([["stdout", "hello\r"]]), { shown: "hello\r", notes: [] });
  });

  it("after a line erased and left empty at each of many redraws (a status line cleared with ESC [2K) shows it as the erase left it, not a CR per redraw", () => {
    const collector = new OutputCollector(100_000);
    collector.push("stdout", Buffer.from("x\x1b[2K\r".repeat(100_000)));
    // Nothing but the note that lines were redrawn.
    assert.match(collector.end().text, /^\[terminal control sequences[^\n]*\]\n$/);
  });
});

describe("UTF-16 that does not start the output", () => {
  const utf16 = (text: string) => Buffer.from(text, "utf16le");
  const NOTE = /UTF-16/;

  it("is decoded where it starts after UTF-8 (echo start; cat a file PowerShell wrote), in a read of its own or the same one", () => {
    for (const reads of [
      [["stdout", "start\n"], ["stdout", utf16("Name  größe\r\n")]],
      [["stdout", Buffer.concat([Buffer.from("start\n"), utf16("Name  größe\r\n")])]],
      [["stdout", Buffer.concat([Buffer.from("start\n"), Buffer.from([0xff, 0xfe]), utf16("Name  größe\r\n")])]],
    ] as Read[][]) {
      const { shown, notes } = collect(reads);
      assert.equal(shown, "start\nName  größe\r\n");
      assert.match(notes.join(""), NOTE);
    }
  });

  it("between UTF-8 lines of a real command, however the pipe splits the reads (echo start; cat notes.txt; echo done)", { timeout: 30_000 }, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "notes.txt"), Buffer.concat([Buffer.from([0xff, 0xfe]), utf16("Name  größe €\r\nnotes 😀\r\n")]));
    const outcome = await runShell("echo start; cat notes.txt; echo done", dir, 60_000, new AbortController().signal);
    assert.match(outcome.output, /^start\nName {2}größe €\r\nnotes 😀\r\ndone\n\[[^\n]*UTF-16[^\n]*\]\n$/);
  });

  it("gives way to UTF-8 again after it (cat a UTF-16 file; echo done), in a read of its own or the same one", () => {
    const done = Buffer.from("done ✓\n");
    for (const reads of [
      [["stdout", utf16("Name  größe\r\n")], ["stdout", done]],
      [["stdout", Buffer.concat([utf16("Name  größe\r\n"), done])]],
      [["stdout", Buffer.concat([Buffer.from("⏳\n"), utf16("Name  größe\r\n"), done])]],
    ] as Read[][]) {
      assert.match(collect(reads).shown, /^(⏳\n)?Name {2}größe\r\ndone ✓\n$/);
    }
  });

  it("is decoded whole where a read ends inside a line break's pair (after an odd-length line: echo hi; cat notes.txt), however the reads split it", () => {
    // Cyrillic (its letters' second byte 04) with a BOM at the start: without one, only Latin text is told from bytes.
    for (const [before, text] of [
      ["hi\n", "Name  größe €\r\nline two\r\nnotes 😀 done\r\n"],
      ["", "\ufeffПривет мир\nещё строка\n"],
    ]) {
      const bytes = Buffer.concat([Buffer.from(before), utf16(text)]);
      // From its third letter: a read ending one byte into UTF-16 that follows UTF-8 cannot say so.
      for (let at = before.length + 5; at < bytes.length; at++) {
        const { shown, notes } = collect([
          ["stdout", bytes.subarray(0, at)],
          ["stdout", bytes.subarray(at)],
        ]);
        assert.deepEqual({ shown, notes: notes.length }, { shown: before + text.replace("\ufeff", ""), notes: 1 }, `${JSON.stringify(text)} split at ${at}`);
      }
    }
  });

  it("is decoded though no space comes in its first 32 characters (a path, a rule of '=')", () => {
    for (const text of ["C:\\Users\\someone\\Documents\\projects\\hearth\\file.txt\r\n", `${"=".repeat(60)}\r\nName\r\n`]) {
      assert.equal(collect([["stdout", utf16(text)]]).shown, text);
    }
  });

  it("is not taken from NUL-separated lists (find -print0, git ls-files -z) or binary output", () => {
    const letters = Array.from({ length: 600 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("\0");
    for (const list of ["./a\0./b c\0./dd\0", `${letters}\0`]) {
      assert.deepEqual(collect([["stdout", list]]), { shown: list, notes: [] });
      assert.deepEqual(collect([["stdout", "files:\n"], ["stdout", list]]), { shown: `files:\n${list}`, notes: [] });
    }
    // An OpenType font (OTTO, then 10 tables: 00 0A …) cat'ed: 'O', NUL, LF, NUL is no line of UTF-16.
    const font = Buffer.from("4f54544f000a00800003002043464620", "hex");
    for (const reads of [[["stdout", font]], [["stdout", "start\n"], ["stdout", font]]] as Read[][]) {
      assert.doesNotMatch(collect(reads).notes.join(""), NOTE);
    }
    const binary = readFileSync(process.execPath);
    const reads: Read[] = [];
    for (let at = 0; at < 4 << 20; at += 65_536) reads.push(["stdout", binary.subarray(at, at + 65_536)]);
    assert.doesNotMatch(collect(reads, 1000).notes.join(""), NOTE);
  });
});
