// The patch `hearth fix` returns is what SWE-bench and reviewers apply: applied with
// `git apply` to a copy of the starting tree, it must give the agent's result byte for byte,
// whatever kind of file the agent changed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

it("hearth fix's patch applies with git apply: a binary file a command wrote, a file the repository marks -diff", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-patch-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [repo, copy] = [join(dir, "repo"), join(dir, "copy")];
  mkdirSync(repo);
  writeFileSync(join(repo, ".gitattributes"), "package-lock.json -diff\n");
  writeFileSync(join(repo, "package-lock.json"), '{\n  "version": "1.0.0"\n}\n');
  writeFileSync(join(repo, "logo.bin"), Buffer.from([0, 1, 2, 3]));
  cpSync(repo, copy, { recursive: true });
  const turns = [
    call("edit_file", { path: "package-lock.json", old_text: '"version": "1.0.0"', new_text: '"version": "1.0.1"' }),
    call("run_command", { command: "printf '\\000\\011\\377' > logo.bin" }),
    call("finish", { summary: "bumped" }),
  ];
  const result = await runFix({ repo, issue: "bump the version", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual([...result.changedFiles].sort(), ["logo.bin", "package-lock.json"]);
  execFileSync("git", ["apply", "-"], { cwd: copy, input: result.patch });
  for (const name of ["package-lock.json", "logo.bin"]) assert.deepEqual(readFileSync(join(copy, name)), readFileSync(join(repo, name)), name);
  assert.deepEqual(readFileSync(join(copy, "logo.bin")), Buffer.from([0, 9, 0xff]));
});
