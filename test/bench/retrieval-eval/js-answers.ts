/**
 * Answers for the JavaScript/TypeScript half of the retrieval evaluation set: which base files a
 * real fix changed, and which base lines, read from a unified diff and checked against the
 * fetched mirror (used by build-js.ts and js-sources.ts).
 */
import { execFileSync } from "node:child_process";
import { isDocOrChangelogPath, isTestPath, type EvalCase } from "./validate.ts";

/** Where the `fetch` tool leaves mirrors: `<MIRRORS>/<owner>+<name>/repo`. */
export const MIRRORS = process.env.HEARTH_MIRRORS ?? "/work/.mirror";

/** A sweeping refactor is not a retrieval question; more answer files than this drop a case. */
const MAX_FILES = 12;

/** Lines the fix adds count as quoted by the issue from this length on (shorter ones are common code). */
const QUOTE_MIN = 25;

/** One file's part of a unified diff. */
export interface FileDiff {
  oldPath: string | null;
  newPath: string | null;
  hunks: Hunk[];
}

/** One hunk: where its old side starts, how many old lines, its lines (" ", "-", "+", "\" marks). */
export interface Hunk {
  oldStart: number;
  oldCount: number;
  lines: string[];
}

/** The answer part of a case. */
export type Answers = Pick<EvalCase, "files" | "lines">;

/** The mirror's git directory for `owner/name`. */
export function mirrorOf(repo: string): string {
  return `${MIRRORS}/${repo.replace("/", "+")}/repo`;
}

/** Runs git on a repository's mirror and returns stdout. */
export function git(repo: string, args: string[]): string {
  return gitDir(mirrorOf(repo), args);
}

/** Runs git on any git directory and returns stdout. */
export function gitDir(dir: string, args: string[]): string {
  return execFileSync("git", ["--git-dir", dir, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
}

/** Whether an object (`<commit>^{commit}`, `<commit>:<path>`) is in the mirror. */
export function exists(repo: string, object: string): boolean {
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
      const m = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/.exec(line);
      if (!m) throw new Error(`Unreadable hunk header "${line}"; fix the source patch.`);
      hunk = { oldStart: Number(m[1]), oldCount: m[2] === undefined ? 1 : Number(m[2]), lines: [] };
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
  // A hunk with no old lines (a `-U0` insertion) names the line before it, not the next one.
  let oldLine = hunk.oldCount === 0 ? hunk.oldStart + 1 : hunk.oldStart;
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
    const before = Math.max(1, start - 1);
    ranges.push(removed > 0 ? [start, start + removed - 1] : [before, before]);
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
  let at = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1;
  for (const line of hunk.lines) {
    if (line[0] !== " " && line[0] !== "-") continue;
    if ((baseLines[at] ?? "").replace(/\r$/, "") !== line.slice(1).replace(/\r$/, "")) return false;
    at++;
  }
  return true;
}

const SOURCE_EXT = /\.(js|jsx|mjs|cjs|ts|tsx|mts|cts)$/;

/** Files a build writes from the sources (a fix commits them too, but nobody edits them by hand). */
const GENERATED: Record<string, string[]> = {
  "PrismJS/prism": ["prism.js", "components.js"],
};

/**
 * Whether a changed path can be an answer: a JS/TS source file (`.d.ts` included) that is not a
 * test, fixture, doc, changelog, story, example or config file.
 */
export function isAnswerPath(path: string): boolean {
  if (!SOURCE_EXT.test(path) || isTestPath(path) || isDocOrChangelogPath(path)) return false;
  if (/(^|\/)(__mocks__|__snapshots__|spec|e2e|examples?|samples?|demos?|benchmarks?|stories)\//.test(path)) return false;
  return !/\.(stories|config)\.[^/]+$/.test(path) && !/(^|\/)[^/]*\.min\.js$/.test(path);
}

/** Lines the fix adds that are long enough to count as quoting it. */
function addedLines(files: FileDiff[]): string[] {
  return files.flatMap((f) => f.hunks.flatMap((h) => h.lines))
    .filter((l) => l.startsWith("+"))
    .map((l) => l.slice(1).trim())
    .filter((l) => l.length >= QUOTE_MIN);
}

/** Turns a fix diff into answers; a string says why the case was dropped. */
export function answersFrom(repo: string, base: string, patch: string, text: string): string | Answers {
  const diff = parseDiff(patch);
  // Only code lines count: a regression test rightly repeats the issue's reproduction.
  const quoted = addedLines(diff.filter((f) => isAnswerPath(f.newPath ?? ""))).find((l) => text.includes(l));
  if (quoted) return `issue text quotes the fix ("${quoted.slice(0, 40)}")`;
  const files: string[] = [];
  const lines: EvalCase["lines"] = {};
  for (const file of diff) {
    const path = file.oldPath;
    // Added, deleted and renamed files are not answers: the first two cannot be found at base
    // as the fix leaves them, the third changes its name under the ranking.
    if (!path || path !== file.newPath || !isAnswerPath(path) || GENERATED[repo]?.includes(path)) continue;
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
 * With a known fix, the answer lines as `git diff -U0 base fix` gives them (what validate.ts
 * checks): the fix commit can align a change differently from the dataset's patch.
 */
export function linesFromFix(repo: string, base: string, fix: string, files: string[]): EvalCase["lines"] {
  const lines: EvalCase["lines"] = {};
  for (const f of files) {
    lines[f] = mergeRanges(parseDiff(git(repo, ["diff", "-U0", base, fix, "--", f])).flatMap((d) => d.hunks.flatMap(changedRanges)));
  }
  return lines;
}

/** Issue numbers a commit message or changelog line says it fixes ("Fixes #12", "close #3"). */
export function closedIssues(message: string): number[] {
  const re = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b[:\s]*#(\d+)/gi;
  return [...message.matchAll(re)].map((m) => Number(m[1]));
}

/**
 * The fix commit for a PR: one that names the PR, whose first parent is the base and whose diff
 * from the base touches every answer file; else none (the field is optional).
 */
export function findFix(repo: string, base: string, pr: number, files: string[]): string | undefined {
  // Any commit naming the PR will do here: the parent and touched-files checks decide.
  for (const c of prCommits(repo, pr, false)) {
    if (c.parent !== base) continue;
    const touched = new Set(git(repo, ["diff", "--name-only", base, c.sha]).split("\n"));
    if (files.every((f) => touched.has(f))) return c.sha;
  }
  return undefined;
}

/**
 * The commits of PR `pr`: a squash commit whose subject ends "(#12)" or a merge commit
 * "Merge pull request #12 …"; with `strict` false, any commit whose message names "#12".
 */
export function prCommits(repo: string, pr: number, strict = true): Array<{ sha: string; parent: string; message: string }> {
  const log = git(repo, ["log", "--all", "-E", `--grep=#${pr}([^0-9]|$)`, "--format=%H %P%n%B%x00"]);
  const subject = new RegExp(`\\(#${pr}\\)\\s*$|^Merge pull request #${pr}\\b`);
  return log.split("\0").map((e) => e.trim()).filter(Boolean).map((e) => {
    const [head = "", ...body] = e.split("\n");
    const [sha = "", parent = ""] = head.split(" ");
    return { sha, parent, message: body.join("\n") };
  }).filter((c) => !strict || subject.test(c.message.split("\n")[0] ?? ""));
}
