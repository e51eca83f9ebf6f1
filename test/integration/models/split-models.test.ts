/**
 * Split GGUFs (`name-00001-of-00003.gguf`, …): node-llama-cpp and llama.cpp read every part
 * when given the first, so the validator must check every part with its bounded reader, say
 * which part is missing, and point at the first part when another one is chosen.
 */
import assert from "node:assert/strict";
import { copyFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BackendError } from "../../../src/models/backend.ts";
import { validateModelFile } from "../../../src/models/llama-cpp/validate.ts";
import { brokenModelFile, ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A folder holding copies of `files` under the given names. */
function folderWith(files: Record<string, string>): string {
  const dir = tempDir("hearth-split-");
  for (const [name, source] of Object.entries(files)) copyFileSync(source, join(dir, name));
  return dir;
}

function refusedWith(message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof BackendError, String(error));
    assert.match(error.message, message);
    assert.equal(error.fix, "selectModel");
    return true;
  };
}

describe("split GGUF files", () => {
  it("the first part without the others: names the missing parts, not 'not a GGUF model file'", async () => {
    const dir = folderWith({ "model-00001-of-00003.gguf": await ensureTinyModel({ arch: "qwen35" }) });
    const first = join(dir, "model-00001-of-00003.gguf");
    await assert.rejects(
      validateModelFile(first),
      refusedWith(/part 1 of a model split into 3 files; model-00002-of-00003\.gguf and model-00003-of-00003\.gguf are missing/),
    );
  });

  it("a part a browser is still downloading (Firefox's .part, Chrome's .crdownload beside it): says it is not finished, not only missing", async () => {
    const tiny = await ensureTinyModel({ arch: "qwen35" });
    const dir = folderWith({ "model-00001-of-00003.gguf": tiny, "model-00002-of-00003.gguf.part": tiny, "model-00003-of-00003.gguf.crdownload": tiny });
    await assert.rejects(
      validateModelFile(join(dir, "model-00001-of-00003.gguf")),
      refusedWith(/^.+model-00001-of-00003\.gguf is part 1 of a model split into 3 files; model-00002-of-00003\.gguf and model-00003-of-00003\.gguf are missing: model-00002-of-00003\.gguf\.part and model-00003-of-00003\.gguf\.crdownload are downloads not finished yet; choose the model again once they are done$/),
    );
  });

  it("another part than the first: says to choose the first part", async () => {
    const tiny = await ensureTinyModel({ arch: "qwen35" });
    const dir = folderWith({ "model-00001-of-00002.gguf": tiny, "model-00002-of-00002.gguf": tiny });
    await assert.rejects(validateModelFile(join(dir, "model-00002-of-00002.gguf")), refusedWith(/part 2 of a model split into 2 files: choose its first part, model-00001-of-00002\.gguf/));
  });

  it("a later part declaring a 2^40-element array is refused from its declared length, naming that part", async () => {
    const dir = folderWith({ "model-00001-of-00002.gguf": await ensureTinyModel({ arch: "qwen35" }), "model-00002-of-00002.gguf": await brokenModelFile("huge-array") });
    const second = join(dir, "model-00002-of-00002.gguf");
    await assert.rejects(validateModelFile(join(dir, "model-00001-of-00002.gguf")), (error: unknown) => {
      assert.ok(error instanceof BackendError, String(error));
      assert.match(error.message, /declares 1099511627776 items/);
      assert.ok(error.message.endsWith(second), error.message);
      return true;
    });
  });

  it("whole parts pass, and the model's size is all of them together (the memory check's input)", async () => {
    const tiny = await ensureTinyModel({ arch: "qwen35" });
    const dir = folderWith({ "model-00001-of-00002.gguf": tiny, "model-00002-of-00002.gguf": tiny });
    const model = await validateModelFile(join(dir, "model-00001-of-00002.gguf"));
    assert.equal(model.fileSize, 2 * statSync(tiny).size);
  });
});
