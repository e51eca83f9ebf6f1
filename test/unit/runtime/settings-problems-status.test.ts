// The problems of the settings (sanitizeSettings: a wrong type, a value out of range) reach the
// client in the runtime's status, which the chat view shows as a warning card. A real
// RuntimeSession with a real scripted model file; a fake clock holds the settle timer, so the
// statuses counted are the ones the change itself sends.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { RuntimeStatus } from "../../../src/protocol/status.ts";
import { RuntimeSession, SETTINGS_SETTLE_MS } from "../../../src/runtime/session.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { tempDir } from "../../fixtures/temp.ts";

function scripted(dir: string, name: string): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, turns: [{ text: "hello" }] }));
  return path;
}

describe("settings problems in the status", () => {
  it("a setting written wrong while the model stays loaded is said at once, and no more once it is mended", async (t) => {
    const model = scripted(tempDir("hearth-problems-"), "A");
    const clock = new FakeClock();
    const seen: RuntimeStatus[] = [];
    const session = new RuntimeSession({ modelPath: model }, (status) => seen.push(status), { clock });
    t.after(() => session.dispose());
    assert.equal((await session.loadModel(false)).kind, "ready");
    seen.length = 0;

    // threads "8" falls back to 0 (automatic), what applied already: the model is kept, not reloaded.
    await session.updateSettings({ modelPath: model, threads: "8" });
    clock.advance(SETTINGS_SETTLE_MS);
    await session.settledStatus();
    assert.equal(session.currentSettings().threads, 0);
    const last = seen.at(-1);
    assert.ok(last, "a status was sent");
    assert.deepEqual(last.settingsProblems, ['hearth.threads: "8" is not valid (a whole number from 0 to 256 expected); using 0']);
    assert.equal(last.model.kind, "ready", "the model stayed loaded");

    // Mended to a list the model does not read: nothing reloads, and the warning goes.
    await session.updateSettings({ modelPath: model, inlineCompletionsExclude: ["*.secret"] });
    clock.advance(SETTINGS_SETTLE_MS);
    await session.settledStatus();
    assert.deepEqual(seen.at(-1)?.settingsProblems, []);

    // The same settings again send nothing more.
    const count = seen.length;
    await session.updateSettings({ modelPath: model, inlineCompletionsExclude: ["*.secret"] });
    clock.advance(SETTINGS_SETTLE_MS);
    await session.settledStatus();
    assert.equal(seen.length, count);
  });

  it("a completion model path that cannot be used is said (completions fall back to the main model), and no more once it is mended", async (t) => {
    const dir = tempDir("hearth-problems-");
    const model = scripted(dir, "A");
    const small = scripted(dir, "small");
    writeFileSync(join(dir, "notes.gguf"), "not a model at all, just some text\n");
    const cases: [string, RegExp][] = [
      ["small.gguf", /^hearth\.completionModelPath: model path must be absolute: small\.gguf; inline completions use the main model instead$/],
      ["${workspaceFolder}/small.gguf", /^hearth\.completionModelPath: model path must be absolute: \$\{workspaceFolder\}\/small\.gguf \(Hearth fills in no \$\{…\} variables, .*\); inline completions use the main model instead$/],
      [join(dir, "missing.gguf"), /^hearth\.completionModelPath: .*missing\.gguf; inline completions use the main model instead$/],
      [join(dir, "notes.gguf"), /^hearth\.completionModelPath: .*notes\.gguf; inline completions use the main model instead$/],
    ];
    for (const [completionModelPath, said] of cases) {
      const seen: RuntimeStatus[] = [];
      const session = new RuntimeSession({ modelPath: model, completionModelPath }, (status) => seen.push(status), { clock: new FakeClock() });
      t.after(() => session.dispose());
      await session.readyBackend();
      assert.equal(await session.completionBackend(), undefined, "completions use the main model");
      const problems = (await session.settledStatus()).settingsProblems;
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0]!, said);
      assert.deepEqual(seen.at(-1)?.settingsProblems, problems, "sent to the client, not only answered when asked");
      // Mended: the completion model loads and the warning goes, in a status sent on its own.
      await session.updateSettings({ modelPath: model, completionModelPath: small });
      assert.ok(await session.completionBackend());
      assert.deepEqual(seen.at(-1)?.settingsProblems, []);
    }
  });
});
