/**
 * The index's history read where the user's own ~/.gitconfig sets how git log writes its
 * output for their terminal: the commits' messages and files still read as they were written.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { readHistory } from "../../../src/indexer/history.ts";
import { userGitHome } from "../../fixtures/user-git-home.ts";
import { testGit } from "./helpers/hostile-git.ts";

it("reads commit messages as written where the user's git config has git log re-encode them (i18n.logOutputEncoding=latin1)", async (t) => {
  const { dir, configure } = userGitHome(t, "hearth-history-encoding-");
  const root = join(dir, "repo");
  mkdirSync(root);
  testGit(root, "init", "-q");
  writeFileSync(join(root, "café.py"), "a = 1\n");
  testGit(root, "add", "café.py");
  testGit(root, "commit", "-qm", "Währungsformat für Größen (#12)");
  // Set for a Latin-1 terminal after the commits: git log converts every message it prints.
  configure("[i18n]\n\tlogOutputEncoding = latin1\n[log]\n\tshowSignature = true\n[color]\n\tui = always\n[format]\n\tpretty = oneline\n");
  const history = await readHistory({ cwd: root });
  assert.deepEqual(history?.commitsNaming(12).map((c) => [c.subject, c.files]), [["Währungsformat für Größen (#12)", ["café.py"]]]);
});
