// Hostile replies (a prompt-injected file, a pasted log) must not hold the page's only
// thread: the work marked does for them is counted here in regular-expression runs, which
// is where its quadratic scans spend it, never timed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import "./dom-env.ts";
import { markdownFragment } from "../../../src/webview/markdown.ts";

/** `markdownFragment(markdown)` and how many times a regular expression ran while it did. */
function counted(markdown: string): { fragment: DocumentFragment; runs: number } {
  const exec = RegExp.prototype.exec;
  let runs = 0;
  RegExp.prototype.exec = function (this: RegExp, text: string) {
    runs++;
    return exec.call(this, text);
  };
  try {
    return { fragment: markdownFragment(markdown), runs };
  } finally {
    RegExp.prototype.exec = exec;
  }
}

function html(fragment: DocumentFragment): string {
  const div = document.createElement("div");
  div.append(fragment);
  return div.innerHTML;
}

describe("emphasis in hostile text", () => {
  // Every delimiter after punctuation and before a letter can open emphasis and none can close it:
  // marked scanned the rest of the paragraph from each one (6 KB: 4 million runs; 24 KB, 9 s).
  for (const unit of [".*a", "a]_", "a]~", "a]**"]) {
    it(`a paragraph of '${unit}' repeated is shown as its text with work in proportion to its length`, () => {
      const text = `${unit.repeat(2000)}a`;
      const { fragment, runs } = counted(text);
      assert.equal(fragment.textContent?.trim(), text);
      assert.equal(fragment.querySelectorAll("em, strong, del").length, 0);
      assert.ok(runs < 50 * text.length, `${runs.toLocaleString("en-US")} regular-expression runs for ${text.length.toLocaleString("en-US")} characters`);
    });
  }

  it("ordinary emphasis still renders, before the hostile part and in the paragraphs after it", () => {
    const hostile = ".*a".repeat(2000);
    const { fragment } = counted(`Some **bold**, *italic*, _under_, ~~gone~~ and snake_case_name. ${hostile}\n\nThen **late bold**.`);
    assert.deepEqual([...fragment.querySelectorAll("strong, em, del")].map((el) => `${el.tagName}:${el.textContent}`), ["STRONG:bold", "EM:italic", "EM:under", "DEL:gone", "STRONG:late bold"]);
    assert.match(fragment.textContent ?? "", /snake_case_name\./);
  });

  it("renders ordinary markdown exactly as marked does", () => {
    const ordinary = [
      "**Note:** run `npm test` — it checks *everything* (see [the docs](docs/a.md)).",
      "- a *b* **c** ***d*** _e_ __f__ ~g~ ~~h~~\n- `x * y` and 2 * 3 * 4 = 24\n- foo*bar*baz, foo_bar_baz, **a*b*c**",
      "Mail me at dev.team+hearth@example.com or see https://example.com/a_b_c and www.example.com.",
      "*unclosed and **also unclosed and _this too",
    ].join("\n\n");
    assert.equal(
      html(counted(ordinary).fragment),
      '<p><strong>Note:</strong> run <code>npm test</code> — it checks <em>everything</em> (see <a href="docs/a.md" title="docs/a.md">the docs</a>).</p>\n<ul>\n<li>a <em>b</em> <strong>c</strong> <em><strong>d</strong></em> <em>e</em> <strong>f</strong> <del>g</del> <del>h</del></li>\n<li><code>x * y</code> and 2 * 3 * 4 = 24</li>\n<li>foo<em>bar</em>baz, foo_bar_baz, <strong>a<em>b</em>c</strong></li>\n</ul>\n<p>Mail me at <a href="mailto:dev.team+hearth@example.com" title="mailto:dev.team+hearth@example.com">dev.team+hearth@example.com</a> or see <a href="https://example.com/a_b_c" title="https://example.com/a_b_c">https://example.com/a_b_c</a> and <a href="http://www.example.com" title="http://www.example.com">www.example.com</a>.</p>\n<p>*unclosed and **also unclosed and _this too</p>\n',
    );
  });
});

describe("email addresses in hostile text", () => {
  // GFM links a bare address: marked looked for an `@` across the whole run of address
  // characters from every place a text run starts, and `_`, `*`, `!` start one.
  it("80 KB of '_a' is shown as its text; an address's local part is looked for up to 64 characters (RFC 5321) before its @", () => {
    const text = "_a".repeat(40_000);
    assert.equal(counted(text).fragment.textContent?.trim(), text);
    const at = (local: string) => [...counted(`write to ${local}@example.com today`).fragment.querySelectorAll("a")].map((a) => a.textContent);
    assert.deepEqual(at("x".repeat(64)), [`${"x".repeat(64)}@example.com`]);
    assert.deepEqual(at("x".repeat(65)), []);
  });
});
