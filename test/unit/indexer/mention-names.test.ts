// The composer's @-mentions of files named out of ASCII: a name made on macOS is decomposed on
// disk (é as e + U+0301) while a keyboard types it composed (U+00E9). Real files, the real indexer.
import { it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { searchMentions } from "../../../src/indexer/index.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

it("finds a decomposed file name by the composed letters typed, and a composed one by decomposed letters", async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  writeFileSync(join(dir, "cafe\u0301.py"), "x = 1\n");
  writeFileSync(join(dir, "cr\u00e8me.py"), "y = 1\n");
  writeFileSync(join(dir, "other.py"), "z = 1\n");
  const index = await indexOf(dir, { history: false });
  t.after(() => index.close());
  assert.deepEqual(searchMentions(index, "caf\u00e9").files, ["cafe\u0301.py"]);
  assert.deepEqual(searchMentions(index, "CAF\u00c9.PY").files, ["cafe\u0301.py"]);
  assert.deepEqual(searchMentions(index, "cre\u0300me").files, ["cr\u00e8me.py"]);
});
