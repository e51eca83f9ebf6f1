/**
 * What run_command's output handling costs per megabyte a command prints:
 *   npm run bench -- command-output [before-commit]
 * The same bytes, in 64 KiB reads as a pipe delivers them, go through OutputCollector as it is
 * and as it was at `before-commit` (default 88d6601: before control sequences were taken out,
 * redraws applied, UTF-16 decoded and pytest's first failures kept), taken from a git worktree
 * of that commit. Runs alternate between the two; the median of 3 each is shown.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MAX_COMMAND_OUTPUT_CHARS } from "../../src/tools/limits.ts";
import { OutputCollector } from "../../src/tools/run-command.ts";

const BEFORE = process.argv[2] ?? "88d6601";
const CHUNK = 64 * 1024;
const RUNS = 3;

interface Collector {
  push(stream: "stdout" | "stderr", bytes: Buffer): void;
  end(): { text: string; omitted: number };
}
type CollectorClass = new (max: number) => Collector;

/** The shapes of output: what real commands print, and the worst a hostile one can. */
function shapes(): { name: string; bytes: Buffer }[] {
  const lines = (n: number, line: (i: number) => string): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => line(i)).join(""));
  return [
    { name: "plain log lines (32 MB)", bytes: lines(400_000, (i) => `2026-12-05 20:00:${String(i % 60).padStart(2, "0")} INFO worker ${i}: processed batch, 128 items in 4 ms\n`) },
    { name: "coloured test output (32 MB)", bytes: lines(400_000, (i) => `\x1b[32mPASSED\x1b[0m tests/test_mod_${i % 97}.py::test_case_${i} \x1b[2m(0.01s)\x1b[0m  \n`) },
    { name: "progress bar redrawn with \\r (16 MB)", bytes: lines(200_000, (i) => `\r[${"#".repeat(i % 40).padEnd(40)}] ${(i % 100).toString().padStart(3)}% ${i}/200000`) },
    { name: "a run of ESC [ with no final byte (8 MB)", bytes: Buffer.from("\x1b[".repeat(4 * 1024 * 1024)) },
    { name: "an 8,000-character line, then 1-character \\r redraws (2 MB)", bytes: Buffer.from("x".repeat(8000) + "\ry".repeat(1024 * 1024 - 4000)) },
  ];
}

/** OutputCollector as it was at `rev`, from a worktree of that commit (its own imports with it). */
function oldCollector(rev: string): { dir: string; load: () => Promise<CollectorClass> } {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-output-"));
  execFileSync("git", ["worktree", "add", "--detach", "--quiet", dir, rev], { stdio: "ignore" });
  symlinkSync(resolve("node_modules"), join(dir, "node_modules"));
  return { dir, load: async () => ((await import(join(dir, "src/tools/run-command.ts"))) as { OutputCollector: CollectorClass }).OutputCollector };
}

function time(Collector: CollectorClass, bytes: Buffer): { ms: number; chars: number } {
  const started = performance.now();
  const collector = new Collector(MAX_COMMAND_OUTPUT_CHARS);
  for (let at = 0; at < bytes.length; at += CHUNK) collector.push("stdout", bytes.subarray(at, at + CHUNK));
  const { text } = collector.end();
  return { ms: performance.now() - started, chars: text.length };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

const old = oldCollector(BEFORE);
try {
  const Before = await old.load();
  process.stdout.write(`OutputCollector now against ${BEFORE}, 64 KiB reads, median of ${RUNS} (alternating), ${new Date().toISOString()}\n\n`);
  process.stdout.write(`| output | ${BEFORE} | now | now / ${BEFORE} | characters kept, ${BEFORE} → now |\n|---|---:|---:|---:|---|\n`);
  for (const { name, bytes } of shapes()) {
    const before: number[] = [];
    const after: number[] = [];
    let kept = "";
    for (let run = 0; run < RUNS; run++) {
      const b = time(Before, bytes);
      const a = time(OutputCollector, bytes);
      before.push(b.ms);
      after.push(a.ms);
      kept = `${b.chars.toLocaleString("en")} → ${a.chars.toLocaleString("en")}`;
    }
    const [b, a] = [median(before), median(after)];
    process.stdout.write(`| ${name} | ${b.toFixed(0)} ms | ${a.toFixed(0)} ms | ${(a / b).toFixed(2)}× | ${kept} |\n`);
  }
} finally {
  execFileSync("git", ["worktree", "remove", "--force", old.dir], { stdio: "ignore" });
  rmSync(old.dir, { recursive: true, force: true });
}
