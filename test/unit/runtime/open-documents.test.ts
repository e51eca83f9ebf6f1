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
