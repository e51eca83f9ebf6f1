import Parser from "tree-sitter";
import type { LoadedLanguage } from "./languages.ts";
import { maskSecrets, secretSafeEnd } from "../protocol/secret-values.ts";
import { cut, withLfLineEnds } from "./text.ts";
import type { Definition, Reference } from "./types.ts";

/** Symbols of one file; the syntax tree is not kept. */
export interface ExtractedSymbols {
  readonly definitions: Definition[];
  readonly references: Reference[];
  readonly imports: string[];
  /** True when the parse or the query hit the time limit: nothing was extracted. */
  readonly timedOut: boolean;
}

const SIGNATURE_MAX = 160;
const IMPORTS_MAX = 200;
// Kinds whose nested functions are methods; a const/var holding a closure is not a container.
// Modules and namespaces are not containers: a function in `mod helpers` is a function.
const CONTAINER_KINDS = new Set(["class", "struct", "interface", "implementation", "enum", "union", "trait"]);
// When two patterns name the same node, the more specific kind wins: `const f = () => …`
// is a function rather than a constant, `type S struct {…}` a struct rather than a type.
const KIND_PRIORITY: Readonly<Record<string, number>> = { constant: 0, variable: 0, type: 1 };
const priority = (kind: string): number => KIND_PRIORITY[kind] ?? 2;
const IMPORT_BINDING = /=\s*(await\s+)?(require|import)\s*\(/;

interface RawDef {
  name: string;
  kind: string;
  line: number;
  col: number;
  startLine: number;
  /** Column of the whole node's start. */
  startCol: number;
  endLine: number;
  start: number;
  end: number;
  scope?: string;
}

interface RawRef {
  name: string;
  kind: string;
  line: number;
  col: number;
  start: number;
  scope?: string;
}

// One parser per thread, reused: creating parsers per file costs more than the small files.
const parser = new Parser();

/**
 * Parses `source` and runs the language's tags query. `timeoutMs` bounds parse and query
 * together; on timeout the result is empty with `timedOut` set. The tree is a local and is
 * unreachable when this returns, so its native memory goes with the next GC.
 */
export function extractSymbols(text: string, lang: LoadedLanguage, timeoutMs: number): ExtractedSymbols {
  // Tree-sitter counts rows at LF only: a classic Mac file would be one line. Several of its
  // lexers (TypeScript's, Python's, C++'s) take a NUL for the end of the input, which would
  // hide every definition after one: it is read as a space (the same length: no offset moves).
  const lf = withLfLineEnds(text);
  const source = lf.includes("\0") ? lf.replace(/\0/g, " ") : lf;
  const deadline = performance.now() + timeoutMs;
  const overdue = (): boolean => performance.now() > deadline;
  parser.setLanguage(lang.grammar);
  let tree: Parser.Tree | undefined;
  try {
    tree = parser.parse(source, null, { progressCallback: overdue }) ?? undefined;
  } finally {
    // A halted parse would otherwise resume on the next call with another file.
    parser.reset();
  }
  if (!tree) return { definitions: [], references: [], imports: [], timedOut: true };
  // node-tree-sitter 0.25's matches() does not pass a progressCallback on (only captures()
  // does), and the query's time grows with the square of the nesting (100,000 nested calls:
  // 150 s): the deadline goes in as the cursor's timeout, which the C library still honours.
  const remainingMicros = Math.min(0xffff_ffff, Math.max(1, Math.floor((deadline - performance.now()) * 1000)));
  const matches = lang.query.matches(tree.rootNode, { progressCallback: overdue, timeoutMicros: remainingMicros });
  if (overdue()) return { definitions: [], references: [], imports: [], timedOut: true };
  const lines = source.split("\n");
  return { ...collect(matches, source, lines), timedOut: false };
}

export interface NodeStart {
  readonly index: number;
  readonly row: number;
  readonly column: number;
}

type NodeFields = Parser.SyntaxNode & { readonly [field: number]: number };
// undefined until a node away from row 0 / column 0 has been checked.
let fieldsMatch: boolean | undefined;

/**
 * Where a node starts, without a call into native code where possible. node-tree-sitter
 * 0.25 keeps each node's TSNode context in its numeric fields — [2] start byte, [3] start
 * row, [4] start column, bytes of UTF-16 text, so halved — and its `startIndex` and
 * `startPosition` getters fetch the same through a native call each, which on a large tree
 * costs more than the query. The layout is checked against the getters on each thread's
 * first nodes; if it differs (another binding version) the getters are used.
 */
export function nodeStart(node: Parser.SyntaxNode): NodeStart {
  if (fieldsMatch !== false) {
    const f = node as NodeFields;
    const fast = { index: f[2]! / 2, row: f[3]!, column: f[4]! / 2 };
    if (fieldsMatch) return fast;
    const p = node.startPosition;
    const same = fast.index === node.startIndex && fast.row === p.row && fast.column === p.column;
    if (!same) fieldsMatch = false;
    else if (p.row > 0 && p.column > 0) fieldsMatch = true;
    return { index: node.startIndex, row: p.row, column: p.column };
  }
  const p = node.startPosition;
  return { index: node.startIndex, row: p.row, column: p.column };
}

/** Whether this thread reads node starts from the fields (undefined: not decided yet). */
export function nodeFieldsTrusted(): boolean | undefined {
  return fieldsMatch;
}

/** The node's text from the source it was parsed from (one native call, for the end). */
function nodeText(node: Parser.SyntaxNode, start: NodeStart, source: string): string {
  return source.substring(start.index, node.endIndex);
}

function collect(
  matches: Parser.QueryMatch[],
  source: string,
  lines: string[],
): { definitions: Definition[]; references: Reference[]; imports: string[] } {
  const defs = new Map<number, RawDef>();
  const refs = new Map<number, RawRef>();
  const imports: string[] = [];
  const importRows = new Set<number>();
  const bindsImport = importBindingRows(lines);
  for (const match of matches) {
    let nameNode: Parser.SyntaxNode | undefined;
    let tagNode: Parser.SyntaxNode | undefined;
    let tag = "";
    let scope: string | undefined;
    for (const c of match.captures) {
      if (c.name === "name") nameNode = c.node;
      else if (c.name === "scope") scope = nodeText(c.node, nodeStart(c.node), source);
      else if (c.name === "import") addImport(nodeStart(c.node).row, lines, importRows, imports);
      else if (c.name.startsWith("definition.") || c.name.startsWith("reference.")) {
        tag = c.name;
        tagNode = c.node;
      }
    }
    if (!nameNode || !tagNode) continue;
    const name = nodeStart(nameNode);
    if (tag.startsWith("definition.")) {
      // `const X = require("./x")` binds a name, it does not define X: counting it would make
      // every importing file a definer of X in the graph and in lookups.
      const kind = tag.slice(11);
      if (priority(kind) === 0 && bindsImport(name.row)) continue;
      addDef(defs, nameNode, name, tagNode, kind, scope, source);
    }
    else if (!refs.has(name.index)) refs.set(name.index, { name: nodeText(nameNode, name, source), kind: tag.slice(10), line: name.row, col: name.column, start: name.index });
  }
  for (const key of defs.keys()) refs.delete(key);
  return { ...finish([...defs.values()], [...refs.values()], lines), imports };
}

/**
 * Whether a row binds a `require`/`import()`, each row read once: a generated line of 100,000
 * declarations (`var a0=0,a1=0,…`) read once per declaration held a parse thread for minutes.
 */
function importBindingRows(lines: readonly string[]): (row: number) => boolean {
  const known = new Map<number, boolean>();
  return (row) => {
    let binds = known.get(row);
    if (binds === undefined) {
      importBindingReads.count++;
      known.set(row, (binds = IMPORT_BINDING.test(lines[row] ?? "")));
    }
    return binds;
  };
}

/**
 * Lines read (on this thread) to tell a `require` binding: bad-inputs.test.ts checks a line
 * of many declarations is read once, which no timing could show reliably.
 */
export const importBindingReads = { count: 0 };

function addImport(row: number, lines: string[], seen: Set<number>, out: string[]): void {
  if (seen.has(row) || out.length >= IMPORTS_MAX) return;
  seen.add(row);
  out.push(cut((lines[row] ?? "").trim(), SIGNATURE_MAX));
}

function addDef(
  defs: Map<number, RawDef>,
  nameNode: Parser.SyntaxNode,
  name: NodeStart,
  node: Parser.SyntaxNode,
  kind: string,
  scope: string | undefined,
  source: string,
): void {
  const existing = defs.get(name.index);
  if (existing && priority(existing.kind) >= priority(kind)) return;
  const start = nodeStart(node);
  defs.set(name.index, {
    name: nodeText(nameNode, name, source),
    kind,
    line: name.row,
    col: name.column,
    startLine: start.row,
    startCol: start.column,
    endLine: node.endPosition.row,
    start: start.index,
    end: node.endIndex,
    ...(scope !== undefined ? { scope } : {}),
  });
}

/** Orders definitions and references and gives each its enclosing definition's name. */
function finish(
  rawDefs: RawDef[],
  rawRefs: RawRef[],
  lines: string[],
): { definitions: Definition[]; references: Reference[] } {
  rawDefs.sort((a, b) => a.start - b.start || b.end - a.end);
  rawRefs.sort((a, b) => a.start - b.start);
  const stack: RawDef[] = [];
  const enclosing = (pos: number): RawDef | undefined => {
    while (stack.length > 0 && stack[stack.length - 1]!.end <= pos) stack.pop();
    return stack[stack.length - 1];
  };
  const definitions: Definition[] = [];
  const references: Reference[] = [];
  let r = 0;
  const flushRefsBefore = (pos: number): void => {
    for (; r < rawRefs.length && rawRefs[r]!.start < pos; r++) references.push(toRef(rawRefs[r]!, enclosing(rawRefs[r]!.start)));
  };
  for (const d of rawDefs) {
    flushRefsBefore(d.start);
    definitions.push(toDef(d, enclosing(d.start), lines));
    stack.push(d);
  }
  flushRefsBefore(Number.POSITIVE_INFINITY);
  return { definitions, references };
}

function toDef(d: RawDef, parent: RawDef | undefined, lines: string[]): Definition {
  const scope = d.scope ?? parent?.name;
  const kind = d.kind === "function" && parent && CONTAINER_KINDS.has(parent.kind) ? "method" : d.kind;
  const line = signatureLine(lines[d.startLine] ?? "", d);
  // Never inside a secret value: the map masks the signature after this cut, and a token's start alone is not shaped like one.
  // Looked for in the cut's first kilobyte past it, not the whole line: a minified bundle's line of megabytes holds thousands of definitions.
  // Masked here, not only where shown: a signature goes into the cache on disk and every query's answer.
  const { text: signature, masked } = maskSecrets(cut(line, line.length > SIGNATURE_MAX ? secretSafeEnd(line.slice(0, SIGNATURE_MAX + 1024), SIGNATURE_MAX) : SIGNATURE_MAX));
  return {
    name: d.name,
    kind,
    line: d.line,
    col: d.col,
    startLine: d.startLine,
    endLine: d.endLine,
    signature,
    ...(masked.length > 0 ? { masked: masked.map((m) => m.kind) } : {}),
    ...(scope !== undefined ? { scope } : {}),
  };
}

/**
 * The definition's first line, trimmed; from the definition's own start where its name would
 * be past the cut (a generated line of many functions: each showed the line's first one).
 */
function signatureLine(line: string, d: RawDef): string {
  const indent = line.length - line.trimStart().length;
  const nameEnd = d.col + d.name.length - indent;
  return d.line === d.startLine && nameEnd > SIGNATURE_MAX ? line.slice(d.startCol).trim() : line.trim();
}

function toRef(r: RawRef, parent: RawDef | undefined): Reference {
  return { name: r.name, kind: r.kind, line: r.line, col: r.col, ...(parent ? { scope: parent.name } : {}) };
}
