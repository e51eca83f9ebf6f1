// Holds Hearth's own regular expressions to linear time: V8 backtracks, and one pattern that
// tries every split of a long run (nested or overlapping quantifiers) on text anyone writes — an
// issue, a repository's file, a command's output, the model's reply — holds the runtime's one
// thread (the chat, Stop included) for seconds per kilobyte squared, or for days.
// Every regular-expression literal and `new RegExp("constant")` / `RegExp("constant")` in src/
// (found with the TypeScript compiler, so strings and comments are not taken for patterns) is
// checked by recheck (a static ReDoS checker; its fuzzing seeded, so a run's verdict is the
// same every time). A pattern it calls vulnerable fails the lint, unless
// scripts/regex-audit.json allows it with a reason (a length cap before it, input that is
// short by construction, a finding not yet taken up). Patterns already checked safe are kept
// there as hashes, so the lint checks only new ones: the whole of src/ takes some 5 minutes.
//   node scripts/lint-regex.mjs            check src/, exit 1 on a vulnerable pattern not allowed
//   node scripts/lint-regex.mjs --update   the same, then write the new safe hashes to regex-audit.json
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** recheck's settings: its fuzzer seeded, 10 s a pattern (a timeout is a problem, said as such). */
const CHECK = { randomSeed: 1, timeout: 10_000 };

/** Each constant regular expression in `source`: { line, pattern: "/source/flags", source, flags }; dynamic ones as { line, dynamic }. */
export function regexesIn(path, source) {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = [];
  const lineOf = (node) => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const text = node.text;
      const end = text.lastIndexOf("/");
      found.push(entry(lineOf(node), text.slice(1, end), text.slice(end + 1)));
    } else if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === "RegExp" && node.arguments?.length) {
      const [pattern, flags] = node.arguments;
      if (ts.isStringLiteralLike(pattern) && (flags === undefined || ts.isStringLiteralLike(flags))) found.push(entry(lineOf(node), pattern.text, flags?.text ?? ""));
      else found.push({ line: lineOf(node), dynamic: node.getText(file).slice(0, 100) });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const entry = (line, source, flags) => ({ line, source, flags, pattern: `/${source}/${flags}` });

/** A checked-safe pattern's key in regex-audit.json. */
export const hashOf = (pattern) => createHash("sha256").update(pattern).digest("hex").slice(0, 16);

/**
 * Problems among `found` ({ where, source, flags, pattern }): each vulnerable (or unanswered)
 * pattern not in `audit.allowed`, as "where /pattern/: what (attack)". Patterns whose hash is in
 * `audit.safe` are not checked again. Returns { problems, safe: hashes newly checked safe }.
 */
export async function checkPatterns(found, audit) {
  const { check } = await import("recheck");
  const known = new Set(audit.safe);
  const allowed = new Set(audit.allowed.map((a) => a.pattern));
  const problems = [];
  const safe = [];
  const seen = new Map();
  for (const f of found) {
    if (allowed.has(f.pattern) || known.has(hashOf(f.pattern))) continue;
    if (!seen.has(f.pattern)) seen.set(f.pattern, await check(f.source, f.flags, CHECK));
    const d = seen.get(f.pattern);
    if (d.status === "safe") safe.push(hashOf(f.pattern));
    else if (d.status === "vulnerable") problems.push(`${f.where} ${f.pattern}: backtracks (${d.complexity.summary}) on ${d.attack.pattern}`);
    else problems.push(`${f.where} ${f.pattern}: recheck could not decide (${d.error?.kind ?? "unknown"}); write it so that it can, or allow it with a reason`);
  }
  return { problems, safe: [...new Set(safe)] };
}

/** Every constant pattern in the .ts files under `dir` (relative to `root`), each with where: "path:line". */
export function patternsUnder(root, dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) {
        const path = relative(root, p).split(sep).join("/");
        for (const r of regexesIn(path, readFileSync(p, "utf8"))) if (!r.dynamic) out.push({ ...r, where: `${path}:${r.line}` });
      }
    }
  };
  walk(join(root, dir));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const auditPath = join(root, "scripts", "regex-audit.json");
  const audit = JSON.parse(readFileSync(auditPath, "utf8"));
  const { problems, safe } = await checkPatterns(patternsUnder(root, "src"), audit);
  if (process.argv.includes("--update") && safe.length > 0) {
    audit.safe = [...new Set([...audit.safe, ...safe])].sort();
    writeFileSync(auditPath, `${JSON.stringify(audit, null, 2)}\n`);
  } else if (safe.length > 0) console.error(`lint-regex: ${safe.length} new pattern(s) checked safe; \`node scripts/lint-regex.mjs --update\` records them (the lint then skips them)`);
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`\n${problems.length} regular expression(s) can backtrack without end on hostile text: rewrite without nested or overlapping quantifiers (or scan by hand), or cap the text's length before it and allow it in scripts/regex-audit.json with that reason.`);
    process.exit(1);
  }
  process.exit(0);
}
