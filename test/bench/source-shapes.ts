/**
 * What a hostile or generated source file costs the index: the parse (tree-sitter, the tags
 * query and what extract.ts makes of it) and `locateEntities` on a file of `count` small
 * functions written on one line after 64 KB of ordinary lines (a generated table, an inlined
 * asm.js module: not taken for minified), beside the same functions one a line, in the same run.
 *   node --import tsx test/bench/source-shapes.ts [--count N] [--runs N]
 *
 * Each is timed at `count` and at twice that (median of `runs`). "× lines" is the one-line
 * file's time over the one-a-line file's; "growth" its time at 2 × count over its time at
 * count: about 2 when the cost grows with the file, 4 when with its square.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RepoIndex, locate, locateEntities } from "../../src/indexer/index.ts";
import { LanguageRegistry } from "../../src/indexer/languages.ts";
import { parseBytes } from "../../src/indexer/parse-file.ts";

const QUERIES_DIR = fileURLToPath(new URL("../../src/indexer/queries", import.meta.url));
const HEAD = "function top() { return 1; }\n".repeat(2300);
const ISSUE = "handler7 fails: parseWidget7 is given a null widget";

function parseArgs(argv: readonly string[]): { count: number; runs: number } {
  const args = { count: 5_000, runs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    if (argv[i] === "--count" && value > 0) (args.count = value), i++;
    else if (argv[i] === "--runs" && value > 0) (args.runs = value), i++;
    else throw new Error(`Unknown or invalid argument ${JSON.stringify(argv[i])}: use --count N and --runs N.`);
  }
  return args;
}

function source(count: number, oneLine: boolean): string {
  const fns = Array.from({ length: count }, (_, i) => `function handler${i}(){return parseWidget${i}()}`);
  return HEAD + fns.join(oneLine ? "" : "\n") + "\n";
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeShape(text: string, runs: number): Promise<{ parse: number; entities: number }> {
  const registry = new LanguageRegistry(QUERIES_DIR);
  const settings = { maxFileBytes: 1024 * 1024, parseTimeoutMs: 120_000, maxWords: 400 };
  const parse: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const out = parseBytes({ path: "gen/table.js", absPath: "/none", mtimeMs: 0 }, Buffer.from(text), registry, settings);
    parse.push(performance.now() - t);
    if (!out.ok || out.record.parseTimedOut) throw new Error("the file was not parsed");
  }
  const dir = mkdtempSync(join(tmpdir(), "hearth-source-shapes-"));
  const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, limits: { parseTimeoutMs: 120_000 } });
  try {
    writeFileSync(join(dir, "table.js"), text);
    writeFileSync(join(dir, "widget.js"), "function parseWidget7(w) { return w.size; }\n");
    await index.build();
    const entities: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      locateEntities(index, ISSUE, locate(index, ISSUE, { top: 5 }), { top: 5 });
      entities.push(performance.now() - t);
    }
    return { parse: median(parse), entities: median(entities) };
  } finally {
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const { count, runs } = parseArgs(process.argv.slice(2));
const row = (label: string, ms: number, ref: number, twice: number): string =>
  `${label.padEnd(26)}${ms.toFixed(0).padStart(8)} ms${(ms / ref).toFixed(1).padStart(9)}×${(twice / ms).toFixed(1).padStart(9)}`;
const lines = await timeShape(source(count, false), runs);
const lines2 = await timeShape(source(count * 2, false), runs);
const one = await timeShape(source(count, true), runs);
const one2 = await timeShape(source(count * 2, true), runs);
console.log(`${count} functions (median of ${runs})    time   × lines   growth`);
console.log(row("parse, one a line", lines.parse, lines.parse, lines2.parse));
console.log(row("parse, on one line", one.parse, lines.parse, one2.parse));
console.log(row("entities, one a line", lines.entities, lines.entities, lines2.entities));
console.log(row("entities, on one line", one.entities, lines.entities, one2.entities));
