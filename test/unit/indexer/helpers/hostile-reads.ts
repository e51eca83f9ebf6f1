// Readings of issue texts built to be slow to read, run on a thread of their own by
// hostile-queries.test.ts (helpers/in-thread.ts): each returns plain data to assert on.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { analyzeQuery, locate, locateEntities } from "../../../../src/indexer/index.ts";
import type { RepoIndex } from "../../../../src/indexer/repo-index.ts";
import { parseQueryEvidence, pathReferences } from "../../../../src/indexer/query-evidence.ts";
import { quotedLines } from "../../../../src/indexer/quotes.ts";
import { locateCommand } from "../../../../src/cli/commands/locate.ts";
import { captureIo } from "../../../fixtures/cli-io.ts";
import { indexOf, tempDir } from "./setup.ts";

async function withIndex<T>(files: Record<string, string>, body: (index: RepoIndex) => T): Promise<T> {
  const { dir, cleanup } = tempDir();
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    // These generated files take seconds to parse on a loaded machine: past the default time
    // limit a file is kept as words only, and its entities would be missing for that reason.
    const index = await indexOf(dir, { limits: { parseTimeoutMs: 10 * 60_000 } });
    try {
      return body(index);
    } finally {
      await index.close();
    }
  } finally {
    cleanup();
  }
}

/** A line of 85,000 "at" words, then a stack frame on a line of its own: the frames read, as `path:line func`. */
export function manyAtWords(): string[] {
  const text = `Crash at startup\n${"at ".repeat(85_000)}\n    at boot (src/app/boot.js:12:3)\n`;
  return parseQueryEvidence(text).paths.filter((p) => p.frame).map((p) => `${p.path}:${p.line} ${p.func}`);
}

/** A line of 120,000 unclosed curly quotes, then a closed one: the quoted lines that are not blank. */
export function unclosedCurlyQuotes(): string[] {
  const text = `Wrong message\n${"\u201c ".repeat(120_000)}\nit prints \u201cthe widget cannot be resized below its width\u201d\n`;
  return quotedLines(parseQueryEvidence(text)).filter((l) => l.trim() !== "");
}

/** 60,000 inline spans leave a long run of blanks in the prose, then a capitalised name: the identifiers found. */
export function blankProse(): Promise<string[]> {
  return withIndex({ "src/widget.py": "class Resizer:\n    pass\n" }, (index) => {
    const text = `Resize fails\n${"`x` ".repeat(60_000)}\nthe class Resizer fails\n`;
    return analyzeQuery(index, text).identifiers;
  });
}

/**
 * `hearth locate` on an issue whose inline span holds 60,000 words (within what a query
 * reads) with one call among them: what it prints.
 */
export async function longInlineSpan(): Promise<string> {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src", "widget.py"), "def resize(w):\n    pass\n\n\ndef shrink(w):\n    pass\n");
    writeFileSync(join(dir, "src", "other.py"), "def other(w):\n    pass\n");
    const letters = "abcdefghijklmnopqrstuvwxyz";
    const words = Array.from({ length: 60_000 }, (_, i) => letters[i % 26]! + letters[Math.floor(i / 26) % 26]! + letters[Math.floor(i / 676) % 26]!);
    const io = captureIo(dir, { stdin: `Resize fails\n\`${words.join(" ")} resize (w) shrink\`\n` });
    await locateCommand.run(["--repo", dir, "--no-cache", "--quiet", "--entities", "0"], io);
    return io.stdout;
  } finally {
    cleanup();
  }
}

/**
 * The entities of a generated module of 30,000 one-line functions that each make a call
 * (under the index's 1 MiB file limit), for an issue whose traceback runs through one of
 * them: the best three, as `name: reasons`.
 */
export async function manyDefinitions(): Promise<string[]> {
  const module = Array.from({ length: 30_000 }, (_, i) => `def on_${i}(x): return g(x, x)\n`).join("");
  const issue = 'on_7 fails\n\nTraceback (most recent call last):\n  File "gen/events.py", line 8, in on_7\nValueError';
  return withIndex({ "gen/events.py": module, "gen/other.py": "def other(x): return x\n" }, (index) =>
    locateEntities(index, issue, locate(index, issue, { top: 5 }), { top: 3 }).map((e) => `${e.name}: ${e.reasons.join("; ")}`),
  );
}

/**
 * The best entities, with their reasons, of a file whose ordinary lines (64 KB: not minified)
 * are followed by one line of 20,000 functions, as a generated table or an inlined asm.js
 * module is, when the issue names one of them.
 */
export async function definitionsOnOneLine(): Promise<string[]> {
  const line = Array.from({ length: 20_000 }, (_, i) => `function handler${i}(){return parseWidget${i}()}`).join("");
  const module = "function top() { return 1; }\n".repeat(2300) + line + "\n";
  const issue = "handler7 fails: parseWidget7 is given a null widget";
  return withIndex({ "gen/table.js": module, "src/widget.js": "function parseWidget7(w) { return w.size; }\n" }, (index) =>
    locateEntities(index, issue, locate(index, issue, { top: 5 }), { top: 2 }).map((e) => `${e.path}:${e.line} ${e.name}: ${e.reasons.join("; ")}`),
  );
}

/**
 * The paths read from a text holding one word of 320,000 hex characters (no `.`, `/` or `\`:
 * a blob, no path) between two real ones, as `path:line` (line empty for a bare path).
 */
export function longWordPaths(): string[] {
  const text = `Crash in src/app/boot.js:12\n${"0123456789abcdef".repeat(20_000)} see lib/x/y and conf.py\n`;
  return pathReferences(text).map((p) => `${p.path}:${p.line ?? ""}`);
}
