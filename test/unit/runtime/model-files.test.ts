// Manage Downloaded Models' runtime side on real files: a delete or a listing that fails
// says what failed and what to do, in words (a BackendError the extension shows as is),
// never a bare "ENOENT: no such file or directory, unlink …".
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BackendError } from "../../../src/models/backend.ts";
import { lockPart } from "../../../src/models/part-lock.ts";
import { deleteModelFile, modelCatalog } from "../../../src/runtime/model-files.ts";
import { tempDir } from "../../fixtures/temp.ts";

describe("deleting a downloaded model", () => {
  it("deletes the file, and with an interrupted download's part also what it was started from", async () => {
    const folder = tempDir("hearth-models-");
    writeFileSync(join(folder, "m.gguf.part"), "GGUF");
    writeFileSync(join(folder, "m.gguf.part.json"), "{}");
    await deleteModelFile(folder, join(folder, "m.gguf.part"));
    assert.equal(existsSync(join(folder, "m.gguf.part")), false);
    assert.equal(existsSync(join(folder, "m.gguf.part.json")), false);
  });

  it("an interrupted download's part that a download is writing now is not deleted: it says to cancel that download first", async () => {
    const folder = tempDir("hearth-models-");
    const part = join(folder, "m.gguf.part");
    writeFileSync(part, "GGUF");
    writeFileSync(`${part}.json`, "{}");
    const lock = await lockPart(part);
    assert.ok(!("holder" in lock));
    try {
      await assert.rejects(deleteModelFile(folder, part), (error: unknown) => {
        assert.ok(error instanceof BackendError, String(error));
        assert.match(error.message, /^m\.gguf\.part is being downloaded now \(by process \d+ on .+\): cancel that download first, then delete it\. Nothing was deleted\.$/);
        return true;
      });
      assert.equal(existsSync(part), true);
      assert.equal(existsSync(`${part}.json`), true);
    } finally {
      await lock.release();
    }
    await deleteModelFile(folder, part);
    assert.equal(existsSync(part), false);
    assert.equal(existsSync(`${part}.lock`), false, "the delete's own lock is released");
  });

  // Said as 'by process <this runtime's pid> on <this machine>': the pid the lock gave for a holder it could not read.
  it("a part whose download lock another version of Hearth holds (in a shape this version does not read) is not deleted, saying so", async () => {
    const folder = tempDir("hearth-models-");
    const part = join(folder, "m.gguf.part");
    writeFileSync(part, "GGUF");
    writeFileSync(`${part}.lock`, JSON.stringify({ format: 2, owner: { pid: 4242, host: "other-machine.example" } }));
    await assert.rejects(deleteModelFile(folder, part), (error: unknown) => {
      assert.ok(error instanceof BackendError, String(error));
      assert.equal(error.message, "m.gguf.part is being downloaded now (by another version of Hearth, whose lock this version does not read): cancel that download first, then delete it. Nothing was deleted.");
      return true;
    });
    assert.equal(existsSync(part), true);
    assert.equal(existsSync(`${part}.lock`), true);
  });

  it("deletes what a model download moved aside (a page saved as the model, an incomplete model), which the list shows", async () => {
    const folder = tempDir("hearth-models-");
    for (const name of ["m.gguf.not-a-model", "m.gguf.not-a-model-2", "m.gguf.incomplete"]) {
      writeFileSync(join(folder, name), "<html>");
      await deleteModelFile(folder, join(folder, name));
      assert.equal(existsSync(join(folder, name)), false, name);
    }
    writeFileSync(join(folder, "notes.txt"), "");
    await assert.rejects(deleteModelFile(folder, join(folder, "notes.txt")), /only model files inside/);
  });

  it("deletes a model whose name starts with two dots (..m.gguf); refuses one outside the folder", async () => {
    const folder = tempDir("hearth-models-");
    writeFileSync(join(folder, "..m.gguf"), "GGUF");
    await deleteModelFile(folder, join(folder, "..m.gguf"));
    assert.equal(existsSync(join(folder, "..m.gguf")), false);
    await assert.rejects(deleteModelFile(folder, join(folder, "..", "m.gguf")), /only model files inside/);
  });

  it("a file deleted under it (outside Hearth) says it is gone, not ENOENT", async () => {
    const folder = tempDir("hearth-models-");
    await assert.rejects(deleteModelFile(folder, join(folder, "gone.gguf")), (error: unknown) => {
      assert.ok(error instanceof BackendError, String(error));
      assert.match(error.message, /^gone\.gguf is not in .* any more: it was deleted or moved outside Hearth\. Nothing was deleted; open Manage Downloaded Models again for the current list\.$/);
      return true;
    });
  });

  it("a file that cannot be deleted names the reason and what to do", async () => {
    const folder = tempDir("hearth-models-");
    // unlink of a folder fails as a protected file would (EISDIR on Linux, EPERM elsewhere).
    mkdirSync(join(folder, "odd.gguf"));
    await assert.rejects(deleteModelFile(folder, join(folder, "odd.gguf")), (error: unknown) => {
      assert.ok(error instanceof BackendError, String(error));
      assert.match(error.message, /^Cannot delete odd\.gguf \(E[A-Z]+\): .*Delete it yourself from .*hearth-models-\w+/);
      return true;
    });
  });
});

describe("listing the downloaded models", () => {
  it("a models folder that is not a folder fails with its path and what to do, before anything else is asked", async () => {
    const parent = tempDir("hearth-models-");
    const folder = join(parent, "models");
    writeFileSync(folder, "not a folder");
    await assert.rejects(modelCatalog(folder), (error: unknown) => {
      assert.ok(error instanceof BackendError, String(error));
      assert.match(error.message, /^Cannot read Hearth's models folder .*models \(ENOTDIR\)\. Make it a folder Hearth can read and write/);
      return true;
    });
  });
});
