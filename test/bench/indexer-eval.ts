/**
 * Retrieval evaluation: for each issue-like description in indexer-eval-set.json, where does
 * the file that must change rank? Hearth's `locate` next to plain BM25 over file text (and
 * Hearth's own lexical ranking without the graph), on the same files, in one run.
 *   node --import tsx test/bench/indexer-eval.ts [--verbose]
 * The tree is real code from this checkout's node_modules: the three packages the cases are
 * about, plus other packages as distractors.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RepoIndex, locate } from "../../src/indexer/index.ts";
import { PlainBm25 } from "./plain-bm25.ts";

const NODE_MODULES = fileURLToPath(new URL("../../node_modules", import.meta.url));
const QUERIES = fileURLToPath(new URL("../../src/indexer/queries", import.meta.url));
const WORKER = new URL("../unit/indexer/helpers/tsx-worker.mjs", import.meta.url);

/** Evaluation tree: name in the tree → folder under node_modules. */
const TREE: Record<string, string> = {
  semver: "semver",
  undici: "undici",
  tar: "tar/dist/esm",
  ajv: "ajv",
  parse5: "parse5",
  cheerio: "cheerio",
  cockatiel: "cockatiel",
  "vscode-jsonrpc": "vscode-jsonrpc",
  "vscode-languageserver": "vscode-languageserver",
  "vscode-languageclient": "vscode-languageclient",
  "node-llama-cpp": "node-llama-cpp/dist",
  ipull: "ipull",
  glob: "glob",
  minimatch: "minimatch",
  yargs: "yargs",
  htmlparser2: "htmlparser2",
  "simple-git": "simple-git",
};

interface Case {
  query: string;
  answer: string;
}

function accuracy(ranks: number[]): string {
  const at = (k: number): string => `${((100 * ranks.filter((r) => r >= 0 && r < k).length) / ranks.length).toFixed(0)}%`;
  return `${at(1)} | ${at(5)} | ${at(10)}`;
}

async function main(): Promise<void> {
  const verbose = process.argv.includes("--verbose");
  const cases = (JSON.parse(readFileSync(new URL("./indexer-eval-set.json", import.meta.url), "utf8")) as { cases: Case[] }).cases;
  const root = mkdtempSync(join(tmpdir(), "hearth-eval-"));
  try {
    // Copies, not links: the scan skips links that lead out of the root.
    for (const [name, dir] of Object.entries(TREE)) if (existsSync(join(NODE_MODULES, dir))) cpSync(join(NODE_MODULES, dir), join(root, name), { recursive: true, dereference: true });
    const index = new RepoIndex({ root, queriesDir: QUERIES, workers: { script: WORKER, count: 2 }, limits: { excludeDirs: [".git", "node_modules"] } });
    const report = await index.build();
    await index.close();
    const plain = new PlainBm25();
    for (const path of index.files.keys()) plain.add(path, readFileSync(join(root, path), "utf8"));
    const ranks = { hearth: [] as number[], lexical: [] as number[], plain: [] as number[] };
    for (const c of cases) {
      const hearth = locate(index, c.query, { top: 50 }).map((r) => r.path);
      const lexical = locate(index, c.query, { top: 50, weights: { graph: 0 } }).map((r) => r.path);
      const plainRanked = plain.rank(c.query);
      ranks.hearth.push(hearth.indexOf(c.answer));
      ranks.lexical.push(lexical.indexOf(c.answer));
      ranks.plain.push(plainRanked.indexOf(c.answer));
      if (verbose) process.stderr.write(`${hearth.indexOf(c.answer)}\t${plainRanked.indexOf(c.answer)}\t${c.answer}\t→ ${hearth[0]}\n`);
    }
    process.stdout.write(
      [
        `Evaluation tree: ${report.files.toLocaleString("en")} files from ${Object.keys(TREE).length} packages; ${cases.length} cases.`,
        "",
        "| ranking | top-1 | top-5 | top-10 |",
        "|---|---|---|---|",
        `| Hearth \`locate\` (BM25 over identifiers/paths/comments + personalized PageRank) | ${accuracy(ranks.hearth)} |`,
        `| Hearth \`locate\` without the graph (weights.graph = 0) | ${accuracy(ranks.lexical)} |`,
        `| plain BM25 over file text (reference) | ${accuracy(ranks.plain)} |`,
        "",
      ].join("\n"),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
