// Open documents as the runtime follows them: text, version, and where each was last edited.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OpenDocuments } from "../../../src/runtime/open-documents.ts";

describe("OpenDocuments", () => {
  it("follows text and versions, and where each document was last edited, newest first", () => {
    const docs = new OpenDocuments();
    docs.opened("file:///a.ts", "one\ntwo\nthree\n", 1);
    docs.opened("file:///b.ts", "x\n", 1);
    assert.deepEqual(docs.recentlyEdited(), [], "opening is not editing");
    docs.changed("file:///a.ts", "one\ntwo!\nthree\n", 2);
    docs.changed("file:///b.ts", "x\ny\n", 5);
    assert.equal(docs.version("file:///a.ts"), 2);
    assert.equal(docs.text("file:///b.ts"), "x\ny\n");
    const recent = docs.recentlyEdited();
    assert.deepEqual(recent.map((d) => [d.uri, d.line]).sort(), [["file:///a.ts", 1], ["file:///b.ts", 1]]);
  });

  it("finds the edited line of a big document without comparing it character by character", () => {
    // Every keystroke sends the whole text; a JavaScript loop over 7 MB took ~25 ms of the runtime's thread each time.
    const text = Array.from({ length: 100_000 }, (_, i) => `const v${i} = ${i};`).join("\n");
    const docs = new OpenDocuments();
    docs.opened("file:///big.ts", text, 1);
    const charCodeAt = String.prototype.charCodeAt;
    let compared = 0;
    String.prototype.charCodeAt = function (this: string, index: number) {
      compared++;
      return charCodeAt.call(this, index);
    };
    try {
      docs.changed("file:///big.ts", text.replace("const v99990 =", "const v99990x ="), 2);
    } finally {
      String.prototype.charCodeAt = charCodeAt;
    }
    assert.equal(docs.recentlyEdited()[0]!.line, 99_990);
    assert.ok(compared < 20_000, `${compared} characters compared one by one`);
  });

  it("closing forgets the document and tells the listeners", () => {
    const docs = new OpenDocuments();
    const closed: string[] = [];
    docs.onClosed((uri) => closed.push(uri));
    docs.opened("file:///a.ts", "a", 1);
    docs.closed("file:///a.ts");
    assert.equal(docs.text("file:///a.ts"), undefined);
    assert.equal(docs.version("file:///a.ts"), undefined);
    assert.deepEqual(closed, ["file:///a.ts"]);
  });
});
