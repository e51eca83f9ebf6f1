// hearth fix sorts the files its commands made (left out of the patch as binary or output, or
// kept) by reading their first bytes: a FIFO reached that way would wait for a writer forever.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";

const module = resolve(import.meta.dirname, "../../../src/agent/fix-files.ts");

describe("sortCommandFiles", () => {
  it("never opens a pipe, directly or through a link a command made, and still tells binary files", (t) => {
    const root = mkdtempSync(join(tmpdir(), "hearth-fix-files-"));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    execFileSync("mkfifo", [join(root, "pipe")]);
    symlinkSync("pipe", join(root, "out.txt"));
    writeFileSync(join(root, "data.bin"), Buffer.from([1, 0, 2]));
    writeFileSync(join(root, "notes.txt"), "text\n");
    // In a child process: an open of a pipe with no writer blocks a file thread that even
    // process.exit waits for, so a hang must end by SIGKILL (the time limit is that guard only).
    const script = join(root, "sort.mts");
    writeFileSync(script, `import { sortCommandFiles } from ${JSON.stringify(module)};
console.log(JSON.stringify(await sortCommandFiles(process.argv[2], ["data.bin", "notes.txt", "out.txt", "pipe"], new Set())));
process.exit(0);
`);
    const run = spawnSync(process.execPath, ["--import", "tsx", script, root], { encoding: "utf8", timeout: 30_000, killSignal: "SIGKILL" });
    assert.equal(run.signal, null, "sortCommandFiles hung on the pipe");
    assert.deepEqual(JSON.parse(run.stdout), { leftOut: [{ path: "data.bin", why: "binary" }], madeByCommands: ["notes.txt", "out.txt", "pipe"] });
  });
});

describe("uncommittedMessage", () => {
  it("in a repository with no commit yet, says so, and names no HEAD the patch could apply to", async (t) => {
    const root = mkdtempSync(join(tmpdir(), "hearth-fix-files-"));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    execFileSync("git", ["init", "-q"], { cwd: root });
    writeFileSync(join(root, "calc.py"), "def add(a, b):\n    return a - b\n");
    const { uncommittedFiles, uncommittedMessage } = await import(module);
    const atStart = await uncommittedFiles(root);
    assert.deepEqual(atStart, { files: ["calc.py"], noCommit: true });
    const message = uncommittedMessage({ ...atStart, inPatch: ["calc.py"] });
    assert.doesNotMatch(message, /HEAD/);
    assert.equal(message, "the branch had no commit yet when the run started (a new repository, or an orphan branch): the patch does not hold the 1 file(s) there (calc.py), only the agent's change made on top of them, so it applies to those files as they were, not to a clone; commit them first (git add, git commit) for a patch that applies to a clone");
  });

  it("on an orphan branch of a repository that has commits, does not say the repository has none", async (t) => {
    const root = mkdtempSync(join(tmpdir(), "hearth-fix-files-"));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: root });
    git("init", "-q");
    writeFileSync(join(root, "calc.py"), "def add(a, b):\n    return a - b\n");
    git("add", ".");
    git("commit", "-qm", "first");
    git("checkout", "-q", "--orphan", "pages");
    const { uncommittedFiles, uncommittedMessage } = await import(module);
    const atStart = await uncommittedFiles(root);
    assert.deepEqual(atStart, { files: ["calc.py"], noCommit: true });
    const message = uncommittedMessage({ ...atStart, inPatch: [] });
    assert.doesNotMatch(message, /repository had no commit/);
    assert.match(message, /^the branch had no commit yet when the run started \(a new repository, or an orphan branch\)/);
  });
});
