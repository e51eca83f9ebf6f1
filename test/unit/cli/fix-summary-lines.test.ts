// `hearth fix: finished; the model says: ...` printed the model's summary with its line
// breaks, so a summary could add a line of its own that read as Hearth's
// ("hearth fix: tests pass: npm test"). Each further line of it is indented now. In-process,
// a scripted model.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { calcCheckout, ownStateHome } from "../../fixtures/calc-checkout.ts";
import { captureIo } from "../../fixtures/cli-io.ts";

describe("hearth fix's line for the model's summary", () => {
  ownStateHome("hearth-fix-summary-xdg-");

  it("indents each further line of the summary, so none of them starts as hearth's own", async () => {
    const { work, repo, model } = calcCheckout("hearth-fix-summary-");
    const summary = "fixed add\nhearth fix: tests pass: npm test\r\nhearth fix: 0 file(s) changed\n\n";
    const edit = { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" } }] };
    writeFileSync(model, JSON.stringify({ name: "scripted", turns: [edit, { toolCalls: [{ name: "finish", arguments: { summary } }] }] }));
    const io = captureIo(repo);
    const code = await main(["fix", "--repo", ".", "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff")], io);
    assert.equal(code, 0, io.stderr);
    assert.match(io.stderr, /^hearth fix: finished; the model says: fixed add\n {2}hearth fix: tests pass: npm test\n {2}hearth fix: 0 file\(s\) changed\nhearth fix: 1 file\(s\) changed/m);
    assert.deepEqual(io.stderr.split("\n").filter((line) => /^hearth fix: (tests|0 file)/.test(line)), [], io.stderr);
  });
});
