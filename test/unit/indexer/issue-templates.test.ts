/**
 * `locate` reads an issue past what its repository's issue template wrote (issue 14, failure
 * class 3): the template's instructions and FAQ lines, which every issue written from it
 * repeats, and a title tag that only names the issue's kind (`[Feature Request]`).
 * Real files in a temp folder, indexed by a real RepoIndex.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { candidateFiles, locate, locateEntities, type RepoIndex } from "../../../src/indexer/index.ts";
import { templateLines, withoutKindTag, withoutTemplateLines } from "../../../src/indexer/issue-templates.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

async function withTree(files: Record<string, string>, run: (index: RepoIndex, dir: string) => void): Promise<void> {
  const { dir, cleanup } = tempDir("hearth-issue-templates-");
  try {
    writeTree(dir, files);
    const index = await indexOf(dir, { history: false });
    try {
      run(index, dir);
    } finally {
      await index.close();
    }
  } finally {
    cleanup();
  }
}

const ranked = (index: RepoIndex, query: string): string[] => locate(index, query, { top: 10 }).map((r) => r.path);

const TEMPLATE = [
  "---",
  "name: Bug report",
  "about: Create a report to help us improve",
  "---",
  "**Describe the bug**",
  "A clear and concise description of what the bug is.",
  "",
  "**Expected behavior**",
  "",
  "<!-- FAQ: read this before you report -->",
  "Q: How do I deploy the server on my own hosting instance?",
  "Ans: see the deploy guide, the hosting instance settings and the server environment variables.",
  "Q: Why are my private repository stats not counted?",
  "Ans: deploy your own server instance with a token that can read private repository stats.",
  "",
  "How to reproduce:",
  "```bash",
  "$ cd docs",
  "$ make html",
  "```",
  "",
].join("\n");

const CARDS_TREE: Record<string, string> = {
  ".github/ISSUE_TEMPLATE/bug_report.md": TEMPLATE,
  "src/deploy.js":
    "// Deploys the server on a hosting instance: reads the server environment variables and the\n" +
    "// hosting instance settings (token, private repository stats) before the deploy.\n" +
    "export function deployServer(instance, env) {\n  const token = env.TOKEN; // private repository stats need a token\n  return { instance, token, hosting: env.HOSTING };\n}\n",
  "src/cards/repo-card.js":
    "import { wrapText } from '../common/text.js';\n\n// The repository card: name, description and badges.\n" +
    "export function renderRepoCard(repo) {\n  const lines = wrapText(repo.description, 60);\n  return `<svg>${lines.join('')}</svg>`;\n}\n",
  "src/common/text.js":
    "// Splits a description into lines of at most width characters, breaking between words.\n" +
    "export function wrapText(text, width) {\n  const words = text.split(' ');\n  const lines = [''];\n  for (const w of words) {\n    if ((lines[lines.length - 1] + w).length > width) lines.push('');\n    lines[lines.length - 1] += w + ' ';\n  }\n  return lines;\n}\n" +
    "\n// The deploy guide's answer: set the server environment variables and a token on your own hosting instance.\n" +
    "export function deployGuide(instance) {\n  return `Deploy the server on ${instance}: set its environment variables and a token for private repository stats.`;\n}\n",
  "src/request.js":
    "// Sends a request to the GraphQL API; a feature request for retries is open.\n" +
    "export function request(query, variables) {\n  return fetch('https://api.github.com/graphql', { method: 'POST', body: JSON.stringify({ query, variables }) });\n}\n",
  "src/fetchers/repo-fetcher.js":
    "import { request } from '../request.js';\n\n// Fetches a repository: its name, description, stars and whether it is archived.\n" +
    "export function fetchRepo(owner, name) {\n  return request('query { repository { name description isArchived stargazers } }', { owner, name });\n}\n",
};

describe("locate reads an issue past its repository's issue template", () => {
  it("leaves out the body's lines that are the template's instructions and FAQ, keeping the reporter's code (class 3)", async () => {
    await withTree(CARDS_TREE, (index, dir) => {
      const issue = [
        "Word wrapping",
        "",
        TEMPLATE.split("\n").slice(4).join("\n").replace("A clear and concise description of what the bug is.", "Long descriptions are not wrapped: words run past the edge."),
      ].join("\n");
      const top = ranked(index, issue);
      assert.equal(top[0], "src/common/text.js", top.join(", "));
      assert.ok(top.indexOf("src/deploy.js") < 0 || top.indexOf("src/deploy.js") > top.indexOf("src/cards/repo-card.js"), top.join(", "));
      // What is left out, and what stays: the title, the reporter's lines, the code block's commands.
      const kept = withoutTemplateLines(issue, templateLines(dir), 3);
      assert.ok(!kept.includes("Q: How do I deploy"), kept);
      assert.ok(!kept.includes("Ans: see the deploy guide"), kept);
      for (const line of ["Word wrapping", "words run past the edge", "$ cd docs", "$ make html", "**Expected behavior**"]) assert.ok(kept.includes(line), `${line} kept:\n${kept}`);
    });
  });

  it("ranks entities and chooses what a lazy index parses by the same reading of the issue as the files", async () => {
    await withTree(CARDS_TREE, (index) => {
      const issue = [
        "Word wrapping",
        "",
        TEMPLATE.split("\n").slice(4).join("\n").replace("A clear and concise description of what the bug is.", "Long descriptions are not wrapped: words run past the edge."),
      ].join("\n");
      const files = locate(index, issue, { top: 10 });
      const entities = locateEntities(index, issue, files, { top: 10 });
      const names = (list: readonly { name: string; reasons: readonly string[] }[]): string => list.map((e) => `${e.name}: ${e.reasons.join("; ")}`).join("\n");
      // The template's FAQ about deploying the server is no evidence for the deploy guide beside wrapText.
      assert.equal(entities[0]?.name, "wrapText", names(entities));
      // Read with the template kept, the FAQ's words put deployGuide first.
      const raw = locateEntities(index, issue, files, { top: 10, weights: { templateLines: 0, titleTags: 0 } });
      assert.equal(raw[0]?.name, "deployGuide", names(raw));
      // The lazy index parses what the issue's own words find, not what the template's FAQ names.
      const candidates = candidateFiles(index, issue);
      assert.ok(candidates.has("src/common/text.js"), [...candidates].join(", "));
      assert.ok(!candidates.has("src/deploy.js"), [...candidates].join(", "));
      assert.ok(candidateFiles(index, issue, { weights: { templateLines: 0 } }).has("src/deploy.js"));
    });
  });

  it("leaves out a title tag that only names the issue's kind, not one naming a component (class 3)", async () => {
    await withTree(CARDS_TREE, (index) => {
      const issue = "[Feature Request] Show an archived badge on the repository card\n\nMost of my repositories are archived, but their cards do not say so. A badge like the one GitHub shows would help.\n";
      const top = ranked(index, issue);
      assert.ok(top.indexOf("src/request.js") < 0 || top.indexOf("src/request.js") > top.indexOf("src/cards/repo-card.js"), top.join(", "));
      assert.ok(top.indexOf("src/request.js") < 0 || top.indexOf("src/request.js") > top.indexOf("src/fetchers/repo-fetcher.js"), top.join(", "));
      assert.ok(!locate(index, issue, { top: 10 }).some((r) => r.reasons.some((why) => why.includes('"request"'))), "no file is named by the tag");
    });
    assert.equal(withoutKindTag("[Bug] Base64 padding breaks the extension\nbody"), "Base64 padding breaks the extension\nbody");
    assert.equal(withoutKindTag("BUG: C++ code highlight"), "C++ code highlight");
    assert.equal(withoutKindTag("[RFE] Support union types"), "Support union types");
    for (const title of ["Dataset: coords are lost", "[revealjs] width in % is not quoted", "[language-markup] Quotes in attributes", "[Bug]"]) assert.equal(withoutKindTag(title), title);
  });

  it("reads only the templates that are regular files of the repository, not a link to a file elsewhere", () => {
    const { dir, cleanup } = tempDir("hearth-issue-templates-");
    try {
      writeTree(dir, { "outside/notes.md": "My private notes about the deploy\n", "repo/.github/ISSUE_TEMPLATE/bug.md": "**Describe the bug**\nA clear and concise description of what the bug is.\n" });
      symlinkSync(join(dir, "outside/notes.md"), join(dir, "repo/.github/ISSUE_TEMPLATE/linked.md"));
      symlinkSync(join(dir, "outside/notes.md"), join(dir, "repo/ISSUE_TEMPLATE.md"));
      const lines = templateLines(join(dir, "repo"));
      assert.ok(lines.has("a clear and concise description of what the bug is"), [...lines].join(" | "));
      assert.ok(!lines.has("my private notes about the deploy"), [...lines].join(" | "));
    } finally {
      cleanup();
    }
  });
});
