import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { locate, locateEntities, indexQueries, type RepoIndex } from "../../../src/indexer/index.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const TREE: Record<string, string> = {
  "pkg/core/numbers.py": [
    "class Float:", //                                   1
    "    def __init__(self, value):", //                 2
    "        self.value = value", //                     3
    "", //                                               4
    "    def add(self, other):", //                      5
    "        return Float(self.value + other.value)", // 6
    "", //                                               7
    "    def round_half(self):", //                      8
    "        return round_digits(self.value, 1)", //     9
    "", //                                              10
    "", //                                              11
    "def round_digits(value, digits):", //              12
    "    scale = 10 ** digits", //                      13
    "    return int(value * scale) / scale", //         14
    "", //                                              15
    "", //                                              16
    "def parse_number(text):", //                       17
    "    return Float(float(text))", //                  18
    "",
  ].join("\n"),
  "pkg/core/arith.py": [
    "from pkg.core.numbers import Float",
    "",
    "def add(a, b):",
    "    return a + b",
    "",
    "def multiply(a, b):",
    "    return a * b",
    "",
  ].join("\n"),
  "pkg/io/printer.py": [
    "def print_table(rows):",
    "    for row in rows:",
    "        print(row)",
    "",
    "def print_header(title):",
    "    print(title.upper())",
    "",
  ].join("\n"),
};

async function withTree(run: (index: RepoIndex) => void | Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir("hearth-entities-");
  try {
    writeTree(dir, TREE);
    const index = await indexOf(dir);
    try {
      await run(index);
    } finally {
      await index.close();
    }
  } finally {
    cleanup();
  }
}

function entitiesFor(index: RepoIndex, query: string, top = 10) {
  return locateEntities(index, query, locate(index, query, { top: 5 }), { top });
}

describe("locateEntities", () => {
  it("a function named in a traceback frame ranks first, with the frame as its reason", async () => {
    await withTree((index) => {
      const issue = [
        "Rounding a float gives the wrong answer",
        "",
        "Traceback (most recent call last):",
        '  File "/home/me/project/pkg/core/numbers.py", line 9, in round_half',
        "    return round_digits(self.value, 1)",
        '  File "/home/me/project/pkg/core/numbers.py", line 14, in round_digits',
        "    return int(value * scale) / scale",
        "ZeroDivisionError: division by zero",
      ].join("\n");
      const entities = entitiesFor(index, issue);
      assert.equal(entities[0]?.name, "round_digits");
      assert.equal(entities[0]?.path, "pkg/core/numbers.py");
      assert.equal(entities[0]?.line, 12);
      assert.equal(entities[0]?.endLine, 14);
      assert.ok(entities[0]!.reasons[0]!.startsWith("traceback frame numbers.py:14 in round_digits"), entities[0]!.reasons.join("; "));
      // The other frame's function comes next, before anything the traceback does not name.
      assert.equal(entities[1]?.name, "round_half");
      assert.equal(entities[1]?.kind, "method");
      assert.equal(entities[1]?.scope, "Float");
    });
  });

  it("a bare path:line names the innermost definition around the line", async () => {
    await withTree((index) => {
      const entities = entitiesFor(index, "Something is off at pkg/core/numbers.py:6 when values are large");
      assert.equal(entities[0]?.name, "add");
      assert.equal(entities[0]?.scope, "Float");
      assert.ok(entities[0]!.reasons.includes("line numbers.py:6 named in the issue"), entities[0]!.reasons.join("; "));
      // The class around it is not credited with the line.
      const cls = entities.find((e) => e.name === "Float");
      assert.ok(!cls || !cls.reasons.some((r) => r.includes("numbers.py:6")));
    });
  });

  it("Class.method in the text beats a same-named function elsewhere", async () => {
    await withTree((index) => {
      // Even when the file with the plain function ranks above the class's file.
      const files = [
        { path: "pkg/core/arith.py", score: 1, reasons: [] },
        { path: "pkg/core/numbers.py", score: 0.8, reasons: [] },
      ];
      const entities = locateEntities(index, "Float.add loses precision when adding two large values", files);
      const method = entities.findIndex((e) => e.name === "add" && e.scope === "Float");
      const fn = entities.findIndex((e) => e.name === "add" && e.path === "pkg/core/arith.py");
      assert.equal(method, 0, JSON.stringify(entities.slice(0, 3)));
      assert.ok(fn > method, JSON.stringify(entities.slice(0, 3)));
      assert.ok(entities[0]!.reasons.includes("named as Float.add"));
    });
  });

  it("returns entities only from the files it is given, in their ranked order of evidence", async () => {
    await withTree((index) => {
      const query = "print_header should not upper-case the title; round_digits is fine";
      const files = locate(index, query, { top: 5 }).filter((f) => f.path === "pkg/io/printer.py");
      const entities = locateEntities(index, query, files, { top: 10 });
      assert.ok(entities.length > 0);
      assert.ok(entities.every((e) => e.path === "pkg/io/printer.py"), JSON.stringify(entities));
      assert.equal(entities[0]?.name, "print_header");
      assert.ok(entities[0]!.reasons.includes("named in the issue"));
      assert.deepEqual(locateEntities(index, query, [], {}), []);
      // A file listed with no evidence at all (score 0) offers no entities.
      assert.deepEqual(locateEntities(index, query, [{ path: "pkg/io/printer.py", score: 0, reasons: [] }], {}), []);
    });
  });

  it("reasons say why: name words, called from a named symbol, the file's rank", async () => {
    await withTree((index) => {
      const entities = entitiesFor(index, "round_half gives 0.30000000004 instead of rounding the digits", 20);
      const digits = entities.find((e) => e.name === "round_digits");
      assert.ok(digits, JSON.stringify(entities));
      assert.ok(digits.reasons.includes("called from round_half"), digits.reasons.join("; "));
      assert.ok(digits.reasons.some((r) => r.startsWith("name matches: ") && r.includes("digits")), digits.reasons.join("; "));
      assert.ok(digits.reasons.some((r) => /^in file #\d+$/.test(r)));
      for (let i = 1; i < entities.length; i++) assert.ok(entities[i - 1]!.score >= entities[i]!.score);
    });
  });

  it("the words of a method's body point at the method, not at the class around it", async () => {
    await withTree((index) => {
      // round_half's body calls round_digits; Float's span holds that call too.
      const entities = entitiesFor(index, "Digits are lost\n\nThe digits are lost.");
      const names = entities.map((e) => e.name);
      assert.ok(names.indexOf("round_half") >= 0 && names.indexOf("round_half") < names.indexOf("Float"), names.join(", "));
    });
  });

  it("a docstring with the issue's words points at its function, where the calls say nothing", async () => {
    const { dir, cleanup } = tempDir("hearth-entities-text-");
    try {
      writeTree(dir, {
        "pkg/dates.py": [
          "def shift(value, days):",
          '    """Moves a date across a daylight saving change, keeping the wall clock time."""',
          "    return value + days",
          "",
          "def clamp(value, low, high):",
          '    """Keeps a number between two bounds."""',
          "    return min(max(value, low), high)",
          "",
        ].join("\n"),
      });
      const index = await indexOf(dir);
      try {
        const entities = entitiesFor(index, "Wall clock time is lost across daylight saving\n\nMoving a date over the daylight saving change loses the wall clock time.");
        assert.equal(entities[0]?.name, "shift", entities.map((e) => `${e.name}: ${e.reasons.join("; ")}`).join(" | "));
        assert.ok(entities[0]!.reasons.includes("its text has the issue's words"), entities[0]!.reasons.join("; "));
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("respects top and is reachable through IndexQueries", async () => {
    await withTree(async (index) => {
      const queries = indexQueries(index);
      const query = "Float.add loses precision";
      const files = await queries.locate(query, { top: 5 });
      const entities = await queries.locateEntities(query, files, { top: 2 });
      assert.equal(entities.length, 2);
      assert.deepEqual(entities, locateEntities(index, query, files, { top: 2 }));
    });
  });

  it("a name many definitions share, or one only in a pasted example, says less than a name in the prose", async () => {
    const { dir, cleanup } = tempDir("hearth-entities-");
    try {
      writeTree(dir, {
        "app/models.py": "class Entry:\n    def __init__(self, text):\n        self.text = text\n\n\nclass Origin:\n    def __init__(self, source):\n        self.source = source\n\n\nclass Catalog:\n    def __init__(self):\n        self.entries = []\n",
        "app/dedupe.py": "def dedupe_locations(locations):\n    return sorted(set(locations))\n",
      });
      const index = await indexOf(dir);
      try {
        const issue = "`dedupe_locations` keeps duplicate entries\n\nMy workaround:\n\n```\n    def __init__(self, text, locations):\n        self.locations = list(set(locations))\n```\n";
        // The file with the three constructors ranks first, as it may for such a text.
        const files = [
          { path: "app/models.py", score: 1, reasons: [] },
          { path: "app/dedupe.py", score: 0.8, reasons: [] },
        ];
        const entities = locateEntities(index, issue, files);
        assert.equal(entities[0]?.name, "dedupe_locations", JSON.stringify(entities.slice(0, 3)));
        assert.ok(entities[0]!.reasons.includes("named in the issue"));
        const init = entities.find((e) => e.name === "__init__");
        assert.ok(init?.reasons.includes("in the issue's example"), JSON.stringify(init));
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("a file name in the text (`docs/print_table.rst`, print_header.html) does not name the definitions print_table, print_header", async () => {
    await withTree((index) => {
      // The names appear only as parts of file names.
      const files = [{ path: "pkg/io/printer.py", score: 1, reasons: [] }];
      const text = "Tables in `docs/print_table.rst` and print_header.html render badly";
      const entities = locateEntities(index, text, files);
      for (const e of entities) assert.ok(!e.reasons.includes("named in the issue"), JSON.stringify(e));
    });
  });

  it("a definition the grammar reports twice (res.redirect = function redirect) is listed once", async () => {
    const { dir, cleanup } = tempDir("hearth-entities-twice-");
    try {
      writeTree(dir, {
        "lib/response.js": [
          "var res = module.exports = {};",
          "",
          "res.location = function location(url) {",
          "  return this.set('Location', encodeURI(url));",
          "};",
          "",
          "res.redirect = function redirect(url) {",
          "  this.location(url);",
          "  this.statusCode = 302;",
          "};",
          "",
        ].join("\n"),
      });
      const index = await indexOf(dir);
      try {
        const query = "res.redirect() with a relative url sets a wrong Location header";
        const entities = locateEntities(index, query, [{ path: "lib/response.js", score: 1, reasons: [] }]);
        const spans = entities.map((e) => `${e.path}:${e.line}-${e.endLine}`);
        assert.deepEqual(spans, [...new Set(spans)], JSON.stringify(entities.map((e) => [e.name, e.scope, e.line])));
        assert.deepEqual(entities.map((e) => e.name), ["redirect", "location"]);
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("names in a folded <details> block (an environment report) count as an example's, not as named in the issue", async () => {
    const { dir, cleanup } = tempDir("hearth-entities-details-");
    try {
      writeTree(dir, {
        "pkg/print_versions.py": "def show_versions(file=None):\n    print('INSTALLED VERSIONS')\n",
        "pkg/weighted.py": "def sum_of_weights(weights, mask):\n    return (weights * mask).sum()\n",
      });
      const index = await indexOf(dir);
      try {
        const issue = [
          "`sum_of_weights` is wrong for boolean weights",
          "",
          "#### Versions",
          "",
          "<details><summary>Output of <tt>xr.show_versions()</tt></summary>",
          "",
          "INSTALLED VERSIONS",
          "python: 3.7.6",
          "",
          "</details>",
        ].join("\n");
        const files = [
          { path: "pkg/print_versions.py", score: 1, reasons: [] },
          { path: "pkg/weighted.py", score: 1, reasons: [] },
        ];
        const entities = locateEntities(index, issue, files);
        const show = entities.find((e) => e.name === "show_versions");
        assert.ok(show && !show.reasons.includes("named in the issue"), JSON.stringify(show));
        assert.ok(show.reasons.includes("in the issue's example"), JSON.stringify(show));
        assert.equal(entities[0]?.name, "sum_of_weights", JSON.stringify(entities));
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("a class named in the issue does not outrank its method that has the issue's words", async () => {
    const { dir, cleanup } = tempDir("hearth-entities-class-");
    try {
      writeTree(dir, {
        "app/blueprints.py": [
          "class Blueprint:",
          '    """A group of views registered on an application."""',
          "",
          "    def __init__(self, name, import_name):",
          "        self.name = name",
          "        self.import_name = import_name",
          "",
          "    def register(self, app, options):",
          "        app.blueprints[self.name] = self",
          "",
          "    def add_url_rule(self, rule, endpoint=None):",
          "        self.record(lambda s: s.add_url_rule(rule, endpoint))",
          "",
        ].join("\n"),
      });
      const index = await indexOf(dir);
      try {
        const issue = "A `Blueprint` accepts an empty name\n\nCreating a Blueprint with an empty name should raise an error.";
        const entities = locateEntities(index, issue, [{ path: "app/blueprints.py", score: 1, reasons: [] }]);
        const names = entities.map((e) => e.name);
        assert.equal(entities[0]?.kind, "method", names.join(", "));
        assert.ok(names.indexOf("register") < names.indexOf("Blueprint"), names.join(", "));
        // The class is still listed, with its reason.
        assert.ok(entities.find((e) => e.name === "Blueprint")?.reasons.includes("named in the issue"));
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("a name that is a word of the issue counts once: 'Feature request' does not lift request() over what the issue describes", async () => {
    const { dir, cleanup } = tempDir("hearth-entities-word-");
    try {
      writeTree(dir, {
        "src/utils.js": [
          "function request(data, headers) {",
          "  return fetch('https://api.github.com/graphql', { method: 'post', headers, body: data });",
          "}",
          "",
          "function wrapTextMultiline(text, width = 60, maxLines = 3) {",
          "  const lines = wrap(text, { width }).split('\\n');",
          "  return lines.slice(0, maxLines);",
          "}",
          "",
          "module.exports = { request, wrapTextMultiline };",
          "",
        ].join("\n"),
      });
      const index = await indexOf(dir);
      try {
        // Not as a leading "Feature request:" tag: locate and locateEntities read the issue past that (issue-templates.ts).
        const issue = "Long descriptions should wrap (a feature request)\n\nWhen a description is long it overflows the card; please wrap it.";
        const entities = locateEntities(index, issue, [{ path: "src/utils.js", score: 1, reasons: [] }]);
        assert.deepEqual(entities.map((e) => e.name), ["wrapTextMultiline", "request"], JSON.stringify(entities));
        const request = entities[1]!;
        assert.ok(request.reasons.includes("its name is a word of the issue"), request.reasons.join("; "));
        assert.ok(!request.reasons.some((r) => r.startsWith("name matches")), request.reasons.join("; "));
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("a short function about the issue's words outranks a long one that has each of them once", async () => {
    const { dir, cleanup } = tempDir("hearth-entities-bm25-");
    try {
      writeTree(dir, {
        "src/card.js": [
          "function layout(options) {",
          "  const { heading, size, colors, border, locale, theme, icons, screen } = options;",
          "  const top = drawTop(heading, colors, locale, theme);",
          "  const middle = drawMiddle(theme, icons, size, border);",
          "  const bottom = drawBottom(border, size, colors, theme, screen);",
          "  const aside = drawAside(locale, theme, icons, size);",
          "  const shade = drawShade(border, colors, theme, size, 'text');",
          "  return assemble(top, middle, bottom, aside, shade, { limit: size });",
          "}",
          "",
          "function split(heading, limit) {",
          "  // a heading longer than the limit: the text is cut at the limit",
          "  const text = heading.text;",
          "  return text.length > limit ? [text.slice(0, limit), heading] : [text];",
          "}",
          "",
        ].join("\n"),
      });
      const index = await indexOf(dir);
      try {
        // layout has more of the words (screen too), once each among many others; split is about them.
        const issue = "Heading text overflows past the limit\n\nThe heading text runs past the limit on narrow screens.";
        const entities = locateEntities(index, issue, [{ path: "src/card.js", score: 1, reasons: [] }]);
        assert.deepEqual(entities.map((e) => e.name), ["split", "layout"], JSON.stringify(entities));
        assert.ok(entities[0]!.reasons.includes("its text has the issue's words"), entities[0]!.reasons.join("; "));
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });
  it("the function that holds a message the issue quotes is the one that printed it", async () => {
    const { dir, cleanup } = tempDir("hearth-entities-");
    try {
      writeTree(dir, {
        "src/runner.py": [
          "class Runner:",
          "    def run(self, item):",
          "        # skipping a test or a module at module level: skip when asked; outside a test it fails",
          "        return self.report(item.skip, item)",
          "",
          "    def check(self, item):",
          "        if item.parent is None:",
          '            raise RuntimeError("Using skip outside of a test is not allowed, "',
          '                               "use %s for a whole file" % "skipmodule")',
          "",
          "    def report(self, skip, item):",
          "        return (skip, item)",
          "",
        ].join("\n"),
      });
      const index = await indexOf(dir);
      try {
        const issue = "Skipping a test at module level fails\n\nSkip at module level, outside a test, fails with\n\n```\nRuntimeError: Using skip outside of a test is not allowed, use skipmodule for a whole file\n```\n";
        const entities = locateEntities(index, issue, [{ path: "src/runner.py", score: 1, reasons: [] }]);
        assert.equal(entities[0]?.name, "check", JSON.stringify(entities.map((e) => [e.name, e.reasons])));
        assert.ok(entities[0]!.reasons[0]!.startsWith('quotes "') && entities[0]!.reasons[0]!.includes("using skip outside of a test is not allowed"), entities[0]!.reasons.join("; "));
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("a test's definitions are held down like its file where the issue is not about tests: the code the fix changes ranks above the test named in the issue's words", async () => {
    const { dir, cleanup } = tempDir("hearth-entities-tests-");
    try {
      writeTree(dir, {
        "src/text.py": [
          "def wrap(text, width):",
          "    # Break a long description into lines of at most width characters.",
          "    lines = ['']",
          "    for word in text.split(' '):",
          "        if len(lines[-1]) + len(word) > width:",
          "            lines.append('')",
          "        lines[-1] += word + ' '",
          "    return lines",
          "",
        ].join("\n"),
        "tests/test_text.py": [
          "from src.text import wrap",
          "",
          "def test_long_description_wraps_at_width():",
          "    # a long description is broken into lines at the width",
          "    assert wrap('a long description of the card', 10) == ['a long ', 'description ', 'of the ', 'card ']",
          "",
        ].join("\n"),
      });
      const index = await indexOf(dir);
      try {
        const files = [{ path: "src/text.py", score: 1, reasons: [] }, { path: "tests/test_text.py", score: 0.5, reasons: [] }];
        const describe = (list: readonly { name: string; score: number; reasons: readonly string[] }[]): string => list.map((e) => `${e.name} ${e.score.toFixed(2)}: ${e.reasons.join("; ")}`).join("\n");
        const issue = "A long description does not wrap at the width\n\nThe card's description runs past its width: long descriptions should wrap into lines.";
        const entities = locateEntities(index, issue, files);
        assert.deepEqual(entities.map((e) => e.name), ["wrap", "test_long_description_wraps_at_width"], describe(entities));
        // An issue about the tests ranks a test as it ranks any definition.
        const aboutTests = locateEntities(index, "The test of a long description does not wrap at the width\n\nlong descriptions should wrap into lines.", files);
        assert.equal(aboutTests[0]?.name, "test_long_description_wraps_at_width", describe(aboutTests));
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });
});
