// `hearth fix` while the user goes on working in the same checkout: what they save, make or
// delete by hand while the model thinks is theirs, not the fix's — left out of the patch and
// named —; what the agent's steps and the final tests wrote is in it. runFix on a real
// checkout (real git checkpoints, real commands), the scripted model.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { leftOutOfPatchMessage } from "../../../src/agent/fix-files.ts";
import { runFix } from "../../../src/agent/fix.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

describe("hearth fix's patch while the user edits the checkout", () => {
  it("leaves out the files only the user changed, and names them; keeps the agent's and the final tests'", async () => {
    const dir = tempDir("hearth-fix-by-hand-");
    const repo = committedRepo(join(dir, "work"), { "a.txt": "base\n", "notes.md": "# notes\n", "old.txt": "old\n" });
    const turns = [
      call("edit_file", { path: "a.txt", old_text: "base", new_text: "fixed" }),
      call("run_command", { command: "echo made > made.txt" }),
      call("list_files", {}),
      call("finish", { summary: "done" }),
    ];
    const result = await runFix({
      repo, issue: "a.txt says base", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all",
      // A test run that writes a snapshot it did not find.
      testCommand: "echo snapshot > snap.txt",
      approve: async () => true,
      // Once the command's step has ended, while the model thinks: the user's own work.
      onEvent: (event) => {
        if (event.type !== "toolEnd" || event.call.name !== "run_command") return;
        writeFileSync(join(repo, "notes.md"), "# notes\nthe user's line\n");
        writeFileSync(join(repo, "mine.txt"), "the user's new file\n");
        rmSync(join(repo, "old.txt"));
      },
    });
    assert.equal(result.tests?.passed, true);
    assert.deepEqual([...result.changedFiles].sort(), ["a.txt", "made.txt", "snap.txt"]);
    assert.doesNotMatch(result.patch, /notes\.md|mine\.txt|old\.txt/);
    assert.match(result.patch, /\+fixed/);
    const byHand = (result.leftOutOfPatch ?? []).filter((f) => f.why === "byHand").map((f) => f.path).sort();
    assert.deepEqual(byHand, ["mine.txt", "notes.md", "old.txt"]);
    assert.deepEqual(leftOutOfPatchMessage(result.leftOutOfPatch ?? []), [
      "not in the patch: 3 file(s) changed during the run while no step of the agent's ran — saved by hand, or by another program —, so not the fix's (the checkout has the change; git diff shows it): " + (result.leftOutOfPatch ?? []).filter((f) => f.why === "byHand").map((f) => f.path).join(", "),
    ]);
    // Nothing of the user's is touched.
    assert.equal(readFileSync(join(repo, "notes.md"), "utf8"), "# notes\nthe user's line\n");
  });
  it("keeps in the patch what a process the agent's command left running wrote while the model thought", async () => {
    const dir = tempDir("hearth-fix-by-hand-");
    const repo = committedRepo(join(dir, "work"), { "a.txt": "base\n" });
    const go = join(dir, "go");
    const watcher = `(for i in $(seq 1 600); do [ -e '${go}' ] && break; sleep 0.05; done; echo built > out.js) > /dev/null 2>&1 &`;
    const turns = [call("run_command", { command: watcher }), call("run_command", { command: "true" }), call("finish", { summary: "done" })];
    const result = await runFix({
      repo, issue: "build it", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-edit",
      // Asked about the second command (the first one's step over): the watcher writes meanwhile.
      approve: async (request) => {
        if (request.call.arguments["command"] === "true") {
          writeFileSync(go, "");
          for (let i = 0; i < 1500 && !existsSync(join(repo, "out.js")); i++) await delay(20);
        }
        return true;
      },
    });
    assert.deepEqual(result.changedFiles, ["out.js"]);
    assert.equal(result.leftOutOfPatch, undefined);
  });
});
