// A link in the workspace that another process points elsewhere between read_file's check
// (its real path is inside the root) and the open: the open follows the new target. The
// other process is played by a hook on fs.promises.open that swaps the link just before the
// first open, so the test does not depend on timing.
import assert from "node:assert/strict";
import fs, { renameSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { type TestContext, describe, it } from "node:test";
import { runTool, toolByName } from "../../../src/tools/index.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

/**
 * Plays the other process: runs `act` at each open of a path ending in `name`, just before the
 * open or just after it, until the test ends.
 */
function onOpen(t: TestContext, name: string, when: "before" | "after", act: () => void): void {
  const open = fs.promises.open;
  fs.promises.open = (async (...args: Parameters<typeof open>) => {
    const opensIt = String(args[0]).endsWith(name);
    if (opensIt && when === "before") act();
    const handle = await open(...args);
    if (opensIt && when === "after") act();
    return handle;
  }) as typeof open;
  syncBuiltinESMExports();
  t.after(() => {
    fs.promises.open = open;
    syncBuiltinESMExports();
  });
}

describe("read_file and a link changed while it reads", () => {
  it("refuses a link that points out of the workspace by the time the file is opened", async (t) => {
    const { root, ctx } = workspaceWith({ "notes.txt": "inside\n" });
    const away = tempDir("hearth-outside-");
    writeFileSync(join(away, "secret.txt"), "outside secret\n");
    symlinkSync("notes.txt", join(root, "link.txt"));
    let swapped = false;
    onOpen(t, "link.txt", "before", () => {
      if (swapped) return;
      swapped = true;
      unlinkSync(join(root, "link.txt"));
      symlinkSync(join(away, "secret.txt"), join(root, "link.txt"));
    });
    const read = await runTool(toolByName("read_file")!, { path: "link.txt" }, ctx);
    assert.equal(swapped, true, "the link was swapped between the check and the open");
    assert.ok(!read.text.includes("outside secret"), read.text);
    assert.equal(read.ok, false, read.text);
    assert.match(read.text, /link\.txt.*changed while it was read.*out of the workspace/);
  });

  it("reads a file an editor's save replaced by a rename between the open and the check, as it is now", async (t) => {
    // An editor or formatter saves by writing a new file and renaming it over the old one: the
    // file opened is then not the one the path reaches, though nothing left the workspace.
    const { root, ctx } = workspaceWith({ "notes.txt": "before the save\n" });
    let saved = false;
    onOpen(t, "notes.txt", "after", () => {
      if (saved) return;
      saved = true;
      writeFileSync(join(root, ".notes.txt.swp"), "after the save\n");
      renameSync(join(root, ".notes.txt.swp"), join(root, "notes.txt"));
    });
    const read = await runTool(toolByName("read_file")!, { path: "notes.txt" }, ctx);
    assert.equal(saved, true, "the file was replaced between the open and the check");
    assert.equal(read.ok, true, read.text);
    assert.match(read.text, /after the save/);
  });

  it("gives up, reading nothing, on a file replaced at every open", async (t) => {
    const { root, ctx } = workspaceWith({ "log.txt": "0\n" });
    let saves = 0;
    onOpen(t, "log.txt", "after", () => {
      saves++;
      writeFileSync(join(root, ".log.txt.new"), `${saves}\n`);
      renameSync(join(root, ".log.txt.new"), join(root, "log.txt"));
    });
    const read = await runTool(toolByName("read_file")!, { path: "log.txt" }, ctx);
    assert.equal(read.ok, false, read.text);
    assert.match(read.text, /"log\.txt" was replaced each time it was read/);
    assert.equal(saves, 3);
  });
});
