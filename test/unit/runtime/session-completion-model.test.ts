// hearth.completionModelPath naming the main model's own file: the runtime must not load
// that model a second time (twice its memory, and on a GPU the second copy takes VRAM the
// main one needed); completions use the main model, as when no completion model is set.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { RuntimeSession } from "../../../src/runtime/session.ts";
import { tempDir } from "../../fixtures/temp.ts";

function script(dir: string, name: string): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, turns: [] }));
  return path;
}

it("a completion model path naming the main model's file (spelt the same or not) loads nothing more; another file loads", async (t) => {
  const dir = tempDir("hearth-completion-");
  const main = script(dir, "main");
  const small = script(dir, "small");
  for (const completionModelPath of [main, join(dir, ".", "sub", "..", "main.json")]) {
    const session = new RuntimeSession({ modelPath: main, completionModelPath }, () => undefined);
    t.after(() => session.dispose());
    await session.readyBackend();
    assert.equal(await session.completionBackend(), undefined, completionModelPath);
  }
  const session = new RuntimeSession({ modelPath: main, completionModelPath: small }, () => undefined);
  t.after(() => session.dispose());
  const [backend, completion] = await Promise.all([session.readyBackend(), session.completionBackend()]);
  assert.ok(completion && completion !== backend, "a different file is the completion model");
});
