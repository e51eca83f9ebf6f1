/**
 * What a hostile or careless issue text costs `locate` + `locateEntities`: shapes a user
 * can paste (a base64 blob, a minified line, a recursion's traceback, a listing of paths,
 * a run of blanks, a paragraph or stack joined into one line, inline code by the thousand) beside ordinary prose of the same length, in the same run, on an index
 * of Hearth's own `src/` (history off: the same answer on every checkout).
 *   node --import tsx test/bench/query-shapes.ts [--size CHARS] [--runs N]
 *
 * Each shape is timed at `size` and at twice that (median of `runs`). "× prose" is its time
 * over the prose's at the same length; "growth" is its time at 2 × size over its time at
 * size: about 2 when the cost grows with the text's length, 4 when with its square.
 */
import { fileURLToPath } from "node:url";
import { RepoIndex, locate, locateEntities } from "../../src/indexer/index.ts";

const QUERIES_DIR = fileURLToPath(new URL("../../src/indexer/queries", import.meta.url));
const ROOT = fileURLToPath(new URL("../../src", import.meta.url));

interface Args {
  size: number;
  runs: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { size: 100_000, runs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    if (argv[i] === "--size" && value > 0) (args.size = value), i++;
    else if (argv[i] === "--runs" && value > 0) (args.runs = value), i++;
    else throw new Error(`Unknown or invalid argument ${JSON.stringify(argv[i])}: use --size CHARS and --runs N.`);
  }
  return args;
}

/** A text of about `size` characters made by repeating `unit` (or a numbered unit). */
function fill(size: number, unit: string | ((i: number) => string), title = "Locate fails on a pasted log"): string {
  const parts: string[] = [title, ""];
  let length = title.length + 2;
  for (let i = 0; length < size; i++) {
    const part = typeof unit === "string" ? unit : unit(i);
    parts.push(part);
    length += part.length + 1;
  }
  return parts.join("\n");
}

const SHAPES: [string, (size: number) => string][] = [
  ["prose (reference)", (n) => fill(n, "The index is rebuilt when the cache is stale, and the ranking then reads every file again.")],
  ["one word without blanks", (n) => `Locate fails\n\n${"A".repeat(n)}`],
  ["400-character hex words", (n) => `Locate fails\n\n${Array.from({ length: Math.ceil(n / 401) }, (_, i) => i.toString(16).padStart(8, "0").repeat(50)).join(" ")}`],
  ["a minified line of paths", (n) => `Locate fails\n\n${"src/indexer/retrieve.ts:12,".repeat(Math.ceil(n / 27))}`],
  ["a frame repeated (recursion)", (n) => fill(n, '  File "/home/u/src/indexer/retrieve.ts", line 140, in locate')],
  ["distinct frames", (n) => fill(n, (i) => `  File "/home/u/src/indexer/retrieve.ts", line ${i}, in step${i}`)],
  ["paths with blanks", (n) => fill(n, "src/indexer/retrieve.ts:12 src/indexer/entities.ts:40 src/indexer/text.ts:9")],
  ["a run of blanks", (n) => `Locate fails\n\nthe ${" ".repeat(n)}Index breaks`],
  ["issue links", (n) => fill(n, "see #1234, gh-55 and #987 for the same crash")],
  ["one line of 'at' words", (n) => `Crash at startup\n\n${"at ".repeat(Math.ceil(n / 3))}`],
  ["one line of unclosed curly quotes", (n) => `Wrong message\n\n${"\u201c ".repeat(Math.ceil(n / 2))}`],
  ["one line of inline spans", (n) => `Resize fails\n\n${"`x` ".repeat(Math.ceil(n / 4))}\nthe class Resizer fails`],
  ["one inline span of words", (n) => `Resize fails\n\n\`${Array.from({ length: Math.ceil(n / 6) }, (_, i) => `w${i}`).join(" ")}\``],
];

function timeOnce(index: RepoIndex, query: string): number {
  const start = performance.now();
  const files = locate(index, query, { top: 10 });
  locateEntities(index, query, files, { top: 10 });
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const index = new RepoIndex({ root: ROOT, queriesDir: QUERIES_DIR, history: false });
  try {
    await index.build();
    timeOnce(index, SHAPES[0]![1](10_000)); // warm the JIT
    const times = SHAPES.map(([, make]) => [args.size, 2 * args.size].map((size) => {
      const query = make(size);
      return median(Array.from({ length: args.runs }, () => timeOnce(index, query)));
    }));
    const prose = times[0]!;
    process.stdout.write(`${index.files.size} files indexed; sizes ${args.size.toLocaleString("en")} and ${(2 * args.size).toLocaleString("en")} characters, median of ${args.runs}\n\n`);
    process.stdout.write("| shape | ms | × prose | ms at 2× | × prose | growth |\n|---|---|---|---|---|---|\n");
    SHAPES.forEach(([name], i) => {
      const [one, two] = times[i]!;
      process.stdout.write(`| ${name} | ${one!.toFixed(0)} | ${(one! / prose[0]!).toFixed(2)} | ${two!.toFixed(0)} | ${(two! / prose[1]!).toFixed(2)} | ${(two! / one!).toFixed(2)} |\n`);
    });
  } finally {
    await index.close();
  }
}

await main();
