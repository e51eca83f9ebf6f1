/**
 * Split GGUFs (`name-00001-of-00003.gguf`, …): node-llama-cpp and llama.cpp read every part
 * when given the first, so the validator must check every part with its bounded reader, say
 * which part is missing, point at the first part when another one is chosen, and refuse a part
 * of another download (which aborted the process or failed as "Failed to load model").
 * Real split sets come from the fixture's generateTinySplitModel (gguf-split's split.* keys).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, renameSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BackendError } from "../../../src/models/backend.ts";
import { validateModelFile } from "../../../src/models/llama-cpp/validate.ts";
import { brokenModelFile, ensureTinyModel, generateTinySplitModel, type TinyArch } from "../../fixtures/models/index.ts";
import { gguf, writeGguf } from "../../fixtures/models/gguf-writer.ts";
import { cpuLlama } from "./llama.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A folder holding copies of `files` under the given names. */
function folderWith(files: Record<string, string>): string {
  const dir = tempDir("hearth-split-");
  for (const [name, source] of Object.entries(files)) copyFileSync(source, join(dir, name));
  return dir;
}

/** The tiny model as gguf-split writes it in `parts` files, `model-0000N-of-0000M.gguf` in `dir` (a new folder when none is given); the first part's path. */
async function splitSet(parts: number, arch: TinyArch = "qwen35", dir = tempDir("hearth-split-")): Promise<string> {
  const files = await generateTinySplitModel({ arch }, parts);
  files.forEach((bytes, i) => writeFileSync(join(dir, `model-${String(i + 1).padStart(5, "0")}-of-${String(parts).padStart(5, "0")}.gguf`), bytes));
  return join(dir, `model-00001-of-${String(parts).padStart(5, "0")}.gguf`);
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

  it("a real split set (split.* keys, the tensors shared out) passes, its size all parts together, and node-llama-cpp loads it", async () => {
    const first = await splitSet(3);
    const model = await validateModelFile(first);
    const sizes = [1, 2, 3].map((n) => statSync(first.replace("00001-of", `0000${n}-of`)).size);
    assert.equal(model.fileSize, sizes[0]! + sizes[1]! + sizes[2]!);
    const loaded = await (await cpuLlama()).loadModel({ modelPath: first });
    try {
      assert.ok(loaded.tokenize("hello").length > 0);
    } finally {
      await loaded.dispose();
    }
  });

  it("a part of another model under a part's name (another model's split, same count) is refused naming the tensor held twice, before the load aborts on it", async () => {
    const first = await splitSet(3);
    const other = await splitSet(3, "qwen35moe");
    copyFileSync(other.replace("00001-of", "00002-of"), first.replace("00001-of", "00002-of"));
    await assert.rejects(validateModelFile(first), refusedWith(/model-00001-of-00003\.gguf: tensor blk\.\S+ is in both model-0000\d-of-00003\.gguf and model-0000\d-of-00003\.gguf, so the parts come from different models or quantizations\. Download the parts again/));
  });

  it("a whole model, or another split's part, saved under a part's name: says what it is", async () => {
    const first = await splitSet(3);
    const second = first.replace("00001-of", "00002-of");
    copyFileSync(await ensureTinyModel({ arch: "qwen35" }), second);
    await assert.rejects(validateModelFile(first), refusedWith(/model-00002-of-00003\.gguf is a whole model, not part 2 of 3 of a split one \(it has no split\.count\)/));
    copyFileSync((await splitSet(2)).replace("00001-of-00002", "00002-of-00002"), second);
    await assert.rejects(validateModelFile(first), refusedWith(/model-00002-of-00003\.gguf is part 2 of a model split into 2 files \(its split\.no and split\.count say so\), not part 2 of 3: another part, or another download's, under this one's name/));
  });

  it("parts that hold fewer tensors than the first says the model has: refused", async () => {
    const first = await splitSet(3);
    writeFileSync(first.replace("00001-of", "00003-of"), writeGguf(new Map([["split.no", gguf.u16(2)], ["split.count", gguf.u16(3)], ["split.tensors.count", gguf.i32(1)]]), []));
    await assert.rejects(validateModelFile(first), refusedWith(/its 3 parts hold \d+ tensors, and the first says the model has \d+ \(split\.tensors\.count\): the parts are not all of one model/));
  });

  it("a first part chosen as the Hugging Face cache's blob (blobs/<sha256>, no name): points at its name in snapshots/, and that name loads", async () => {
    const parts = await generateTinySplitModel({ arch: "qwen35" }, 2);
    const repo = join(tempDir("hearth-hf-"), "models--Qwen--Qwen3.5-Tiny-GGUF");
    const snapshot = join(repo, "snapshots", "0123abc");
    mkdirSync(join(repo, "blobs"), { recursive: true });
    mkdirSync(snapshot, { recursive: true });
    parts.forEach((bytes, i) => {
      const sha = createHash("sha256").update(bytes).digest("hex");
      writeFileSync(join(repo, "blobs", sha), bytes);
      symlinkSync(`../../blobs/${sha}`, join(snapshot, `Qwen3.5-Tiny-Q8_0-0000${i + 1}-of-00002.gguf`));
    });
    const blob = join(repo, "blobs", createHash("sha256").update(parts[0]!).digest("hex"));
    await assert.rejects(validateModelFile(blob), refusedWith(/is part 1 of a model split into 2 files \(its split\.no and split\.count say so\), as the Hugging Face cache stores it, without its name, which llama\.cpp finds the other parts by: choose the part whose name ends -00001-of-00002\.gguf in the cache's .+models--Qwen--Qwen3\.5-Tiny-GGUF\/snapshots folder/));
    const model = await validateModelFile(join(snapshot, "Qwen3.5-Tiny-Q8_0-00001-of-00002.gguf"));
    assert.equal(model.fileSize, parts[0]!.length + parts[1]!.length);
  });

  it("a first part renamed (model.gguf): says llama.cpp finds the other parts by the part names", async () => {
    const first = await splitSet(3);
    const renamed = join(first, "..", "model.gguf");
    renameSync(first, renamed);
    await assert.rejects(validateModelFile(renamed), refusedWith(/model\.gguf is part 1 of a model split into 3 files \(its split\.no and split\.count say so\), under a name llama\.cpp cannot find the other parts by: give the parts back the names they were downloaded with \(this one's ends -00001-of-00003\.gguf\)/));
  });
});
