// npm exports EDITOR (and users have PAGER, GIT_* …) into every script's environment;
// checkpoints must work under `npm test` and in an extension host alike.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { CheckpointStore } from "../../../src/tools/index.ts";

it("checkpoints work with EDITOR, VISUAL, PAGER and GIT_* variables set", async () => {
  const saved = { ...process.env };
  const root = mkdtempSync(join(tmpdir(), "hearth-cp-env-"));
  const storageDir = mkdtempSync(join(tmpdir(), "hearth-cp-store-"));
  Object.assign(process.env, { EDITOR: "vi", VISUAL: "vi", PAGER: "less", GIT_PAGER: "cat", GIT_EDITOR: "vi" });
  try {
    writeFileSync(join(root, "a.txt"), "one\n");
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    const first = await store.create("first");
    writeFileSync(join(root, "a.txt"), "two\n");
    assert.match(await store.diff(first.id), /^-one$\n^\+two$/m);
  } finally {
    for (const key of ["EDITOR", "VISUAL", "PAGER", "GIT_PAGER", "GIT_EDITOR"]) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    for (const dir of [root, storageDir]) rmSync(dir, { recursive: true, force: true });
  }
});
