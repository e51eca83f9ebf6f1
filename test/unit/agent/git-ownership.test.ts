// git's "dubious ownership" refusal read from its stderr: the safe.directory command shown to
// the user is git's own line, which knows the form a path takes where git runs (a UNC path on
// Windows is only matched as %(prefix)///server/share/…).
import assert from "node:assert/strict";
import { it } from "node:test";
import { ownershipNotice, ownershipRefusal } from "../../../src/agent/git-ownership.ts";

it("takes the safe.directory command as git suggests it, a Windows UNC path's %(prefix) form included", () => {
  // As Git for Windows writes it for a share (CRLF line ends, the owners' report between).
  const stderr = "fatal: detected dubious ownership in repository at '//server/share/my repo'\r\n'//server/share/my repo' is owned by:\r\n\t'S-1-5-21-1-2-3-1001'\r\nbut the current user is:\r\n\t'S-1-5-21-1-2-3-1002'\r\nTo add an exception for this directory, call:\r\n\r\n\tgit config --global --add safe.directory '%(prefix)///server/share/my repo'\r\n";
  const refusal = ownershipRefusal(stderr);
  assert.deepEqual(refusal, { repository: "//server/share/my repo", command: "git config --global --add safe.directory '%(prefix)///server/share/my repo'" });
  assert.match(ownershipNotice(refusal), /mark it safe \(git config --global --add safe\.directory '%\(prefix\)\/\/\/server\/share\/my repo'\)/);
});

it("reads no refusal in git's other failures", () => {
  assert.equal(ownershipRefusal("fatal: not a git repository (or any of the parent directories): .git\n"), undefined);
});
