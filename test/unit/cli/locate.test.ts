// `hearth locate` on a real checkout in a temp folder with the real indexer: the files, then
// the functions and classes they hold that the issue points at, as text and as JSON.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { UsageError } from "../../../src/cli/command.ts";
import { indexCommand } from "../../../src/cli/commands/index.ts";
import { locateCommand } from "../../../src/cli/commands/locate.ts";
import { mapCommand } from "../../../src/cli/commands/map.ts";
import { captureIo } from "../../fixtures/cli-io.ts";

const fakeIo = (cwd: string, stdin = "") => captureIo(cwd, { stdin });

function checkout(t: TestContext): string {
  const root = mkdtempSync(join(tmpdir(), "hearth-locate-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const files: Record<string, string> = {
    "shop/cart.py": "class Cart:\n    def __init__(self):\n        self.items = []\n\n    def total_price(self):\n        return sum(i.price for i in self.items)\n",
    "shop/tax.py": "def total_price(amount):\n    return amount * 1.2\n\ndef tax_rate(region):\n    return 0.2\n",
    "shop/mail.py": "def send_receipt(address):\n    return address\n",
  };
  // Modules that share no word with the issue (a .py path would share "py" with it).
  for (let i = 0; i < 20; i++) files[`misc/widget_${i}.js`] = `export function draw${i}(canvas) {\n  return canvas.stroke(${i});\n}\n`;
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const ISSUE = "Cart.total_price ignores the discount\n\nTraceback (most recent call last):\n  File \"shop/cart.py\", line 6, in total_price\nTypeError: bad";

describe("hearth locate", () => {
  it("says so when nothing matches the issue text (not an empty screen), and the JSON is an empty list", async (t) => {
    const repo = checkout(t);
    const io = fakeIo(repo, "zzqx vvwq\n\nxqzz qwvv");
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet"], io), 0);
    assert.equal(io.stdout, "");
    assert.match(io.stderr, /^No file matches the issue text: /);
    const json = fakeIo(repo, "zzqx vvwq");
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--json"], json), 0);
    assert.deepEqual(JSON.parse(json.stdout), { files: [], entities: [] });
    assert.equal(json.stderr, "");
  });

  // A CI log pasted or piped in with its colours (FORCE_COLOR): ESC [1m glued to a name made it no name ('1mtotal_price').
  it("ranks an issue holding a terminal's colour codes as a terminal shows it, the same as the plain text, and says so", async (t) => {
    const repo = checkout(t);
    const coloured = ISSUE.replace("Cart.total_price", "\x1b[1mCart.total_price\x1b[0m").replace("TypeError", "\x1b[31mTypeError\x1b[0m").replace("total_price\nType", "\x1b[1mtotal_price\x1b[0m\nType");
    const plain = fakeIo(repo, ISSUE);
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--json"], plain), 0);
    const io = fakeIo(repo, coloured);
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--json"], io), 0);
    assert.deepEqual(JSON.parse(io.stdout), JSON.parse(plain.stdout));
    assert.match(io.stderr, /^hearth locate: the issue held terminal control codes \(colours, progress-bar redraws\): it was ranked as a terminal shows it, \d+ of its \d+ characters$/m);
  });

  // A progress bar cleared at its end, piped in: something was piped, so 'pipe it on stdin' was a wrong way out.
  it("piped only terminal control codes says once that nothing of it shows on a terminal, not to pipe it on stdin", async (t) => {
    const repo = checkout(t);
    const io = fakeIo(repo, "\x1b[1m\x1b[0m  10%\r\x1b[2K\x1b[31m\x1b[0m\r\x1b[K\n");
    await assert.rejects(locateCommand.run(["--repo", repo, "--no-cache", "--quiet"], io), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /^the issue held only terminal control codes \(colours, progress-bar redraws\): nothing of it shows on a terminal, so there is nothing to rank$/);
      return true;
    });
    assert.equal(io.stderr, "", "one message: the error's");
    await assert.rejects(locateCommand.run(["--repo", repo, "--no-cache", "--quiet"], fakeIo(repo, " \n")), (e: unknown) => e instanceof UsageError && e.message.startsWith("no issue text: stdin held none"));
  });

  // A CI step whose pipe brought nothing (gh printing nothing, stdin closed) or an empty "$ISSUE"
  // was told 'no issue text: pipe it on stdin': what it had done, or a text it had given.
  it("no issue text says where it was to come from: an empty pipe, an empty argument, a terminal where nothing was typed", async (t) => {
    const repo = checkout(t);
    const refusal = async (args: string[], io: ReturnType<typeof fakeIo>) => {
      try {
        await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", ...args], io);
      } catch (error) {
        assert.ok(error instanceof UsageError);
        return error.message;
      }
      assert.fail("not refused");
    };
    assert.equal(await refusal([], fakeIo(repo, "")), 'no issue text: stdin held none: it was empty or closed (< /dev/null, or the command piped into hearth locate printed nothing); pipe the issue\'s text in, or give it as an argument (hearth locate "TEXT")');
    assert.equal(await refusal([" "], fakeIo(repo, "add is wrong")), 'no issue text: the text given is empty (an unset or empty variable, as in hearth locate "$ISSUE"?); give the issue\'s text');
    assert.equal(await refusal([], { ...fakeIo(repo, ""), inIsTerminal: true }), "no issue text: pipe it on stdin");
  });

  it("in a folder with no file to index (empty, or only binaries: the wrong folder) says so and names --repo, for locate and map alike", async (t) => {
    for (const files of [{}, { "photo.bin": "\u0000\u0001\u0002 binary" }]) {
      const root = mkdtempSync(join(tmpdir(), "hearth-locate-empty-"));
      t.after(() => rmSync(root, { recursive: true, force: true }));
      for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text);
      const io = fakeIo(root, ISSUE);
      assert.equal(await locateCommand.run(["--repo", root, "--no-cache", "--quiet"], io), 0);
      assert.equal(io.stdout, "");
      assert.ok(io.stderr.startsWith(`Nothing to rank: ${root} has no file hearth indexes`), io.stderr);
      assert.match(io.stderr, /Run hearth in the project's checkout, or give it with --repo DIR\.\n$/);
      assert.doesNotMatch(io.stderr, /Describe the problem/, "the issue text is not what is wrong");
      const map = fakeIo(root);
      assert.equal(await mapCommand.run(["--repo", root, "--no-cache", "--quiet"], map), 0);
      assert.equal(map.stdout, "");
      assert.ok(map.stderr.startsWith(`Nothing to map: ${root} has no file hearth indexes`), map.stderr);
    }
  });

  it("says when the issue text is longer than it reads, and still ranks by its beginning and end", async (t) => {
    const repo = checkout(t);
    const log = "  DEBUG polling the queue again\n".repeat(400_000);
    const io = fakeIo(repo, `${ISSUE}\n${log}  File "shop/tax.py", line 2, in total_price\nTypeError: bad`);
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--entities", "0"], io), 0);
    assert.match(io.stderr, /^The issue text is 12,800,\d{3} characters: only its first and last 131,072 are read\./);
    const paths = io.stdout.split("\n").filter((l) => /^ +[\d.]+  /.test(l)).map((l) => l.trim().split(/\s+/)[1]);
    assert.deepEqual(paths.slice(0, 2).sort(), ["shop/cart.py", "shop/tax.py"]);
    const short = fakeIo(repo, ISSUE);
    await locateCommand.run(["--repo", repo, "--no-cache", "--quiet"], short);
    assert.equal(short.stderr, "");
  });

  it("lists only the files the issue matches: no unrelated file with a score of 0 and no reason fills --top", async (t) => {
    const repo = checkout(t);
    const io = fakeIo(repo, "The receipt never arrives");
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--entities", "0"], io), 0);
    assert.match(io.stdout, /^ +[\d.]+  shop\/mail\.py\n {9}\S/);
    assert.ok(!io.stdout.includes("widget"), io.stdout);
    assert.ok(!io.stdout.split("\n").some((l) => /^ +$/.test(l)), `a file with no reason: ${io.stdout}`);
    const json = fakeIo(repo, "The receipt never arrives");
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--json"], json), 0);
    const { files } = JSON.parse(json.stdout) as { files: { path: string; score: number }[] };
    assert.ok(files.length > 0 && files.every((f) => f.score > 0), json.stdout);
  });

  it("prints the files, then the top functions and classes as path:line  kind name with their reasons", async (t) => {
    const repo = checkout(t);
    const io = fakeIo(repo, ISSUE);
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet"], io), 0);
    const [files, entities] = io.stdout.split("\nFunctions and classes:\n");
    assert.ok(entities, `a heading before the entities: ${io.stdout}`);
    assert.match(files!, /^ +[\d.]+  shop\/cart\.py\n/);
    const first = entities.split("\n");
    assert.match(first[0]!, /^ +[\d.]+  shop\/cart\.py:5  method Cart\.total_price$/);
    assert.match(first[1]!, /^ {9}traceback frame cart\.py:6 in total_price; named as Cart\.total_price; /);
  });

  it("--json gives {files, entities}, best first, lines 1-based", async (t) => {
    const repo = checkout(t);
    const io = fakeIo(repo, ISSUE);
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--json", "--top", "2", "--entities", "3"], io), 0);
    const out = JSON.parse(io.stdout) as {
      files: { path: string; score: number; reasons: string[] }[];
      entities: { path: string; line: number; endLine: number; name: string; kind: string; scope?: string; score: number; reasons: string[] }[];
    };
    assert.equal(out.files.length, 2);
    assert.equal(out.files[0]!.path, "shop/cart.py");
    assert.equal(out.entities.length, 3);
    assert.deepEqual(
      { path: out.entities[0]!.path, line: out.entities[0]!.line, endLine: out.entities[0]!.endLine, name: out.entities[0]!.name, kind: out.entities[0]!.kind, scope: out.entities[0]!.scope },
      { path: "shop/cart.py", line: 5, endLine: 6, name: "total_price", kind: "method", scope: "Cart" },
    );
    for (let i = 1; i < out.entities.length; i++) assert.ok(out.entities[i - 1]!.score >= out.entities[i]!.score);
    const paths = new Set(out.files.map((f) => f.path));
    assert.ok(out.entities.every((e) => paths.has(e.path)), "entities come from the listed files only");
  });

  it("--entities 0 lists files only; a bad count is a usage error naming the flag", async (t) => {
    const repo = checkout(t);
    const io = fakeIo(repo, ISSUE);
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--entities", "0"], io), 0);
    assert.ok(!io.stdout.includes("Functions and classes:"));
    const json = fakeIo(repo, ISSUE);
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--entities", "0", "--json"], json), 0);
    assert.deepEqual((JSON.parse(json.stdout) as { entities: unknown[] }).entities, []);
    await assert.rejects(locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--entities", "-1"], fakeIo(repo, ISSUE)), (e: unknown) => e instanceof UsageError && /^--entities needs/.test(e.message));
  });

  it("a cold run parses only the files ranking needs and caches them; --full parses everything first", async (t) => {
    const repo = checkout(t);
    const cache = join(repo, "..", `${repo.split("/").pop()}-cache`);
    t.after(() => rmSync(cache, { recursive: true, force: true }));
    const io = fakeIo(repo, ISSUE);
    assert.equal(await locateCommand.run(["--repo", repo, "--cache", cache, "--quiet"], io), 0);
    assert.match(io.stdout, /shop\/cart\.py:5  method Cart\.total_price/);
    // What the query did not need is parsed by the next full index, and only that.
    const index = fakeIo(repo);
    assert.equal(await indexCommand.run(["--repo", repo, "--cache", cache, "--quiet", "--json"], index), 0);
    const report = JSON.parse(index.stdout) as { files: number; parsed: number; pending: number };
    assert.equal(report.files, 23);
    assert.equal(report.pending, 0);
    assert.ok(report.parsed >= 20 && report.parsed < 23, `the widgets share no word with the issue: ${report.parsed} parsed after locate`);
    const full = fakeIo(repo, ISSUE);
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--full"], full), 0);
    // The same answer either way (scores differ in the last digits: BM25's average document
    // length counts definition names only in parsed files).
    const names = (text: string) => text.split("\n").filter((l) => /^ +[\d.]+  /.test(l)).map((l) => l.replace(/^ +[\d.]+  /, ""));
    assert.deepEqual(names(full.stdout), names(io.stdout));
  });
});
