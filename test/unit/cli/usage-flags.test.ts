// Each command's --help against what it really parses: an option it takes that its usage never
// names (hearth models --verbose) is one nobody finds; one its usage names that it does not take
// is answered "unknown option" when a user tries it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COMMANDS } from "../../../src/cli/commands.ts";
import { APPLY_PATCH_FLAGS } from "../../../src/cli/commands/apply-patch.ts";
import { CHAT_FLAGS } from "../../../src/cli/commands/chat.ts";
import { FIX_FLAGS } from "../../../src/cli/commands/fix.ts";
import { INDEX_COMMAND_FLAGS } from "../../../src/cli/commands/index.ts";
import { LOCATE_FLAGS } from "../../../src/cli/commands/locate.ts";
import { MAP_FLAGS } from "../../../src/cli/commands/map.ts";
import { MODELS_FLAGS } from "../../../src/cli/commands/models.ts";
import { STATUS_FLAGS } from "../../../src/cli/commands/status.ts";
import { STORAGE_FLAGS } from "../../../src/cli/commands/storage.ts";

const TAKES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "apply-patch": APPLY_PATCH_FLAGS, chat: CHAT_FLAGS, fix: FIX_FLAGS, index: INDEX_COMMAND_FLAGS, locate: LOCATE_FLAGS,
  map: MAP_FLAGS, models: MODELS_FLAGS, status: STATUS_FLAGS, storage: STORAGE_FLAGS,
};

/** Another command's option a usage names on purpose (`hearth models --download`, `--model FILE` for chat and fix). */
const OTHERS: Readonly<Record<string, readonly string[]>> = { fix: ["download"], models: ["model"] };

describe("each command's --help and the options it parses", () => {
  it("every command is checked", () => {
    assert.deepEqual(COMMANDS.map((c) => c.name).sort(), Object.keys(TAKES).sort());
  });

  for (const command of COMMANDS) {
    it(`hearth ${command.name}: names every option it takes, and takes every option it names`, () => {
      const takes = Object.keys(TAKES[command.name] ?? {}).sort();
      const named = [...new Set([...command.usage.matchAll(/(?<![\w-])--([a-z][a-z-]*[a-z])/g)].map((m) => m[1]!))]
        .filter((name) => !OTHERS[command.name]?.includes(name))
        .sort();
      assert.deepEqual(named, takes);
    });
  }
});
