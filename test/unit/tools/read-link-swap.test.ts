// A link in the workspace that another process points elsewhere between read_file's check
// (its real path is inside the root) and the open: the open follows the new target. The
// other process is played by a hook on fs.promises.open that swaps the link just before the
// first open, so the test does not depend on timing.
import assert from "node:assert/strict";
import fs, { symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runTool, toolByName } from "../../../src/tools/index.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

describe("read_file and a link changed while it reads", () => {
  it("refuses a link that points out of the workspace by the time the file is opened", async (t) => {
    const { root, ctx } = workspaceWith({ "notes.txt": "inside\n" });
    const away = tempDir("hearth-outside-");
    writeFileSync(join(away, "secret.txt"), "outside secret\n");
    symlinkSync("notes.txt", join(root, "link.txt"));
    const open = fs.promises.open;
    let swapped = false;
    fs.promises.open = (async (...args: Parameters<typeof open>) => {
      if (!swapped && String(args[0]).endsWith("link.txt")) {
        swapped = true;
        unlinkSync(join(root, "link.txt"));
        symlinkSync(join(away, "secret.txt"), join(root, "link.txt"));
      }
      return open(...args);
    }) as typeof open;
    syncBuiltinESMExports();
    t.after(() => {
      fs.promises.open = open;
      syncBuiltinESMExports();
    });
    const read = await runTool(toolByName("read_file")!, { path: "link.txt" }, ctx);
    assert.equal(swapped, true, "the link was swapped between the check and the open");
    assert.ok(!read.text.includes("outside secret"), read.text);
    assert.equal(read.ok, false, read.text);
    assert.match(read.text, /link\.txt.*changed while it was read/);
  });
});
