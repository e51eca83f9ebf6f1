/**
 * Checks the real-issue retrieval evaluation set (the `<owner>__<name>.json` files beside this
 * script) against the format in README.md and against the fetched mirrors:
 *   node --import tsx test/bench/retrieval-eval/validate.ts [--mirrors <dir>] [--no-mirror] [files…]
 * Without file arguments every `*__*.json` here is checked. Mirrors default to /work/.mirror
 * (the `fetch` tool's layout: <dir>/<owner>+<name>/repo); `--no-mirror` checks the format only.
 * With a `fix`, each answer file's `lines` must equal the ranges of `git diff -U0 base fix`
 * (touching ranges joined).
 * Prints one line per repository (cases, languages) and every problem found; exits 1 on any
 * problem so a build script or CI step can stop on it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One evaluation case: a real issue and the files its real fix changed. */
export interface EvalCase {
  id: string;
  issue: string;
  base: string;
  fix?: string;
  text: string;
  files: string[];
  lines: Record<string, Array<[number, number]>>;
}

/** One repository's file. */
export interface EvalFile {
  repo: string;
  language: "python" | "javascript" | "typescript";
  source: string;
  cases: EvalCase[];
}

const LANGUAGES = new Set(["python", "javascript", "typescript"]);
const HEX40 = /^[0-9a-f]{40}$/;
const REPO = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Test files, fixtures and conftest: never an answer (the retrieval target is the code). */
export function isTestPath(path: string): boolean {
  const parts = path.split("/");
  const name = parts[parts.length - 1] ?? "";
  const dirs = parts.slice(0, -1);
  if (dirs.some((d) => ["test", "tests", "__tests__", "fixtures", "__fixtures__"].includes(d))) return true;
  // pytest keeps its tests in a top-level testing/; elsewhere (numpy.testing) that name is library code.
  if (dirs[0] === "testing") return true;
  return (
    /^test_.*\.py$/.test(name) ||
    /_test\.[^.]+$/.test(name) ||
    /\.(test|spec)\.[^.]+$/.test(name) ||
    name === "conftest.py"
  );
}

/** Changelog/news fragments and documentation-only files: not code a fix has to find. */
export function isDocOrChangelogPath(path: string): boolean {
  const parts = path.split("/");
  const name = parts[parts.length - 1] ?? "";
  if (["doc", "docs", "changelog", "changes", "newsfragments", "news"].includes(parts[0] ?? "")) return true;
  if (/^(CHANGES|CHANGELOG|HISTORY|NEWS|AUTHORS|CONTRIBUTORS)(\.[a-z]+)?$/i.test(name)) return true;
  return /\.(rst|md|markdown|adoc|txt)$/i.test(name);
}

/** The mirror folder the `fetch` tool makes for `owner/name`. */
export function mirrorDir(mirrors: string, repo: string): string {
  return join(mirrors, repo.replace("/", "+"), "repo");
}

function git(gitDir: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", ["--git-dir", gitDir, ...args], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return undefined;
  }
}

function countLines(text: string): number {
  if (text.length === 0) return 0;
  const n = text.split("\n").length;
  return text.endsWith("\n") ? n - 1 : n;
}

/** Format checks of one file's top level; problems are appended to `out`; false when the cases cannot be read. */
function checkTop(file: string, data: unknown, out: string[]): data is EvalFile {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    out.push(`${file}: the top level must be an object with repo, language, source and cases.`);
    return false;
  }
  const d = data as Record<string, unknown>;
  let usable = true;
  if (typeof d.repo !== "string" || !REPO.test(d.repo)) {
    out.push(`${file}: "repo" must be "owner/name" as on GitHub.`);
    usable = false;
  } else if (basename(file) !== `${d.repo.replace("/", "__")}.json`) {
    out.push(`${file}: the file name must be ${d.repo.replace("/", "__")}.json for repo "${d.repo}"; rename it.`);
  }
  if (typeof d.language !== "string" || !LANGUAGES.has(d.language))
    out.push(`${file}: "language" must be one of python, javascript, typescript.`);
  if (typeof d.source !== "string" || d.source.trim() === "") out.push(`${file}: "source" must say how the cases were found.`);
  if (!Array.isArray(d.cases) || d.cases.length === 0) {
    out.push(`${file}: "cases" must be a non-empty array.`);
    usable = false;
  }
  // A misnamed file or a missing language still has cases worth checking.
  return usable;
}

/** Format checks of one case (no git); problems are appended to `out`. */
function checkCaseFormat(where: string, repo: string, c: Record<string, unknown>, out: string[]): boolean {
  const before = out.length;
  const id = typeof c.id === "string" ? /^(.+)#(\d+)$/.exec(c.id) : null;
  if (!id || id[1] !== repo) out.push(`${where}: "id" must be "${repo}#<issue number>".`);
  if (id && c.issue !== `https://github.com/${repo}/issues/${id[2]}`)
    out.push(`${where}: "issue" must be https://github.com/${repo}/issues/${id[2]} (the id's issue).`);
  if (typeof c.base !== "string" || !HEX40.test(c.base)) out.push(`${where}: "base" must be a 40-hex commit.`);
  if (c.fix !== undefined && (typeof c.fix !== "string" || !HEX40.test(c.fix)))
    out.push(`${where}: "fix" must be a 40-hex commit, or be left out when unknown.`);
  if (typeof c.text !== "string" || c.text.trim() === "") out.push(`${where}: "text" must hold the issue's title and body.`);
  const files = c.files;
  if (!Array.isArray(files) || files.length === 0 || !files.every((f) => typeof f === "string" && f !== "")) {
    out.push(`${where}: "files" must be a non-empty array of paths.`);
    return false;
  }
  if (new Set(files).size !== files.length) out.push(`${where}: "files" lists a path twice.`);
  for (const f of files as string[]) {
    if (f.startsWith("/") || f.split("/").includes("..")) out.push(`${where}: "${f}" must be relative to the repository root.`);
    if (isTestPath(f)) out.push(`${where}: "${f}" is a test file; answers exclude tests.`);
    if (isDocOrChangelogPath(f)) out.push(`${where}: "${f}" is a changelog or docs file; answers exclude those.`);
  }
  checkLinesFormat(where, files as string[], c.lines, out);
  return out.length === before;
}

function checkLinesFormat(where: string, files: string[], lines: unknown, out: string[]): void {
  if (typeof lines !== "object" || lines === null || Array.isArray(lines)) {
    out.push(`${where}: "lines" must map each answer file to its changed line ranges.`);
    return;
  }
  const map = lines as Record<string, unknown>;
  const keys = Object.keys(map).sort();
  if (keys.join("\n") !== [...files].sort().join("\n")) out.push(`${where}: "lines" keys must be exactly the "files".`);
  for (const [f, ranges] of Object.entries(map)) {
    const ok =
      Array.isArray(ranges) &&
      ranges.length > 0 &&
      ranges.every(
        (r) => Array.isArray(r) && r.length === 2 && Number.isInteger(r[0]) && Number.isInteger(r[1]) && r[0] >= 1 && r[0] <= r[1],
      );
    if (!ok) out.push(`${where}: "lines" of "${f}" must be a non-empty list of [start, end] with 1 <= start <= end.`);
  }
}

/** Mirror checks of one case: base and fix exist, each answer file exists at base and its ranges fit. */
function checkCaseMirror(where: string, gitDir: string, c: EvalCase, out: string[]): void {
  if (git(gitDir, ["cat-file", "-e", `${c.base}^{commit}`]) === undefined) {
    out.push(`${where}: base ${c.base} is not in the mirror ${gitDir}; fetch the repository again or fix the commit.`);
    return;
  }
  const fixKnown = c.fix !== undefined && git(gitDir, ["cat-file", "-e", `${c.fix}^{commit}`]) !== undefined;
  if (c.fix !== undefined && !fixKnown) out.push(`${where}: fix ${c.fix} is not in the mirror ${gitDir}.`);
  for (const f of c.files) {
    const text = git(gitDir, ["cat-file", "-p", `${c.base}:${f}`]);
    if (text === undefined) {
      out.push(`${where}: "${f}" does not exist at base ${c.base.slice(0, 12)}; added files are not answers.`);
      continue;
    }
    const n = countLines(text);
    for (const [, end] of c.lines[f] ?? []) {
      if (end > n) out.push(`${where}: "lines" of "${f}" go to ${end} but the file has ${n} lines at base.`);
    }
    if (fixKnown) checkLinesAgainstFix(where, gitDir, c, f, out);
  }
}

/** `git diff -U0` hunk headers → base-file ranges (a pure insertion marks the line before it). */
export function rangesFromU0(diff: string): Array<[number, number]> {
  return [...diff.matchAll(/^@@ -(\d+)(?:,(\d+))? \+/gm)].map((m) => {
    const start = Number(m[1]);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    return count === 0 ? [Math.max(1, start), Math.max(1, start)] : [start, start + count - 1];
  });
}

/** Sorted ranges with overlapping and touching ones joined: [[3,3],[4,5]] and [[3,5]] say the same. */
export function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0] || x[1] - y[1])) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** With a `fix`, each answer file's `lines` must be what `git diff -U0 base fix` says. */
function checkLinesAgainstFix(where: string, gitDir: string, c: EvalCase, f: string, out: string[]): void {
  const diff = git(gitDir, ["diff", "-U0", c.base, c.fix!, "--", f]) ?? "";
  const expected = rangesFromU0(diff);
  if (expected.length === 0) out.push(`${where}: fix ${c.fix!.slice(0, 12)} does not change "${f}"; correct "files" or leave "fix" out.`);
  else if (JSON.stringify(mergeRanges(expected)) !== JSON.stringify(mergeRanges(c.lines[f] ?? [])))
    out.push(`${where}: "lines" of "${f}" are not git diff -U0 base fix's ${JSON.stringify(expected)}; rebuild them, or leave "fix" out when the fix commit holds other work.`);
}

/** Result of checking one file. */
export interface FileReport {
  file: string;
  repo?: string;
  language?: string;
  cases: number;
  problems: string[];
}

/** Checks one evaluation file; `mirrors` undefined skips the git checks. */
export function validateFile(file: string, mirrors: string | undefined): FileReport {
  const problems: string[] = [];
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    problems.push(`${file}: not readable JSON (${(error as Error).message}); fix the syntax.`);
    return { file, cases: 0, problems };
  }
  if (!checkTop(file, data, problems)) return { file, cases: 0, problems };
  const ids = new Set<string>();
  const gitDir = mirrors === undefined ? undefined : mirrorDir(mirrors, data.repo);
  if (gitDir !== undefined && !existsSync(gitDir)) {
    problems.push(`${file}: no mirror at ${gitDir}; run the fetch tool for github:${data.repo}, or pass --no-mirror.`);
  }
  data.cases.forEach((raw, i) => {
    const c = raw as unknown as Record<string, unknown>;
    const where = `${basename(file)} case ${i} (${typeof c.id === "string" ? c.id : "no id"})`;
    if (typeof c.id === "string") {
      if (ids.has(c.id)) problems.push(`${where}: the id appears twice in this file.`);
      ids.add(c.id);
    }
    if (!checkCaseFormat(where, data.repo, c, problems)) return;
    if (gitDir !== undefined && existsSync(gitDir)) checkCaseMirror(where, gitDir, raw, problems);
  });
  return { file, repo: data.repo, language: data.language, cases: data.cases.length, problems };
}

function parseArgs(argv: string[]): { mirrors: string | undefined; files: string[] } {
  let mirrors: string | undefined = process.env.HEARTH_MIRRORS ?? "/work/.mirror";
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--no-mirror") mirrors = undefined;
    else if (a === "--mirrors") {
      const dir = argv[++i];
      if (dir === undefined) throw new Error("--mirrors needs a folder: --mirrors /work/.mirror");
      mirrors = dir;
    } else if (a.startsWith("--")) throw new Error(`Unknown option "${a}"; use --mirrors <dir>, --no-mirror or file paths.`);
    else files.push(a);
  }
  return { mirrors, files };
}

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const { mirrors, files: named } = parseArgs(process.argv.slice(2));
  const files = named.length > 0 ? named : readdirSync(here).filter((f) => /__.+\.json$/.test(f)).sort().map((f) => join(here, f));
  let total = 0;
  let problems = 0;
  const byLanguage = new Map<string, number>();
  for (const file of files) {
    const r = validateFile(file, mirrors);
    total += r.cases;
    problems += r.problems.length;
    if (r.language) byLanguage.set(r.language, (byLanguage.get(r.language) ?? 0) + r.cases);
    console.log(`${(r.repo ?? basename(file)).padEnd(32)} ${(r.language ?? "?").padEnd(11)} ${String(r.cases).padStart(4)} cases${r.problems.length ? `  ${r.problems.length} problems` : ""}`);
    for (const p of r.problems) console.log(`  ${p}`);
  }
  const langs = [...byLanguage].map(([l, n]) => `${l} ${n}`).join(", ");
  console.log(`Total: ${total} cases in ${files.length} repositories (${langs || "none"}); ${problems} problems.`);
  if (problems > 0 || files.length === 0) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
