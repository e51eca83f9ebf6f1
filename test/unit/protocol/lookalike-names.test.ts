// Homoglyph names: a Cyrillic "а" (U+0430) in `is_аdmin` or a Greek "ο" (U+03BF) in `pοrt`
// makes a name that looks like the ASCII one and is another ("Trojan Source", CVE-2021-42694).
// VS Code marks such letters in its editor; Hearth's approval cards, hearth fix's question
// and the tool results the model reads said nothing of them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findHiddenText, hiddenInCall, hiddenInChange, hiddenTextNotice, hiddenTextWarning } from "../../../src/protocol/visible-text.ts";

describe("names that mix ASCII letters with a Cyrillic or Greek letter that looks like one", () => {
  it("are counted, and the model and the user are told", () => {
    const code = "def is_\u0430dmin(u):\n    return u.p\u03bfrt == 8080 and \u0421onfig.ok\n";
    const hidden = findHiddenText(code);
    assert.equal(hidden?.lookalike, 3);
    assert.match(hiddenTextNotice(hidden!, "this tool result"), /3 names that mix ASCII letters with Cyrillic or Greek letters that look like them/);
    assert.match(hiddenTextWarning(hidden!, "The change", false), /3 names that mix .*"is_\\u0430dmin"/);
  });

  it("a change or a call that adds one is warned of; one that only keeps or removes it is not", () => {
    assert.equal(hiddenInChange("--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+if is_\u0430dmin(u): x = 1\n")?.lookalike, 1);
    assert.equal(hiddenInChange("--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-if is_\u0430dmin(u): x = 1\n+x = 1\n"), undefined);
    assert.equal(hiddenInCall({ path: "a.py", old_text: "return True", new_text: "return is_\u0430dmin(u)" })?.lookalike, 1);
  });

  it("a change that writes a file under such a name is warned of: a new file, a rename, a copy, the card's proposed write", () => {
    const created = "diff --git a/s\u0435ttings.py b/s\u0435ttings.py\nnew file mode 100644\n--- /dev/null\n+++ b/s\u0435ttings.py\n@@ -0,0 +1 @@\n+DEBUG = True\n";
    assert.deepEqual(hiddenInChange(created)?.lookalikeNames, ["s\\u0435ttings"]);
    assert.equal(hiddenInCall({ patch: created })?.lookalike, 1);
    const renamed = "diff --git a/auth.py b/\u0430uth.py\nsimilarity index 100%\nrename from auth.py\nrename to \u0430uth.py\n";
    assert.equal(hiddenInChange(renamed)?.lookalike, 1);
    assert.equal(hiddenInChange(renamed.replace(/rename/g, "copy"))?.lookalike, 1);
    assert.equal(hiddenInChange("--- a/s\u0435ttings.py\n+++ b/s\u0435ttings.py\n@@ new content @@\n+DEBUG = True")?.lookalike, 1);
    assert.equal(hiddenInChange("--- a/settings.py\n+++ b/settings.py\n@@ -1 +1 @@\n-DEBUG = False\n+DEBUG = True\n"), undefined);
  });

  it("leaves text in those scripts alone, and their symbols beside ASCII", () => {
    for (const [text, what] of [
      ["# Привет, мир: hello world\nprint('Ελληνικά') # ok", "Russian and Greek words beside English ones"],
      ["R = 10 k\u03a9; dt = 5 \u03bcs; \u03c3_x = 2; \u0394t = 1", "units and math: kΩ, μs, σ_x, Δt"],
      ["const userИмя = 1;", "a Cyrillic word with no letter that passes for Latin"],
      ["const отчёт_report = load('Ελλάδα_data');", "a name with a Russian or Greek word in it, whose other letters show the script"],
      ["сор, рос, хор", "Cyrillic words made only of letters that look Latin"],
    ] as const) {
      assert.equal(findHiddenText(text), undefined, what);
    }
  });

  it("leaves alone an escape, a format or a range's last letter before a word of those scripts", () => {
    // Seen in real repositories: dayjs's Mongolian locale, Prism's and highlight.js's grammars, Sphinx's Greek catalogue.
    for (const [text, what] of [
      ["MM: '%d\u0441\u0430\u0440',", "a printf format before a Mongolian word ('%dсар')"],
      ["/[a-zA-Z\u0430-\u044f\u0410-\u042f_$][\\w\u0430-\u044f\u0410-\u042f$]*/", "a regular expression's ranges of Cyrillic letters (Z\u0430-, \\w\u0430-)"],
      ['msgstr "sphinx.\\n\\n\u03a4\u03bf sphinx-quickstart\\n\u0397 \u03bc\u03bf\u03c1\u03c6\u03ae"', "a Greek article after a \\n escape in a string"],
    ] as const) {
      assert.equal(findHiddenText(text), undefined, what);
    }
    assert.equal(findHiddenText("x = \"\\t\u0456s_admin\"; y = my-b\u0430r; z = \\n\u0430dmin")?.lookalike, 3, "a name after an escape or a hyphen is still one");
  });
});
