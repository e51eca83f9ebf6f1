/**
 * The patch benchmark's corpus: real files (node_modules packages in several languages, and
 * Python's standard library when it is installed), real changes made to them
 * programmatically (an identifier renamed across a function, a condition flipped, lines
 * added and removed, a function added, a block deleted, multi-hunk changes, new, deleted
 * and renamed files, CRLF files, files without a final newline), and the clean diff that
 * `git diff -M` prints for each. Deterministic: the same node_modules gives the same corpus.
 * Trees are latin1 strings, so every byte survives the edits.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type Tree, gitDiff } from "../unit/tools/helpers/diffs.ts";

export type { Tree };

type Lang = "js" | "ts" | "py" | "c" | "scm" | "json" | "md";

interface Source {
  /** Path inside the case's tree (package/relative path). */
  readonly path: string;
  readonly abs: string;
  readonly lang: Lang;
}

/** One clean change: the tree before, the intended tree after, and git's diff between them. */
export interface BaseCase {
  readonly id: string;
  readonly kind: string;
  readonly before: Tree;
  readonly after: Tree;
  readonly patch: string;
}

const NODE_MODULES = join(import.meta.dirname, "../../node_modules");

const NODE_SOURCES: readonly [string, Lang][] = [
  ["debug/src/common.js", "js"],
  ["ms/index.js", "js"],
  ["semver/classes/range.js", "js"],
  ["cross-spawn/lib/parse.js", "js"],
  ["editions/source/index.ts", "ts"],
  ["@textlint/linter-formatter/src/formatters/stylish.ts", "ts"],
  ["tree-sitter-python/src/scanner.c", "c"],
  ["tree-sitter-go/queries/highlights.scm", "scm"],
  ["semver/package.json", "json"],
  ["commander/package.json", "json"],
  ["semver/README.md", "md"],
  ["ms/readme.md", "md"],
];

function pythonLib(): string | undefined {
  const dirs = existsSync("/usr/lib") ? readdirSync("/usr/lib").filter((d) => /^python3\.\d+$/.test(d)).sort() : [];
  return dirs.map((d) => join("/usr/lib", d)).find((d) => existsSync(join(d, "shlex.py")));
}

/** The real files the corpus is made from (those present on this machine). */
export function sources(): Source[] {
  const out: Source[] = NODE_SOURCES.map(([p, lang]) => ({ path: p.replace(/^@/, ""), abs: join(NODE_MODULES, p), lang }));
  const py = pythonLib();
  if (py) out.push(...["shlex.py", "textwrap.py"].map((f) => ({ path: `python/${f}`, abs: join(py, f), lang: "py" as const })));
  return out.filter((s) => existsSync(s.abs));
}

const COMMENT: Record<Lang, string> = { js: "//", ts: "//", c: "//", py: "#", scm: ";", json: "", md: "" };
const indentOf = (line: string | undefined): string => /^[ \t]*/.exec(line ?? "")![0];
const at = (lines: readonly string[], frac: number): number => Math.min(lines.length - 2, Math.max(1, Math.floor(lines.length * frac)));

/** A change to a file's lines; returns undefined when the file offers no place for it. */
type Edit = (lines: string[], lang: Lang, frac: number) => string[] | undefined;

const KEYWORDS = new Set("this that self return const function value true false null none None undefined else elif while break continue static import from export default class super typeof instanceof string number boolean await async".split(" "));

// An identifier used at least twice in a function-sized window, renamed everywhere in it.
const rename: Edit = (lines, lang, frac) => {
  for (let start = at(lines, frac); start < lines.length; start += 20) {
    const window = lines.slice(start, start + 40);
    const counts = new Map<string, number>();
    for (const id of window.join("\n").match(/\b[A-Za-z_][A-Za-z0-9_]{3,}\b/g) ?? []) if (!KEYWORDS.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
    const best = [...counts].filter(([, n]) => n >= 2).sort((a, b) => b[1] - a[1])[0];
    if (!best) continue;
    const re = new RegExp(`\\b${best[0]}\\b`, "g");
    const renamed = lang === "py" ? `${best[0]}_next` : `${best[0]}Next`;
    return [...lines.slice(0, start), ...window.map((l) => l.replace(re, renamed)), ...lines.slice(start + 40)];
  }
  return undefined;
};

const FLIPS: readonly [string, string][] = [[" === ", " !== "], [" !== ", " === "], [" == ", " != "], [" != ", " == "], [" >= ", " < "], [" <= ", " > "], [" < ", " <= "], [" > ", " >= "], [" && ", " || "], [" || ", " && "], [" and ", " or "], [" or ", " and "], [" not in ", " in "]];

// The first `if`/`while` condition from the place on that has an operator to flip.
const condition: Edit = (lines, lang, frac) => {
  const from = at(lines, frac);
  for (let k = 0; k < lines.length; k++) {
    const i = (from + k) % lines.length;
    const line = lines[i]!;
    if (!/\b(if|elif|while)\b/.test(line)) continue;
    const flip = FLIPS.find(([a]) => line.includes(a));
    const changed = flip ? line.replace(flip[0], flip[1]) : lang === "py" && /^\s*(if|elif) .*:$/.test(line) ? line.replace(/\b(if|elif) /, "$1 not ") : undefined;
    if (changed) return lines.map((l, j) => (j === i ? changed : l));
  }
  return undefined;
};

const STATEMENT: Record<Lang, string> = { js: "debugLog('reached');", ts: "debugLog('reached');", c: "debug_log(\"reached\");", py: "debug_log('reached')", scm: "(comment) @comment.note", json: "", md: "" };

// Two lines (a comment and a statement) after a non-blank line, indented like the next line.
const insertLines: Edit = (lines, lang, frac) => {
  let i = at(lines, frac);
  while (i < lines.length - 1 && lines[i]!.trim() === "") i++;
  const ind = indentOf(lines[i + 1]?.trim() ? lines[i + 1] : lines[i]);
  const added = lang === "md" ? ["", "This behaviour is covered by the test suite since the last release."] : [`${ind}${COMMENT[lang]} reached in normal operation`, `${ind}${STATEMENT[lang]}`];
  return [...lines.slice(0, i + 1), ...added, ...lines.slice(i + 1)];
};

const deleteLines: Edit = (lines, _lang, frac) => {
  for (let i = at(lines, frac); i < lines.length - 3; i++) {
    if (lines.slice(i, i + 3).every((l) => l.trim() !== "")) return [...lines.slice(0, i), ...lines.slice(i + 3)];
  }
  return undefined;
};

const FUNCTION: Record<Lang, string[]> = {
  js: ["function clampIndex(index, length) {", "  if (index < 0) return 0;", "  return Math.min(index, length - 1);", "}"],
  ts: ["function clampIndex(index: number, length: number): number {", "  if (index < 0) return 0;", "  return Math.min(index, length - 1);", "}"],
  c: ["static inline unsigned clamp_index(int index, unsigned length) {", "  if (index < 0) return 0;", "  return (unsigned)index < length ? (unsigned)index : length - 1;", "}"],
  py: ["def clamp_index(index, length):", "    if index < 0:", "        return 0", "    return min(index, length - 1)"],
  scm: ["(call_expression", "  function: (identifier) @function.clamp", "  (#eq? @function.clamp \"clamp\"))"],
  json: [],
  md: ["## Clamping", "", "Indices below zero become `0`; indices past the end become the last index."],
};

// A new function (or section) after a blank line.
const addFunction: Edit = (lines, lang, frac) => {
  const blank = nextBlank(lines, at(lines, frac));
  if (blank === undefined || FUNCTION[lang].length === 0) return undefined;
  return [...lines.slice(0, blank + 1), ...FUNCTION[lang], "", ...lines.slice(blank + 1)];
};

function nextBlank(lines: readonly string[], from: number): number | undefined {
  for (let i = from; i < lines.length - 1; i++) if (lines[i]!.trim() === "" && lines[i + 1]!.trim() !== "") return i;
  return undefined;
}

// The block (function, paragraph) after a blank line, up to the next blank line; at most 25 lines.
const deleteBlock: Edit = (lines, _lang, frac) => {
  const blank = nextBlank(lines, at(lines, frac));
  if (blank === undefined) return undefined;
  let end = blank + 1;
  while (end < lines.length && lines[end]!.trim() !== "" && end - blank <= 25) end++;
  return [...lines.slice(0, blank + 1), ...lines.slice(end + 1)];
};

// Two adjacent lines swapped and the line after them changed.
const reorder: Edit = (lines, lang, frac) => {
  for (let i = at(lines, frac); i < lines.length - 3; i++) {
    const [a, b, c] = lines.slice(i, i + 3);
    if ([a, b, c].some((l) => l!.trim() === "") || a === b) continue;
    const changed = lang === "json" ? c!.replace(/"([^"]*)"/, '"$1-next"') : `${c} ${COMMENT[lang] || "-"} checked`;
    return [...lines.slice(0, i), b!, a!, changed, ...lines.slice(i + 3)];
  }
  return undefined;
};

// Three spread-out places: a changed line, an inserted line and a deleted line at each.
const multiHunk: Edit = (lines, lang, frac) => {
  const out = [...lines];
  const mark = COMMENT[lang] || (lang === "json" ? "" : "-");
  for (let k = 3; k >= 1; k--) {
    const i = Math.floor(((k * 0.29 + frac) % 1) * (out.length - 4)) + 1;
    out[i] = lang === "json" ? out[i]!.replace(/"([^"]*)"/, '"$1-v2"') : `${out[i]} ${mark} edit ${k}`;
    out.splice(i + 2, 1);
    const inserted = lang === "json" ? `${indentOf(out[i])}"note${k}": "added",` : `${indentOf(out[i])}${mark} inserted ${k}`;
    out.splice(i + 1, 0, inserted);
  }
  return out;
};

// JSON: a key added after a line that ends with a comma.
const addKey: Edit = (lines, _lang, frac) => {
  for (let i = at(lines, frac); i < lines.length - 1; i++) {
    if (/^\s+"[^"]+": .*,$/.test(lines[i]!)) return [...lines.slice(0, i + 1), `${indentOf(lines[i])}"sideEffects": false,`, ...lines.slice(i + 1)];
  }
  return undefined;
};

// Markdown: one word changed in a prose line.
const reword: Edit = (lines, _lang, frac) => {
  for (let i = at(lines, frac); i < lines.length; i++) {
    if (/^[A-Za-z].* (the|a|is) /.test(lines[i]!)) return lines.map((l, j) => (j === i ? l.replace(/ (the|a|is) /, " $1 very ") : l));
  }
  return undefined;
};

const EDITS: Record<Lang, Record<string, Edit>> = {
  js: { rename, condition, "insert lines": insertLines, "delete lines": deleteLines, "add function": addFunction, "delete block": deleteBlock, reorder, "multi-hunk": multiHunk },
  ts: { rename, condition, "insert lines": insertLines, "delete lines": deleteLines, "add function": addFunction, "delete block": deleteBlock, reorder, "multi-hunk": multiHunk },
  py: { rename, condition, "insert lines": insertLines, "delete lines": deleteLines, "add function": addFunction, "delete block": deleteBlock, reorder, "multi-hunk": multiHunk },
  c: { rename, condition, "insert lines": insertLines, "delete lines": deleteLines, "add function": addFunction, "delete block": deleteBlock, reorder, "multi-hunk": multiHunk },
  scm: { "insert lines": insertLines, "delete lines": deleteLines, "add function": addFunction, "delete block": deleteBlock, "multi-hunk": multiHunk },
  json: { "add key": addKey, "delete lines": deleteLines, reorder, "multi-hunk": multiHunk },
  md: { reword, "insert lines": insertLines, "delete block": deleteBlock, "add function": addFunction, "multi-hunk": multiHunk },
};

function read(s: Source): string {
  return readFileSync(s.abs, "latin1");
}

function editText(text: string, lang: Lang, edit: Edit, frac: number): string | undefined {
  const lines = text.split("\n");
  const edited = edit(lines, lang, frac);
  return edited && edited.join("\n") !== text ? edited.join("\n") : undefined;
}

/** Every base case: one per (source, edit kind), then the multi-file and file-level cases. */
export function buildCorpus(): BaseCase[] {
  const srcs = sources();
  const cases: BaseCase[] = [];
  const add = (id: string, kind: string, before: Tree, after: Tree): void => void cases.push({ id, kind, before, after, patch: gitDiff(before, after) });
  srcs.forEach((s, n) => {
    Object.entries(EDITS[s.lang]).forEach(([kind, edit], k) => {
      const text = read(s);
      const after = editText(text, s.lang, edit, ((n * 0.37 + k * 0.23) % 0.8) + 0.1);
      if (after !== undefined) add(`${s.path} ${kind}`, kind, { [s.path]: text }, { [s.path]: after });
    });
  });
  fileLevelCases(srcs, add);
  return cases;
}

function fileLevelCases(srcs: readonly Source[], add: (id: string, kind: string, before: Tree, after: Tree) => void): void {
  const code = srcs.filter((s) => ["js", "ts", "py", "c"].includes(s.lang));
  const pick = (k: number): Source => code[k % code.length]!;
  for (let k = 0; k < 2; k++) {
    const [a, b] = [pick(k), pick(k + 3)];
    add(`new file ${b.path}`, "new file", { [a.path]: read(a) }, { [a.path]: read(a), [`added/${b.path}`]: read(b) });
    add(`deleted file ${b.path}`, "deleted file", { [a.path]: read(a), [b.path]: read(b) }, { [a.path]: read(a) });
    add(`renamed + edited ${a.path}`, "renamed file", { [a.path]: read(a) }, { [`moved/${a.path}`]: editText(read(a), a.lang, insertLines, 0.5)! });
    add(`two files ${a.path} + ${b.path}`, "multi-file", { [a.path]: read(a), [b.path]: read(b) }, { [a.path]: editText(read(a), a.lang, multiHunk, 0.3)!, [b.path]: editText(read(b), b.lang, condition, 0.4) ?? editText(read(b), b.lang, deleteLines, 0.4)! });
  }
  add(`pure rename ${pick(2).path}`, "renamed file", { [pick(2).path]: read(pick(2)) }, { [`moved/${pick(2).path}`]: read(pick(2)) });
  const mixed = [pick(1), pick(4), pick(5)];
  add("create + modify + delete", "multi-file", { [mixed[0]!.path]: read(mixed[0]!), [mixed[1]!.path]: read(mixed[1]!) }, { [mixed[0]!.path]: editText(read(mixed[0]!), mixed[0]!.lang, rename, 0.6)!, [`added/${mixed[2]!.path}`]: read(mixed[2]!) });
  for (let k = 0; k < 3; k++) {
    const s = [pick(k), pick(k + 4), srcs.find((x) => x.lang === "md") ?? pick(6)][k]!;
    const crlf = (t: string): string => t.replace(/\r?\n/g, "\r\n");
    add(`CRLF file ${s.path}`, "CRLF file", { [s.path]: crlf(read(s)) }, { [s.path]: crlf(editText(read(s), s.lang, multiHunk, 0.2 + k * 0.3)!) });
    const bare = read(pick(k + 1)).replace(/\n+$/, "");
    const lines = bare.split("\n");
    const tail = [...lines.slice(0, -2), `${lines.at(-2)} ${COMMENT[pick(k + 1).lang]} end`, `${indentOf(lines.at(-1))}${STATEMENT[pick(k + 1).lang]}`, lines.at(-1)!].join("\n");
    add(`no final newline ${pick(k + 1).path}`, "no final newline", { [pick(k + 1).path]: bare }, { [pick(k + 1).path]: tail });
  }
}
