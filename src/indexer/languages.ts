import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Parser from "tree-sitter";
import type { LanguageId } from "./types.ts";

// Grammar packages are CommonJS native addons, loaded lazily so that a process that never
// sees a Rust file never loads the Rust grammar. A CommonJS bundle has `require` and no
// `import.meta.url`; ESM (tsx, tests) has the opposite.
const requireGrammar: NodeJS.Require =
  typeof require === "function" ? require : createRequire(import.meta.url);

interface LanguageSpec {
  readonly extensions: readonly string[];
  /** Loads the grammar object from its npm package. */
  readonly load: () => unknown;
  /** File name of the tags query inside `queriesDir`. */
  readonly query: string;
}

const SPECS: Readonly<Record<LanguageId, LanguageSpec>> = {
  typescript: {
    extensions: [".ts", ".mts", ".cts"],
    load: () => (requireGrammar("tree-sitter-typescript") as { typescript: unknown }).typescript,
    query: "typescript-tags.scm",
  },
  tsx: {
    extensions: [".tsx"],
    load: () => (requireGrammar("tree-sitter-typescript") as { tsx: unknown }).tsx,
    query: "typescript-tags.scm",
  },
  javascript: {
    extensions: [".js", ".jsx", ".mjs", ".cjs"],
    load: () => requireGrammar("tree-sitter-javascript"),
    query: "javascript-tags.scm",
  },
  python: { extensions: [".py", ".pyi"], load: () => requireGrammar("tree-sitter-python"), query: "python-tags.scm" },
  go: { extensions: [".go"], load: () => requireGrammar("tree-sitter-go"), query: "go-tags.scm" },
  rust: { extensions: [".rs"], load: () => requireGrammar("tree-sitter-rust"), query: "rust-tags.scm" },
  java: { extensions: [".java"], load: () => requireGrammar("tree-sitter-java"), query: "java-tags.scm" },
  c: { extensions: [".c", ".h"], load: () => requireGrammar("tree-sitter-c"), query: "c-tags.scm" },
  cpp: {
    extensions: [".cc", ".cpp", ".cxx", ".c++", ".hh", ".hpp", ".hxx", ".h++", ".ipp", ".inl"],
    load: () => requireGrammar("tree-sitter-cpp"),
    query: "cpp-tags.scm",
  },
};

/** Every language the indexer parses. */
export const LANGUAGES = Object.keys(SPECS) as LanguageId[];

const BY_EXTENSION = new Map<string, LanguageId>(
  LANGUAGES.flatMap((id) => SPECS[id].extensions.map((ext) => [ext, id] as const)),
);

/** The language for a path by its extension, or null when no grammar handles it. */
export function languageForPath(path: string): LanguageId | null {
  const dot = path.lastIndexOf(".");
  if (dot === -1 || dot < path.lastIndexOf("/")) return null;
  return BY_EXTENSION.get(path.slice(dot).toLowerCase()) ?? null;
}

/**
 * What C++ writes and C cannot: a namespace (its brace on the next line too), a class with a
 * body, a template, an access label, `using namespace`, `enum class`, `std::`, a member
 * function's `) const {`, a standard header with no extension (`#include <string>`). A C
 * header's `extern "C" {` under `#ifdef __cplusplus` is neither. Read with comments and
 * strings left out: a C header's comment showing its use from C++ is not C++.
 */
const CPP_IN_HEADER = /^[ \t]*(?:(?:inline[ \t]+)?namespace(?:[ \t]+[\w:]+)?\s*\{|(?:template[ \t]*<)|class[ \t]+\w+[^;{()]*\{|(?:public|private|protected)[ \t]*:|using[ \t]+namespace\b|enum[ \t]+(?:class|struct)\b|#[ \t]*include[ \t]*<\w+>)|\bstd::\w|\)[ \t]*const[ \t]*(?:noexcept[ \t]*|override[ \t]*|final[ \t]*)*[{;]/m;

/**
 * The text with its comments and string and character literals emptied, their line breaks kept.
 * A scan, in one pass: as a regular expression an unclosed comment or literal was looked for
 * from each of its starts to the end (a hostile repository's 1 MB header of `/*\` took 49 s
 * and held the index). A block comment is closed by the first `*\/` after its `/*`; a line
 * comment ends before the line break; a literal ends at its own quote on the line, a backslash
 * taking the next character but a line break; an unclosed one is read as text.
 */
function withoutCommentsOrStrings(text: string): string {
  const out: string[] = [];
  let kept = 0;
  let noCommentEnd = false;
  // Where a literal of each quote that did not close stopped: a quote of the same kind before
  // that point was escaped in that scan, which then went on as this one would, and fails too.
  const unclosedUntil: Record<string, number> = { '"': -1, "'": -1 };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    let end = -1;
    if (c === "/" && text[i + 1] === "*") {
      const close = noCommentEnd ? -1 : text.indexOf("*/", i + 2);
      if (close === -1) noCommentEnd = true;
      else end = close + 2;
    } else if (c === "/" && text[i + 1] === "/") {
      const lineEnd = text.indexOf("\n", i);
      end = lineEnd === -1 ? text.length : lineEnd;
    } else if ((c === '"' || c === "'") && i >= unclosedUntil[c]!) {
      const [closed, at] = literalEnd(text, i, c);
      if (closed) end = at;
      else unclosedUntil[c] = at;
    }
    if (end === -1) {
      i++;
      continue;
    }
    out.push(text.slice(kept, i), text.slice(i, end).replace(/[^\n]/g, ""));
    kept = i = end;
  }
  out.push(text.slice(kept));
  return out.join("");
}

/** [true, the end after the closing quote] of the literal opened at `at`, or [false, where it stopped]. */
function literalEnd(text: string, at: number, quote: string): [boolean, number] {
  let k = at + 1;
  while (k < text.length) {
    const c = text[k];
    if (c === quote) return [true, k + 1];
    if (c === "\n") break;
    if (c === "\\") {
      const next = text[k + 1];
      if (next === undefined || next === "\n" || next === "\r" || next === "\u2028" || next === "\u2029") break;
      k += 2;
    } else k++;
  }
  return [false, k];
}

/**
 * The language for a file by its extension and, for a `.h` header, its text: C++ projects
 * write their headers as `.h` too, and the C grammar read their namespaces and classes as
 * errors (a class in a header was in no index, `hearth locate` and find_symbol missed it).
 */
export function languageForFile(path: string, text: string): LanguageId | null {
  const language = languageForPath(path);
  if (language !== "c" || !/\.h$/i.test(path)) return language;
  return CPP_IN_HEADER.test(withoutCommentsOrStrings(text)) ? "cpp" : "c";
}

/** A loaded grammar with its compiled tags query. */
export interface LoadedLanguage {
  readonly id: LanguageId;
  readonly grammar: Parser.Language;
  readonly query: Parser.Query;
}

/**
 * Loads grammars and compiles their queries on first use, once per thread.
 * `queriesDir` is where the `.scm` files live: `src/indexer/queries` in a checkout,
 * `out/queries` in the built extension. The caller decides; nothing here guesses.
 */
export class LanguageRegistry {
  private readonly loaded = new Map<LanguageId, LoadedLanguage>();

  constructor(private readonly queriesDir: string) {}

  get(id: LanguageId): LoadedLanguage {
    let lang = this.loaded.get(id);
    if (!lang) {
      const spec = SPECS[id];
      const grammar = spec.load() as Parser.Language;
      const source = readFileSync(join(this.queriesDir, spec.query), "utf8");
      lang = { id, grammar, query: new Parser.Query(grammar, source) };
      this.loaded.set(id, lang);
    }
    return lang;
  }
}

/** Directory names skipped by default: dependencies, build output, VCS metadata. */
export const DEFAULT_EXCLUDED_DIRS: readonly string[] = [
  ".git", ".hg", ".svn", "node_modules", "bower_components", "vendor", "third_party",
  "dist", "build", "out", "target", ".next", ".nuxt", "coverage", "__pycache__",
  ".venv", "venv", ".tox", ".mypy_cache", ".pytest_cache", ".gradle", ".idea", ".hearth",
];
