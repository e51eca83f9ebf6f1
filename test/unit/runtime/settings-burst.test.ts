// Select Model writes several settings and VS Code sends one didChangeConfiguration for
// each: the model must reload once for the burst, not once per setting (issue 17.2). A
// real RuntimeSession with real scripted model files; a fake clock decides when the burst
// has settled, so nothing here depends on how fast the machine is.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ModelState } from "../../../src/protocol/status.ts";
import { RuntimeSession, SETTINGS_SETTLE_MS } from "../../../src/runtime/session.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

function models(t: { after: (fn: () => void) => void }): { a: string; b: string } {
  const dir = mkdtempSync(join(tmpdir(), "hearth-burst-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify({ name, turns: [{ text: `I am ${name}` }] }));
    return path;
  };
  return { a: file("A"), b: file("B") };
}

describe("settings changes in a burst", () => {
  it("reload the model once, with the last settings, when the burst has settled", async (t) => {
    const { a, b } = models(t);
    const clock = new FakeClock();
    const states: ModelState[] = [];
    const session = new RuntimeSession({ modelPath: a }, (status) => states.push(status.model), { clock });
    t.after(() => session.dispose());
    assert.equal((await session.loadModel(false)).kind, "ready");
    states.length = 0;

    // Three notifications, each handled before the next arrives (as VS Code sends them).
    await session.updateSettings({ modelPreset: "custom", modelPath: b });
    await session.updateSettings({ modelPreset: "custom", modelPath: b, contextSize: 8192 });
    await session.updateSettings({ modelPreset: "custom", modelPath: b, contextSize: 8192, threads: 2 });
    assert.equal(session.currentSettings().threads, 2, "the settings themselves apply at once");
    assert.deepEqual(states.map((s) => s.kind), [], "nothing reloads while the burst goes on");

    clock.advance(SETTINGS_SETTLE_MS);
    await session.readyBackend();
    const configured = states.filter((s) => s.kind === "configured");
    assert.equal(configured.length, 1, `one reload for the burst, got ${JSON.stringify(states)}`);
    assert.deepEqual(configured[0]!.kind === "configured" && configured[0]!.source, { kind: "file", modelPath: b });
    const ready = states.filter((s) => s.kind === "ready");
    assert.deepEqual(ready.map((s) => s.kind === "ready" && s.name), ["B"]);
  });

  it("do not delay a request that needs the model: it applies the latest settings at once", async (t) => {
    const { a, b } = models(t);
    const clock = new FakeClock();
    const states: ModelState[] = [];
    const session = new RuntimeSession({ modelPath: a }, (status) => states.push(status.model), { clock });
    t.after(() => session.dispose());
    await session.loadModel(false);
    await session.updateSettings({ modelPath: b });
    await session.readyBackend(); // the clock has not moved
    const status = await session.settledStatus();
    assert.ok(status.model.kind === "ready" && status.model.name === "B", JSON.stringify(status.model));
    states.length = 0;
    clock.advance(SETTINGS_SETTLE_MS);
    await session.settledStatus();
    assert.deepEqual(states, [], "the waiting reload was applied then, not again later");
  });
});
