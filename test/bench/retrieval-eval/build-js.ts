/**
 * Builds the JavaScript/TypeScript half of the real-issue retrieval evaluation set (issue 14):
 * one `<owner>__<name>.json` per repository in this folder, in the shared format described in
 * README.md.
 *   node --import tsx test/bench/retrieval-eval/build-js.ts [owner/name …]
 * (with repository names, only those files are rebuilt).
 *
 * Inputs (all public history, brought here with the `fetch` tool; nothing is downloaded here;
 * readers in js-sources.ts, diff and mirror checks in js-answers.ts):
 * - Multi-SWE-bench rows (ByteDance-Seed/Multi-SWE-bench, JS/TS part) as stored in the public
 *   repository kuppireddypravalika/MSWE-validation-dataset (`MSWE-agent/data/<lang>/<repo>_dataset.jsonl`),
 *   read from its mirror `/work/.mirror/kuppireddypravalika+MSWE-validation-dataset/repo`.
 *   Each row carries the linked issue exactly as its author wrote it (`resolved_issues[].title/body`),
 *   the PR's base commit and the fix patch (tests already split off into `test_patch`).
 * - SWE-bench Multimodal tasks as laid out in the public repository
 *   SWE-bench/swe-bench-multimodal-dockerfiles (`tasks/<id>/problem_statement.md`, `task.yaml`
 *   base_commit, `gold.patch`; tests already split off into `test.patch`). The dataset keeps no
 *   issue number, so it is taken from the PR's commit in the repository's mirror ("Closes #N"),
 *   else from the changelog line the fix adds, else from the regression test the fix adds that is
 *   named after the issue (`issue1234.test`); no single number → dropped.
 * - `sources-js-mined.json`: cases found by hand in a fetched mirror's history (a fix commit that
 *   names its issue), with the opening post as stored by the search tool's issues corpus.
 *   Their base is the fix commit's first parent and their diff is `git diff base fix`.
 * - The fetched mirror of each repository (`/work/.mirror/<owner>+<name>/repo`): every base must
 *   be there, every answer file must exist at base, and every hunk's old lines must match the
 *   base file (a patch that does not apply to its base is dropped, not guessed at).
 *
 * Filters and why:
 * - Exactly one linked issue with a non-empty body, numbered below its PR: the case id and text
 *   name one issue, opened before the fix was proposed.
 * - One case per issue (the lowest PR number wins): two PRs for one issue would be one question
 *   asked twice.
 * - Answer files are source files only (.js .jsx .mjs .cjs .ts .tsx .mts .cts, `.d.ts` kept: an
 *   implementation plus its typings is a failure class the ranking must handle); tests, fixtures,
 *   docs, changelogs, stories, examples, lock files, built bundles and config are not answers
 *   (validate.ts's test/doc rules plus those). Added, deleted and renamed files are not answers.
 * - A case whose issue body quotes a line the fix adds (25+ characters) is dropped: the text would
 *   hint at the answer or was written after the fix.
 * - At most 12 answer files (a sweeping refactor is not a retrieval question), at least one.
 * - At most 20 cases per repository: multi-file fixes first (the class this set is for), then the
 *   newest PRs (their bases lie closer together, so indexing each base costs less).
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromMined, fromMultimodal, fromMultiSweBench, MSWE_REPOS, type Candidate } from "./js-sources.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const MAX_CASES = 20;

/** SWE-bench Multimodal repositories used: small-to-medium JS/TS libraries (not wp-calypso, carbon). */
const MULTIMODAL_REPOS = [
  "chartjs/Chart.js", "markedjs/marked", "processing/p5.js", "bpmn-io/bpmn-js", "PrismJS/prism",
  "diegomura/react-pdf", "grommet/grommet", "quarto-dev/quarto-cli",
];

/** Multi-file fixes first, then the newest; at most MAX_CASES, returned oldest first. */
function select(candidates: Candidate[]): Candidate[] {
  return [...candidates]
    .sort((a, b) => Number(b.evalCase.files.length > 1) - Number(a.evalCase.files.length > 1) || b.order - a.order)
    .slice(0, MAX_CASES)
    .sort((a, b) => a.order - b.order);
}

/** The repository's language: the one most of its chosen cases' answers are written in. */
function repoLanguage(chosen: Candidate[]): "javascript" | "typescript" {
  const ts = chosen.filter((c) => c.language === "typescript").length;
  return ts * 2 > chosen.length ? "typescript" : "javascript";
}

function main(): void {
  const report: string[] = [];
  const only = new Set(process.argv.slice(2));
  const wanted = (repo: string): boolean => only.size === 0 || only.has(repo);
  const all = [
    ...MSWE_REPOS.filter(wanted).flatMap((r) => fromMultiSweBench(r, report)),
    ...MULTIMODAL_REPOS.filter(wanted).flatMap((r) => fromMultimodal(r, report)),
    ...fromMined(report).filter((c) => wanted(c.evalCase.id.split("#")[0]!)),
  ];
  const byRepo = new Map<string, Candidate[]>();
  for (const c of all) {
    const repo = c.evalCase.id.split("#")[0]!;
    byRepo.set(repo, [...(byRepo.get(repo) ?? []), c]);
  }
  for (const [repo, candidates] of byRepo) {
    const chosen = select(candidates);
    const sources = [...new Set(chosen.map((c) => c.source))];
    const file = { repo, language: repoLanguage(chosen), source: sources.join("; "), cases: chosen.map((c) => c.evalCase) };
    writeFileSync(`${HERE}${repo.replace("/", "__")}.json`, `${JSON.stringify(file, null, 2)}\n`);
    const multi = chosen.filter((c) => c.evalCase.files.length > 1).length;
    console.log(`${repo}: ${chosen.length} cases (${multi} multi-file) of ${candidates.length} candidates`);
  }
  for (const line of report) console.log(`  dropped ${line}`);
}

main();
