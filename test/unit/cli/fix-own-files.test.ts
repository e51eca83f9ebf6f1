// `hearth fix` given its trajectory, patch or predictions file inside the checkout it fixes
// (`--trajectory run.jsonl` from the checkout's folder): those files are the run's own
// output, not the fix — the patch holds the model's change only. In-process, a scripted model.
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { calcCheckout, ownStateHome } from "../../fixtures/calc-checkout.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");

describe("hearth fix writing its own files inside the checkout", () => {
  ownStateHome("hearth-fix-own-xdg-");

  it("leaves the trajectory, the patch and the predictions out of the patch (names with spaces and pattern characters too)", async () => {
    const { work, repo, model } = calcCheckout("hearth-fix-own-");
    const io = captureIo(repo);
    const code = await main(
      ["fix", "--repo", ".", "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state"),
        "--trajectory", "run [1] *.jsonl ", "--out", "fix.diff", "--predictions", "preds.jsonl", "--instance-id", "calc-1"],
      io,
    );
    assert.equal(code, 0, io.stderr);
    const patch = readFileSync(join(repo, "fix.diff"), "utf8");
    assert.deepEqual([...patch.matchAll(/^diff --git a\/(\S+)/gm)].map((m) => m[1]), ["calc.py"], patch);
    assert.match(readFileSync(join(repo, "run [1] *.jsonl "), "utf8"), /"type":"end"/, "the trajectory was written where asked");
    const prediction = JSON.parse(readFileSync(join(repo, "preds.jsonl"), "utf8")) as { model_patch: string };
    assert.equal(prediction.model_patch, patch);
  });

  it("leaves them out when an earlier run's checkpoints already held them (a run of an older Hearth that took run.jsonl in), with the same state folder", async () => {
    const work = tempDir("hearth-fix-own-");
    const repo = join(work, "repo");
    cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
    const model = join(work, "model.json");
    const edit = (from: string, to: string) => ({ toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: from, new_text: to } }] });
    const finish = { toolCalls: [{ name: "finish", arguments: { summary: "fixed" } }] };
    const state = ["--state-dir", join(work, "state")];
    const common = ["fix", "--repo", ".", "--issue", "add is wrong", "--model", model, "--yes", "--no-index", ...state];
    // The first run's trajectory goes to the state folder; run.jsonl, a stray file then, is taken into its checkpoints.
    writeFileSync(join(repo, "run.jsonl"), "{\"type\":\"start\"}\n");
    writeFileSync(model, JSON.stringify({ name: "scripted", turns: [edit("    return a - b", "    return a + b"), finish] }));
    const first = captureIo(repo);
    assert.equal(await main(common, first), 0, first.stderr);
    writeFileSync(model, JSON.stringify({ name: "scripted", turns: [edit("    return a + b", "    return b + a"), finish] }));
    const second = captureIo(repo);
    assert.equal(await main([...common, "--trajectory", "run.jsonl", "--out", "fix.diff"], second), 0, second.stderr);
    const patch = readFileSync(join(repo, "fix.diff"), "utf8");
    assert.deepEqual([...patch.matchAll(/^diff --git a\/(\S+)/gm)].map((m) => m[1]), ["calc.py"], patch);
    assert.match(readFileSync(join(repo, "run.jsonl"), "utf8"), /"type":"end"/);
  });
});
