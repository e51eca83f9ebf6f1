import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PathMatcher } from "../../../src/indexer/path-match.ts";
import { boundQuery, parseQueryEvidence, pathReferences } from "../../../src/indexer/query-evidence.ts";

describe("reading an issue text by evidence type", () => {
  it("finds Python and JavaScript frames, Windows paths and file:line references", () => {
    const refs = pathReferences(
      [
        'File "/Users/x/git/proj/pkg/core/numbers.py", line 412, in _round',
        'File "C:\\Users\\x\\proj\\pkg\\io\\read.py", line 7',
        "    at parseArgs (/home/u/app/node_modules/lib/args.js:12:5)",
        "    at /srv/app/src/index.ts:3:1",
        "see src/util/format.ts:88 and lib/cli.js#L20",
      ].join("\n"),
    );
    const frames = refs.filter((r) => r.frame).map((r) => `${r.path}:${r.line}${r.func ? ` ${r.func}` : ""}`);
    assert.deepEqual(frames, [
      "Users/x/git/proj/pkg/core/numbers.py:412 _round",
      "Users/x/proj/pkg/io/read.py:7",
      "home/u/app/node_modules/lib/args.js:12 parseArgs",
      "srv/app/src/index.ts:3",
      "src/util/format.ts:88",
      "lib/cli.js:20",
    ]);
  });

  it("cuts a run of over 400 characters without a blank, and over 64 spaces or tabs, before reading a query", () => {
    const text = "Crash on load\n\nFile \"/x/pkg/a.py\", line 3, in f\n\tindented\n";
    assert.equal(boundQuery(text), text);
    const blob = "A".repeat(500_000);
    assert.equal(boundQuery(`Title\n\npasted ${blob} here`), `Title\n\npasted ${"A".repeat(400)} here`);
    // A line break ends a run: two long lines are cut each on its own, and \r\n stays.
    assert.equal(boundQuery(`${"b".repeat(401)}\r\n${"c".repeat(401)}`), `${"b".repeat(400)}\r\n${"c".repeat(400)}`);
    assert.equal(boundQuery(`a${" ".repeat(100)}b\t${"\t".repeat(70)}c`), `a${" ".repeat(64)}b${"\t".repeat(64)}c`);
    assert.equal(boundQuery("x".repeat(400)), "x".repeat(400));
    // What the reader takes from the cut query: the words before and after the blob.
    const read = parseQueryEvidence(`Loader fails\n\nThe loader fails on ${blob} with parseFlags`);
    assert.match(read.prose, /The loader fails on A{400} with parseFlags/);
  });

  // Hostile size: a version listing line was read with one pattern whose three blank runs sat beside each other
  // (4th degree): no-break spaces between spaces (not cut by the bound on blank runs) then a '*' held every locate
  // and hearth fix; 1,600 such blanks took 0.3 s, the 128 KB line kept of an issue hours.
  it("reads a line of 80,000 mixed blanks and a '*' at once, and still drops version listings beside it", () => {
    const blanks = "\u00a0 ".repeat(40_000);
    const text = parseQueryEvidence(
      ["Crash in parseFlags", `${blanks}*`, "numpy: 1.23.4", `- torch==2.1.0+cu118${blanks}|${blanks}`, `| Python | 3.10.4 (main) |`, "parseFlags fails on empty input"].join("\n"),
    );
    assert.ok(text.prose.includes(`${blanks}*`) && text.prose.includes("parseFlags fails on empty input"));
    for (const listed of ["numpy", "torch", "Python"]) assert.ok(!text.prose.includes(listed), listed);
  });

  it("reads links to this repository's issues (#1404, gh-77) from the title and prose only", () => {
    const text = "Regression since #12\n\nSee #1404 and (gh-77). Not step #1, other/repo#9, `#55`, colour &#160;, #L57 or https://github.com/o/r/issues/88#issuecomment-1.\n\n```\ncolor: #333;\n```\n";
    assert.deepEqual(parseQueryEvidence(text).references, [12, 1404, 77]);
  });

  it("does not take a host and port for a file and line", () => {
    assert.deepEqual(pathReferences("proxy at http://example.com:8080/ fails").filter((r) => r.frame), []);
  });

  it("splits prose, inline code and code blocks, and drops links from the words", () => {
    const text = parseQueryEvidence(
      ["Title with `inline_name`", "", "Prose words https://img.shields.io/badge/funding-blue.svg here.", "```python", ">>> from pkg.core.numbers import Float", "```", "", "    indented_call()"].join("\n"),
    );
    assert.equal(text.title, "Title with `inline_name`");
    assert.deepEqual(text.inline, ["inline_name"]);
    assert.ok(text.prose.includes("Prose words") && !text.prose.includes("shields"));
    assert.ok(text.code.includes("from pkg.core.numbers import Float") && text.code.includes("indented_call()"));
    assert.ok(text.modules.includes("pkg.core.numbers"));
  });

  it("drops an issue template's checklist from the prose, but not a task list inside an example", () => {
    const text = parseQueryEvidence([
      "Task list items lose their checkbox",
      "",
      "The renderer drops the checkbox of a nested task item.",
      "```md",
      "- [ ] outer",
      "  - [x] inner",
      "```",
      "### Checklist",
      "- [X] Please document the RStudio IDE version you're running (if applicable)",
      "* [ ] I searched the existing issues",
    ].join("\n"));
    assert.doesNotMatch(text.prose, /RStudio|searched|running/);
    assert.match(text.prose, /nested task item/);
    assert.match(text.code, /- \[ \] outer\n {2}- \[x\] inner/);
  });

  it("takes modules from imports and dotted names, not from a list of strings in a configuration", () => {
    const text = [
      "```python",
      "extensions = ['sphinx.ext.autodoc', \"sphinx.ext.napoleon\"]",
      "INSTALLED_APPS = (",
      "    'django.contrib.admin',",
      ")",
      "from sphinx.util.typing import stringify",
      "mock.patch('pkg.core.numbers.Float')",
      "```",
    ].join("\n");
    assert.deepEqual([...parseQueryEvidence(text).modules].sort(), ["pkg.core.numbers.Float", "sphinx.util.typing"]);
  });

  it("resolves a written path by its longest suffix in the workspace, and modules to files", () => {
    const m = new PathMatcher(["pkg/core/numbers.py", "pkg/io/numbers.py", "src/lib/utils/index.js", "utils.py"]);
    assert.deepEqual(m.resolve("Users/x/proj/pkg/core/numbers.py"), ["pkg/core/numbers.py"]);
    assert.deepEqual(m.resolve("usr/lib/python3/site-packages/other/numbers.py"), [], "one shared segment is not enough");
    assert.deepEqual(m.resolve("numbers.py", 1), [], "a bare base name two files share");
    assert.deepEqual(m.resolve("utils.py", 1), ["utils.py"]);
    assert.deepEqual(m.resolveModule("pkg.core.numbers.Float.evalf"), ["pkg/core/numbers.py"]);
    assert.deepEqual(m.resolveModule("lib/utils"), ["src/lib/utils/index.js"]);
  });
});
