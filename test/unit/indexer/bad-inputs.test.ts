import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync, rmSync, symlinkSync, writeFileSync, ftruncateSync, mkdirSync } from "node:fs";
import { RepoIndex, locate, locateEntities } from "../../../src/indexer/index.ts";
import { join } from "node:path";
import { LanguageRegistry } from "../../../src/indexer/languages.ts";
import { importBindingReads } from "../../../src/indexer/extract.ts";
import { parseBytes, parseFile } from "../../../src/indexer/parse-file.ts";
import { QUERIES_DIR, TSX_WORKER, indexOf, tempDir } from "./helpers/setup.ts";

const registry = new LanguageRegistry(QUERIES_DIR);
const settings = { maxFileBytes: 1024 * 1024, parseTimeoutMs: 1000, maxWords: 400 };
const job = (path: string) => ({ path, absPath: "/nonexistent/" + path, mtimeMs: 0 });

describe("bad inputs are skipped or handled with a reason", () => {
  it("binary file", () => {
    const out = parseBytes(job("a.ts"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]), registry, settings);
    assert.equal(!out.ok && out.skip.reason, "binary");
  });

  it("file over the size limit, including a 50 MB one on disk (never read)", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const fd = openSync(join(dir, "huge.js"), "w");
      ftruncateSync(fd, 50 * 1024 * 1024);
      closeSync(fd);
      writeFileSync(join(dir, "ok.js"), "function ok() {}\n");
      const index = await indexOf(dir);
      assert.deepEqual([...index.files.keys()], ["ok.js"]);
      assert.equal(index.skipped.get("huge.js")?.reason, "too-large");
      const out = parseBytes(job("b.py"), Buffer.alloc(settings.maxFileBytes + 1, 0x61), registry, settings);
      assert.equal(!out.ok && out.skip.reason, "too-large");
    } finally {
      cleanup();
    }
  });

  it("deeply nested code parses without crashing", () => {
    const depth = 20000;
    const source = "const x = " + "[\n".repeat(depth) + "]\n".repeat(depth) + ";\nfunction after() {}\n";
    const out = parseBytes(job("deep.js"), Buffer.from(source), registry, settings);
    assert.ok(out.ok);
    assert.ok(out.record.definitions.some((d) => d.name === "after") || out.record.parseTimedOut);
  });

  it("a parse over the time limit keeps the file for text search, without symbols", () => {
    const source = Array.from({ length: 20000 }, (_, i) => `function f${i}(a, b) { return a + b * ${i}; }`).join("\n");
    const out = parseBytes(job("slow.js"), Buffer.from(source), registry, { ...settings, parseTimeoutMs: 1 });
    assert.ok(out.ok);
    assert.equal(out.record.parseTimedOut, true);
    assert.equal(out.record.definitions.length, 0);
    assert.ok(out.record.words.split(" ").includes("f0"));
  });

  // The tags query slows down with the square of the nesting (64,000 nested calls: 35 s, 100,000: 150 s
  // on a 2-core machine), and node-tree-sitter 0.25's matches() drops the progressCallback it is given:
  // the deadline must reach the query another way. The parse runs on a parse thread, so this thread
  // stays free and the test's own timeout is the bound on a hang.
  it("a query over the time limit stops at it: 100,000 nested calls do not hold a parse thread for minutes", { timeout: 30_000 }, async () => {
    const { dir, cleanup } = tempDir();
    const depth = 100_000;
    writeFileSync(join(dir, "calls.py"), "f(\n".repeat(depth) + ")\n".repeat(depth));
    writeFileSync(join(dir, "after.py"), "def after():\n    return f(1)\n");
    const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, workers: { script: TSX_WORKER, count: 1 }, limits: { parseTimeoutMs: 500 } });
    try {
      const report = await index.build();
      assert.equal(report.parseTimeouts, 1);
      assert.equal(index.files.get("calls.py")?.parseTimedOut, true);
      assert.deepEqual(index.files.get("after.py")?.definitions.map((d) => d.name), ["after"]);
    } finally {
      await index.close();
      cleanup();
    }
  });

  // Generated code can hold one line of tens of thousands of declarations after ordinary lines
  // (not minified by the first 64 KB): each declaration's line was read again to tell a
  // `require` binding, 60,000 reads of a 600 KB line, about a minute past the parse limit,
  // which is not checked once the query is done. The reads are counted, not timed: the parse
  // runs on this thread with a limit it never reaches.
  it("a line of 10,000 declarations is read once, not once per declaration", () => {
    const n = 10_000;
    const files = {
      "table.js": "function top() { return 1; }\n".repeat(2300) + "var " + Array.from({ length: n }, (_, i) => `a${i}=0`).join(",") + ";\n",
      "table.py": "def top():\n    return 1\n".repeat(2700) + Array.from({ length: n }, (_, i) => `a${i}=0`).join(";") + "\n",
    };
    for (const [path, text] of Object.entries(files)) {
      const before = importBindingReads.count;
      const out = parseBytes(job(path), Buffer.from(text), registry, { ...settings, parseTimeoutMs: 3_600_000 });
      assert.ok(out.ok, path);
      assert.equal(out.record.parseTimedOut, undefined, path);
      assert.equal(importBindingReads.count - before, 1, path);
      const last = out.record.definitions.at(-1);
      assert.deepEqual([last?.name, last?.kind], [`a${n - 1}`, "variable"], path);
    }
  });

  it("invalid UTF-8 is decoded with replacement characters and flagged", () => {
    const bytes = Buffer.concat([Buffer.from("def caf"), Buffer.from([0xe9, 0xff]), Buffer.from("():\n    pass\n\ndef ok():\n    pass\n")]);
    const out = parseBytes(job("latin1.py"), bytes, registry, settings);
    assert.ok(out.ok);
    assert.equal(out.record.invalidUtf8, true);
    assert.ok(out.record.definitions.some((d) => d.name === "ok"));
  });

  it("minified and generated files", () => {
    const minified = Buffer.from("var a=1;".repeat(2000));
    const m = parseBytes(job("app.js"), minified, registry, settings);
    assert.equal(!m.ok && m.skip.reason, "minified");
    const g = parseBytes(job("api.ts"), Buffer.from("// Code generated by protoc. DO NOT EDIT.\nexport const a = 1;\n"), registry, settings);
    assert.equal(!g.ok && g.skip.reason, "generated");
  });

  it("unreadable paths: a directory in place of a file, a vanished file", async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, "dir.ts"));
      const isDir = await parseFile({ path: "dir.ts", absPath: join(dir, "dir.ts"), mtimeMs: 0 }, registry, settings);
      assert.equal(!isDir.ok && isDir.skip.reason, "unreadable");
      const gone = await parseFile({ path: "gone.ts", absPath: join(dir, "gone.ts"), mtimeMs: 0 }, registry, settings);
      assert.equal(!gone.ok && gone.skip.reason, "unreadable");
    } finally {
      cleanup();
    }
  });

  it("a symlink loop and a dangling link do not stop the index", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "main.go"), "package main\nfunc main() {}\n");
      symlinkSync(".", join(dir, "self"));
      symlinkSync("a", join(dir, "b"));
      symlinkSync("b", join(dir, "a"));
      const index = await indexOf(dir);
      assert.deepEqual([...index.files.keys()], ["main.go"]);
      assert.equal(index.skipped.get("self")?.reason, "symlink-loop");
      assert.equal(index.skipped.get("a")?.reason, "symlink-loop");
    } finally {
      cleanup();
    }
  });
  it("a recursion's repeated frame counts once, and a trace of thousands of frames keeps its innermost", async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, "pkg"));
      writeFileSync(join(dir, "pkg", "walk.py"), "def walk(node):\n    return walk(node.parent)\n\n\ndef visit(node):\n    raise ValueError(node)\n");
      writeFileSync(join(dir, "pkg", "other.py"), "def other():\n    return 1\n");
      const index = await indexOf(dir);
      try {
        const entities = (query: string) => locateEntities(index, query, locate(index, query, { top: 5 }), { top: 3 }).map((e) => `${e.name} ${e.score.toFixed(4)} ${e.reasons.join("; ")}`);
        const frame = 'File "/home/u/pkg/walk.py", line 2, in walk\n';
        const once = entities(`RecursionError in walk\n\nTraceback (most recent call last):\n${frame}RecursionError: maximum recursion depth exceeded\n`);
        const repeated = entities(`RecursionError in walk\n\nTraceback (most recent call last):\n${frame.repeat(20_000)}RecursionError: maximum recursion depth exceeded\n`);
        assert.match(once[0]!, /^walk .*traceback frame walk\.py:2 in walk/);
        // The same evidence for the file's definitions (the file's own score grows with the words repeated).
        assert.deepEqual(repeated.slice(0, 2), once.slice(0, 2));
        // 5,000 distinct outer frames, then the one that raised: it stays the best entity.
        const outer = Array.from({ length: 5_000 }, (_, i) => `File "/home/u/app/run${i}.py", line ${i + 1}, in step${i}\n`).join("");
        const deep = entities(`ValueError\n\nTraceback (most recent call last):\n${outer}File "/home/u/pkg/walk.py", line 6, in visit\nValueError: node\n`);
        assert.match(deep[0]!, /^visit .*traceback frame walk\.py:6 in visit/, deep.join("\n"));
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });
  it("locate reads files for quoted messages: one gone since indexing is passed over, and a huge issue text is read in bounds", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const message = 'raise ValueError("the selected widget cannot be resized below its minimum width")\n';
      writeFileSync(join(dir, "gone.py"), `def shrink(w):\n    ${message}`);
      writeFileSync(join(dir, "kept.py"), `def resize(w):\n    ${message}`);
      const index = await indexOf(dir);
      try {
        rmSync(join(dir, "gone.py"));
        const issue = "Resize fails\n\n```\nValueError: the selected widget cannot be resized below its minimum width\n```\n";
        const results = locate(index, issue, { top: 5 });
        const quoted = results.filter((r) => r.reasons.some((x) => x.startsWith("quotes ")));
        assert.deepEqual(quoted.map((r) => r.path), ["kept.py"], results.map((r) => `${r.path} ${r.reasons.join("; ")}`).join("\n"));
        // 200,000 distinct runs of words: checked up to the bound, no throw, still an answer.
        const words = Array.from({ length: 200_000 }, (_, i) => `w${i.toString(36).replace(/[0-9]/g, "")}x`);
        const huge = `Resize fails\n\n\`\`\`\n${words.join(" ")}\nValueError: the selected widget cannot be resized below its minimum width\n\`\`\`\n`;
        assert.ok(locate(index, huge, { top: 5 }).length > 0);
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });
});
