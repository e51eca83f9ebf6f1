/**
 * Where the JavaScript/TypeScript cases come from (read by build-js.ts; see its header for the
 * filters). Each reader returns candidates; a string in `report` says why a row was dropped.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  answersFrom, closedIssues, exists, findFix, git, gitDir, linesFromFix, MIRRORS, parseDiff, prCommits,
} from "./js-answers.ts";
import type { EvalCase } from "./validate.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));

/** A case before selection, with what the selection and the file header need. */
export interface Candidate {
  evalCase: EvalCase;
  /** PR or issue number: newer is higher (the selection prefers nearby, recent bases). */
  order: number;
  language: "javascript" | "typescript";
  source: string;
}

/** Multi-SWE-bench rows (ByteDance-Seed) as copied into a public repository. */
const MSWE = `${MIRRORS}/kuppireddypravalika+MSWE-validation-dataset/repo`;
const MSWE_SOURCE = "Multi-SWE-bench (ByteDance-Seed) rows: linked issue as written (resolved_issues title/body), PR base commit, fix_patch hunks; copy in kuppireddypravalika/MSWE-validation-dataset";
const MSWE_FILES: Record<string, string> = {
  "iamkun/dayjs": "MSWE-agent/data/js/iamkun__dayjs_dataset.jsonl",
  "anuraghazra/github-readme-stats": "MSWE-agent/data/js/anuraghazra__github-readme-stats_dataset.jsonl",
  "axios/axios": "MSWE-agent/data/js/axios__axios_dataset.jsonl",
  "expressjs/express": "MSWE-agent/data/js/expressjs__express_dataset.jsonl",
  "darkreader/darkreader": "MSWE-agent/data/ts/darkreader__darkreader_dataset.jsonl",
};

/** SWE-bench Multimodal tasks (problem statement, base commit, gold patch) as laid out by SWE-bench. */
const MM = `${MIRRORS}/SWE-bench+swe-bench-multimodal-dockerfiles/repo`;
const MM_SOURCE = "SWE-bench Multimodal tasks (SWE-bench/swe-bench-multimodal-dockerfiles: problem_statement.md, task.yaml base_commit, gold.patch); issue number from the fix commit's message (\"Closes #N\"), the fix's changelog line, or the regression test the fix adds named after the issue; a few confirmed by hand from the issue thread (sources-js-issues.json)";

/** Issue numbers confirmed by hand for tasks whose history names none (sources-js-issues.json). */
const CONFIRMED: Record<string, number> = existsSync(`${HERE}sources-js-issues.json`)
  ? (JSON.parse(readFileSync(`${HERE}sources-js-issues.json`, "utf8")) as { issues: Record<string, number> }).issues
  : {};

/** A Multi-SWE-bench row, only the fields read here. */
interface MsweRow {
  number: number;
  base: { sha: string };
  resolved_issues: Array<{ number: number; title: string; body: string | null }>;
  fix_patch: string;
}

/** A hand-mined case: the fix commit in the mirror and the issue's opening post. */
interface MinedSource {
  repo: string;
  language: "javascript" | "typescript";
  issue: number;
  fix: string;
  /** Title, blank line, body: as the issue's author wrote them. */
  text: string;
}

/** Language of a case: TypeScript when most answer files are. */
function languageOf(files: string[]): "javascript" | "typescript" {
  const ts = files.filter((f) => /\.(ts|tsx|mts|cts)$/.test(f)).length;
  return ts * 2 > files.length ? "typescript" : "javascript";
}

/** Multi-SWE-bench rows of one repository. */
export function fromMultiSweBench(repo: string, report: string[]): Candidate[] {
  const rows = gitDir(MSWE, ["show", `HEAD:${MSWE_FILES[repo]}`])
    .split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as MsweRow)
    .sort((a, b) => a.number - b.number);
  const seen = new Set<number>();
  const out: Candidate[] = [];
  for (const row of rows) {
    const issue = row.resolved_issues.length === 1 ? row.resolved_issues[0]! : null;
    const tag = `${repo} PR ${row.number}`;
    if (!issue || !issue.body?.trim()) { report.push(`${tag}: not exactly one issue with a body`); continue; }
    if (seen.has(issue.number)) { report.push(`${tag}: issue #${issue.number} already taken`); continue; }
    if (!exists(repo, `${row.base.sha}^{commit}`)) { report.push(`${tag}: base not in mirror`); continue; }
    const answers = answersFrom(repo, row.base.sha, row.fix_patch, issue.body);
    if (typeof answers === "string") { report.push(`${tag}: ${answers}`); continue; }
    seen.add(issue.number);
    const fix = findFix(repo, row.base.sha, row.number, answers.files);
    if (fix) answers.lines = linesFromFix(repo, row.base.sha, fix, answers.files);
    out.push({
      order: row.number,
      language: repo === "darkreader/darkreader" ? "typescript" : "javascript",
      source: MSWE_SOURCE,
      evalCase: {
        id: `${repo}#${issue.number}`,
        issue: `https://github.com/${repo}/issues/${issue.number}`,
        base: row.base.sha,
        ...(fix ? { fix } : {}),
        text: `${issue.title}\n\n${issue.body}`,
        ...answers,
      },
    });
  }
  return out;
}

/** The repositories that have Multi-SWE-bench rows here. */
export const MSWE_REPOS = Object.keys(MSWE_FILES);

/** Hand-mined cases from `sources-js-mined.json`. */
export function fromMined(report: string[]): Candidate[] {
  const path = `${HERE}sources-js-mined.json`;
  if (!existsSync(path)) return [];
  const out: Candidate[] = [];
  for (const s of JSON.parse(readFileSync(path, "utf8")) as MinedSource[]) {
    const tag = `${s.repo}#${s.issue}`;
    const base = git(s.repo, ["rev-parse", `${s.fix}^1`]).trim();
    const answers = answersFrom(s.repo, base, git(s.repo, ["diff", "-U0", base, s.fix]), s.text);
    if (typeof answers === "string") { report.push(`${tag}: ${answers}`); continue; }
    out.push({
      order: s.issue,
      language: s.language,
      source: "fix commits in the repository's history that name their issue (\"Fixes #N\"); the issue's opening post as stored by the public issue thread (sources-js-mined.json)",
      evalCase: { id: tag, issue: `https://github.com/${s.repo}/issues/${s.issue}`, base, fix: s.fix, text: s.text, ...answers },
    });
  }
  return out;
}

/** The SWE-bench Multimodal tasks of one repository (`owner/name`). */
export function fromMultimodal(repo: string, report: string[]): Candidate[] {
  const prefix = `tasks/${repo.replace("/", "__")}-`;
  const tasks = gitDir(MM, ["ls-tree", "--name-only", "HEAD", "tasks/"]).split("\n").filter((t) => t.startsWith(prefix));
  const seen = new Set<number>();
  const out: Candidate[] = [];
  for (const task of tasks.sort((a, b) => prNumber(a) - prNumber(b))) {
    const c = multimodalCase(repo, task, report);
    if (!c) continue;
    const issue = Number(c.evalCase.id.split("#")[1]);
    if (seen.has(issue)) { report.push(`${task}: issue #${issue} already taken`); continue; }
    seen.add(issue);
    out.push(c);
  }
  return out;
}

function prNumber(task: string): number {
  return Number(/-(\d+)$/.exec(task)?.[1] ?? 0);
}

function multimodalCase(repo: string, task: string, report: string[]): Candidate | null {
  const pr = prNumber(task);
  const read = (file: string): string => gitDir(MM, ["show", `HEAD:${task}/${file}`]);
  const base = /^base_commit: (\w+)$/m.exec(read("task.yaml"))?.[1] ?? "";
  if (!exists(repo, `${base}^{commit}`)) { report.push(`${task}: base not in mirror`); return null; }
  const gold = read("gold.patch");
  const issue = CONFIRMED[task.slice("tasks/".length)] ?? issueOf(repo, pr, gold, read("test.patch"));
  if (typeof issue === "string") { report.push(`${task}: ${issue}`); return null; }
  // SWE-bench stores "title\nbody" (a final newline appended); the format wants "title\n\nbody".
  const statement = read("problem_statement.md").replace(/\n$/, "");
  const cut = statement.indexOf("\n");
  const text = cut < 0 ? statement : `${statement.slice(0, cut)}\n\n${statement.slice(cut + 1)}`;
  const answers = answersFrom(repo, base, gold, text);
  if (typeof answers === "string") { report.push(`${task}: ${answers}`); return null; }
  const fix = findFix(repo, base, pr, answers.files);
  if (fix) answers.lines = linesFromFix(repo, base, fix, answers.files);
  return {
    order: pr,
    language: languageOf(answers.files),
    source: MM_SOURCE,
    evalCase: {
      id: `${repo}#${issue}`,
      issue: `https://github.com/${repo}/issues/${issue}`,
      base,
      ...(fix ? { fix } : {}),
      text,
      ...answers,
    },
  };
}

/**
 * The one issue a PR fixes, from (in this order) the PR's commit messages, the changelog lines
 * its patch adds, or the regression test it adds that is named after the issue (`issue1234`).
 * Only numbers below the PR's count (an issue opened after the fix was proposed is not the
 * question the fix answers). Several candidates, or none: a string saying so.
 */
function issueOf(repo: string, pr: number, gold: string, tests: string): number | string {
  const fromCommits = closedIssues(prCommits(repo, pr).map((c) => c.message).join("\n"));
  const fromChangelog = parseDiff(gold)
    .filter((f) => /(^|\/)(news|changelog)[^/]*\/|CHANGELOG|changelog-/i.test(f.newPath ?? ""))
    .flatMap((f) => f.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith("+"))))
    .flatMap((l) => [...l.matchAll(/#(\d+)/g)].map((m) => Number(m[1])));
  const fromTests = [...tests.matchAll(/^\+\+\+ b\/\S*issue-?(\d+)\b/gim)].map((m) => Number(m[1]));
  for (const found of [fromCommits, fromChangelog, fromTests]) {
    const ids = [...new Set(found.filter((n) => n < pr))];
    if (ids.length === 1) return ids[0]!;
    if (ids.length > 1) return `several issues (${ids.join(", ")})`;
  }
  return "no issue number in the fix's commits, changelog or regression tests";
}
