// Project rules and memory for the prompt, read from real files in a temp workspace
// through DiskWorkspace: what goes in, in which order, where the budget stops it, and
// that a file edited or added by hand is read on the next call.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { type TokenCounter, loadProjectContext, readMemories, rulesNotice } from "../../../src/agent/project-context.ts";
import { buildSystemPrompt } from "../../../src/agent/system-prompt.ts";
import { formatMemoryEntry, memoryFilePath, parseMemoryEntry, slugify } from "../../../src/protocol/memory.ts";
import { DiskWorkspace } from "../../../src/tools/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

function workspace(files: Record<string, string>): { root: string; ws: DiskWorkspace; write: (path: string, text: string) => void } {
  const root = tempDir("hearth-context-");
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  for (const [path, text] of Object.entries(files)) write(path, text);
  return { root, ws: new DiskWorkspace(root), write };
}

const memory = (title: string, date: string, body: string, category = "testing") => formatMemoryEntry({ title, date, source: "chat 1", category, body });
/** Whitespace-separated words: a real, deterministic counter. */
const words: TokenCounter = async (text) => text.split(/\s+/).filter(Boolean).length;

describe("project context", () => {
  it("puts AGENTS.md, .hearth/rules.md and every memory entry into the system prompt, in that order", async () => {
    const { ws } = workspace({
      "AGENTS.md": "# Agents\nUse pnpm, never npm.\n",
      ".hearth/rules.md": "Run the tests with `pnpm test`.\nDo not touch vendor/.\n",
      ".hearth/memory/2026-01-02-flaky-test.md": memory("The date test is flaky", "2026-01-02", "test_dates fails near midnight UTC; rerun it.", "pitfall"),
      ".hearth/memory/2026-01-01-build-first.md": memory("Build before e2e", "2026-01-01", "Run `pnpm build` before the e2e tests."),
      ".hearth/memory/notes.txt": "not a memory",
    });
    const context = await loadProjectContext(ws);
    assert.deepEqual(context.sources.map((s) => [s.path, s.kind, s.included]), [
      ["AGENTS.md", "rules", "whole"],
      [".hearth/rules.md", "rules", "whole"],
      [".hearth/memory/2026-01-01-build-first.md", "memory", "whole"],
      [".hearth/memory/2026-01-02-flaky-test.md", "memory", "whole"],
    ]);
    const order = ["Use pnpm, never npm.", "Do not touch vendor/.", "- Build before e2e (testing, 2026-01-01): Run `pnpm build`", "- The date test is flaky (pitfall, 2026-01-02): test_dates"];
    const positions = order.map((text) => context.text.indexOf(text));
    assert.ok(positions.every((p) => p >= 0), context.text);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions);
    assert.ok(context.tokens > 0 && context.tokens <= context.budgetTokens);
    assert.match(context.summary, /^AGENTS\.md, \.hearth\/rules\.md, 2 memories: \d+ of 2,000 tokens$/);
    const prompt = buildSystemPrompt({ workspaceName: "w", platform: "linux", projectRules: context.text });
    assert.match(prompt, /Project rules:\nFrom AGENTS\.md:\n# Agents\nUse pnpm, never npm\./);
  });

  it("a rules file or memory that is a FIFO, or huge, is left out unread and named; the rest still loads", async () => {
    const { root, ws } = workspace({
      ".hearth/rules.md": "Keep functions small.\n",
      ".hearth/memory/2026-01-01-build-first.md": memory("Build before e2e", "2026-01-01", "Run `pnpm build` first."),
    });
    execFileSync("mkfifo", [join(root, "AGENTS.md")]);
    execFileSync("mkfifo", [join(root, ".hearth/memory/2026-01-02-pipe.md")]);
    writeFileSync(join(root, ".hearth/memory/2026-01-03-huge.md"), memory("Huge", "2026-01-03", "x"));
    truncateSync(join(root, ".hearth/memory/2026-01-03-huge.md"), 3 * 1024 ** 3); // sparse: takes no space
    const context = await loadProjectContext(ws);
    assert.deepEqual(context.sources.map((s) => [s.path, s.included]), [
      ["AGENTS.md", "omitted"],
      [".hearth/rules.md", "whole"],
      [".hearth/memory/2026-01-01-build-first.md", "whole"],
      [".hearth/memory/2026-01-02-pipe.md", "omitted"],
      [".hearth/memory/2026-01-03-huge.md", "omitted"],
    ]);
    assert.match(context.text, /Keep functions small\.[^]*Build before e2e/);
    assert.match(context.summary, /left out: AGENTS\.md, \.hearth\/memory\/2026-01-02-pipe\.md, \.hearth\/memory\/2026-01-03-huge\.md$/);
  });

  it("a rules file too large to read is named to the model, with how to read it, within the budget", async () => {
    const { root, ws } = workspace({ ".hearth/rules.md": "Keep functions small.\n" });
    writeFileSync(join(root, "AGENTS.md"), "# Agents\nNever push to main.\n");
    truncateSync(join(root, "AGENTS.md"), 10 * 1024 ** 2); // 10 MiB, sparse
    const context = await loadProjectContext(ws, { budgetTokens: 100, countTokens: words });
    assert.deepEqual(context.sources.map((s) => [s.path, s.included]), [["AGENTS.md", "omitted"], [".hearth/rules.md", "whole"]]);
    // The model would not know the project has rules at all: it hears the file is there, and to read its parts.
    assert.match(context.text, /AGENTS\.md \(10\.0 MiB\) is too large to include here: read_file it in parts/);
    assert.match(context.text, /Keep functions small\./);
    assert.ok(context.tokens <= 100, `${context.tokens} tokens`);
  });

  it("a rules file too large to read is named with only what can read it: read_file under its 16 MiB limit, a command over it", async () => {
    const { root, ws } = workspace({});
    writeFileSync(join(root, "AGENTS.md"), "# Agents\nNever push to main.\n");
    truncateSync(join(root, "AGENTS.md"), 10 * 1024 ** 2); // over search's 2 MB: search skips it
    const readable = await loadProjectContext(ws, { budgetTokens: 100, countTokens: words });
    assert.match(readable.text, /read_file it in parts \(start_line\/end_line\) for the project.s rules\./);
    assert.doesNotMatch(readable.text, /search/);
    truncateSync(join(root, "AGENTS.md"), 20 * 1024 ** 2); // over read_file's 16 MB too
    const huge = await loadProjectContext(ws, { budgetTokens: 100, countTokens: words });
    assert.match(huge.text, /AGENTS\.md \(20\.0 MiB\) is too large to include here, and for read_file: read it with run_command \(grep -n, sed -n\)/);
    assert.doesNotMatch(huge.text, /read_file it|search it/);
  });

  it("a project with none of the files gives an empty context", async () => {
    const context = await loadProjectContext(workspace({ "src/a.ts": "x" }).ws);
    assert.deepEqual([context.text, context.tokens, context.sources.length, context.summary], ["", 0, 0, ""]);
  });

  it("stops at its budget: older memories are left out first, and the prompt says so", async () => {
    const files: Record<string, string> = { ".hearth/rules.md": "Keep functions small." };
    for (let day = 1; day <= 9; day++) {
      files[`.hearth/memory/2026-01-0${day}-fact-${day}.md`] = memory(`Fact ${day}`, `2026-01-0${day}`, `fact number ${day} ${"word ".repeat(20)}`);
    }
    const { ws } = workspace(files);
    const context = await loadProjectContext(ws, { budgetTokens: 120, countTokens: words });
    assert.ok(context.tokens <= 120, `${context.tokens} tokens`);
    const kept = context.sources.filter((s) => s.kind === "memory" && s.included === "whole").map((s) => s.path);
    const left = context.sources.filter((s) => s.included === "omitted").map((s) => s.path);
    assert.ok(kept.length >= 1 && left.length >= 1, JSON.stringify(context.sources));
    assert.ok(kept.every((k) => left.every((l) => l < k)), "the newest entries are kept");
    assert.match(context.text, /Keep functions small\./);
    assert.match(context.text, /fact number 9/);
    assert.doesNotMatch(context.text, /fact number 1 /);
    assert.match(context.text, new RegExp(`\\(${left.length} older entries in \\.hearth/memory/ left out`));
    assert.match(context.summary, /left out: \.hearth\/memory\/2026-01-01-fact-1\.md/);
  });

  it("cuts a rules file that alone is over the budget at a line, and says where", async () => {
    const rules = Array.from({ length: 200 }, (_, i) => `Rule ${i}: something to follow.`).join("\n");
    const { ws } = workspace({ "AGENTS.md": rules, ".hearth/memory/2026-01-01-x.md": memory("X", "2026-01-01", "x") });
    const context = await loadProjectContext(ws, { budgetTokens: 100, countTokens: words });
    assert.ok(context.tokens <= 100, `${context.tokens} tokens`);
    assert.equal(context.sources[0]!.included, "truncated");
    assert.equal(context.sources[1]!.included, "omitted");
    assert.match(context.text, /Rule 0: something to follow\.\n/);
    assert.doesNotMatch(context.text, /Rule 199/);
    assert.match(context.text, /cut here to fit the prompt budget/);
    assert.match(context.summary, /AGENTS\.md \(cut\)/);
  });

  it("cuts a minified one-line rules file over the budget within its line, not at a pair's half, rather than leaving it out", async () => {
    const rules = Array.from({ length: 200 }, (_, i) => `Rule ${i}: something to follow 🚀.`).join(" ");
    const { ws } = workspace({ "AGENTS.md": rules });
    const context = await loadProjectContext(ws, { budgetTokens: 100, countTokens: words });
    assert.ok(context.tokens <= 100, `${context.tokens} tokens`);
    assert.deepEqual(context.sources.map((s) => [s.path, s.included]), [["AGENTS.md", "truncated"]]);
    assert.match(context.text, /^From AGENTS\.md:\nRule 0: something to follow 🚀\. Rule 1:/);
    assert.doesNotMatch(context.text, /Rule 199/);
    assert.match(context.text, /cut here to fit the prompt budget/);
    assert.doesNotMatch(context.text, /\p{Cs}/u);
  });

  it("cuts within a long line after a short title (a paragraph on one line), rather than keeping the title alone", async () => {
    const rules = `# Project rules\n\n${Array.from({ length: 200 }, (_, i) => `Rule ${i}: something to follow.`).join(" ")}\n`;
    const { ws } = workspace({ "AGENTS.md": rules });
    const context = await loadProjectContext(ws, { budgetTokens: 100, countTokens: words });
    assert.ok(context.tokens <= 100, `${context.tokens} tokens`);
    assert.deepEqual(context.sources.map((s) => [s.path, s.included]), [["AGENTS.md", "truncated"]]);
    assert.match(context.text, /^From AGENTS\.md:\n# Project rules\n\nRule 0: something to follow\. Rule 1:/);
    assert.ok(context.tokens > 50, `only ${context.tokens} of 100 tokens used`);
    // Short lines are still cut at a line.
    const lines = Array.from({ length: 200 }, (_, i) => `Rule ${i}: something to follow.`).join("\n");
    const { ws: short } = workspace({ "AGENTS.md": lines });
    assert.match((await loadProjectContext(short, { budgetTokens: 100, countTokens: words })).text, /follow\.\n\[… cut here/);
  });

  it("a one-line rules file cut within its line never ends in half an emoji", async () => {
    const { ws } = workspace({ "AGENTS.md": `Rules: ${"🚀".repeat(2000)}` });
    const units: TokenCounter = async (text) => text.length; // a token per UTF-16 unit: a cut can fall anywhere
    // Two budgets a unit apart: one of them puts the cut inside a pair.
    for (const budgetTokens of [300, 301]) {
      const context = await loadProjectContext(ws, { budgetTokens, countTokens: units });
      assert.equal(context.sources[0]!.included, "truncated");
      assert.ok(context.tokens <= budgetTokens, `${context.tokens} tokens`);
      assert.match(context.text, /^From AGENTS\.md:\nRules: 🚀🚀/);
      assert.doesNotMatch(context.text, /\p{Cs}/u, `half an emoji at the cut (budget ${budgetTokens})`);
    }
  });

  it("the chat's notice says a rules file left out for want of room was left out for that, not that it could not be read", async () => {
    const rules = Array.from({ length: 200 }, (_, i) => `Rule ${i}: something to follow.`).join("\n");
    const { root, ws } = workspace({ "AGENTS.md": rules, ".hearth/rules.md": "Keep functions small.\n" });
    const context = await loadProjectContext(ws, { budgetTokens: 100, countTokens: words });
    assert.deepEqual(context.sources.map((s) => [s.path, s.included]), [["AGENTS.md", "truncated"], [".hearth/rules.md", "omitted"]]);
    const notice = rulesNotice(context) ?? "";
    assert.match(notice, /\.hearth\/rules\.md was left out: no room was left for it in the 100 tokens the prompt gives the project's rules/);
    assert.doesNotMatch(notice, /could not be read/);
    // A FIFO still reads as one that could not be read.
    rmSync(join(root, "AGENTS.md"));
    execFileSync("mkfifo", [join(root, "AGENTS.md")]);
    assert.match(rulesNotice(await loadProjectContext(ws, { budgetTokens: 100, countTokens: words })) ?? "", /AGENTS\.md was left out: it could not be read as a file/);
  });

  it("the chat's notice says read_file reaches the rest only of files it can read: not a FIFO, not one over read_file's limit", async () => {
    const { root, ws, write } = workspace({});
    writeFileSync(join(root, "AGENTS.md"), "# Agents\n");
    truncateSync(join(root, "AGENTS.md"), 10 * 1024 ** 2);
    assert.match(rulesNotice(await loadProjectContext(ws, { budgetTokens: 100, countTokens: words })) ?? "", /\. It can read_file the rest when it needs it; shorter rules reach it whole\.$/);
    truncateSync(join(root, "AGENTS.md"), 20 * 1024 ** 2); // over read_file's 16 MB
    const huge = rulesNotice(await loadProjectContext(ws, { budgetTokens: 100, countTokens: words })) ?? "";
    assert.match(huge, /AGENTS\.md \(20\.0 MiB\) was left out: too large to read \(over 1 MiB\), and too large for read_file: the model can look into it with run_command \(grep -n, sed -n\)\. Shorter rules reach it whole\.$/);
    assert.doesNotMatch(huge, /read_file the rest/);
    rmSync(join(root, "AGENTS.md"));
    execFileSync("mkfifo", [join(root, "AGENTS.md")]);
    write(".hearth/rules.md", Array.from({ length: 200 }, (_, i) => `Rule ${i}: something to follow.`).join("\n"));
    const both = rulesNotice(await loadProjectContext(ws, { budgetTokens: 100, countTokens: words })) ?? "";
    assert.match(both, /AGENTS\.md was left out: it could not be read as a file; \.hearth\/rules\.md was cut to fit .*\. It can read_file the rest of \.hearth\/rules\.md when it needs it; shorter rules reach it whole\.$/);
  });

  it("a rules file past the characters it reads (8 a token of the budget) is cut there between characters, not inside an emoji", async () => {
    // 42 units a line: the 800th unit (budget 100 × 8) is the first half of line 20's first emoji.
    const { ws } = workspace({ "AGENTS.md": Array.from({ length: 40 }, () => `a${"😀".repeat(20)}`).join("\n") });
    const sparse: TokenCounter = async (text) => Math.ceil(text.length / 16); // a tokenizer that packs many characters a token
    const context = await loadProjectContext(ws, { budgetTokens: 100, countTokens: sparse });
    assert.equal(context.sources[0]!.included, "truncated");
    assert.ok(context.tokens <= 100, `${context.tokens} tokens`);
    assert.doesNotMatch(context.text, /\p{Cs}/u);
  });

  it("reads the files afresh on each call: an entry edited or added by hand is picked up", async () => {
    const { ws, write } = workspace({ ".hearth/memory/2026-01-01-db.md": memory("Database", "2026-01-01", "The tests use SQLite.") });
    assert.match((await loadProjectContext(ws)).text, /The tests use SQLite\./);
    write(".hearth/memory/2026-01-01-db.md", memory("Database", "2026-01-01", "The tests use Postgres in Docker."));
    write(".hearth/memory/by-hand.md", "# Deploys happen on Fridays\n\nNever merge on Friday afternoon.\n");
    const again = await loadProjectContext(ws);
    assert.doesNotMatch(again.text, /SQLite/);
    assert.match(again.text, /The tests use Postgres in Docker\./);
    assert.match(again.text, /- Deploys happen on Fridays: Never merge on Friday afternoon\./);
  });
});

describe("memory entry format", () => {
  it("round-trips an entry through its file text", () => {
    const entry = { title: "Tests need a build", date: "2026-11-22", source: "chat 3f2a", category: "testing", body: "Run `npm run build`\nbefore `npm run test:e2e`." };
    assert.deepEqual(parseMemoryEntry(formatMemoryEntry(entry), memoryFilePath(entry.date, entry.title)), entry);
  });

  it("a hand-written file without front matter takes its title from the heading or its name, and its date from its name", async () => {
    assert.deepEqual(parseMemoryEntry("# Use tabs\n\nTabs in Go files.", "2026-03-04-tabs.md"), { title: "Use tabs", date: "2026-03-04", source: "", category: "", body: "# Use tabs\n\nTabs in Go files." });
    assert.equal(parseMemoryEntry("Tabs in Go files.", ".hearth/memory/go-style_notes.md").title, "Go style notes");
    const { ws } = workspace({ ".hearth/memory/2026-03-04-tabs.md": "Tabs." });
    assert.deepEqual((await readMemories(ws)).map((m) => [m.path, m.entry.date]), [[".hearth/memory/2026-03-04-tabs.md", "2026-03-04"]]);
  });

  it("file names: date, a short ascii slug, a suffix when taken", () => {
    assert.equal(memoryFilePath("2026-11-22", "Tests run with `npm test`!"), ".hearth/memory/2026-11-22-tests-run-with-npm-test.md");
    assert.equal(memoryFilePath("2026-11-22", "Ça marche", 2), ".hearth/memory/2026-11-22-ca-marche-2.md");
    assert.equal(slugify("???"), "memory");
    assert.ok(slugify("a".repeat(100)).length <= 48);
  });
});
