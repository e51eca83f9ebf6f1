// file-writes.ts's appendWhole on a JSONL file (hearth fix's --predictions, its trajectory)
// whose last line a killed run left cut short (a harness's timeout sends SIGKILL; a write to a
// file is cut between pages by it): the next run's line was glued to that half line, so the
// file lost that run's record too and read as JSONL no more from there. Its line now starts a
// line of its own; the cut line is kept as it was.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { appendWhole } from "../../../src/cli/file-writes.ts";
import { tempDir } from "../../fixtures/temp.ts";

it("appendWhole after a line a killed run cut short starts a line of its own, and keeps the cut one", () => {
  const file = join(tempDir("hearth-file-writes-"), "preds.jsonl");
  const whole = JSON.stringify({ instance_id: "a__a-1", model_patch: "diff --git a/x b/x\n" }) + "\n";
  const cut = JSON.stringify({ instance_id: "b__b-2", model_patch: "diff --git a/y b/y\n" }).slice(0, 30);
  writeFileSync(file, whole + cut);
  const next = JSON.stringify({ instance_id: "c__c-3", model_patch: "" }) + "\n";
  appendWhole(file, next);
  const lines = readFileSync(file, "utf8").split("\n");
  assert.deepEqual(lines, [whole.trimEnd(), cut, next.trimEnd(), ""]);
  assert.deepEqual(JSON.parse(lines[2]!), { instance_id: "c__c-3", model_patch: "" });
});

it("appendWhole to an empty file or one ending in a newline adds the line alone", () => {
  const dir = tempDir("hearth-file-writes-");
  writeFileSync(join(dir, "empty.jsonl"), "");
  appendWhole(join(dir, "empty.jsonl"), "{}\n");
  assert.equal(readFileSync(join(dir, "empty.jsonl"), "utf8"), "{}\n");
  appendWhole(join(dir, "empty.jsonl"), "[]\n");
  assert.equal(readFileSync(join(dir, "empty.jsonl"), "utf8"), "{}\n[]\n");
  appendWhole(join(dir, "new.jsonl"), "{}\n");
  assert.equal(readFileSync(join(dir, "new.jsonl"), "utf8"), "{}\n");
});
