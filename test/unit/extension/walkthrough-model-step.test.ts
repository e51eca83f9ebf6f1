// The walkthrough's "Choose a model" step (package.json contributes.walkthroughs): what a newcomer
// reads before a download of many GiB. Its sizes are the catalog's, as Download Model's list shows
// them (formatSize), and it says what to do where nothing fits (the list stars nothing there).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { PRESETS } from "../../../src/models/presets.ts";
import { formatSize } from "../../../src/protocol/units.ts";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  contributes: { walkthroughs: { steps: { id: string; description: string }[] }[] };
};
const step = pkg.contributes.walkthroughs[0]!.steps.find((s) => s.id === "model")!;
const sizes = PRESETS.flatMap((p) => p.quantizations.map((q) => q.sizeBytes));

it("says how big Download Model's files are, from the smallest to the largest the catalog offers", () => {
  // Before, it said nothing of size: the smallest download is 15.6 GiB.
  assert.ok(step.description.includes(`${formatSize(Math.min(...sizes))} to ${formatSize(Math.max(...sizes))}`), step.description);
});

it("says where the download is kept, and what to do where nothing fits this machine (no star)", () => {
  assert.match(step.description, /globalStorage\/hearth\.hearth\/models/);
  // Before: 'Download Model stars the model that fits this machine's GPU and memory: pick that one' — on a machine nothing fits, the list stars nothing (85398d7f).
  assert.match(step.description, /no star[^.]*server/i, step.description);
  assert.match(step.description, /Qwen3\.5-family/, "a .gguf of another family is refused once chosen");
});
