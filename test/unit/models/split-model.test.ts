// A split model's part names, shared by the model's checks and the slot's look at its files.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { splitModel } from "../../../src/models/split-model.ts";

describe("splitModel", () => {
  it("names every part of the model a part's name belongs to, in its folder", () => {
    const split = splitModel("/m/qwen-Q4-00002-of-00012.gguf");
    assert.equal(split?.part, 2);
    assert.equal(split?.parts, 12);
    assert.equal(split?.partPath(1), "/m/qwen-Q4-00001-of-00012.gguf");
    assert.equal(split?.partPath(12), "/m/qwen-Q4-00012-of-00012.gguf");
  });

  it("a file not split has none", () => {
    assert.equal(splitModel("/m/qwen-Q4.gguf"), undefined);
    assert.equal(splitModel("/m/qwen-1-of-2.gguf"), undefined);
  });
});
