// `hearth index` as a new user reads it (issue 15): progress redraws a line with \r only on a
// terminal — piped into a file or CI log it printed a run of \r frames — and the report's
// counts add up: a file read and then skipped for its content (binary, generated) is in
// "Parsed" but not in "Files", and the report says so instead of leaving 339 vs 336.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { progressFrame } from "../../../src/cli/command.ts";
import { indexCommand } from "../../../src/cli/commands/index.ts";
import { cachePath } from "../../../src/indexer/cache.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

const io = (cwd: string, errIsTerminal: boolean) => captureIo(cwd, { errIsTerminal });

function repo(): string {
  const root = tempDir("hearth-index-output-");
  writeFileSync(join(root, "a.py"), "def a():\n    return 1\n");
  writeFileSync(join(root, "b.py"), "def b():\n    return 2\n");
  writeFileSync(join(root, "blob.py"), Buffer.from([0x64, 0x65, 0x66, 0x00, 0x01, 0x02, 0x0a])); // NUL: binary, seen only once read
  return root;
}

describe("hearth index output", () => {
  it("piped: no \\r progress frames on stderr; the report on stdout", async () => {
    const root = repo();
    const piped = io(root, false);
    assert.equal(await indexCommand.run(["--repo", root, "--no-cache"], piped), 0);
    assert.doesNotMatch(piped.stderr, /\r/);
    assert.match(piped.stdout, /^Files: +2 \(python 2\)$/m);
  });

  it("on a terminal: progress redraws one line", async () => {
    const root = repo();
    const tty = io(root, true);
    assert.equal(await indexCommand.run(["--repo", root, "--no-cache"], tty), 0);
    assert.match(tty.stderr, /\rIndexing \d+\/\d+/);
  });

  it("on a narrow terminal (20 columns) each progress frame fits the line: a wrapped frame left a new line per redraw", async () => {
    const root = repo();
    const narrow = captureIo(root, { errIsTerminal: true, errColumns: 20 });
    assert.equal(await indexCommand.run(["--repo", root, "--no-cache"], narrow), 0);
    const frames = narrow.stderr.split("\r").slice(1).map((f) => f.replace(/\n$/, ""));
    assert.ok(frames.length > 0);
    for (const frame of frames) assert.ok(frame.length < 20, JSON.stringify(frame));
  });

  it("progressFrame: cut to the terminal's width, padded over the frame before, 80 columns when unknown", () => {
    assert.equal(progressFrame("Downloading model.gguf: 45%", 20), `\r${"Downloading model.g"}`);
    assert.equal(progressFrame("Loading", 20), `\r${"Loading".padEnd(19)}`);
    assert.equal(progressFrame("x".repeat(100), undefined), `\r${"x".repeat(79)}`);
  });

  it("Files and Parsed add up: a file read and then skipped is named as such", async () => {
    const root = repo();
    const piped = io(root, false);
    assert.equal(await indexCommand.run(["--repo", root, "--no-cache"], piped), 0);
    assert.match(piped.stdout, /^Skipped: +binary 1$/m);
    assert.match(piped.stdout, /^Parsed: +3 files read \(1 of them skipped: see Skipped\), 0 unchanged from the cache/m);
  });

  it("says why the cache was not used, naming its file, when it could not be read", async () => {
    const root = repo();
    const cache = tempDir("hearth-index-output-cache-");
    const first = io(root, false);
    assert.equal(await indexCommand.run(["--repo", root, "--cache", cache], first), 0);
    assert.doesNotMatch(first.stdout, /^Cache:/m, "a first index says nothing more than (cache: absent)");
    // A folder where the cache file goes (a backup tool's restore, a hand-made mistake).
    const file = cachePath(cache, realpathSync(root));
    rmSync(file);
    mkdirSync(file);
    const again = io(root, false);
    assert.equal(await indexCommand.run(["--repo", root, "--cache", cache], again), 0);
    assert.match(again.stdout, /\(cache: unreadable\)/);
    assert.ok(again.stdout.split("\n").includes(`Cache:       the cache was not used: its file ${file} could not be read (a folder is in its place); every file is parsed again`), again.stdout);
  });

  // A home on a read-only disk (a container's, a CI's): node's recursive mkdir answers ENOENT
  // when the folders to make are on a read-only file system, so the report said the cache was
  // "not written (ENOENT: no such file or directory, mkdir …)" — a missing folder to look for.
  it("a cache folder still to be made on a read-only disk: not written, saying the disk is read-only", async (t) => {
    const root = repo();
    const mount = smallDisk(t, { size: "1m", readOnly: true, at: join(tempDir("hearth-index-output-home-"), "ro") });
    if (!mount) return;
    const run = io(root, false);
    assert.equal(await indexCommand.run(["--repo", root, "--cache", join(mount, ".cache", "hearth", "index")], run), 0);
    assert.match(run.stdout, /^Cache: {7}not written \(EROFS: read-only file system, mkdir '.*\/ro\/\.cache'\): the next run parses these files again$/m);
  });

  it("says whether the git history is read for ranking, and how much of it", async () => {
    const root = repo();
    const before = io(root, false);
    assert.equal(await indexCommand.run(["--repo", root, "--no-cache"], before), 0);
    assert.match(before.stdout, /^History: +none \(not a git repository, no commits yet, or --no-history\)$/m);
    const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
    const git = (...args: string[]): void => void execFileSync("git", ["-c", "commit.gpgsign=false", ...args], { cwd: root, env });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "First");
    writeFileSync(join(root, "a.py"), "def a():\n    return 3\n");
    git("commit", "-q", "-am", "Second");
    git("commit", "-q", "--allow-empty", "-m", "Third");
    const after = io(root, false);
    assert.equal(await indexCommand.run(["--repo", root, "--no-cache"], after), 0);
    // A commit that changed no file says nothing about any: two count.
    assert.match(after.stdout, /^History: +2 commits \(git: /m);
    const json = io(root, false);
    assert.equal(await indexCommand.run(["--repo", root, "--no-cache", "--json"], json), 0);
    assert.equal((JSON.parse(json.stdout) as { historyCommits: number }).historyCommits, 2);
    const off = io(root, false);
    assert.equal(await indexCommand.run(["--repo", root, "--no-cache", "--no-history"], off), 0);
    assert.match(off.stdout, /^History: +none \(/m);
  });
});

// A script's --cache "$CACHE" with CACHE unset: the empty value was resolved as the current folder,
// so index-<hash>.bin (the checkout's symbols and snippets) was written into the CI step's workspace.
describe("hearth index --cache ''", () => {
  it("is none, as an empty --model is: the default cache folder, nothing written into the current folder", async (t) => {
    const root = repo();
    const here = tempDir("hearth-index-empty-cache-cwd-");
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = tempDir("hearth-index-empty-cache-xdg-");
    t.after(() => (saved === undefined ? delete process.env.XDG_CACHE_HOME : (process.env.XDG_CACHE_HOME = saved)));
    const run = io(here, false);
    assert.equal(await indexCommand.run(["--repo", root, "--cache", ""], run), 0, run.stderr);
    assert.deepEqual(readdirSync(here), [], "nothing in the current folder");
    assert.equal(readdirSync(join(process.env.XDG_CACHE_HOME, "hearth", "index")).filter((name) => name.endsWith(".bin")).length, 1, "the cache is in the default folder");
  });
});
