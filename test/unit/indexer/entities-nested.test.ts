import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LineTerms } from "../../../src/indexer/entities.ts";
import { locate, locateEntities } from "../../../src/indexer/index.ts";
import { identifiersIn, termsOfWord } from "../../../src/indexer/text.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

/** `depth` classes each inside the last one's method, as a generated file writes them. */
function nestedClasses(depth: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < depth; i++) lines.push(`class Parser${i} {`, `  parseValue${i}(token) { readToken(token, ${i});`);
  for (let i = 0; i < depth; i++) lines.push("  }", "}");
  return lines;
}

/** Class i's span (zero-based lines): from its line to its closing brace. */
function spanOf(i: number, depth: number): [number, number] {
  return [2 * i, 4 * depth - 1 - 2 * i];
}

/** What counting a span's lines word by word gives (the counts in first-met order). */
function readCounts(lines: readonly string[], start: number, end: number, terms: ReadonlySet<string>): { counts: [string, number][]; length: number } {
  const counts = new Map<string, number>();
  let length = 0;
  for (let i = start; i <= end && i < lines.length; i++) {
    for (const word of identifiersIn(lines[i]!)) {
      length++;
      for (const t of termsOfWord(word)) if (terms.has(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
  }
  return { counts: [...counts], length };
}

const TERMS = new Set(["token", "read", "pars", "parse", "value", "valu", "return"].flatMap((w) => termsOfWord(w)));

describe("locate entities: nested definitions", () => {
  it("counts each definition's terms as reading its lines would, in the order met", () => {
    const lines = nestedClasses(40);
    const terms = new LineTerms(lines, TERMS);
    for (let i = 0; i < 40; i++) {
      const [start, end] = spanOf(i, 40);
      const got = terms.counts(start, end);
      assert.deepEqual({ counts: [...got.counts], length: got.length }, readCounts(lines, start, end, TERMS), `class ${i}`);
    }
    // Past the file's end, after it, an empty span, one line.
    for (const [start, end] of [[75, 500], [500, 600], [5, 4], [1, 1], [0, 0]] as const) {
      const got = terms.counts(start, end);
      assert.deepEqual({ counts: [...got.counts], length: got.length }, readCounts(lines, start, end, TERMS), `${start}-${end}`);
    }
    assert.ok(terms.counts(75, 500).length > 0);
  });

  it("reads a file of 3,000 nested classes once, not once for each class around a line", () => {
    const depth = 3000;
    const plain = nestedClasses(depth);
    let reads = 0;
    const lines = new Proxy(plain, {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const terms = new LineTerms(lines, TERMS);
    const spans = Array.from({ length: depth }, (_, i) => spanOf(i, depth));
    let total = 0;
    for (const [start, end] of spans) total += terms.counts(start, end).length;
    // Reading each definition's own lines read 18 million lines (10,000 classes took
    // hearth locate more than 10 minutes), one read of the file 12,000.
    assert.ok(reads <= plain.length, `${reads} line reads for a file of ${plain.length} lines`);
    assert.equal(total, spans.reduce((sum, [start, end]) => sum + readCounts(plain, start, end, TERMS).length, 0));
  });

  it("ranks the methods of a generated file of nested classes (hearth locate)", async () => {
    const { dir, cleanup } = tempDir("hearth-entities-nested-");
    try {
      writeFileSync(join(dir, "parsers.ts"), `${nestedClasses(300).join("\n")}\n`);
      writeFileSync(join(dir, "other.ts"), "export function unrelated() { return 1; }\n");
      const index = await indexOf(dir);
      const query = "parseValue7 returns the wrong token";
      const entities = locateEntities(index, query, locate(index, query));
      assert.equal(entities[0]?.path, "parsers.ts");
      assert.ok(entities.some((e) => e.name === "parseValue7"), entities.slice(0, 5).map((e) => e.name).join(", "));
    } finally {
      cleanup();
    }
  });

  it("finds the innermost definition at a traceback's line once a query, not once for each definition around it", async () => {
    const { dir, cleanup } = tempDir("hearth-entities-frames-");
    try {
      const depth = 300;
      writeFileSync(join(dir, "parsers.ts"), `${nestedClasses(depth).join("\n")}\n`);
      const index = await indexOf(dir);
      const record = index.files.get("parsers.ts")!;
      const defs = record.definitions;
      let reads = 0;
      // Counts each look at a definition (the walks over the file's list of them).
      (record as { definitions: unknown }).definitions = new Proxy(defs, {
        get(target, key, receiver) {
          if (typeof key === "string" && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver);
        },
      });
      // Three nameless frames on lines inside all 300 classes (the innermost method's line).
      const line = 2 * depth;
      const query = `parser crash\n\nTraceback (most recent call last):\n  File "parsers.ts", line ${line}\n  File "parsers.ts", line ${line - 2}\n  File "parsers.ts", line ${line - 4}\nError: bad token\n`;
      const entities = locateEntities(index, query, locate(index, query));
      assert.ok(entities.some((e) => e.reasons.some((r) => r.includes(`line parsers.ts:${line} named in the issue`))), JSON.stringify(entities.slice(0, 3)));
      // A walk of the 600 definitions for each of them and each frame was 600 × 600 × 3.
      assert.ok(reads <= 40 * defs.length, `${reads} looks at ${defs.length} definitions`);
    } finally {
      cleanup();
    }
  });
});
