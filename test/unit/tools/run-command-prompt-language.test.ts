// run_command's note for a command that stopped at a question (its stdin is closed), where the
// program asks in the user's language: a yes/no question's letters are that language's
// ("[J/n]" in German, pacman's and many scripts' read -p), not y and n.
import assert from "node:assert/strict";
import { it } from "node:test";
import { runCommandTool } from "../../../src/tools/run-command.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

it("a command that stopped at a yes/no question in another language ([J/n], [O/n], (E/h), [Д/н]) is said to have waited for an answer", { timeout: 30_000 }, async () => {
  const { ctx } = workspaceWith();
  for (const prompt of [":: Installation fortsetzen? [J/n] ", "Voulez-vous continuer ? [O/n] ", "Devam edilsin mi? (E/h) ", "Продолжить? [Д/н] ", "Fortfahren [j/N]"]) {
    const r = await runTool(runCommandTool, { command: `printf '%s' '${prompt}'; read answer || exit 1` }, ctx);
    assert.match(r.text, /exit code 1/);
    assert.match(r.text, /\[it stopped at a question waiting for an answer[^]*-y[^]*\]/, prompt);
  }
  // Brackets that are no question: a checklist's or a log's last word.
  for (const end of ["- [x] ", "done [ok] ", "failed (E1) "]) {
    const r = await runTool(runCommandTool, { command: `printf '%s' '${end}'; exit 1` }, ctx);
    assert.doesNotMatch(r.text, /waiting for an answer/, end);
  }
});
