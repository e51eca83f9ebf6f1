import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { indexText } from "../../../src/webview/model-panel.ts";

describe("the Hearth view's index line", () => {
  it("says that the file watcher missed changes, when the runtime found so", () => {
    const text = indexText({ kind: "ready", files: 3, symbols: 5, missedEvents: "changes came with no word from the editor's file watcher" });
    assert.equal(text, "3 files, 5 symbols · changes came with no word from the editor's file watcher");
  });
});
