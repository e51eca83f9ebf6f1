// What the index left out, said where a user looks: the Hearth view's index line named only
// the file limit; files skipped as too large, binary, unreadable, or a .gitignore whose rules
// were not applied (a link) were counted nowhere but `hearth index`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { leftOutMessage } from "../../../src/indexer/index.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

describe("what the index left out", () => {
  it("counts the files skipped for their size, kind or reading, by reason, not those the user chose to leave out", async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, "conf"));
      mkdirSync(join(dir, "node_modules"));
      writeFileSync(join(dir, "app.ts"), "export const A = 1;\n");
      writeFileSync(join(dir, "big.ts"), `export const B = "${"b".repeat(2000)}";\n`);
      writeFileSync(join(dir, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
      writeFileSync(join(dir, "icon.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 0, 0]));
      writeFileSync(join(dir, "node_modules/dep.js"), "module.exports = 1;\n");
      writeFileSync(join(dir, ".hearthignore"), "*.log\n");
      writeFileSync(join(dir, "debug.log"), "x\n");
      writeFileSync(join(dir, "conf/gitignore"), "scratch/\n");
      symlinkSync("conf/gitignore", join(dir, ".gitignore"));
      const index = await indexOf(dir, { history: false, limits: { maxFileBytes: 1000 } });
      try {
        const report = index.summary();
        assert.equal(
          leftOutMessage(report),
          "4 not indexed: 2 binary, 1 too large, 1 unreadable (.gitignore: a symbolic link: its rules are not applied (git does not follow it either))",
        );
        assert.deepEqual(report.leftOut.map((s) => `${s.path} ${s.reason}`).sort(), [".gitignore unreadable", "big.ts too-large", "icon.png binary", "logo.png binary"]);
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("says nothing when nothing was left out but what the user chose", () => {
    assert.equal(leftOutMessage({ skippedByReason: { ignored: 40, "excluded-dir": 3 }, leftOut: [] }), undefined);
  });

  it("names one of a kind in the singular and several in the plural, for every reason", () => {
    const one = leftOutMessage({
      skippedByReason: { secret: 1, "secret-link": 1, "symlink-loop": 1, "link-outside": 1 },
      leftOut: [],
    });
    assert.equal(one, "4 not indexed: 1 link out of the folder, 1 secret-looking file, 1 other name of a secret file, 1 link loop");
    const others = leftOutMessage({ skippedByReason: { "link-duplicate": 1, "not-regular": 1, "parse-timeout": 1, "parse-error": 1 }, leftOut: [] });
    assert.equal(others, "4 not indexed: 1 second link to a folder, 1 pipe or device, 1 parse error, 1 parse timeout");
    const many = leftOutMessage({ skippedByReason: { secret: 3, "not-regular": 2, "parse-error": 2, "link-outside": 2 }, leftOut: [] });
    assert.equal(many, "9 not indexed: 3 secret-looking files, 2 links out of the folder, 2 pipes or devices, 2 parse errors");
  });

  it("is one bounded line: the four commonest reasons, the rest counted, an example clipped", () => {
    const message = leftOutMessage({
      skippedByReason: { binary: 9000, "too-large": 30, minified: 12, unreadable: 4, "link-outside": 2, "symlink-loop": 1, ignored: 5000 },
      leftOut: [{ path: "mnt/remote", reason: "unreadable", detail: `timed out: ${"x".repeat(500)}` }],
    });
    assert.equal(message, `9,049 not indexed: 9,000 binary, 30 too large, 12 minified, 4 unreadable (mnt/remote: timed out: ${"x".repeat(97)}…), 3 for other reasons`);
  });
});
