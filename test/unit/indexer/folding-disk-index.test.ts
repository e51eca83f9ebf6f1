// The index of a folder on a real disk that ignores letter case and Unicode normalization (as
// macOS and Windows disks do: test/fixtures/folding-disk.ts, a FUSE mount; skipped where FUSE
// is not there). An editor or a watcher may name an indexed file in another spelling, which
// the disk answers for: the index keeps one record, under the name its folder lists.
import assert from "node:assert/strict";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { findDefinitions } from "../../../src/indexer/index.ts";
import { foldingDisk } from "../../fixtures/folding-disk.ts";
import { indexOf } from "./helpers/setup.ts";

it("indexes a file once whatever spelling the editor or the watcher names it by, and follows a rename by case", async (t) => {
  const root = await foldingDisk(t);
  if (root === undefined) return;
  mkdirSync(join(root, "src"));
  writeFileSync(join(root, "src", "utils.ts"), "export function helper() {}\n");
  writeFileSync(join(root, "cafe\u0301.py"), "def brew(): pass\n");
  const index = await indexOf(root, { history: false });
  t.after(() => index.close());
  const paths = () => [...index.files.keys()].sort();
  assert.deepEqual(paths(), ["cafe\u0301.py", "src/utils.ts"]);

  await index.updateFile("Src/Utils.ts", "export function helper() {}\nexport function other() {}\n");
  await index.updateFile(join(root, "SRC", "UTILS.TS"));
  await index.updateFile("caf\u00e9.py");
  assert.deepEqual(paths(), ["cafe\u0301.py", "src/utils.ts"]);
  assert.deepEqual(findDefinitions(index, "helper").map((d) => d.path), ["src/utils.ts"]);

  renameSync(join(root, "src", "utils.ts"), join(root, "src", "Utils.ts"));
  await index.updateFile("src/Utils.ts"); // the watcher: made
  await index.updateFile("src/utils.ts"); // and the old name, which the disk still answers for
  assert.deepEqual(paths(), ["cafe\u0301.py", "src/Utils.ts"]);
  assert.deepEqual(findDefinitions(index, "helper").map((d) => d.path), ["src/Utils.ts"]);
});
