// A checkout whose git-crypt files are locked (cloned without the key, or git-crypt lock):
// secrets.py on disk is git-crypt's encrypted form ("\0GITCRYPT\0" and the ciphertext). read_file
// and edit_file said only '"secrets.py" is a binary file', and the model told the user the
// file was corrupt or not code. Now they name git-crypt and the way out, and change nothing.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

it("read_file and edit_file name a locked git-crypt file and how to unlock it, and leave it as it is", async () => {
  const encrypted = Buffer.concat([Buffer.from("\0GITCRYPT\0"), randomBytes(64)]);
  const { ctx, root } = workspaceWith({ ".gitattributes": "secrets.py filter=git-crypt diff=git-crypt\n", "secrets.py": encrypted, "img.bin": Buffer.from([0, 1, 2]) });
  const said = `Error (binary-file): "secrets.py" is encrypted by git-crypt and this checkout is locked (its key is not applied here), so it cannot be read or edited as text; if the task needs it, ask the user to unlock the checkout (git-crypt unlock)`;
  const read = await runTool(readFileTool, { path: "secrets.py" }, ctx);
  assert.equal(read.ok, false);
  assert.equal(read.text, said);
  const edit = await runTool(editFileTool, { path: "secrets.py", old_text: "GITCRYPT", new_text: "x" }, ctx);
  assert.equal(edit.ok, false);
  assert.match(edit.text, /is encrypted by git-crypt and this checkout is locked/);
  assert.deepEqual(readFileSync(join(root, "secrets.py")), encrypted);
  // Another binary file is still just binary.
  assert.equal((await runTool(readFileTool, { path: "img.bin" }, ctx)).text, `Error (binary-file): "img.bin" is a binary file; it cannot be read or edited as text`);
});
