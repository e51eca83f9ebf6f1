// A modelPath starting with ~/ with HOME empty or relative (a systemd unit's
// `Environment=HOME=`, a CI step's env): os.homedir() is then HOME as it is, so ~/m.gguf was
// /m.gguf (HOME empty) or a path relative to the folder Hearth runs in (HOME=.). It is the
// user's home folder from the system's user list then, as with a set HOME.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ModelSlot } from "../../../src/models/index.ts";
import { DEFAULT_SETTINGS } from "../../../src/protocol/settings.ts";

describe("ModelSlot with HOME empty or relative", () => {
  for (const home of ["", "."]) {
    it(`HOME=${JSON.stringify(home)}: ~/ in a modelPath is the user's home folder`, async (t) => {
      const saved = process.env.HOME;
      process.env.HOME = home;
      t.after(() => (saved === undefined ? delete process.env.HOME : (process.env.HOME = saved)));
      const name = `hearth-no-such-model-${randomBytes(6).toString("hex")}.gguf`;
      const slot = new ModelSlot();
      t.after(() => slot.dispose());
      slot.set({ ...DEFAULT_SETTINGS, modelPath: `~/${name}` });
      await assert.rejects(slot.ready());
      const state = slot.state();
      assert.ok(state.kind === "error" && state.message.includes(`model file not found: ${join(userInfo().homedir, name)}`), JSON.stringify(state));
    });
  }
});
