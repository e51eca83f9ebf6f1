/**
 * A reply whose last block is long, streamed in 400-character deltas (one render a delta), on
 * jsdom (a browser's DOM is faster; the ratios are what to read):
 *   npm run bench -- streamed-blocks [before-commit]
 * Each frame's time early and late in the block, for StreamedMarkdown as it is and as it was
 * at `before-commit` (streamed-markdown.ts and growing-block.ts of that commit, run against
 * today's markdown.ts; default the commit before the last block first grew in place). The old
 * path's frame can cost the whole block, so only its frames at a few points of the block are
 * timed (a view given the text up to three frames before, then those three frames), not the
 * whole stream. The final render (the complete reply parsed once) is left out of both.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { window } from "../unit/webview/dom-env.ts";
import { StreamedMarkdown } from "../../src/webview/streamed-markdown.ts";

// jsdom's selector engine adds nine listeners to the window for every document it queries, and
// DOMPurify parses into a new document at each render: over thousands of frames the window's
// listener list grows and each addition scans it (quadratic, in jsdom only). Not the page's cost.
const addEventListener = window.addEventListener.bind(window);
window.addEventListener = ((...args: Parameters<typeof addEventListener>) => {
  if (!new Error().stack?.includes("dom-selector")) addEventListener(...args);
}) as typeof window.addEventListener;

const BEFORE = process.argv[2] ?? "afa86ce~1";
// A delta per frame: what about 100 tokens a frame bring (a fast local model, a busy page).
const STEP = 400;
const post = () => undefined;

interface View {
  render(text: string, complete: boolean): void;
}
type ViewClass = new (container: HTMLElement, post: () => void) => View;

/** streamed-markdown.ts (and growing-block.ts, where it had one) as they were at `rev`, importing today's markdown.ts. */
async function oldView(rev: string): Promise<{ View: ViewClass; done: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  try {
    for (const name of ["streamed-markdown", "growing-block"]) {
      let source: string;
      try {
        source = execFileSync("git", ["show", `${rev}:src/webview/${name}.ts`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      } catch {
        continue;
      }
      writeFileSync(join(dir, `${name}.ts`), source.replace(/from "\.\/(markdown|host)\.ts"/g, (_, other: string) => `from ${JSON.stringify(resolve("src/webview", `${other}.ts`))}`));
    }
    const module = (await import(join(dir, "streamed-markdown.ts"))) as { StreamedMarkdown: ViewClass };
    return { View: module.StreamedMarkdown, done: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/**
 * Milliseconds of the old path's frame that reaches `at`: a view given the text up to three
 * frames before (not timed), then the median of those three frames.
 */
function frameAt(View: ViewClass, text: string, at: number): number {
  const view = new View(window.document.createElement("div"), post);
  view.render(text.slice(0, Math.max(STEP, at - 3 * STEP)), false);
  const frames: number[] = [];
  for (let end = Math.max(STEP, at - 3 * STEP) + STEP; end <= Math.max(at, 2 * STEP); end += STEP) {
    const start = performance.now();
    view.render(text.slice(0, end), false);
    frames.push(performance.now() - start);
  }
  return median(frames);
}

/** Streams `text` (not the final render): the whole time, and the median of the three frames that reach each of `points`. */
function streamed(View: ViewClass, text: string, points: readonly number[]): { total: number; at: number[] } {
  const view = new View(window.document.createElement("div"), post);
  const frames: number[] = [];
  for (let end = STEP; end < text.length + STEP; end += STEP) {
    const start = performance.now();
    view.render(text.slice(0, end), false);
    frames.push(performance.now() - start);
  }
  return { total: frames.reduce((a, b) => a + b, 0), at: points.map((p) => median(frames.slice(Math.max(0, p / STEP - 3), p / STEP))) };
}

const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));
const row = (i: number) => `| src/page${i}.ts | ${i} | **bound** fixed, see [the test](test/page${i}.test.ts) |\n`;
const item = (i: number) => `- **src/page${i}.ts**: the bound is fixed, see \`paginate(items, ${i})\` and [the test](test/page${i}.test.ts)\n`;
const sentence = (i: number) => `The loop in paginate stops one item early on page ${i}, so the last item is lost; the fix makes the bound exclusive. `;
const cells = (n: number, cell: (j: number) => string) => `|${Array.from({ length: n }, (_, j) => ` ${cell(j)} |`).join("")}\n`;
const cases: [string, string][] = [
  ["list, 3,000 items", Array.from({ length: 3_000 }, (_, i) => item(i)).join("")],
  ["paragraph, 2,000 lines", Array.from({ length: 2_000 }, (_, i) => `${sentence(i)}\n`).join("")],
  ["paragraph, one line of 200 KB", Array.from({ length: 1_700 }, (_, i) => sentence(i)).join("")],
  ["table, 500 columns, 20 rows", `${cells(500, (j) => `column ${j}`)}${cells(500, () => "---")}${Array.from({ length: 20 }, (_, i) => cells(500, (j) => `${i}.${j}`)).join("")}`],
  ["table, 10,000 rows", `| file | lines | change |\n|---|---:|---|\n${Array.from({ length: 10_000 }, (_, i) => row(i)).join("")}`],
  ["TypeScript block, 10,000 lines", `\`\`\`ts\n${Array.from({ length: 10_000 }, (_, i) => `export const page${i} = paginate(items, ${i}); // page ${i}\n`).join("")}`],
  ["code block, one line of 1 MB", `\`\`\`\n${"word ".repeat(200_000)}`],
];

const { View: Before, done } = await oldView(BEFORE);
try {
  console.log(`| last block (${STEP}-character deltas) | frames | a frame at 10% / 50% / 100% of the block, before (${BEFORE}) | after | all frames, after |\n|---|---:|---|---|---:|`);
  for (const [name, text] of cases) {
    const points = [0.1, 0.5, 1].map((f) => Math.floor((text.length * f) / STEP) * STEP);
    const before = points.map((p) => frameAt(Before, text, p));
    const after = streamed(StreamedMarkdown, text, points);
    console.log(`| ${name} (${(text.length / 1024).toFixed(0)} KB) | ${Math.ceil(text.length / STEP).toLocaleString("en-US")} | ${before.map(ms).join(" / ")} ms | ${after.at.map(ms).join(" / ")} ms | ${(after.total / 1000).toFixed(1)} s |`);
  }
} finally {
  done();
}
