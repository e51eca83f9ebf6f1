// A run whose command wrote a build's binaries into folders the project does not ignore made a
// patch past the longest string V8 holds: hearth fix said "the model failed: Cannot create a
// string longer than 0x1fffffe8 characters" (exit 3) and nothing of where the work was.
// Checkpoints now refuse such a diff (DiffTooLargeError); hearth fix says so in words.
import assert from "node:assert/strict";
import { it } from "node:test";
import { patchTooLargeWords } from "../../../src/cli/commands/fix.ts";
import { DiffTooLargeError } from "../../../src/tools/index.ts";

it("a patch over the limit: what happened, that nothing was saved, that the checkout keeps the changes, what to do", () => {
  const words = patchTooLargeWords(new DiffTooLargeError(256 * 1024 * 1024), "/work/app", "/tmp/fix.patch is left empty");
  assert.equal(
    words,
    "no patch: the change is over 256 MiB as a diff (many changed files or large binary ones: a build's output or installed packages in a folder the project does not ignore), so no diff was made; the files on disk are as the change left them. " +
      "Nothing saved: /tmp/fix.patch is left empty, no prediction. The agent's changes are in the checkout /work/app (git status lists them): " +
      "add the folders of generated files to .gitignore or delete them, then run git diff there or hearth fix again.",
  );
  assert.match(patchTooLargeWords(new DiffTooLargeError(1000), "/r"), /^no patch: the change is over 1,000 bytes as a diff .* Nothing saved, no prediction\. /);
});
