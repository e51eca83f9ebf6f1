/**
 * terminalTextStream under seeded fuzzing: replies made of the characters its rules weigh
 * (zero-width joiners beside ASCII names, Persian and emoji, CR, surrogate halves,
 * variation selector runs, Hangul fillers, controls, bidi overrides), cut into random
 * pieces. Properties: the stream prints what terminalText prints of the whole reply, and
 * neither prints a raw control or bidi override. Seed and case count fixed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { terminalText, terminalTextStream } from "../../../src/cli/terminal-text.ts";
import { pick, seededRandom } from "../../fixtures/seeded-random.ts";

const PIECES = [
  "is", "Admin", " ", "x = ", "\n", "\r", "\r\n", "\t", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\u034f", "\u180e",
  "\u0645\u06cc", "\u062e\u0648\u0627\u0647\u0645", "\u0410", "\u0434", "\u0e01\u0e32", "\u1820\u1821", "\u1100", "\u1160", "\u3164", "\uffa0", "\uac00",
  "👨", "👩", "❤", "\ufe0f", "\ufe0e", "\udb40\udd00", "\udb40", "\udd01", "\ud83d", "\ude00", "\udb40\udc41", "\u202e", "\u2066", "\u200e",
  "\x1b", "[2J", "\x07", "\x7f", "\x9b", "\u2028", "\ufeff", "\u17b4", "\ud834\udd73",
];
/** What neither may print raw: C0 but tab, newline and a CR before a newline; DEL and C1; bidi controls; separators. */
const RAW = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]|\r(?!\n)/;

test("fuzz: a reply streamed in random pieces prints what terminalText prints of it whole, and nothing raw", () => {
  const rand = seededRandom(0x7e27);
  for (let i = 0; i < 3000; i++) {
    const text = Array.from({ length: 1 + Math.floor(rand() * 16) }, () => pick(rand, PIECES)).join("");
    const print = terminalTextStream();
    let out = "";
    for (let at = 0; at < text.length; ) {
      const size = 1 + Math.floor(rand() * 6);
      out += print(text.slice(at, at + size));
      at += size;
    }
    out += print.end();
    const whole = terminalText(text);
    assert.equal(out, whole, JSON.stringify(text));
    assert.doesNotMatch(whole, RAW, JSON.stringify(text));
  }
});
