// hearth fix in a checkout on a disk that keeps no file modes (an exFAT or FAT USB stick, WSL's
// /mnt/c, an SMB share): every file reads as executable there, and git, which probed the disk
// when the repository was made, has core.fileMode=false. Hearth's checkpoints live on another
// disk (its state folder), so their git took the bits at their word. Real git, real files;
// the disk's answer is given by chmod 755 of every file (tried on a real exFAT mount).
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

it("on a disk that keeps no modes, the patch's new and changed files keep the repository's modes rather than all turning executable", async () => {
  const dir = tempDir("hearth-fix-no-modes-");
  const repo = committedRepo(join(dir, "repo"), { "main.py": "M = 1\n", "run.sh": "echo\n" });
  git(repo, "update-index", "--chmod=+x", "run.sh");
  git(repo, "commit", "-qm", "run.sh runs");
  git(repo, "config", "core.fileMode", "false");
  const clone = join(dir, "clone");
  git(dir, "clone", "-q", repo, clone);
  const turns = [
    call("edit_file", { path: "main.py", old_text: "M = 1", new_text: "M = 2" }),
    call("write_file", { path: "util.py", content: "U = 1\n" }),
    call("edit_file", { path: "run.sh", old_text: "echo", new_text: "echo hi" }),
    call("finish", { summary: "fixed" }),
  ];
  // As the disk shows them: every file executable (the new one too, once written).
  const backend = new ScriptedBackend({ turns });
  for (const file of ["main.py", "run.sh"]) chmodSync(join(repo, file), 0o755);
  const result = await runFix({ repo, issue: "M should be 2", backend, storageDir: join(dir, "state"), policy: "auto-all", onEvent: (event) => {
    if (event.type === "toolEnd" && event.call.name === "write_file") chmodSync(join(repo, "util.py"), 0o755);
  } });
  assert.deepEqual(result.changedFiles, ["main.py", "run.sh", "util.py"]);
  assert.doesNotMatch(result.patch, /100755/, result.patch);
  assert.match(result.patch, /^new file mode 100644$/m);
  writeFileSync(join(dir, "fix.patch"), result.patch);
  git(clone, "apply", "--index", join(dir, "fix.patch"));
  assert.equal(git(clone, "ls-files", "-s", "util.py").split(" ")[0], "100644");
  // The script the repository keeps executable stays so.
  assert.equal(git(clone, "ls-files", "-s", "run.sh").split(" ")[0], "100755");
  assert.equal(git(clone, "show", ":run.sh"), "echo hi\n");
});
