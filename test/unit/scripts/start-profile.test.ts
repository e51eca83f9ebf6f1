// `npm start`'s workbench profile (issue 15): it is the one a user keeps, so it must not get
// the tests' settings (workspace trust off, VS Code's AI features off, quick suggestions off)
// and must not overwrite what the user changed there on the next start.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
// @ts-expect-error: a plain .mjs script without type declarations
import * as codeServer from "../../../scripts/code-server.mjs";
import { tempDir } from "../../fixtures/temp.ts";

const { CLEAN_SETTINGS, prepareProfile, startProfile } = codeServer as {
  CLEAN_SETTINGS: Record<string, unknown>;
  prepareProfile(root: string, settings?: Record<string, unknown>): unknown;
  startProfile(root: string): unknown;
};

const settingsOf = (root: string) => JSON.parse(readFileSync(join(root, "user", "User", "settings.json"), "utf8")) as Record<string, unknown>;

describe("npm start's profile", () => {
  it("a new profile gets quiet settings, none of the tests' behaviour changes", () => {
    const root = tempDir("hearth-start-profile-");
    startProfile(root);
    const settings = settingsOf(root);
    for (const key of ["security.workspace.trust.enabled", "chat.disableAIFeatures", "editor.quickSuggestions"]) {
      assert.equal(key in settings, false, `${key} is the tests' setting`);
    }
    assert.equal(settings["telemetry.telemetryLevel"], "off");
  });

  it("what the user set in the workbench survives the next start", () => {
    const root = tempDir("hearth-start-profile-");
    startProfile(root);
    const mine = { "workbench.colorTheme": "Default Light Modern", "hearth.threads": 4 };
    writeFileSync(join(root, "user", "User", "settings.json"), JSON.stringify(mine));
    startProfile(root);
    assert.deepEqual(settingsOf(root), mine);
  });

  it("test profiles still get the tests' settings, written afresh", () => {
    const root = tempDir("hearth-test-profile-");
    prepareProfile(root, { "hearth.threads": 1 });
    writeFileSync(join(root, "user", "User", "settings.json"), "{}");
    prepareProfile(root, { "hearth.threads": 1 });
    assert.deepEqual(settingsOf(root), { ...CLEAN_SETTINGS, "hearth.threads": 1 });
  });
});
