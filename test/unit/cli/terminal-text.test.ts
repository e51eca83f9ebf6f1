// The CLI's one sanitizer for text from a checkout: what a terminal would act on is shown
// as an escape; everything else, non-ASCII text included, passes unchanged.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { terminalArguments, terminalJson, terminalName, terminalText, terminalTextStream, terminalWarning } from "../../../src/cli/terminal-text.ts";

describe("terminal text", () => {
  it("terminalText escapes ESC, BEL, other C0, DEL, C1 and bidi controls, keeps newlines, tabs and CRLF", () => {
    assert.equal(terminalText("a\x1b[2Jb\x07c\x00d\x7fe\x9bf\u202eg\u2069h"), "a\\x1b[2Jb\\x07c\\x00d\\x7fe\\x9bf\\u202eg\\u2069h");
    assert.equal(terminalText("line 1\n\tline 2\r\nline 3"), "line 1\n\tline 2\r\nline 3");
    assert.equal(terminalText("overwrite\rme"), "overwrite\\x0dme");
  });

  it("escapes the bidi marks (LRM, RLM, ALM) and the line and paragraph separators too", () => {
    // RLM reorders the neutral characters around it (`a.txt‏/..` can read otherwise), and a
    // terminal or a log viewer may break a line at U+2028.
    assert.equal(terminalText("a\u200fb\u200ec\u061cd\u2028e\u2029f"), "a\\u200fb\\u200ec\\u061cd\\u2028e\\u2029f");
    assert.equal(terminalName("run\u200f.sh"), "run\\u200f.sh");
    assert.deepEqual(JSON.parse(terminalJson(JSON.stringify({ p: "x\u2028y" }))), { p: "x\u2028y" });
    assert.doesNotMatch(terminalJson(JSON.stringify({ p: "x\u2028\u200fy" })), /[\u2028\u200f]/);
  });

  it("escapes the tag characters (invisible ASCII a model reads), as one escape each; JSON keeps its value", () => {
    const hidden = "x\u{E0072}\u{E006D}y";
    assert.equal(terminalText(hidden), "x\\u{e0072}\\u{e006d}y");
    assert.equal(terminalName(`run${hidden}.sh`), "runx\\u{e0072}\\u{e006d}y.sh");
    const json = terminalJson(JSON.stringify({ p: hidden }));
    assert.doesNotMatch(json, /\udb40/);
    assert.deepEqual(JSON.parse(json), { p: hidden });
  });

  it("terminalName keeps a name on one line: newline, tab and CR escaped too", () => {
    assert.equal(terminalName("src/a\nb\t\r.ts"), "src/a\\x0ab\\x09\\x0d.ts");
  });

  it("leaves ordinary text alone: accents, CJK, emoji, backslashes, zero-width joiners", () => {
    const text = "café/日本語/😀\\path/👩‍💻 ok";
    assert.equal(terminalText(text), text);
    assert.equal(terminalName(text), text);
  });

  it("escapes a zero-width character inside a name (is\\u200bAdmin is not isAdmin), a word joiner, invisible operators and a BOM", () => {
    assert.equal(terminalText("if (is\u200bAdmin(u)) x\u200d = a\u200cb;"), "if (is\\u200bAdmin(u)) x\\u200d = a\\u200cb;");
    assert.equal(terminalName("src/tok\u2060en.ts"), "src/tok\\u2060en.ts");
    assert.equal(terminalText("a\u2062b \ufeffc"), "a\\u2062b \\ufeffc");
    const value = { old_text: "isAdmin", new_text: "is\u200bAdmin" };
    const json = terminalJson(JSON.stringify(value));
    assert.equal(json, '{"old_text":"isAdmin","new_text":"is\\u200bAdmin"}');
    assert.deepEqual(JSON.parse(json), value);
    assert.equal(terminalText("👨\u200d👩\u200d👧 می\u200cخواهم สวัสดี\u200bครับ"), "👨\u200d👩\u200d👧 می\u200cخواهم สวัสดี\u200bครับ", "emoji, Persian and Thai keep theirs");
  });

  it("keeps a non-joiner or joiner between a Latin word or digit and a letter of another script: Persian API\u200cها, Hindi", () => {
    const text = "تست‌ها برای API‌ها، نسخه‌2، Python‍को";
    assert.equal(terminalText(text), text);
    assert.equal(terminalText("API‌ها is‌Admin"), "API‌ها is\\u200cAdmin");
  });

  it("escapes one inside an ASCII name beside a lone letter of another script or an invisible mark, streamed too", () => {
    assert.equal(terminalText("if (is\u200b\u0410dmin || is\u200b\ufe0fOwner) x;"), "if (is\\u200b\u0410dmin || is\\u200b\\ufe0fOwner) x;");
    const print = terminalTextStream();
    assert.equal(["isA\u0434", "\u200bmin = 1"].map(print).join(""), "isA\u0434\\u200bmin = 1", "what came before is read past the last character");
  });

  it("escapes a Hangul filler outside Korean text, and a grapheme joiner or Mongolian separator in a name, as the chat shows them", () => {
    assert.equal(terminalText("const { timeout,\u3164} = q; exec(\uffa0);"), "const { timeout,\\u3164} = q; exec(\\uffa0);");
    assert.equal(terminalName("is\u034fAdmin\u180e.ts"), "is\\u034fAdmin\\u180e.ts");
    assert.equal(terminalText("\u1100\u1160 ᠮᠣ\u180eᠠ"), "\u1100\u1160 ᠮᠣ\u180eᠠ", "old Hangul and Mongolian keep theirs");
  });

  it("a zero-width character at the edge of a streamed piece is escaped: hearth chat prints the model's text as it comes, is|\\u200b|Admin", () => {
    assert.equal(["is", "\u200b", "Admin"].map(terminalText).join(""), "is\\u200bAdmin");
    assert.equal(["is\u200b", "Admin"].map(terminalText).join(""), "is\\u200bAdmin");
    assert.equal(["👨", "\u200d👩"].map(terminalText).join(""), "👨\\u200d👩", "an emoji cut there shows its joiner: better than a name that hides one");
  });

  it("a streamed reply is escaped with what came before: a Persian non-joiner or an emoji joiner that starts or ends a piece stays; a name's is escaped", () => {
    const streamed = (pieces: string[]) => {
      const print = terminalTextStream();
      return pieces.map(print).join("") + print.end();
    };
    // Qwen's tokenizer starts a piece at a non-joiner (می | \u200cخواهم), and a joiner may end or be one.
    assert.equal(streamed(["سلام، می", "\u200cخواهم"]), "سلام، می\u200cخواهم");
    assert.equal(streamed(["می", "\u200c", "خواهم", " API", "\u200cها"]), "می\u200cخواهم API\u200cها");
    assert.equal(streamed(["👨", "\u200d", "👩", "\u200d👧 ok ❤\ufe0f\u200d", "🔥"]), "👨\u200d👩\u200d👧 ok ❤\ufe0f\u200d🔥");
    assert.equal(streamed(["is", "\u200b", "Admin"]), "is\\u200bAdmin");
    assert.equal(streamed(["is\u200b", "Admin"]), "is\\u200bAdmin");
    assert.equal(streamed(["x = ", "\u200bAdmin"]), "x = \\u200bAdmin");
    assert.equal(streamed(["x = \u200b", "Admin"]), "x = \\u200bAdmin", "unknown after a space: escaped");
    assert.equal(streamed(["a\x1b", "[2J \u202e", "b\r\n", "c\rd"]), "a\\x1b[2J \\u202eb\r\nc\\x0dd", "controls as terminalText writes them");
  });

  it("a streamed reply reads as the whole reply does where a piece ends in a CR, half a character, or a zero-width character whose word goes on", () => {
    const streamed = (pieces: string[]) => {
      const print = terminalTextStream();
      return pieces.map(print).join("") + print.end();
    };
    for (const pieces of [
      ["line one\r", "\nline two\r", "\n"],
      ["is\ufe0f\u200b", "Admin"],
      ["isA\u0434\u200b", "min = 1"],
      ["if (is\u200b\u0410", "dmin) x"],
      ["API", "\u200c", "\u0647\u0627 ok"],
      ["\u062a\u0633\u062a API\u200c\u0647", "\u0627 ok"],
      ["a \udb40", "\udc41 b \ud83d", "\ude00"],
      ["👨", "\u200d", "👩"],
    ]) {
      assert.equal(streamed(pieces), terminalText(pieces.join("")), JSON.stringify(pieces));
    }
    const print = terminalTextStream();
    assert.equal(print("rm -rf ~\r"), "rm -rf ~", "a CR waits for what follows it");
    assert.equal(print.end() + print.end(), "\\x0d", "the end prints what waited, once");
    assert.equal(print("x"), "x");
  });

  it("a streamed reply after end() is read as a new text: a tool call printed between two turns is not in what came before", () => {
    const print = terminalTextStream();
    assert.equal(print("\u0633\u0644\u0627\u0645"), "\u0633\u0644\u0627\u0645");
    print.end();
    assert.equal(print("\u200bAdmin") + print.end(), "\\u200bAdmin", "as terminalText shows one that starts a text");
  });

  it("a zero-width character that starts or ends a streamed reply is escaped, as terminalText escapes one at either end of a text", () => {
    const streamed = (pieces: string[]) => {
      const print = terminalTextStream();
      return pieces.map(print).join("") + print.end();
    };
    for (const pieces of [["done.\n", "\u200b"], ["done.\n\u200b"], ["\u200b", "\u0633\u0644\u0627\u0645"], ["\u200d\u0645\u06cc ok"]]) {
      assert.equal(streamed(pieces), terminalText(pieces.join("")), JSON.stringify(pieces));
    }
    assert.equal(streamed(["done.\n", "\u200b"]), "done.\n\\u200b");
  });

  it("escapes a soft hyphen inside a name (is\u00adAdmin shows as isAdmin on most terminals), in text, a file name and a stream; JSON keeps its value", () => {
    assert.equal(terminalText("if (is\u00adAdmin(u)) grant();"), "if (is\\xadAdmin(u)) grant();");
    assert.equal(terminalName("config\u00adprod.json"), "config\\xadprod.json");
    const print = terminalTextStream();
    assert.equal(["if (is", "\u00ad", "Admin)"].map(print).join("") + print.end(), "if (is\\xadAdmin)");
    const json = terminalJson(JSON.stringify({ new_text: "is\u00adAdmin" }));
    assert.equal(json, '{"new_text":"is\\u00adAdmin"}');
    assert.deepEqual(JSON.parse(json), { new_text: "is\u00adAdmin" });
  });

  it("a run of variation selectors (a 'Glassworm' payload: bytes no one sees) is escaped, its first few and then counted, on a bounded line; one in a name too", () => {
    const payload = Array.from({ length: 10_000 }, (_, i) => String.fromCodePoint(0xe0100 + (i % 240))).join("");
    const line = `+const s = "\u2764${payload}";`;
    assert.equal(terminalText(line), '+const s = "\u2764\\u{e0100}\\u{e0101}\\u{e0102}\\u{e0103}[+9996 more variation selectors]";');
    assert.equal(terminalName(`src/x\ufe00\ufe01.ts`), "src/x\\ufe00\\ufe01.ts");
    assert.equal(terminalText("if (is\ufe0fAdmin) a \u{e0100} b"), "if (is\\ufe0fAdmin) a \\u{e0100} b", "one after ASCII or a space picks no look");
    const json = terminalJson(JSON.stringify({ new_text: line }));
    assert.doesNotMatch(json, /[\ufe00-\ufe0f\udb40]/);
    assert.deepEqual(JSON.parse(json), { new_text: line }, "JSON keeps its value");
  });

  it("keeps the one variation selector that picks how a character looks: emoji, a keycap, a text-style heart, an ideograph's variant", () => {
    const honest = "I \u2764\ufe0f it, 1\ufe0f\u20e3 #\ufe0f\u20e3 \u2764\ufe0e \u845b\u{e0100}\u57ce";
    assert.equal(terminalText(honest), honest);
    assert.equal(terminalName(honest), honest);
    assert.equal(terminalJson(JSON.stringify(honest)), JSON.stringify(honest));
  });

  it("a streamed reply prints a run of variation selectors as the whole reply does, however it is cut, and an emoji's one as it is", () => {
    const payload = Array.from({ length: 50 }, (_, i) => String.fromCodePoint(0xe0100 + i)).join("");
    const streamed = (pieces: string[]) => {
      const print = terminalTextStream();
      return pieces.map(print).join("") + print.end();
    };
    for (const pieces of [
      ["x = '\u2764", ...payload.match(/../g)!, "' ok"],
      ["x = '\u2764", payload.slice(0, 21), payload.slice(21), "'"],
      ["I \u2764", "\ufe0f it, 1\ufe0f", "\u20e3 ", "1\ufe0f", "x"],
      ["is", "\ufe0f", "Admin"],
    ]) {
      assert.equal(streamed(pieces), terminalText(pieces.join("")), JSON.stringify(pieces));
    }
    assert.match(streamed(["x = '\u2764", ...payload.match(/../g)!, "' ok"]), /\[\+46 more variation selectors\]' ok$/);
  });

  it("a long run of variation selectors streamed one a piece is read once, not again at each piece (a reply echoing a 'Glassworm' payload)", () => {
    // Each piece re-read the run held so far: 40,000 selectors took 7 s, 300,000 would take minutes.
    const print = terminalTextStream();
    let out = print("s = '\u2764");
    for (let i = 0; i < 300_000; i++) out += print("\ufe01");
    for (let i = 0; i < 100_000; i++) out += print("\udb40") + print(String.fromCharCode(0xdd00 + (i % 240)));
    out += print("' ok") + print("\ufe02\ufe03".repeat(3)) + print.end();
    assert.equal(out, "s = '\u2764\\ufe01\\ufe01\\ufe01\\ufe01[+399996 more variation selectors]' ok\\ufe02\\ufe03\\ufe02\\ufe03[+2 more variation selectors]");
  });

  it("terminalJson keeps the JSON value but leaves no raw DEL, C1 or bidi control", () => {
    const value = { path: "a\x1b\x7f\x85\u202e\u2066.ts", lines: ["x\ny"] };
    const json = terminalJson(JSON.stringify(value, null, 2));
    assert.doesNotMatch(json, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    assert.deepEqual(JSON.parse(json), value);
  });
});

describe("the other default-ignorable characters (invisible wherever they are)", () => {
  it("are escaped: Khmer inherent vowels (is\u17b4Admin, a valid name), deprecated format characters, musical and shorthand format controls, unassigned tag-plane characters; a Mongolian free variation selector only in a name", () => {
    assert.equal(terminalText("is\u17b4Admin is\u17b5X a\u2065b a\u206ab a\u206fb a\ufff0b"), "is\\u17b4Admin is\\u17b5X a\\u2065b a\\u206ab a\\u206fb a\\ufff0b");
    assert.equal(terminalName("a\u{1D173}b\u{1BCA0}c\u{E0080}d\u{E01F0}e\u{E0FFF}.ts"), "a\\u{1d173}b\\u{1bca0}c\\u{e0080}d\\u{e01f0}e\\u{e0fff}.ts");
    assert.equal(terminalText("is\u180bAdmin ᠮᠣ\u180bᠠ"), "is\\u180bAdmin ᠮᠣ\u180bᠠ", "Mongolian text keeps its selectors");
    const value = { p: "is\u17b4A\u{E0080}" };
    assert.deepEqual(JSON.parse(terminalJson(JSON.stringify(value))), value);
    assert.doesNotMatch(terminalJson(JSON.stringify(value)), /[\u17b4\udb40]/);
  });
});

describe("terminalArguments (the approval questions of hearth fix and hearth chat --mcp)", () => {
  it("cuts a call's arguments at 300 characters, never inside a surrogate pair, and counts the rest", () => {
    // The opening `{"q":"` is 6 characters: the emoji's two halves are characters 300 and 301.
    const args = { q: `${"a".repeat(293)}😀${"b".repeat(50)}` };
    const json = JSON.stringify(args);
    const shown = terminalArguments(args);
    assert.equal(shown, `${json.slice(0, 299)} … (${json.length - 299} more characters not shown)`);
    assert.equal(terminalArguments({ q: "short" }), '{"q":"short"}');
  });

  it("shows a bidi control in the arguments as a JSON escape, and a warning's ⟨U+202E⟩ as the terminal writes it", () => {
    assert.equal(terminalArguments({ q: "a\u202eb" }), '{"q":"a\\u202eb"}');
    assert.equal(terminalWarning("a ⟨U+202E⟩ in\nit"), "a \\u202e in\nit");
  });
});
