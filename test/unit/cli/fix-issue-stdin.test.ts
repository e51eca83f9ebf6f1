// `hearth fix --issue-file -` in a script (gh issue view 5 | hearth fix --issue-file - --yes):
// "-" was read as a file of that name, "Cannot read the issue file ./-: there is no such
// file", where hearth apply-patch takes "-" for stdin. And --out - for stdout.
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");

function project(): { work: string; repo: string; model: string } {
  const work = tempDir("hearth-fix-issue-stdin-");
  const repo = join(work, "repo");
  cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
  const model = join(work, "model.json");
  writeFileSync(model, JSON.stringify({ name: "scripted", turns: [
    { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" } }] },
    { toolCalls: [{ name: "finish", arguments: { summary: "done" } }] },
  ] }));
  process.env.XDG_STATE_HOME = join(work, "xdg");
  return { work, repo, model };
}

describe("hearth fix --issue-file -", () => {
  it("reads the issue from stdin and fixes it", async () => {
    const { work, repo, model } = project();
    const io = captureIo(work, { stdin: "add() subtracts instead of adding\n" });
    const code = await main(["fix", "--repo", repo, "--issue-file", "-", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state"), "--trajectory", join(work, "t.jsonl")], io);
    assert.equal(code, 0, io.stderr);
    assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a \+ b/);
    const first = JSON.parse(readFileSync(join(work, "t.jsonl"), "utf8").split("\n").find((l) => l.includes("add() subtracts")) ?? "null") as unknown;
    assert.ok(first, "the issue from stdin reached the run");
  });

  // A CI log piped in (FORCE_COLOR as runners set it, pytest's colours, a progress bar's \r frames):
  // each ESC [ … m and every frame went to the model and the trajectory, paid for in its context.
  it("an issue holding a terminal's control codes (a coloured log, \\r frames) goes as a terminal shows it, said on stderr; from a file too", async () => {
    const frames = Array.from({ length: 200 }, (_, i) => `\rDownloading ${String(i % 100).padStart(3)}%`).join("");
    const log = `add() is wrong:\n${frames}\r\x1b[2K\x1b[32mcollected 3 items\x1b[0m\n\x1b[31mFAILED\x1b[0m test_calc.py::test_add - assert -1 == 3\n`;
    const shown = "add() is wrong:\ncollected 3 items\nFAILED test_calc.py::test_add - assert -1 == 3";
    for (const from of ["stdin", "file"] as const) {
      const { work, repo, model } = project();
      if (from === "file") writeFileSync(join(work, "ci.log"), log);
      const io = captureIo(work, { stdin: from === "stdin" ? log : "" });
      const code = await main(["fix", "--repo", repo, "--issue-file", from === "stdin" ? "-" : "ci.log", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state"), "--trajectory", join(work, "t.jsonl")], io);
      assert.equal(code, 0, io.stderr);
      const start = readFileSync(join(work, "t.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; issue?: string }).find((r) => r.type === "start");
      assert.equal(start?.issue, shown, from);
      assert.match(io.stderr, /^hearth fix: the issue held terminal control codes \(colours, progress-bar redraws\): it went to the model as a terminal shows it, 80 of its 3,504 characters$/m, from);
    }
  });

  // Windows PowerShell 5.1's `pytest > ci.log` (and Out-File, and Notepad's "Unicode") writes UTF-16 with a byte-order
  // mark: read as UTF-8 it reached the model as two U+FFFD and a NUL between every letter, 'café' as 'caf\uFFFD'.
  it("an issue file in UTF-16 with a byte-order mark (PowerShell's > ci.log) is read as the text it holds; so is one with UTF-8's mark", async () => {
    const issue = "add() is wrong: café 3 - 1 == 2\r\nFAILED test_calc.py::test_add";
    const files = { "utf-16le": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(issue, "utf16le")]), "utf-16be": Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(issue, "utf16le").swap16()]), "utf-8 bom": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(issue, "utf8")]) };
    for (const [name, bytes] of Object.entries(files)) {
      const { work, repo, model } = project();
      writeFileSync(join(work, "ci.log"), bytes);
      const io = captureIo(work);
      const code = await main(["fix", "--repo", repo, "--issue-file", "ci.log", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state"), "--trajectory", join(work, "t.jsonl")], io);
      assert.equal(code, 0, io.stderr);
      const start = readFileSync(join(work, "t.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; issue?: string }).find((r) => r.type === "start");
      assert.equal(start?.issue, issue, name);
      assert.doesNotMatch(io.stderr, /terminal control codes/, name);
    }
  });

  // A log of redraws alone (a progress bar cleared at its end, colour codes around nothing): stderr said
  // 'it went to the model as a terminal shows it, 0 of its 5 characters', then 'no issue'. Then the note
  // and 'no issue: give it as text …' after it: two messages, the second a wrong way out (text was given).
  it("an issue of terminal control codes alone is no issue (exit 2), said as that once, not as sent to the model", async () => {
    const { work, repo, model } = project();
    writeFileSync(join(work, "only.log"), "\x1b[2K\r\x1b[31m\x1b[0m\n");
    const io = captureIo(work);
    const code = await main(["fix", "--repo", repo, "--issue-file", "only.log", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state")], io);
    assert.equal(code, 2, io.stderr);
    assert.match(io.stderr, /^hearth fix: the issue held only terminal control codes \(colours, progress-bar redraws\): nothing of it shows on a terminal$/m);
    assert.doesNotMatch(io.stderr, /went to the model/);
    assert.equal(io.stderr.match(/terminal control codes/g)?.length, 1, io.stderr);
    assert.doesNotMatch(io.stderr, /no issue: /);
    assert.match(io.stderr, /^Usage: hearth fix/m);
  });

  it("an empty stdin is no issue (exit 2), as an empty file is", async () => {
    const { work, repo, model } = project();
    const io = captureIo(work, { stdin: "" });
    const code = await main(["fix", "--repo", repo, "--issue-file", "-", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state")], io);
    assert.equal(code, 2, io.stderr);
    assert.match(io.stderr, /^hearth fix: no issue: /m);
    assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a - b/);
  });

  // A CI step whose source of the issue was empty (stdin closed, gh printing nothing into the file,
  // an unset $ISSUE) was told 'give it … with --issue TEXT or with --issue-file FILE': what it had done.
  it("an empty issue says which source was empty and what to do, not to give what was given", async () => {
    const cases = [
      { args: ["--issue-file", "-"], said: /^hearth fix: no issue: stdin \(--issue-file -\) held no text: it was empty or closed \(< \/dev\/null, or the command piped into hearth fix printed nothing\); pipe the issue's text in, or give it with --issue TEXT$/m },
      { args: ["--issue-file", "issue.txt"], said: /^hearth fix: no issue: the issue file issue\.txt holds no text \(it is empty, or only blank lines\); write the issue into it, or give it with --issue TEXT$/m },
      { args: ["--issue-file", ""], said: /^hearth fix: no issue: --issue-file was given an empty name \(an unset or empty variable, as in --issue-file "\$FILE"\?\); name the issue's file, or - for stdin$/m },
      { args: ["--issue", ""], said: /^hearth fix: no issue: the issue text given is empty \(an unset or empty variable, as in --issue "\$ISSUE"\?\); give the issue's text$/m },
      { args: [" "], said: /^hearth fix: no issue: the issue text given is empty /m },
    ];
    for (const { args, said } of cases) {
      const { work, repo, model } = project();
      writeFileSync(join(work, "issue.txt"), "\n \n");
      const io = captureIo(work, { stdin: "" });
      const code = await main(["fix", "--repo", repo, ...args, "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state")], io);
      assert.equal(code, 2, io.stderr);
      assert.match(io.stderr, said, args.join(" "));
      assert.doesNotMatch(io.stderr, /with --issue-file FILE/, args.join(" "));
      assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a - b/);
    }
  });

  it("without --yes it is refused: stdin holds the issue and cannot answer the approval questions (exit 2)", async () => {
    const { work, repo, model } = project();
    const io = captureIo(work, { stdin: "add() subtracts\n" });
    const code = await main(["fix", "--repo", repo, "--issue-file", "-", "--model", model, "--no-index", "--state-dir", join(work, "state")], io);
    assert.equal(code, 2, io.stderr);
    assert.match(io.stderr, /^hearth fix: --issue-file - reads the issue from stdin, which then cannot answer the questions before edits and commands: pass --yes$/m);
  });
});

describe("hearth fix --out -", () => {
  // A script's --out "$OUT" with OUT=- (as for --issue-file): a file named "-" and "-.trajectory.jsonl" were written where hearth ran.
  it("prints the patch on stdout, as with no --out, and writes no file named -", async () => {
    const { work, repo, model } = project();
    const io = captureIo(work);
    const code = await main(["fix", "--repo", repo, "--issue", "add subtracts", "--out", "-", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state")], io);
    assert.equal(code, 0, io.stderr);
    assert.match(io.stdout, /^\+    return a \+ b$/m);
    assert.equal(existsSync(join(work, "-")), false);
    assert.equal(existsSync(join(work, "-.trajectory.jsonl")), false);
    assert.match(io.stderr, new RegExp(`trajectory: ${join(work, "state").replace(/[/.]/g, "\\$&")}/fix-\\d+\\.trajectory\\.jsonl$`, "m"));
  });
});
