// `hearth models` lists the files in its models folder by path: a file put there by hand (a
// model downloaded elsewhere, a name from a web page) or the folder itself (HEARTH_HOME) may be
// named with what a terminal acts on (ESC ]52; writes the clipboard, ESC ]0; the title). The
// listing shows those names escaped, as the rest of the CLI does.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeCatalog } from "../../../src/cli/commands/models.ts";
import { PRESETS, recommendModel } from "../../../src/models/index.ts";

const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe("hearth models' listing of downloaded files", () => {
  it("shows the folder's and each file's name escaped", () => {
    const text = describeCatalog({
      presets: PRESETS,
      recommendation: recommendModel({ vramBytes: 0, ramBytes: 16 * 1024 ** 3 }),
      modelsFolder: "/m\x1b]0;t\x07",
      downloaded: [{ path: "/m\x1b]0;t\x07/x\x1b]52;c;eA==\x07\u202e.gguf", sizeBytes: 1e9, complete: true }],
    });
    assert.equal(RAW_CONTROL.exec(text), null, JSON.stringify(text));
    assert.match(text, /Downloaded \(\/m\\x1b\]0;t\\x07\):/);
    assert.match(text, /\/m\\x1b\]0;t\\x07\/x\\x1b\]52;c;eA==\\x07\\u202e\.gguf {2}/);
  });
});
