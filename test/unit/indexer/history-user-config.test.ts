/**
 * The index's history read where the user's own ~/.gitconfig sets how git log writes its
 * output for their terminal: the commits' messages and files still read as they were written.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { readHistory } from "../../../src/indexer/history.ts";
import { testGit } from "./helpers/hostile-git.ts";

it("reads commit messages as written where the user's git config has git log re-encode them (i18n.logOutputEncoding=latin1)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-history-encoding-"));
  const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
  t.after(() => {
    for (const [key, value] of Object.entries(saved)) if (value === undefined) delete process.env[key]; else process.env[key] = value;
    rmSync(dir, { recursive: true, force: true });
  });
  const [home, root] = [join(dir, "home"), join(dir, "repo")];
  for (const folder of [home, root]) mkdirSync(folder);
  testGit(root, "init", "-q");
  writeFileSync(join(root, "café.py"), "a = 1\n");
  testGit(root, "add", "café.py");
  testGit(root, "commit", "-qm", "Währungsformat für Größen (#12)");
  // Set for a Latin-1 terminal after the commits: git log converts every message it prints.
  writeFileSync(join(home, ".gitconfig"), "[i18n]\n\tlogOutputEncoding = latin1\n[log]\n\tshowSignature = true\n[color]\n\tui = always\n[format]\n\tpretty = oneline\n");
  Object.assign(process.env, { HOME: home, XDG_CONFIG_HOME: join(home, ".config") });
  const history = await readHistory({ cwd: root });
  assert.deepEqual(history?.commitsNaming(12).map((c) => [c.subject, c.files]), [["Währungsformat für Größen (#12)", ["café.py"]]]);
});
