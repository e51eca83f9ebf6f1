// File names and file content reach the terminal through the CLI: a checkout whose file
// names and code hold terminal escape sequences (clear screen, set title, hidden text),
// C1 controls and bidi overrides must not get them printed raw by `hearth index`,
// `locate`, `map` or `apply-patch`. Real files in a temp folder, the real indexer.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { applyPatchCommand } from "../../../src/cli/commands/apply-patch.ts";
import { indexCommand } from "../../../src/cli/commands/index.ts";
import { locateCommand } from "../../../src/cli/commands/locate.ts";
import { mapCommand } from "../../../src/cli/commands/map.ts";
import { captureIo } from "../../fixtures/cli-io.ts";

/** Anything a terminal would act on instead of show: C0 but \n and \t, DEL, C1, bidi controls. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const EVIL_DIR = "src/\x1b]0;pwned\x07";
const EVIL_FILE = `${EVIL_DIR}/refund\x1b[2J\u202egpj.ts`;

const fakeIo = (cwd: string, stdin = "") => captureIo(cwd, { stdin });

/** A checkout with one hostile file and its directory; removed after the test. */
function hostileRepo(t: TestContext): string {
  const root = mkdtempSync(join(tmpdir(), "hearth-\x1b[31m-print-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, EVIL_DIR), { recursive: true });
  writeFileSync(join(root, EVIL_FILE), 'export function refundCharge(id: string, note = "\x1b[8m\x9b31m\x7f") {\n  return id;\n}\n');
  writeFileSync(join(root, "src", "plain.ts"), "export const plain = 1;\n");
  return root;
}

function assertPrintable(text: string, what: string): void {
  const found = RAW_CONTROL.exec(text);
  assert.equal(found, null, `${what} printed a raw control character U+${found?.[0].charCodeAt(0).toString(16).padStart(4, "0")}: ${JSON.stringify(text)}`);
}

describe("the CLI prints file names and content with control characters escaped", () => {
  it("hearth locate: paths visible, escaped; --json stays valid JSON with the same paths", async (t) => {
    const repo = hostileRepo(t);
    const io = fakeIo(repo, "refundCharge fails for some ids");
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet"], io), 0);
    assertPrintable(io.stdout, "locate");
    assert.match(io.stdout, /refund\\x1b\[2J\\u202egpj\.ts/);
    // The entity line carries the same path, escaped too.
    assert.match(io.stdout, /refund\\x1b\[2J\\u202egpj\.ts:1  function refundCharge/);
    const json = fakeIo(repo, "refundCharge fails for some ids");
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet", "--json"], json), 0);
    assertPrintable(json.stdout, "locate --json");
    const parsed = JSON.parse(json.stdout) as { files: { path: string }[]; entities: { path: string }[] };
    assert.ok(parsed.files.some((r) => r.path === EVIL_FILE), "the JSON carries the real path");
    assert.ok(parsed.entities.some((r) => r.path === EVIL_FILE), "and so do its entities");
  });

  it("hearth locate: a commit subject shown as a reason is escaped too", async (t) => {
    const repo = hostileRepo(t);
    const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
    const git = (...args: string[]): string => execFileSync("git", ["-c", "commit.gpgsign=false", ...args], { cwd: repo, env, encoding: "utf8" });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "Fix refund rounding \x1b]0;pwned\x07\x1b[2J\u202eslevon");
    const io = fakeIo(repo, "refund rounding is off");
    assert.equal(await locateCommand.run(["--repo", repo, "--no-cache", "--quiet"], io), 0);
    assert.match(io.stdout, /history: "Fix refund rounding \\x1b\]0;pwned/, io.stdout);
    assertPrintable(io.stdout, "locate");
  });

  it("hearth map: paths and signatures escaped", async (t) => {
    const repo = hostileRepo(t);
    const io = fakeIo(repo);
    assert.equal(await mapCommand.run(["--repo", repo, "--no-cache", "--quiet", "--tokens", "500"], io), 0);
    assert.match(io.stdout, /refundCharge/);
    assertPrintable(io.stdout, "map");
    assertPrintable(io.stderr, "map (stderr)");
  });

  it("hearth index: the report and --json escaped (the checkout's own folder name too)", async (t) => {
    const repo = hostileRepo(t);
    const io = fakeIo(repo);
    assert.equal(await indexCommand.run(["--repo", repo, "--no-cache", "--quiet"], io), 0);
    assertPrintable(io.stdout, "index");
    assert.match(io.stdout, /hearth-\\x1b\[31m-print-/);
    const json = fakeIo(repo);
    assert.equal(await indexCommand.run(["--repo", repo, "--no-cache", "--quiet", "--json"], json), 0);
    assertPrintable(json.stdout, "index --json");
    assert.equal((JSON.parse(json.stdout) as { root: string }).root, repo);
  });

  it("hearth apply-patch: the per-file report escapes the patch's paths, applied or refused", async (t) => {
    const repo = hostileRepo(t);
    const add = `diff --git a/x b/x\n--- /dev/null\n+++ b/new\x1b[2J\u2066.txt\n@@ -0,0 +1 @@\n+hello\n`;
    const io = fakeIo(repo, add);
    assert.equal(await applyPatchCommand.run(["--repo", repo, "--dry-run"], io), 0);
    assertPrintable(io.stdout + io.stderr, "apply-patch");
    assert.match(io.stdout, /new\\x1b\[2J\\u2066\.txt/);
    const bad = fakeIo(repo, `--- a/${EVIL_FILE}\n+++ b/${EVIL_FILE}\n@@ -1,1 +1,1 @@\n-nothing like this \x1b[5m\n+x\n`);
    assert.equal(await applyPatchCommand.run(["--repo", repo], bad), 1);
    assertPrintable(bad.stdout + bad.stderr, "apply-patch (refused)");
  });
});
