/**
 * `locate` on issue texts as users write them, one test per failure class seen on real
 * issues (issue 14): absolute traceback paths, single-word and lower-case identifiers, test
 * words and template boilerplate, names in examples versus topic words, multi-file fixes.
 * Each tree is small, real files in a temp folder, indexed by a real RepoIndex.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { locate, type RepoIndex } from "../../../src/indexer/index.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

async function withTree(files: Record<string, string>, run: (index: RepoIndex) => void): Promise<void> {
  const { dir, cleanup } = tempDir("hearth-issue-ranking-");
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const index = await indexOf(dir);
    try {
      run(index);
    } finally {
      await index.close();
    }
  } finally {
    cleanup();
  }
}

const ranked = (index: RepoIndex, query: string): string[] => locate(index, query, { top: 10 }).map((r) => r.path);

const NUMBERS_TREE: Record<string, string> = {
  "pkg/core/numbers.py": "class Float:\n    def round(self, digits):\n        return self._round(digits)\n\n    def _round(self, digits):\n        return int(self.value * 10 ** digits) / 10 ** digits\n",
  "pkg/io/numbers.py": "def parse_number(text):\n    # Reads a number from text and rounds it for display.\n    return float(text)\n",
  "pkg/display/rounding.py":
    "# Rounding for display: rounding modes, rounding digits, rounding of negative values.\n" +
    "def round_for_display(value, digits):\n    # rounding rounding rounding\n    return round(value, digits)\n",
  "pkg/core/arith.py": "from pkg.core.numbers import Float\n\ndef add(a, b):\n    return Float(a.value + b.value)\n",
};

describe("locate on real-looking issue texts", () => {
  it("matches absolute traceback paths by their longest suffix in the workspace (class 1)", async () => {
    await withTree(NUMBERS_TREE, (index) => {
      for (const frame of [
        'File "/Users/x/git/proj/pkg/core/numbers.py", line 5, in _round',
        'File "C:\\Users\\x\\proj\\pkg\\core\\numbers.py", line 5, in _round',
        'File "/usr/lib/python3.11/site-packages/pkg/core/numbers.py", line 5, in _round',
      ]) {
        const issue = `Rounding for display is wrong for negative values\n\nRounding negative values for display rounds the digits the wrong way: display rounding should keep the rounding digits.\n\nTraceback (most recent call last):\n  File "/home/me/bug.py", line 3, in <module>\n    ${frame}\nOverflowError: too many digits\n`;
        const results = locate(index, issue, { top: 5 });
        assert.equal(results[0]?.path, "pkg/core/numbers.py", `${frame}: ${results.map((r) => r.path).join(", ")}`);
        assert.ok(results[0]!.reasons[0]!.startsWith("traceback frame pkg/core/numbers.py:5"), results[0]!.reasons.join("; "));
      }
    });
  });

  it("takes file:line references as frames, and a bare base name shared by two files names neither more", async () => {
    await withTree(NUMBERS_TREE, (index) => {
      const results = locate(index, "Rounding for display is off by one digit, see pkg/core/numbers.py:6 for where it goes wrong", { top: 5 });
      assert.equal(results[0]?.path, "pkg/core/numbers.py");
      assert.ok(results[0]!.reasons.includes("traceback frame pkg/core/numbers.py:6"), results[0]!.reasons.join("; "));
    });
  });

  const SYMBOLS_TREE: Record<string, string> = {
    "sym/core/function.py": "class Derivative:\n    def doit(self):\n        return self.expr\n\nclass Subs:\n    pass\n",
    "sym/core/sympify.py": "def sympify(a):\n    return a\n",
    "sym/calculus/finite_diff.py":
      "# Derivative approximations: the derivative of a product by the product rule;\n" +
      "# strings are parsed before taking the derivative.\n" +
      "class FiniteDiffTable:\n    def product_rule(self, derivative):\n        return derivative\n\n    def parse_strings(self, strings):\n        return strings\n",
  };

  it("counts a single capitalised word or a lower-case word as an identifier when the index defines it (class 2)", async () => {
    await withTree(SYMBOLS_TREE, (index) => {
      const capital = locate(index, "Wrong result for the derivative of x*y\n\nThe result of Derivative(x*y, x) is not y; the derivative of x*y by the product rule is y.", { top: 5 });
      assert.equal(capital[0]?.path, "sym/core/function.py", capital.map((r) => r.path).join(", "));
      assert.ok(capital[0]!.reasons.includes("defines Derivative"), capital[0]!.reasons.join("; "));
      const lower = ranked(index, "Wrong derivative after sympify\n\nCalling sympify('x**2') and then taking the derivative gives the wrong derivative.");
      assert.equal(lower[0], "sym/core/sympify.py", lower.join(", "));
      // A name right after a capitalised word that opens a line ("With Derivative") is still a name.
      const opening = locate(index, "Wrong result for the derivative of x*y\n\nWith Derivative the result of the product rule is not y.", { top: 5 });
      assert.ok(opening[0]!.reasons.includes("defines Derivative"), opening[0]!.reasons.join("; "));
    });
  });

  const PARSER_TREE: Record<string, string> = {
    "src/parser.py": "def parse_args(tokens):\n    # Trailing commas in argument lists end the list.\n    return [t for t in tokens if t != ',']\n",
    "src/lexer.py": "def tokens_of(text):\n    return text.split()\n",
    "tests/test_parser.py":
      "from src.parser import parse_args\n\n# trailing comma tests: trailing comma in argument lists, trailing comma at the end\n" +
      "def test_trailing_comma():\n    assert parse_args(['a', ',']) == ['a']  # trailing comma dropped from argument lists\n",
    "README.md": "# Parser\n\nEnvironment: OS, Python version, parser version. Install with pip. Trailing comma support in argument lists.\n",
    "doc/examples/blank_template.ipynb": '{"cells": [{"source": ["import parser\\n", "parse_args(tokens)  # trailing comma argument lists"]}]}\n',
    ".github/ISSUE_TEMPLATE/bug.yml": "name: Bug report\nbody:\n  - label: Environment\n  - label: OS version\n  - label: Python version\n  - label: Trailing comma argument lists expected behaviour\n",
  };

  it("keeps tests, docs and CI files down when 'test' is only a word in the text and the template adds boilerplate (class 3)", async () => {
    await withTree(PARSER_TREE, (index) => {
      const issue = [
        "Trailing comma in argument lists",
        "",
        "I tested this with a trailing comma at the end of argument lists and the comma is kept.",
        "",
        "### Environment",
        "- OS version: Ubuntu 22.04",
        "- Python version: 3.11",
        "- Parser version: 2.1",
        "",
        "### Expected behaviour",
        "The trailing comma is dropped.",
        "",
        "Start from the [blank template](https://github.com/o/parser/blob/main/doc/examples/blank_template.ipynb).",
      ].join("\n");
      const top = ranked(index, issue);
      assert.equal(top[0], "src/parser.py", top.join(", "));
      // Still listed, below the code.
      assert.ok(top.indexOf("tests/test_parser.py") > 0);
      for (const other of ["README.md", ".github/ISSUE_TEMPLATE/bug.yml", "doc/examples/blank_template.ipynb"]) assert.ok(top.indexOf(other) === -1 || top.indexOf(other) > top.indexOf("tests/test_parser.py"), top.join(", "));
      // An issue that names a test file is about tests: it is not held down.
      assert.equal(ranked(index, "tests/test_parser.py fails on the trailing comma case of argument lists")[0], "tests/test_parser.py");
    });
  });

  const PRINTING_TREE: Record<string, string> = {
    "sym/printing/pretty.py": "# Pretty printing: 2D layout of expressions with parentheses.\nclass PrettyPrinter:\n    def print_product(self, expr):\n        return self.parenthesize(expr)\n",
    "sym/matrices/matrix_symbol.py": "class MatrixSymbol:\n    def __init__(self, name, rows, cols):\n        self.shape = (rows, cols)\n\n    def as_float16(self, km):\n        return (self.shape, 64, km)\n",
    "sym/matrices/dense.py": "class DenseMatrix:\n    pass\n",
  };

  it("weighs topic words over names in the example, and numbers and units from logs least (class 4)", async () => {
    await withTree(PRINTING_TREE, (index) => {
      const issue = [
        "Pretty printing of a matrix product drops the parentheses",
        "",
        "```python",
        ">>> from sym import MatrixSymbol",
        ">>> A = MatrixSymbol('A', 64, 64)",
        ">>> pprint(A * (A + A))",
        "A*A + A   # float16 64 km",
        "```",
      ].join("\n");
      const results = locate(index, issue, { top: 5 });
      assert.equal(results[0]?.path, "sym/printing/pretty.py", results.map((r) => `${r.path} ${r.reasons.join("; ")}`).join(" | "));
      const matrix = results.find((r) => r.path === "sym/matrices/matrix_symbol.py");
      assert.ok(matrix?.reasons.includes("defines MatrixSymbol (used in the example)"), matrix?.reasons.join("; "));
    });
  });

  const PLUGIN_TREE: Record<string, string> = {
    "src/index.js": "class Dayjs {\n  utcOffset() { return 0 }\n  format(template) { return template }\n}\nexport default function dayjs(d) { return new Dayjs(d) }\n",
    "src/plugin/utc/index.js": "export default (option, Dayjs) => {\n  // utc mode: keep the local time, change the offset\n  Dayjs.prototype.utcOffset = function (input, keepLocalTime) { return input }\n}\n",
    "types/index.d.ts": "export declare class Dayjs {\n  utcOffset(): number\n  format(template?: string): string\n}\n",
    "types/plugin/utc.d.ts": "declare module 'dayjs' {\n  interface Dayjs {\n    utc(keepLocalTime?: boolean): Dayjs\n  }\n}\n",
    "src/plugin/relativeTime/index.js": "export default (o, c) => {\n  c.prototype.fromNow = function () { return '' }\n}\n",
  };

  it("lifts what a top file uses: the constants module a fix to it changes too (class 5)", async () => {
    const tree = {
      ...PLUGIN_TREE,
      "src/constant.js": "export const MS_PER_MINUTE = 60000\nexport const BRACKETED = /\\[([^\\]]+)]/g\n",
      "src/index.js":
        "import { BRACKETED, MS_PER_MINUTE } from './constant'\n\nclass Dayjs {\n  utcOffset() { return MS_PER_MINUTE }\n  format(template) { return template.replace(BRACKETED, (m, escaped) => escaped) }\n}\nexport default function dayjs(d) { return new Dayjs(d) }\n",
      "src/plugin/relativeTime/index.js": "export default (o, c) => {\n  c.prototype.fromNow = function () { return this.format('relative template text') }\n}\n",
      "src/plugin/calendar/index.js": "export default (o, c) => {\n  c.prototype.calendar = function (template) { return this.format(template || 'calendar text') }\n}\n",
    };
    await withTree(tree, (index) => {
      const results = locate(index, "Dayjs format() drops escaped text\n\nThe text of a template inside square brackets should be kept by format().", { top: 5 });
      const paths = results.map((r) => r.path);
      assert.equal(paths[0], "src/index.js", paths.join(", "));
      const constants = results.find((r) => r.path === "src/constant.js");
      assert.ok(constants && paths.indexOf("src/constant.js") <= 2, paths.join(", "));
      assert.ok(constants.reasons.includes("used by src/index.js"), constants.reasons.join("; "));
    });
  });

  it("lifts the companions of a top file: its type declarations (class 5)", async () => {
    await withTree(PLUGIN_TREE, (index) => {
      const results = locate(index, "utc plugin: keepLocalTime is ignored when the offset is set\n\nIn utc mode, setting the offset should keep the local time when keepLocalTime is passed.", { top: 5 });
      const paths = results.map((r) => r.path);
      assert.equal(paths[0], "src/plugin/utc/index.js", paths.join(", "));
      assert.ok(paths.slice(0, 3).includes("types/plugin/utc.d.ts"), paths.join(", "));
      const declarations = results.find((r) => r.path === "types/plugin/utc.d.ts")!;
      assert.ok(declarations.reasons.includes("type declarations of src/plugin/utc/index.js"), declarations.reasons.join("; "));
    });
  });
  const DOCS_TREE: Record<string, string> = {
    "pkg/domains/python.py": "# The Python domain: objects, properties and their cross-references.\nclass PyProperty:\n    def handle_signature(self, sig):\n        return self.clone(sig)\n\n    def clone(self, sig):\n        return sig\n",
    "pkg/domains/cpp.py": "# The C++ domain.\nclass CppObject:\n    def handle_signature(self, sig):\n        return sig\n",
    // jQuery copied into a theme: it defines every common name.
    "pkg/themes/basic/static/jquery-3.5.1.js": "function clone(elem) { return elem }\nfunction index(elem) { return 0 }\nfunction html(value) { return value }\n// property index clone html method entry\n",
    "pkg/ext/autodoc/__init__.py": "# Automatic documentation of modules: the description of a documented function.\nclass Documenter:\n    pass\n",
    "pkg/ext/autodoc/typehints.py": "# Type hints of a documented function, merged into its description.\ndef record_typehints(app, obj):\n    return obj\n\ndef merge_typehints(app, domain, node):\n    return node\n",
    "pkg/ext/napoleon/__init__.py": "# Google and NumPy style docstrings.\nclass Config:\n    pass\n",
    "pkg/ext/viewcode.py": "# Links to highlighted source code.\ndef collect_pages(app):\n    return []\n",
    "pkg/ext/todo.py": "# Todo entries.\nclass Todo:\n    pass\n",
  };

  it("keeps copied third-party code (a versioned jquery in a theme) below the project's own (class 3)", async () => {
    await withTree(DOCS_TREE, (index) => {
      const top = ranked(index, "Python domain: property entry has a wrong index\n\nA `:property:` method gets the wrong index entry; clone() of the signature keeps the parens.");
      assert.equal(top[0], "pkg/domains/python.py", top.join(", "));
      // Below even the other domain, which shares only the domain words.
      assert.ok(top.indexOf("pkg/themes/basic/static/jquery-3.5.1.js") === -1 || top.indexOf("pkg/themes/basic/static/jquery-3.5.1.js") > top.indexOf("pkg/domains/cpp.py"), top.join(", "));
    });
  });

  it("keeps a JavaScript bundle (a 200 KiB built runtime) below the project's own code (class 3)", async () => {
    const bundle = "function width(el) { return el.width }\nfunction main() { return 0 }\nfunction print(value) { return value }\n" + "// built by the bundler: pdf output render check code state\n".repeat(4000);
    const tree = {
      "src/format/pdf/format-pdf.ts": "// PDF output: rendering with the LaTeX engine.\nexport function pdfFormat(engine: string) { return { engine } }\n",
      "src/format/html/format-html.ts": "// HTML output: themes and the page width.\nexport function htmlFormat(theme: string) { return { theme } }\n",
      "src/resources/formats/html/ojs/runtime.js": bundle,
    };
    await withTree(tree, (index) => {
      const top = ranked(index, "PDF output fails to render\n\nRendering to PDF fails: main() of the check prints the width() of the page.");
      assert.equal(top[0], "src/format/pdf/format-pdf.ts", top.join(", "));
    });
  });

  it("reads a block of imports of many modules as a setup, not as pointers to each (class 4)", async () => {
    await withTree(DOCS_TREE, (index) => {
      const issue = [
        "Type hints are merged into the description twice",
        "",
        "With type hints set to description, the merged type hints of a documented function appear twice.",
        "",
        "```python",
        "import pkg.ext.autodoc",
        "import pkg.ext.napoleon",
        "import pkg.ext.viewcode",
        "import pkg.ext.todo",
        "```",
      ].join("\n");
      const top = ranked(index, issue);
      assert.equal(top[0], "pkg/ext/autodoc/typehints.py", top.join(", "));
    });
  });

  it("takes a title word that is part of few files' names as naming the component (class 2)", async () => {
    const tree = {
      "components/prism-core.js": "// Prism core: tokenizes code and highlights it with the grammar of its language.\nvar Prism = { highlight: function (code, grammar) { return code }, tokenize: function (text, grammar) { return [text] } }\n",
      "prism.js": "// Prism: highlighting of code for the web. Tokenize, highlight, languages.\nvar Prism = { highlight: function (code) { return code }, languages: {} }\n",
      "components/prism-yaml.js": "Prism.languages.yaml = { scalar: /x/, comment: /#.*/, key: /\\w+:/ }\n",
      "components/prism-json.js": "Prism.languages.json = { property: /\"\\w+\"/, string: /\"[^\"]*\"/ }\n",
      "components/prism-bash.js": "Prism.languages.bash = { comment: /#.*/, string: /'[^']*'/ }\n",
      "components/prism-vbnet.js": "Prism.languages.vbnet = { keyword: /dim/, string: /\"[^\"]*\"/ }\n",
    };
    await withTree(tree, (index) => {
      const results = locate(index, "YAML: comments after a key break the highlighting\n\nThe code is highlighted wrong by Prism: the tokenizer does not highlight the rest of the code.", { top: 5 });
      assert.equal(results[0]?.path, "components/prism-yaml.js", results.map((r) => r.path).join(", "));
      assert.ok(results[0]!.reasons.includes('file name matches "yaml" in the title'), results[0]!.reasons.join("; "));
      // A name written with punctuation is one word of a file name.
      const dotted = locate(index, "VB.NET: a quote in a string ends it", { top: 5 });
      assert.equal(dotted[0]?.path, "components/prism-vbnet.js", dotted.map((r) => r.path).join(", "));
    });
  });

  it("reads language names as file names spell them: C++ is cpp, C# is csharp, a lone capital is a name (class 2)", async () => {
    const grammar = (name: string): string => `Prism.languages.${name} = { keyword: /\\b(if|else)\\b/, string: /"[^"]*"/, comment: /\\/\\/.*/ }\n`;
    const tree = {
      "components/prism-core.js": "// Prism: lightweight, robust, elegant syntax highlighting.\nvar Prism = { highlight: function (text, grammar) { return text }, languages: {} }\n",
      "components/prism-c.js": grammar("c"),
      "components/prism-cpp.js": "Prism.languages.cpp = Prism.languages.extend('c', { 'class-name': /\\b[A-Z]\\w*/, keyword: /\\b(class|public|private|virtual)\\b/ })\n",
      "components/prism-csharp.js": grammar("csharp"),
      "components/prism-d.js": grammar("d"),
      "components/prism-go.js": grammar("go"),
    };
    await withTree(tree, (index) => {
      const top = (query: string): string[] => locate(index, query, { top: 5 }).map((r) => r.path);
      assert.equal(top("BUG: C++ code highlight\n\nPrism does not highlight the class name after public in a class declaration.")[0], "components/prism-cpp.js");
      assert.equal(top("C#: verbatim strings end at a backslash\n\nThe string is highlighted wrong.")[0], "components/prism-csharp.js");
      const d = locate(index, "Incorrect string highlighting for D\n\nUsing single quotes in a double quoted string breaks the highlighting.", { top: 5 });
      // Every grammar holds strings; the one the title names comes first of them.
      const grammars = d.filter((r) => r.path !== "components/prism-core.js");
      assert.equal(grammars[0]?.path, "components/prism-d.js", d.map((r) => r.path).join(", "));
      assert.ok(grammars[0]!.reasons.includes('file name matches "d" in the title'), grammars[0]!.reasons.join("; "));
      // "A" and "I" are words, not names.
      const words = locate(index, "I see a string highlighted as a keyword in A mode\n\nThe string is wrong.", { top: 5 });
      assert.ok(!words.some((r) => r.reasons.some((why) => why.startsWith("file name matches"))), words.map((r) => r.reasons.join("; ")).join(" | "));
    });
  });

  it("reads a language named in the title as its locale files: Spanish is es.js, es-mx.js, es_AR.js (class 2)", async () => {
    const locale = (code: string, months: string): string => `// ${code}\nconst locale = { name: '${code}', months: '${months}'.split('_'), weekdays: 'a_b_c'.split('_') }\nexport default locale\n`;
    const tree = {
      "src/index.js": "// Formats dates with the months and weekdays of the locale loaded.\nexport function format(date, locale) { return locale.months[date.getMonth()] }\n",
      "src/locale/en.js": locale("en", "January_February_March"),
      "src/locale/es.js": locale("es", "Enero_Febrero_Marzo"),
      "src/locale/es-mx.js": locale("es-mx", "Enero_Febrero_Marzo"),
      "src/locale/es_AR.js": locale("es_AR", "Enero_Febrero_Marzo"),
      "src/locale/fr.js": locale("fr", "Janvier_Février_Mars"),
      "src/locale/sk.js": locale("sk", "Január_Február_Marec"),
      "src/locale/fi.js": locale("fi", "Tammikuu_Helmikuu_Maaliskuu"),
      "src/locale/de.js": locale("de", "Januar_Februar_März"),
      "src/plugin/es-module.js": "// Loads the ES module build.\nexport const esModule = true\n",
    };
    await withTree(tree, (index) => {
      const results = locate(index, "Spanish days and months should be lowercase\n\nSpanish speaking people do not capitalize their months or days.", { top: 5 });
      // Every locale holds months: the Spanish ones come before all the others.
      const locales = results.map((r) => r.path).filter((p) => p.startsWith("src/locale/"));
      assert.deepEqual(locales.slice(0, 3).sort(), ["src/locale/es-mx.js", "src/locale/es.js", "src/locale/es_AR.js"], results.map((r) => `${r.path}: ${r.reasons.join("; ")}`).join(" | "));
      const spanish = results.find((r) => r.path === "src/locale/es.js")!;
      assert.ok(spanish.reasons.includes('file name is the locale code of "Spanish" in the title (es)'), spanish.reasons.join("; "));
      // A code that is only part of a name (`es-module`) is no locale.
      assert.ok(!results.some((r) => r.path === "src/plugin/es-module.js" && r.reasons.some((why) => why.startsWith("file name"))));
      // A language the project has no locale file for names nothing.
      const polish = locate(index, "Polish months are wrong\n\nThe months should be lowercase.", { top: 5 });
      assert.ok(!polish.some((r) => r.reasons.some((why) => why.startsWith("file name"))), polish.map((r) => r.reasons.join("; ")).join(" | "));
    });
  });

  it("matches a title word to a file name by its stem: mocked → mock.py (class 2)", async () => {
    const tree = {
      "sphinx/ext/autodoc/__init__.py": "# Documents classes, their bases and members from their docstrings.\nclass ClassDocumenter:\n    def add_directive_header(self, sig):\n        bases = [restify(cls) for cls in self.object.__bases__]\n        return bases\n",
      "sphinx/ext/autodoc/mock.py": "# Stands in for modules that cannot be imported.\nclass _MockObject:\n    __display_name__ = '_MockObject'\n\ndef _make_subclass(name, module):\n    return type(name, (_MockObject,), {'__module__': module})\n",
      "sphinx/util/typing.py": "# Text of a class for the documentation: its module and name.\ndef restify(cls):\n    return cls.__module__ + '.' + cls.__qualname__\n",
    };
    await withTree(tree, (index) => {
      const results = locate(index, "Inherited classes not correctly documented when mocked\n\nThe bases of a class that inherits a class from a package we cannot install are documented as `torch.nn.` instead of `torch.nn.Module`.", { top: 5 });
      assert.equal(results[0]?.path, "sphinx/ext/autodoc/mock.py", results.map((r) => `${r.path}: ${r.reasons.join("; ")}`).join(" | "));
      assert.ok(results[0]!.reasons.includes('file name matches "mocked" in the title'), results[0]!.reasons.join("; "));
    });
  });

  it("does not take the words of a command in inline code, or a test named in the body, as pointers (class 3)", async () => {
    const tree = {
      "src/command/check/check.ts": "// Checks the installation: the LaTeX engine and the PDF tools.\nexport function check(): boolean { return true }\n",
      "src/core/lib/promise.ts": "export let running = 0\nexport function settle(): void { running = 0 }\n",
      "src/format/pdf/format-pdf.ts": "// PDF output: the LaTeX engine and its fonts.\nexport function pdfFormat(engine: string) { return { engine, fonts: [] } }\n",
      "tests/test_pdf.py": "def test_pdf_fonts():\n    assert fonts('pdf')\n",
    };
    await withTree(tree, (index) => {
      // "running (if applicable)" is prose, not a call of the `running` a helper module defines.
      const prose = locate(index, "PDF fonts are lost with the LaTeX engine\n\nThe fonts of the LaTeX engine are lost in the PDF on the system you're running (if applicable).", { top: 5 });
      assert.ok(!prose.some((r) => r.reasons.some((why) => /^defines .*running/.test(why))), prose.map((r) => r.reasons.join("; ")).join(" | "));
      const results = locate(index, "PDF fonts are lost with the LaTeX engine\n\nAfter `quarto check` passes, rendering to PDF loses the fonts of the LaTeX engine; see test_pdf.py.", { top: 5 });
      assert.equal(results[0]?.path, "src/format/pdf/format-pdf.ts", results.map((r) => r.path).join(", "));
      // `check` is a word of the command: at most a name used in an example, not a definition the text names.
      const check = results.find((r) => r.path === "src/command/check/check.ts");
      assert.ok(!check || !check.reasons.includes("defines check"), check?.reasons.join("; "));
    });
  });
  it("ranks by the title's words apart from a body that tells the reporter's own story (class 4)", async () => {
    const tree = {
      "pkg/printing/layout.py": "# Pretty printing: subscripts and superscripts of symbols.\ndef pretty(expr):\n    return str(expr)\n",
      "pkg/solvers/ode.py": "# Solves ordinary differential equations: the equation, its initial conditions, the solution.\ndef dsolve(equation, conditions):\n    return equation\n",
      "pkg/core/symbol.py": "# A named symbol.\nclass Symbol:\n    name = ''\n",
    };
    await withTree(tree, (index) => {
      const story = "I solve a differential equation with initial conditions and print the solution: the solution of the equation and its initial conditions show x1 as x. The solver gives the right solution of the equation; the equation, the conditions and the solution are those of an ordinary differential equation.";
      const issue = `Pretty printing drops subscripts\n\n${story}`;
      const results = locate(index, issue, { top: 3 });
      assert.equal(results[0]?.path, "pkg/printing/layout.py", results.map((r) => `${r.path} ${r.score.toFixed(2)}`).join(", "));
      assert.ok(results[0]!.reasons.some((why) => why.startsWith("title words: ") && why.includes("subscripts")), results[0]!.reasons.join("; "));
      // The body alone points at the solver: the title is what turns it.
      const body = locate(index, `An issue\n\n${story}`, { top: 3 });
      assert.equal(body[0]?.path, "pkg/solvers/ode.py", body.map((r) => r.path).join(", "));
    });
  });

  it("does not take the project's own name in the title for a file name (class 2)", async () => {
    const tree = {
      "pytest/pytest.py": "# Entry point: runs the main loop.\ndef console_main():\n    return main()\n",
      "pytest/collect.py": "# Collection of test files: a dot in a file name, a directory without a package.\ndef collect_file(path):\n    return path\n",
      "pytest/runner.py": "# Runs the collected items.\ndef run(item):\n    return item\n",
    };
    await withTree(tree, (index) => {
      const results = locate(index, "pytest collects nothing from a file with a dot in its name\n\nA file name with a dot is not collected.", { top: 5 });
      assert.equal(results[0]?.path, "pytest/collect.py", results.map((r) => r.path).join(", "));
      assert.ok(!results.some((r) => r.reasons.some((why) => why.startsWith('file name matches "pytest"'))), results.map((r) => r.reasons.join("; ")).join(" | "));
      assert.ok(!results.some((r) => r.path === "pytest/pytest.py" && r.reasons.some((why) => why.startsWith("file name matches"))), results.map((r) => r.reasons.join("; ")).join(" | "));
    });
  });

  it("does not take the project's own name for a pointer to the class named after it (class 2)", async () => {
    const tree = {
      "sphinx/application.py": "# The application object: configuration, extensions, events; merges the description of each function.\nclass Sphinx:\n    def build(self):\n        return self.builder\n",
      "sphinx/ext/typehints.py": "# Type hints of a documented function, merged into its description.\ndef merge_typehints(app, node):\n    return node\n",
      "sphinx/ext/napoleon.py": "# Google style docstrings.\ndef parse(doc):\n    return doc\n",
    };
    await withTree(tree, (index) => {
      const top = ranked(index, "Type hints are merged twice\n\nWith Sphinx 4.2 the type hints of a function are merged into its description twice.");
      assert.equal(top[0], "sphinx/ext/typehints.py", top.join(", "));
    });
  });
  it("lifts the one declaration file of a top file's folder, whatever its name (class 5)", async () => {
    const tree = {
      "src/cards/stats-card.js": "// The stats card: stars, commits, pull requests and issues of a user.\nexport function renderStatsCard(stats, options) { return `${stats.commits} ${options.hide}` }\n",
      "src/cards/repo-card.js": "// The repository card: a pinned repository.\nexport function renderRepoCard(repo) { return repo.name }\n",
      "src/cards/types.d.ts": "export type StatCardOptions = { hide: string[]; show_icons: boolean };\nexport type RepoCardOptions = { show_owner: boolean };\n",
      "src/common/utils.js": "export function kFormatter(n) { return n }\n",
    };
    await withTree(tree, (index) => {
      const results = locate(index, "Stats card: an option to hide the commits\n\nThe stats card should take an option that hides the commits count.", { top: 5 });
      const paths = results.map((r) => r.path);
      assert.equal(paths[0], "src/cards/stats-card.js", paths.join(", "));
      const declarations = results.find((r) => r.path === "src/cards/types.d.ts");
      assert.ok(declarations?.reasons.includes("type declarations of src/cards/stats-card.js"), results.map((r) => `${r.path}: ${r.reasons.join("; ")}`).join(" | "));
    });
  });
  it("lifts a component's prop types and a module's types beside it: propTypes.js, types.ts (class 5)", async () => {
    const tree = {
      "src/components/DataFilters/DataFilters.js": "// DataFilters: a layer of filters for the data, with a clear button.\nexport const DataFilters = ({ clearFilters, layer, drop }) => render(clearFilters ? 'clear' : '', layer, drop)\n",
      "src/components/DataFilters/propTypes.js": "export const propTypes = { drop: PropTypes.bool, layer: PropTypes.bool }\n",
      "src/components/DataFilter/DataFilter.js": "// DataFilter: one filter, its range and its options.\nexport const DataFilter = ({ options, range }) => render(options, range)\n",
      "src/components/DataSearch/DataSearch.js": "// DataSearch: searches the data.\nexport const DataSearch = ({ placeholder }) => render(placeholder)\n",
      "src/components/Layer/Layer.js": "// Layer: a modal layer over the page.\nexport const Layer = ({ modal, position }) => render(modal, position)\n",
      "src/components/Drop/Drop.js": "// Drop: content dropped below a target.\nexport const Drop = ({ target, align }) => render(target, align)\n",
      "src/components/Data/Data.js": "// Data: the data, its filters and its views.\nexport const Data = ({ data, filters, view }) => render(data, filters, view)\n",
      "src/core/jupyter/jupyter.ts": "// Notebook cells: outputs, figures and their captions.\nexport function cellOutputs(cell: JupyterCell) { return cell.outputs.filter((o) => o.figure) }\n",
      "src/core/jupyter/types.ts": "export interface JupyterCell { outputs: JupyterOutput[] }\nexport interface JupyterOutput { figure?: boolean }\n",
      "src/core/render.ts": "// Renders a document.\nexport function render(doc: string) { return doc }\n",
    };
    await withTree(tree, (index) => {
      const results = locate(index, "DataFilters: clearFilters should close the layer\n\nWith `clearFilters` the DataFilters layer stays open.", { top: 5 });
      const paths = results.map((r) => r.path);
      assert.equal(paths[0], "src/components/DataFilters/DataFilters.js", paths.join(", "));
      const props = results.find((r) => r.path === "src/components/DataFilters/propTypes.js");
      assert.ok(props?.reasons.includes("types of src/components/DataFilters/DataFilters.js"), results.map((r) => `${r.path}: ${r.reasons.join("; ")}`).join(" | "));
      const cells = locate(index, "Figure captions of notebook cells are lost\n\nA cell's figure outputs lose their captions in `cellOutputs`.", { top: 5 });
      assert.equal(cells[0]?.path, "src/core/jupyter/jupyter.ts", cells.map((r) => r.path).join(", "));
      assert.ok(cells.find((r) => r.path === "src/core/jupyter/types.ts")?.reasons.includes("types of src/core/jupyter/jupyter.ts"), cells.map((r) => `${r.path}: ${r.reasons.join("; ")}`).join(" | "));
    });
  });
  it("lifts the code a test the issue points at uses, though the test itself stays down (class 5)", async () => {
    const tree = {
      "pkg/pycode/ast.py": "# Unparses an AST node back into source text.\ndef unparse(node):\n    return _visit(node)\n\ndef _visit(node):\n    return str(node)\n",
      "pkg/registry.py": "# Registry of elements: every element rendered is handled by its special case.\ndef add_element(element):\n    return element\n",
      "pkg/domains/cpp.py": "# C++ domain: elements, trailing return types, tuples described.\ndef describe(element):\n    return element\n",
      "pkg/domains/c.py": "# C domain: each element and its trailing comma, special cases handled.\ndef describe(element):\n    return element\n",
      "pkg/builders/text.py": "# Text builder: each element rendered, a tuple still handled as a special case.\ndef write(element):\n    return element\n",
      "tests/test_pycode_ast.py": "from pkg.pycode.ast import unparse\n\ndef test_unparse():\n    assert unparse('(1,)') == '(1,)'\n",
    };
    await withTree(tree, (index) => {
      const issue = "1-element tuple rendered incorrectly\n\nThe special case of a 1-element tuple is still not handled: the trailing comma of an element is lost.\n\nAdd a case at https://github.com/o/pkg/blob/main/tests/test_pycode_ast.py#L57";
      const results = locate(index, issue, { top: 5 });
      const paths = results.map((r) => r.path);
      const ast = results.find((r) => r.path === "pkg/pycode/ast.py");
      assert.ok(ast && paths.indexOf("pkg/pycode/ast.py") <= 2, paths.join(", "));
      assert.ok(ast.reasons.includes("used by tests/test_pycode_ast.py"), ast.reasons.join("; "));
    });
  });

  it("holds down example and demo code, which shows the words of an issue but is not where its fix goes (class 3)", async () => {
    const tree = {
      "lib/router.js": "// Runs the route handler matched for a request path; an error goes to the error handler.\nexport function match(routes, path) {\n  return routes.find((r) => r.test(path));\n}\n",
      "lib/response.js": "export function send(res, body) {\n  res.end(body);\n}\n",
      "examples/error-handler/index.js":
        "// Error handler example: an error thrown in a route handler is not skipped, it reaches the error handler.\n" +
        "import { match } from '../../lib/router.js';\nexport function handler(err, req, res, next) {\n  // the error handler sends the error\n  res.end(String(err));\n}\n",
    };
    await withTree(tree, (index) => {
      const issue = "Error handler skipped when a route handler throws\n\nAn error thrown in a route handler does not reach the error handler; the route path matched.";
      const paths = ranked(index, issue);
      assert.ok(paths.indexOf("lib/router.js") >= 0 && paths.indexOf("lib/router.js") < paths.indexOf("examples/error-handler/index.js"), paths.join(", "));
    });
  });
  it("points at the file that prints a message the issue quotes, word for word across placeholders and string parts (class 4)", async () => {
    const tree = {
      "src/runner/collect.py":
        "from src.runner.outcomes import Failed\n\ndef check_call(item):\n" +
        "    if item.parent is None:\n" +
        '        raise Failed("Using skip outside of a test is not allowed. "\n' +
        '                     "To skip a whole file, use %s instead." % "skipmodule")\n',
      "src/runner/skipping.py":
        "# Skipping: skip a test, skip a module, skip at module level, skip conditions.\n" +
        "def evaluate_skip_marks(item):\n    # skip marks of a module and of a test, module level skip\n    return [m for m in item.marks if m.name == 'skip']\n",
      "src/runner/outcomes.py":
        "# Outcomes of a test: skip, fail, exit.\nclass Failed(Exception):\n    pass\n\n" +
        "def skip(msg, allow_module_level=False):\n    # skip the test, or the module when allow_module_level\n    raise Failed(msg)\n",
    };
    await withTree(tree, (index) => {
      const issue =
        "Improve handling of skip for module level\n\nSkipping a whole module at module level is awkward. Calling skip at module level fails with:\n\n" +
        "```\nFailed: Using skip outside of a test is not allowed. To skip a whole file, use skipmodule instead.\n```\n\nSkip for a module should be easier.";
      const results = locate(index, issue, { top: 5 });
      assert.equal(results[0]?.path, "src/runner/collect.py", results.map((r) => `${r.path} ${r.reasons.join("; ")}`).join("\n"));
      assert.ok(results[0]!.reasons.some((r) => r.startsWith('quotes "') && r.includes("skip outside of a test is not allowed")), results[0]!.reasons.join("; "));
    });
  });

  it("does not take the runtime's traceback lines, a phrase many files hold, or words no file holds in a row, as a quote (class 4)", async () => {
    const common = "# Licensed under the Apache License Version 2.0 of the Foundation\n";
    const tree = {
      "src/report.py": 'def chain(out):\n    out.write("During handling of the above exception, another exception occurred:")\n',
      "src/a.py": common + "def a():\n    return 1\n",
      "src/b.py": common + "def b():\n    return 2\n",
      "src/c.py": common + "def c():\n    return 3\n",
      "src/d.py": common + "def d():\n    return 4\n",
      "src/parse.py": "def parse(text):\n    # the parser reads a value from the text\n    return text\n",
    };
    await withTree(tree, (index) => {
      const issue =
        "Crash when parsing a value\n\nThe parser crashes. Every file says \"Licensed under the Apache License Version 2.0 of the Foundation\" at the top.\n\n" +
        "```\nTraceback (most recent call last):\nValueError: bad\n\nDuring handling of the above exception, another exception occurred:\n\n" +
        "Traceback (most recent call last):\nKeyError: value reads the parser text badly\n```\n";
      const results = locate(index, issue, { top: 10 });
      const quoted = results.filter((r) => r.reasons.some((x) => x.startsWith("quotes ")));
      assert.deepEqual(quoted.map((r) => r.path), [], quoted.map((r) => `${r.path} ${r.reasons.join("; ")}`).join("\n"));
    });
  });
  const WHERE_TREE: Record<string, string> = {
    "arr/__init__.py": "from arr.core.computation import where, apply\nfrom arr.core.dataarray import DataArray\n",
    "arr/core/computation.py": "def apply(func, *args):\n    return func(*args)\n\ndef where(cond, x, y, keep_attrs=None):\n    \"\"\"Elements of x where cond holds, else of y; the attributes follow keep_attrs.\"\"\"\n    return apply(_pick, cond, x, y)\n\ndef _pick(cond, x, y):\n    return x if cond else y\n",
    "arr/core/variable.py": "class Variable:\n    def where(self, cond, other):\n        # keeps the attributes\n        return self._replace(attrs=self.attrs)\n",
    "arr/core/common.py": "class DataWithAttrs:\n    def where(self, cond, other=None):\n        # keeps the attributes\n        return self.attrs\n",
    "arr/core/dataarray.py": "class DataArray:\n    def where(self, cond, other=None):\n        # attributes are kept\n        return self\n\n    def rename(self, name):\n        return self\n",
  };

  it("resolves a name qualified by the project's package or a class to the definition it means (class 2)", async () => {
    await withTree(WHERE_TREE, (index) => {
      const moduleLevel = locate(index, "ar.where drops the attributes\n\n```python\nimport arr as ar\nda = ar.DataArray([1, 2], attrs={'units': 'm'})\nout = ar.where(da > 1, da, 0)\nassert out.attrs == da.attrs  # attributes are lost\n```\n", { top: 5 });
      assert.equal(moduleLevel[0]?.path, "arr/core/computation.py", moduleLevel.map((r) => `${r.path} ${r.score.toFixed(2)} ${r.reasons.join("; ")}`).join("\n"));
      assert.ok(moduleLevel[0]!.reasons.includes("defines ar.where"), moduleLevel[0]!.reasons.join("; "));
      const method = locate(index, "DataArray.where drops the attributes\n\nCalling `DataArray.where` with a condition returns a result without the attributes of the input.", { top: 5 });
      assert.equal(method[0]?.path, "arr/core/dataarray.py", method.map((r) => `${r.path} ${r.reasons.join("; ")}`).join("\n"));
      // An instance's method (`da.where`) names no definition in particular: every `where` counts alike.
      const instance = locate(index, "where drops the attributes\n\n```python\nout = da.where(da > 1, 0)\n```\n", { top: 5 }).find((r) => r.path === "arr/core/computation.py");
      assert.ok(!instance?.reasons.some((r) => r.includes(".where")), instance?.reasons.join("; "));
    });
  });
});
