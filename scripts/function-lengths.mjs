// Holds STYLE.md's "src/runtime is wiring only" as a number: no function (declaration,
// method, constructor, accessor, arrow or function expression — nested ones counted on
// their own and inside their parent) in src/runtime is longer than 50 lines. A wiring
// function that grows past it is holding state or domain logic that belongs in a class
// or in src/agent / src/models.
//   node scripts/function-lengths.mjs      check src/runtime, exit 1 on problems
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** Longest function allowed in src/runtime, in lines (first to last, inclusive). */
export const MAX_FUNCTION_LINES = 50;

/** Every function in `source` longer than `max` lines, as "path:line name (n lines)". */
export function longFunctions(path, source, max = MAX_FUNCTION_LINES) {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const problems = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > max) problems.push(`${path}:${first + 1} ${functionName(node)} is ${lines} lines (at most ${max})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return problems;
}

function functionName(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isCallExpression(parent)) return `a function passed to ${parent.expression.getText().slice(0, 40)}`;
  return "a function";
}

function listSources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listSources(path);
    return /\.(ts|mts)$/.test(name) ? [path] : [];
  });
}

/** The problems in a folder (paths relative to `root`, forward slashes). */
export function checkFolder(root, folder) {
  return listSources(join(root, folder)).flatMap((file) => longFunctions(relative(root, file).split(sep).join("/"), readFileSync(file, "utf8")));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const problems = checkFolder(root, "src/runtime");
  for (const problem of problems) console.error(problem);
  if (problems.length) {
    console.error(`${problems.length} function(s) in src/runtime are too long: move state into a class and domain logic into src/agent or src/models.`);
    process.exit(1);
  }
}
