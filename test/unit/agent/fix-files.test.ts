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
