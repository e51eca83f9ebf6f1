// A model path is a script (the scripted backend's *.json) by one rule, models' isScriptPath:
// the CLI's --model check and its architecture check each had a copy of it, so a change to
// the rule (another extension, a case) would have reached the backend and not the CLI.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { modelFileOption } from "../../../src/cli/command.ts";
import { refuseOtherArchitecture } from "../../../src/cli/model-architecture.ts";
import { isScriptPath } from "../../../src/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

describe("a --model script path", () => {
  it("is told by models' isScriptPath, which the CLI's checks follow", async () => {
    assert.equal(isScriptPath("turns.JSON"), true);
    assert.equal(isScriptPath("qwen.gguf"), false);
    const work = tempDir("hearth-script-path-");
    const script = join(work, "turns.JSON");
    writeFileSync(script, "GGUF and then a script's text, not a model");
    assert.equal(modelFileOption(work, script), script);
    await refuseOtherArchitecture(script);
  });
});
