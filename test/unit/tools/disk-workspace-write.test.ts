import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "./helpers/setup.ts";

/** Runs an edit_file call on `root` and returns the result. */
function edit(root: string, path: string, oldText: string, newText: string) {
  return runTool(editFileTool, { path, old_text: oldText, new_text: newText }, { workspace: new DiskWorkspace(root), signal: new AbortController().signal });
}

describe("DiskWorkspace writes keep what the file was", () => {
  it("an edit keeps a shared file's mode (group-writable 0664, 0775 script) whatever this process's umask", async (t) => {
    const previous = process.umask(0o022);
    t.after(() => process.umask(previous));
    const root = tempDir();
    writeFileSync(join(root, "notes.md"), "one\n");
    writeFileSync(join(root, "deploy.sh"), "#!/bin/sh\necho one\n");
    chmodSync(join(root, "notes.md"), 0o664);
    chmodSync(join(root, "deploy.sh"), 0o775);
    for (const path of ["notes.md", "deploy.sh"]) {
      const result = await edit(root, path, "one", "two");
      assert.equal(result.ok, true, result.text);
    }
    assert.equal((statSync(join(root, "notes.md")).mode & 0o7777).toString(8), "664");
    assert.equal((statSync(join(root, "deploy.sh")).mode & 0o7777).toString(8), "775");
  });

  it("an edit made as root keeps the file's owner and group (the user can still save it)", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("only root can give a file to another user");
    const root = tempDir();
    const file = join(root, "app.py");
    writeFileSync(file, "x = 1\n");
    chownSync(file, 4321, 4322);
    const result = await edit(root, "app.py", "x = 1", "x = 2");
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(file, "utf8"), "x = 2\n");
    const info = statSync(file);
    assert.deepEqual([info.uid, info.gid], [4321, 4322]);
  });

  it("a write that fails for a full disk leaves the file as it was and no temp file behind", async (t) => {
    const disk = smallDisk(t, { size: "64k", at: join(tempDir(), "disk") });
    if (!disk) return;
    const before = `${"a".repeat(39_999)}\n`;
    writeFileSync(join(disk, "big.txt"), before);
    const result = await edit(disk, "big.txt", "a".repeat(39_999), "b".repeat(39_999));
    assert.equal(!result.ok && result.code, "io-error", result.text);
    assert.match(result.text, /the disk is full/);
    assert.equal(readFileSync(join(disk, "big.txt"), "utf8"), before);
    assert.deepEqual(readdirSync(disk), ["big.txt"]);
  });

  // A teammate's 0644 file in a shared (group- or world-writable) folder: the rename needs
  // only the folder's permission, so the agent replaced a file its user may not write, and
  // took it over (the new file is that user's).
  it("a file this user may not write is refused, though its folder would let the rename replace it", { timeout: 30_000 }, async (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root to run the write as another user");
    const checkout = resolve(import.meta.dirname, "../../..");
    const module = join(checkout, "src/tools/disk-workspace.ts");
    if (spawnSync("runuser", ["-u", "nobody", "--", "test", "-r", module]).status !== 0) return t.skip("user nobody cannot read this checkout");
    // Not under the test runner's own temp folder, which only root may enter.
    const shared = mkdtempSync("/tmp/hearth-shared-");
    t.after(() => rmSync(shared, { recursive: true, force: true }));
    chmodSync(shared, 0o755);
    const root = join(shared, "project");
    mkdirSync(root, { mode: 0o777 });
    chmodSync(root, 0o777);
    writeFileSync(join(root, "theirs.txt"), "theirs\n");
    chmodSync(join(root, "theirs.txt"), 0o644);
    const script = join(shared, "write.mts");
    writeFileSync(script, `import { DiskWorkspace } from ${JSON.stringify(module)};
try { await new DiskWorkspace(process.argv[2]).write("theirs.txt", Buffer.from("mine\\n")); console.log("written"); }
catch (error) { console.log(error.code, error.message); }
`);
    const tmp = join(shared, "tmp"); // tsx's cache
    mkdirSync(tmp);
    chmodSync(tmp, 0o777);
    const run = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, "--import", "tsx", script, root], { cwd: checkout, encoding: "utf8", env: { ...process.env, TMPDIR: tmp } });
    assert.match(run.stdout, /^io-error "theirs\.txt" is not writable for this user/, run.stdout + run.stderr);
    assert.equal(readFileSync(join(root, "theirs.txt"), "utf8"), "theirs\n");
    assert.equal(statSync(join(root, "theirs.txt")).uid, 0);
  });
});
