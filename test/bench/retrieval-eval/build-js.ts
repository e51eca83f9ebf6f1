/**
 * Builds the JavaScript/TypeScript half of the real-issue retrieval evaluation set (issue 14):
 * one `<owner>__<name>.json` per repository in this folder, in the shared format described in
 * README.md.
 *   node --import tsx test/bench/retrieval-eval/build-js.ts
 *
 * Inputs (all public history, brought here with the `fetch` tool; nothing is downloaded here):
 * - Multi-SWE-bench rows (ByteDance-Seed/Multi-SWE-bench, JS/TS part) as stored in the public
 *   repository kuppireddypravalika/MSWE-validation-dataset (`MSWE-agent/data/<lang>/<repo>_dataset.jsonl`),
 *   read from its mirror `/work/.mirror/kuppireddypravalika+MSWE-validation-dataset/repo`.
 *   Each row carries the linked issue exactly as its author wrote it (`resolved_issues[].title/body`),
 *   the PR's base commit and the fix patch (tests already split off into `test_patch`).
 * - `sources-js-mined.json`: cases found by hand in a fetched mirror's history (a fix commit that
 *   names its issue), with the issue's opening post as stored by the search tool's issues corpus.
 *   Their base is the fix commit's first parent and their diff is `git diff base fix`.
 * - The fetched mirror of each repository (`/work/.mirror/<owner>+<name>/repo`): every base must
 *   be there, every answer file must exist at base, and every hunk's old lines must match the
 *   base file (a patch that does not apply to its base is dropped, not guessed at).
 *
 * Filters and why:
 * - Exactly one linked issue with a non-empty body: the case id and text name one issue.
 * - One case per issue (the lowest PR number wins): two PRs for one issue would be one question
 *   asked twice.
 * - Answer files are source files only (.js .jsx .mjs .cjs .ts .tsx .mts .cts, `.d.ts` kept: an
 *   implementation plus its typings is a failure class the ranking must handle); tests, fixtures,
 *   docs, changelogs, lock files and config are not answers. Added files are not answers.
 * - A case whose issue body quotes a line the fix adds (25+ characters) is dropped: the text would
 *   hint at the answer or was written after the fix.
 * - At most 12 answer files (a sweeping refactor is not a retrieval question), at least one.
 * - At most 20 cases per repository: multi-file fixes first (the class this set is for), then the
 *   newest PRs (their bases lie closer together, so indexing each base costs less).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const MIRRORS = process.env.HEARTH_MIRRORS ?? "/work/.mirror";
const MSWE = `${MIRRORS}/kuppireddypravalika+MSWE-validation-dataset/repo`;
const MAX_CASES = 20;
const MAX_FILES = 12;

/** One dataset file: which repository, its language, where its rows are in the MSWE mirror. */
interface DatasetSource {
  repo: string;
  language: "javascript" | "typescript";
  path: string;
}

const DATASETS: DatasetSource[] = [
  { repo: "iamkun/dayjs", language: "javascript", path: "MSWE-agent/data/js/iamkun__dayjs_dataset.jsonl" },
  { repo: "anuraghazra/github-readme-stats", language: "javascript", path: "MSWE-agent/data/js/anuraghazra__github-readme-stats_dataset.jsonl" },
  { repo: "axios/axios", language: "javascript", path: "MSWE-agent/data/js/axios__axios_dataset.jsonl" },
  { repo: "expressjs/express", language: "javascript", path: "MSWE-agent/data/js/expressjs__express_dataset.jsonl" },
  { repo: "darkreader/darkreader", language: "typescript", path: "MSWE-agent/data/ts/darkreader__darkreader_dataset.jsonl" },
];

/** A hand-mined case: the fix commit in the mirror and the issue's opening post. */
interface MinedSource {
  repo: string;
  language: "javascript" | "typescript";
  issue: number;
  fix: string;
  /** Title, blank line, body — as the issue's author wrote them. */
  text: string;
}

/** One evaluation case in the shared format. */
export interface EvalCase {
  id: string;
  issue: string;
  base: string;
  fix?: string;
  text: string;
  files: string[];
  lines: Record<string, Array<[number, number]>>;
}

/** A candidate before selection: the case plus what ranking the selection uses. */
interface Candidate {
  evalCase: EvalCase;
  order: number;
  language: "javascript" | "typescript";
  source: string;
}

/** A multi-SWE-bench row, only the fields read here. */
interface MsweRow {
  org: string;
  repo: string;
  number: number;
  base: { sha: string };
  resolved_issues: Array<{ number: number; title: string; body: string | null }>;
  fix_patch: string;
}

/** One file's part of a unified diff. */
interface FileDiff {
  oldPath: string | null;
  newPath: string | null;
  hunks: Hunk[];
}

interface Hunk {
  oldStart: number;
  lines: string[];
}

function git(repo: string, args: string[]): string {
  return execFileSync("git", ["--git-dir", mirrorOf(repo), ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
}

function mirrorOf(repo: string): string {
  return `${MIRRORS}/${repo.replace("/", "+")}/repo`;
}

function exists(repo: string, object: string): boolean {
  try {
    execFileSync("git", ["--git-dir", mirrorOf(repo), "cat-file", "-e", object], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Splits a unified diff (git format) into files and hunks. */
export function parseDiff(patch: string): FileDiff[] {
  const files: FileDiff[] = [];
  let current: FileDiff | null = null;
  let hunk: Hunk | null = null;
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git ")) {
      current = { oldPath: null, newPath: null, hunks: [] };
      files.push(current);
      hunk = null;
    } else if (current && !hunk && line.startsWith("--- ")) {
      current.oldPath = line === "--- /dev/null" ? null : line.slice(6);
    } else if (current && !hunk && line.startsWith("+++ ")) {
      current.newPath = line === "+++ /dev/null" ? null : line.slice(6);
    } else if (current && line.startsWith("@@ ")) {
      const m = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(line);
      if (!m) throw new Error(`Unreadable hunk header "${line}"; fix the source patch.`);
      hunk = { oldStart: Number(m[1]), lines: [] };
      current.hunks.push(hunk);
    } else if (hunk && /^[ +\-\\]/.test(line)) {
      hunk.lines.push(line);
    }
  }
  return files;
}

/**
 * The base-file line ranges a hunk changes, as `git diff -U0` would report them: a run of
 * removed lines gives its own range; a pure insertion gives the line before it.
 */
export function changedRanges(hunk: Hunk): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let oldLine = hunk.oldStart;
  let i = 0;
  while (i < hunk.lines.length) {
    const kind = hunk.lines[i]![0];
    if (kind === " " || kind === "\\") {
      if (kind === " ") oldLine++;
      i++;
      continue;
    }
    const start = oldLine;
    let removed = 0;
    while (i < hunk.lines.length && /^[+\-\\]/.test(hunk.lines[i]!)) {
      if (hunk.lines[i]![0] === "-") removed++;
      i++;
    }
    oldLine += removed;
    // `-U0` names the line before a pure insertion; at the top of a file that is line 0, kept as 1.
    ranges.push(removed > 0 ? [start, start + removed - 1] : [Math.max(1, start - 1), Math.max(1, start - 1)]);
  }
  return ranges;
}

/** Sorted ranges with overlapping or touching ones joined (two hunks can name one line). */
export function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

/** Whether the hunk's old side (context and removed lines) matches the base file. */
function hunkMatches(hunk: Hunk, baseLines: string[]): boolean {
  let at = hunk.oldStart - 1;
  for (const line of hunk.lines) {
    if (line[0] !== " " && line[0] !== "-") continue;
    if ((baseLines[at] ?? "").replace(/\r$/, "") !== line.slice(1).replace(/\r$/, "")) return false;
    at++;
  }
  return true;
}

const SOURCE_EXT = /\.(js|jsx|mjs|cjs|ts|tsx|mts|cts)$/;
const NOT_ANSWER = [
  /(^|\/)(test|tests|__tests__|__mocks__|fixtures?|spec|e2e|docs?|examples?|benchmarks?)\//,
  /\.(test|spec)\.[^/]+$/,
  /(^|\/)(CHANGELOG|History)[^/]*$/i,
  /(^|\/)[^/]*\.config\.[^/]+$/,
];

/** Whether a changed path can be an answer file (a source file that is not a test or doc). */
export function isAnswerPath(path: string): boolean {
  return SOURCE_EXT.test(path) && !NOT_ANSWER.some((re) => re.test(path));
}

/** Lines the fix adds that are long enough to count as quoting it. */
function addedLines(files: FileDiff[]): string[] {
  return files.flatMap((f) => f.hunks.flatMap((h) => h.lines))
    .filter((l) => l.startsWith("+"))
    .map((l) => l.slice(1).trim())
    .filter((l) => l.length >= 25);
}

/** Turns a fix diff into answers; a string says why the case was dropped. */
function answersFrom(repo: string, base: string, patch: string, body: string): string | Pick<EvalCase, "files" | "lines"> {
  const diff = parseDiff(patch);
  const quoted = addedLines(diff).find((l) => body.includes(l));
  if (quoted) return `issue text quotes the fix ("${quoted.slice(0, 40)}")`;
  const files: string[] = [];
  const lines: EvalCase["lines"] = {};
  for (const file of diff) {
    const path = file.oldPath;
    if (!path || path !== file.newPath || !isAnswerPath(path)) continue;
    if (!exists(repo, `${base}:${path}`)) return `${path} is not at base`;
    const baseLines = git(repo, ["show", `${base}:${path}`]).split("\n");
    if (!file.hunks.every((h) => hunkMatches(h, baseLines))) return `the patch does not apply to ${path} at base`;
    files.push(path);
    lines[path] = mergeRanges(file.hunks.flatMap(changedRanges));
  }
  if (files.length === 0) return "no source file changed";
  if (files.length > MAX_FILES) return `${files.length} answer files`;
  return { files, lines };
}

/**
 * The fix commit for a PR: one that names the PR, whose first parent is the base and whose diff
 * from the base touches every answer file; else none (the field is optional).
 */
function findFix(repo: string, base: string, pr: number, files: string[]): string | undefined {
  const log = git(repo, ["log", "--all", "--format=%H %P", `--grep=#${pr}\\b`, "-E"]);
  for (const row of log.trim().split("\n")) {
    const [sha, parent] = row.split(" ");
    if (!sha || parent !== base) continue;
    const touched = new Set(git(repo, ["diff", "--name-only", base, sha]).split("\n"));
    if (files.every((f) => touched.has(f))) return sha;
  }
  return undefined;
}

function fromDataset(source: DatasetSource, report: string[]): Candidate[] {
  const rows = execFileSync("git", ["--git-dir", MSWE, "show", `HEAD:${source.path}`], { encoding: "utf8", maxBuffer: 1 << 28 })
    .split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as MsweRow)
    .sort((a, b) => a.number - b.number);
  const seen = new Set<number>();
  const out: Candidate[] = [];
  for (const row of rows) {
    const issue = row.resolved_issues.length === 1 ? row.resolved_issues[0]! : null;
    const tag = `${source.repo} PR ${row.number}`;
    if (!issue || !issue.body?.trim()) { report.push(`${tag}: not exactly one issue with a body`); continue; }
    if (seen.has(issue.number)) { report.push(`${tag}: issue #${issue.number} already taken`); continue; }
    if (!exists(source.repo, `${row.base.sha}^{commit}`)) { report.push(`${tag}: base not in mirror`); continue; }
    const answers = answersFrom(source.repo, row.base.sha, row.fix_patch, issue.body);
    if (typeof answers === "string") { report.push(`${tag}: ${answers}`); continue; }
    seen.add(issue.number);
    const fix = findFix(source.repo, row.base.sha, row.number, answers.files);
    out.push({
      order: row.number,
      language: source.language,
      source: "Multi-SWE-bench (ByteDance-Seed) rows: linked issue text as written, PR base commit, fix patch hunks (copy in kuppireddypravalika/MSWE-validation-dataset)",
      evalCase: {
        id: `${source.repo}#${issue.number}`,
        issue: `https://github.com/${source.repo}/issues/${issue.number}`,
        base: row.base.sha,
        ...(fix ? { fix } : {}),
        text: `${issue.title}\n\n${issue.body}`,
        ...answers,
      },
    });
  }
  return out;
}

function fromMined(report: string[]): Candidate[] {
  const path = `${HERE}sources-js-mined.json`;
  if (!existsSync(path)) return [];
  const sources = JSON.parse(readFileSync(path, "utf8")) as MinedSource[];
  const out: Candidate[] = [];
  for (const s of sources) {
    const tag = `${s.repo}#${s.issue}`;
    const base = git(s.repo, ["rev-parse", `${s.fix}^1`]).trim();
    const patch = git(s.repo, ["diff", "-U0", base, s.fix]);
    const answers = answersFrom(s.repo, base, patch, s.text);
    if (typeof answers === "string") { report.push(`${tag}: ${answers}`); continue; }
    out.push({
      order: s.issue,
      language: s.language,
      source: "fix commits in the repository's history that name their issue; issue opening posts from the public issue thread",
      evalCase: { id: tag, issue: `https://github.com/${s.repo}/issues/${s.issue}`, base, fix: s.fix, text: s.text, ...answers },
    });
  }
  return out;
}

/** Multi-file fixes first, then the newest; at most MAX_CASES. */
function select(candidates: Candidate[]): Candidate[] {
  return [...candidates]
    .sort((a, b) => Number(b.evalCase.files.length > 1) - Number(a.evalCase.files.length > 1) || b.order - a.order)
    .slice(0, MAX_CASES)
    .sort((a, b) => a.order - b.order);
}

function main(): void {
  const report: string[] = [];
  const byRepo = new Map<string, Candidate[]>();
  const all = [...DATASETS.flatMap((d) => fromDataset(d, report)), ...fromMined(report)];
  for (const c of all) {
    const repo = c.evalCase.id.split("#")[0]!;
    byRepo.set(repo, [...(byRepo.get(repo) ?? []), c]);
  }
  for (const [repo, candidates] of byRepo) {
    const chosen = select(candidates);
    const sources = [...new Set(chosen.map((c) => c.source))];
    const file = { repo, language: chosen[0]!.language, source: sources.join("; "), cases: chosen.map((c) => c.evalCase) };
    writeFileSync(`${HERE}${repo.replace("/", "__")}.json`, `${JSON.stringify(file, null, 2)}\n`);
    const multi = chosen.filter((c) => c.evalCase.files.length > 1).length;
    console.log(`${repo}: ${chosen.length} cases (${multi} multi-file) of ${candidates.length} candidates`);
  }
  for (const line of report) console.log(`  dropped ${line}`);
}

main();
