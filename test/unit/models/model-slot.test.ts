// The model slot on real files in a temp folder: validation before any load (one set of
// path rules), the same model kept, a newer configuration winning over an older one and
// the replaced backend disposed.
import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ModelSlot } from "../../../src/models/index.ts";
import { DEFAULT_SETTINGS, type Settings } from "../../../src/protocol/settings.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import type { ModelState } from "../../../src/protocol/status.ts";

function folder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-slot-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function script(dir: string, name: string): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, turns: [] }));
  return path;
}

const settings = (over: Partial<Settings>): Settings => ({ ...DEFAULT_SETTINGS, ...over });

describe("ModelSlot", () => {
  it("refuses a modelPath that is relative, missing or empty before loading anything, with a fix", async (t) => {
    const dir = folder(t);
    writeFileSync(join(dir, "empty.gguf"), "");
    symlinkSync("blobs/0123abcd", join(dir, "linked.gguf"));
    symlinkSync("loop.gguf", join(dir, "loop.gguf"));
    const cases: [string, RegExp][] = [
      ["models/q.gguf", /model path must be absolute: models\/q\.gguf$/],
      // VS Code leaves variables in settings as written: the way out is named.
      ["${workspaceFolder}/models/q.gguf", /model path must be absolute: \$\{workspaceFolder\}\/models\/q\.gguf \(Hearth fills in no \$\{…\} variables, only a leading ~\/ as your home folder: give the whole path\)$/],
      [join(dir, "missing.gguf"), /model file not found: .*missing\.gguf/],
      [join(dir, "empty.gguf"), /the model file is empty \(0 bytes\)/],
      // A model reached through a link whose target went away (a disk not mounted now, the Hugging Face cache's blob deleted): the link is there, so "not found" misled.
      [join(dir, "linked.gguf"), /the model file is a link to \/.+\/blobs\/0123abcd, which is not there \(a disk not mounted, a file moved or deleted\): .*linked\.gguf$/],
      [join(dir, "loop.gguf"), /the model file is a link that leads back to itself \(a loop of links\): .*loop\.gguf$/],
    ];
    for (const [modelPath, message] of cases) {
      const slot = new ModelSlot();
      slot.set(settings({ modelPath }));
      await assert.rejects(slot.ready(), message);
      const state = slot.state();
      assert.ok(state.kind === "error" && state.fix === "selectModel" && message.test(state.message), JSON.stringify(state));
    }
  });

  it("takes a modelPath starting with ~/ (typed into settings by hand) as in the home folder", async (t) => {
    const home = folder(t);
    script(home, "at-home");
    const saved = process.env.HOME;
    process.env.HOME = home;
    t.after(() => (saved === undefined ? delete process.env.HOME : (process.env.HOME = saved)));
    const slot = new ModelSlot();
    t.after(() => slot.dispose());
    slot.set(settings({ modelPath: "~/at-home.json" }));
    await slot.ready();
    const state = slot.state();
    assert.ok(state.kind === "ready" && state.source.kind === "file" && state.source.modelPath === join(home, "at-home.json"), JSON.stringify(state));
  });

  it("keeps the loaded model when nothing that affects it changes, reloads when something does", async (t) => {
    const dir = folder(t);
    const a = script(dir, "A");
    const states: ModelState[] = [];
    const slot = new ModelSlot({ onState: (s) => states.push(s) });
    t.after(() => slot.dispose());
    slot.configure(settings({ modelPath: a }));
    const first = await slot.ready();
    slot.configure(settings({ modelPath: a, approvalPolicy: "auto-all" }));
    assert.equal(await slot.ready(), first, "an unrelated setting keeps the model");
    slot.configure(settings({ modelPath: a, threads: 2 }));
    assert.notEqual(await slot.ready(), first, "threads reload it");
    assert.equal(first.state().kind, "disposed", "the replaced backend is disposed");
  });

  // The same settings naming a file that is no longer the one loaded (re-downloaded, replaced
  // by hand, fixed after its load failed) kept the old model, or the old error, until a restart.
  it("a model file replaced at the same path is loaded again at the next settings check", async (t) => {
    const dir = folder(t);
    const path = join(dir, "model.json");
    writeFileSync(path, JSON.stringify({ name: "old", turns: [] }));
    const slot = new ModelSlot();
    t.after(() => slot.dispose());
    slot.configure(settings({ modelPath: path }));
    const first = await slot.ready();
    writeFileSync(`${path}.new`, JSON.stringify({ name: "the new one", turns: [] }));
    renameSync(`${path}.new`, path);
    slot.configure(settings({ modelPath: path }));
    const second = await slot.ready();
    assert.notEqual(second, first, "the new file is loaded");
    assert.equal(first.state().kind, "disposed", "the old model is let go");
    const state = slot.state();
    assert.ok(state.kind === "ready" && state.name === "the new one", JSON.stringify(state));
  });

  it("a model file whose load failed, fixed at the same path, loads at the next settings check", async (t) => {
    const dir = folder(t);
    const path = join(dir, "model.json");
    writeFileSync(path, "{ this is not a script");
    const slot = new ModelSlot();
    t.after(() => slot.dispose());
    slot.configure(settings({ modelPath: path }));
    await assert.rejects(slot.ready());
    assert.equal(slot.state().kind, "error");
    writeFileSync(path, JSON.stringify({ name: "fixed", turns: [] }));
    slot.configure(settings({ modelPath: path }));
    await slot.ready();
    const state = slot.state();
    assert.ok(state.kind === "ready" && state.name === "fixed", JSON.stringify(state));
  });

  it("while its load has failed, requests (a completion per keystroke) look at the model's files at most once a second", async (t) => {
    const dir = folder(t);
    const path = join(dir, "model.json");
    writeFileSync(path, "{ this is not a script");
    const clock = new FakeClock();
    const slot = new ModelSlot({ clock });
    t.after(() => slot.dispose());
    slot.configure(settings({ modelPath: path }));
    await assert.rejects(slot.ready());
    await assert.rejects(slot.ready()); // looks: nothing changed
    writeFileSync(path, JSON.stringify({ name: "fixed", turns: [] }));
    await assert.rejects(slot.ready(), /./, "no second look within the second");
    assert.equal(slot.state().kind, "error");
    clock.advance(999);
    await assert.rejects(slot.ready());
    clock.advance(1);
    await slot.ready();
    const state = slot.state();
    assert.ok(state.kind === "ready" && state.name === "fixed", JSON.stringify(state));
  });

  it("an explicit load (Select Model on the same file, Try again: model/load) looks at once, within that second", async (t) => {
    const dir = folder(t);
    const path = join(dir, "model.json");
    writeFileSync(path, "{ this is not a script");
    const clock = new FakeClock();
    const slot = new ModelSlot({ clock });
    t.after(() => slot.dispose());
    slot.configure(settings({ modelPath: path }));
    await assert.rejects(slot.ready());
    await assert.rejects(slot.ready()); // a completion's request: its look at the files starts the second
    writeFileSync(path, JSON.stringify({ name: "fixed", turns: [] }));
    const state = await slot.load(false);
    assert.ok(state.kind === "ready" && state.name === "fixed", JSON.stringify(state));
  });

  it("a wall clock set back (NTP after a suspend, a changed date) does not stop the looks at a failed model's files until it catches up", async (t) => {
    const dir = folder(t);
    const path = join(dir, "model.json");
    writeFileSync(path, "{ this is not a script");
    const clock = new FakeClock();
    clock.set(3_600_000);
    const slot = new ModelSlot({ clock });
    t.after(() => slot.dispose());
    slot.configure(settings({ modelPath: path }));
    await assert.rejects(slot.ready());
    await assert.rejects(slot.ready()); // looks: nothing changed
    clock.set(0); // an hour back
    writeFileSync(path, JSON.stringify({ name: "fixed", turns: [] }));
    clock.advance(1000);
    await slot.ready();
    const state = slot.state();
    assert.ok(state.kind === "ready" && state.name === "fixed", JSON.stringify(state));
  });

  it("lets the newest configuration win and disposes the one it replaced", async (t) => {
    const dir = folder(t);
    const [a, b] = [script(dir, "A"), script(dir, "B")];
    const slot = new ModelSlot();
    t.after(() => slot.dispose());
    slot.configure(settings({ modelPath: a }));
    slot.configure(settings({ modelPath: b })); // before A's check has finished
    await slot.ready();
    const state = slot.state();
    assert.ok(state.kind === "ready" && state.name === "B", JSON.stringify(state));
    slot.configure(settings({ modelPath: "" })); // no file, no server, a preset never downloaded
    await assert.rejects(slot.ready(), /no model: download the recommended model/);
  });
});
