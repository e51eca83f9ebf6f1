// A download's origin record (<part>.json: which version of the file the .part holds) written
// where the disk has no room for the new one (a real small tmpfs, filled): writeFile truncated
// the old record first and then failed, leaving an empty file, which reads as "a part from
// before" — a resume no validator guards, so a re-uploaded model's tail could be joined to the
// old file's head. The old record must stay whole, and nothing be left beside it.
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readOrigin, writeOrigin } from "../../../src/models/part-origin.ts";
import { fillDisk, smallDisk } from "../../fixtures/small-disk.ts";

describe("writeOrigin", () => {
  it("on a full disk leaves the origin kept before whole, and nothing beside it", async (t) => {
    const mount = smallDisk(t, { size: "64k" });
    if (!mount) return;
    const part = join(mount, "model.gguf.part");
    writeFileSync(part, "");
    const before = { total: 1000, validator: '"etag-1"', sha256: "a".repeat(64) };
    await writeOrigin(part, before);
    fillDisk(mount);
    // More than the page the old record holds: it does not fit, truncated or not.
    await assert.rejects(writeOrigin(part, { total: 2000, validator: `"${"e".repeat(6000)}"` }), { code: "ENOSPC" });
    assert.deepEqual(await readOrigin(part), before);
    assert.deepEqual(readdirSync(mount).sort(), ["filler", "model.gguf.part", "model.gguf.part.json"]);
  });

  it("writes over a .tmp a killed process left, and replaces the origin", async (t) => {
    const mount = smallDisk(t, { size: "64k" });
    if (!mount) return;
    const part = join(mount, "model.gguf.part");
    writeFileSync(`${part}.json.tmp`, '{"total":');
    await writeOrigin(part, { total: 1 });
    await writeOrigin(part, { total: 2, validator: "Tue, 01 Dec 2026 10:00:00 GMT" });
    assert.deepEqual(await readOrigin(part), { total: 2, validator: "Tue, 01 Dec 2026 10:00:00 GMT" });
    assert.deepEqual(readdirSync(mount), ["model.gguf.part.json"]);
  });
});
