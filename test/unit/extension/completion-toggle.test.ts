import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type EnabledLayers, enabledFrom, planToggle } from "../../../src/extension/completion-toggle.ts";

/** The layers after the plan's writes to the user's settings. */
function after(layers: EnabledLayers, plan: ReturnType<typeof planToggle>): EnabledLayers {
  const next = { ...layers, globalValue: plan.on };
  if (plan.clearLanguage) delete next.globalLanguageValue;
  return next;
}

describe("Toggle Inline Completions", () => {
  it("reads the layers as VS Code does: a language's value over any plain one", () => {
    assert.equal(enabledFrom({}), true);
    assert.equal(enabledFrom({ globalValue: false }), false);
    assert.equal(enabledFrom({ globalValue: true, globalLanguageValue: false }), false);
    assert.equal(enabledFrom({ workspaceValue: true, globalLanguageValue: false }), false);
    assert.equal(enabledFrom({ globalLanguageValue: false, workspaceLanguageValue: true }), true);
  });

  it("in a file whose language the user turned off, turns completions on there, not off everywhere", () => {
    const layers: EnabledLayers = { globalValue: true, globalLanguageValue: false };
    const plan = planToggle(layers, "python", false);
    assert.equal(plan.on, true);
    assert.equal(plan.clearLanguage, true);
    assert.equal(enabledFrom(after(layers, plan)), true);
    assert.equal(plan.stillHere, undefined);
  });

  it("in a file whose language the user turned on, turns completions off there too", () => {
    const layers: EnabledLayers = { globalValue: false, globalLanguageValue: true };
    const plan = planToggle(layers, "python", false);
    assert.equal(plan.on, false);
    assert.equal(enabledFrom(after(layers, plan)), false);
  });

  it("leaves a language's own value alone where it agrees, and flips the plain one as before", () => {
    assert.deepEqual(planToggle({ globalValue: true }, "python", false), { on: false, clearLanguage: false });
    assert.deepEqual(planToggle({ globalValue: false, globalLanguageValue: false }, "python", false), { on: true, clearLanguage: true });
    assert.deepEqual(planToggle({}, undefined, false), { on: false, clearLanguage: false });
    assert.deepEqual(planToggle({ globalValue: false }, undefined, false), { on: true, clearLanguage: false });
  });

  it("snoozed, resumes and turns on", () => {
    assert.deepEqual(planToggle({ globalValue: true }, "python", true), { on: true, clearLanguage: false });
  });

  it("snoozed in a file whose language the user turned off, resumes and keeps that language's own value", () => {
    // The item said "snoozed", not "off": the toggle ends the snooze, it does not delete "[markdown]": {…: false}.
    const layers: EnabledLayers = { globalValue: true, globalLanguageValue: false };
    const plan = planToggle(layers, "markdown", true);
    assert.deepEqual(plan, { on: true, clearLanguage: false });
    assert.equal(enabledFrom(after(layers, plan)), false, "markdown files stay off, as before the snooze");
  });

  it("says so where the workspace's value for the language still decides", () => {
    const layers: EnabledLayers = { globalValue: true, workspaceLanguageValue: false };
    const plan = planToggle(layers, "markdown", false);
    assert.equal(plan.on, true);
    assert.equal(enabledFrom(after(layers, plan)), false);
    assert.equal(
      plan.stillHere,
      'Hearth: inline completions stay off in markdown files: this workspace\'s settings set "[markdown]": { "hearth.inlineCompletionsEnabled": false }, which applies over your user settings.',
    );
  });
});
