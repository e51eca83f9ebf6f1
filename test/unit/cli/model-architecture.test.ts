// `--model` a GGUF of another architecture (a Llama, a Mistral): hearth fix ended as exit 3,
// "the model failed: unsupported model architecture", after the lock and the MCP servers,
// as if the model had broken. It is a bad --model (exit 2), said before the run starts, with
// what to use instead. A damaged GGUF stays the model's failure (the loader says why).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, constants, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { calcCheckout, ownStateHome } from "../../fixtures/calc-checkout.ts";
import { gguf, writeGguf } from "../../fixtures/models/gguf-writer.ts";
import { ensureTinyModel, generateTinySplitModel } from "../../fixtures/models/index.ts";

function llamaModel(file: string): void {
  const metadata = new Map([
    ["general.architecture", gguf.str("llama")],
    ["llama.context_length", gguf.u32(4096)],
    ["llama.embedding_length", gguf.u32(64)],
    ["llama.block_count", gguf.u32(1)],
  ]);
  writeFileSync(file, writeGguf(metadata, [{ name: "output_norm.weight", dims: [64], type: "f32", data: new Float32Array(64).fill(1) }]));
}

describe("--model a GGUF of an architecture Hearth does not run", () => {
  ownStateHome("hearth-model-arch-xdg-");

  it("hearth fix: exit 2 before the run starts, naming the architecture and how to get a Qwen3.5 model", async () => {
    const { work, repo } = calcCheckout("hearth-model-arch-");
    const model = join(work, "llama-3-8b-00001-of-00002.gguf");
    llamaModel(model);
    writeFileSync(join(work, "llama-3-8b-00002-of-00002.gguf"), "");
    const state = join(work, "state");
    const io = captureIo(work);
    const code = await main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", state], io);
    assert.equal(code, 2, io.stderr);
    assert.match(io.stderr, /^hearth fix: --model .+llama-3-8b-00001-of-00002\.gguf is a "llama" model: Hearth runs Qwen3\.5-family models \(qwen35, qwen35moe\); hearth models lists them, and hearth models --download ID fetches one$/m);
    assert.doesNotMatch(io.stderr, /the model failed/);
    assert.deepEqual(existsSync(state) ? readdirSync(state) : [], [], "no trajectory and no lock were written");
  });

  it("hearth chat --model mmproj-F16.gguf (the vision projector beside the weights): exit 2, said as the projector it is", async () => {
    const { work } = calcCheckout("hearth-model-arch-");
    const model = join(work, "mmproj-F16.gguf");
    writeFileSync(model, writeGguf(new Map([["general.architecture", gguf.str("clip")], ["general.type", gguf.str("mmproj")]]), [{ name: "v.patch_embd.weight", dims: [16], type: "f32", data: new Float32Array(16).fill(1) }]));
    const io = captureIo(work);
    const code = await main(["chat", "--model", model, "hello"], io);
    assert.equal(code, 2, io.stderr);
    assert.match(io.stderr, /^hearth chat: --model .+mmproj-F16\.gguf is a vision projector \(mmproj, architecture "clip"\): it goes with a model but is not one\. Give the model's own GGUF, the one not named mmproj, from the same folder$/m);
  });

  // A Qwen3.5 LoRA adapter names architecture qwen35: it passed this check and failed the load as a damaged model.
  it("hearth chat --model a Qwen3.5 LoRA adapter: exit 2 before a runtime starts, said as the adapter it is", async () => {
    const { work } = calcCheckout("hearth-model-arch-");
    const model = join(work, "Qwen3.5-9B-lora.gguf");
    const metadata = new Map([["general.architecture", gguf.str("qwen35")], ["general.type", gguf.str("adapter")], ["adapter.type", gguf.str("lora")]]);
    writeFileSync(model, writeGguf(metadata, [{ name: "blk.0.attn_qkv.weight.lora_a", dims: [16], type: "f32", data: new Float32Array(16) }]));
    const io = captureIo(work);
    const code = await main(["chat", "--model", model, "hello"], io);
    assert.equal(code, 2, io.stderr);
    assert.match(io.stderr, /^hearth chat: --model .+Qwen3\.5-9B-lora\.gguf is a LoRA adapter \(general\.type "adapter"\): it changes a model's weights when loaded with that model, and is not one itself; Hearth loads no adapters\. Give the model it was made for, or a GGUF with the adapter merged in \(llama\.cpp's llama-export-lora makes one\)$/m);
  });

  it("hearth chat: exit 2 before a runtime starts, saying the same", async () => {
    const { work } = calcCheckout("hearth-model-arch-");
    const model = join(work, "mistral.gguf");
    llamaModel(model);
    const io = captureIo(work);
    const code = await main(["chat", "--model", model, "hello"], io);
    assert.equal(code, 2, io.stderr);
    assert.match(io.stderr, /^hearth chat: --model .+mistral\.gguf is a "llama" model: Hearth runs Qwen3\.5-family models/m);
  });

  it("hearth fix: a file with a GGUF header that is damaged after it is still the model's failure (exit 3)", async () => {
    const { work, repo } = calcCheckout("hearth-model-arch-");
    const model = join(work, "broken.gguf");
    writeFileSync(model, "GGUF and then not a model at all");
    const io = captureIo(work);
    const code = await main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state")], io);
    assert.equal(code, 3, io.stderr);
    assert.match(io.stderr, /the model failed/);
  });

  // Each passed this check, started a runtime and failed its load: "the model failed" (exit 3), a
  // working model's failure, though the file is one this Hearth cannot run whatever is retried.
  it("hearth chat --model a Qwen3.5 GGUF this llama.cpp cannot load (a newer GGUF version, a dropped tensor type, no tokenizer): exit 2 before a runtime starts, saying why", async () => {
    const { work } = calcCheckout("hearth-model-arch-");
    const tiny = readFileSync(await ensureTinyModel({ arch: "qwen35" }));
    const at = (name: string) => {
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(name.length));
      return tiny.indexOf(Buffer.concat([length, Buffer.from(name)])) + 8;
    };
    const newer = Buffer.from(tiny);
    newer.writeUInt32LE(4, 4);
    const arm = Buffer.from(tiny); // blk.0.ffn_up.weight as Q4_0_4_4 (31): its dimension count, dimensions, then the type
    const record = at("blk.0.ffn_up.weight") + "blk.0.ffn_up.weight".length;
    arm.writeUInt32LE(31, record + 4 + arm.readUInt32LE(record) * 8);
    const vocabless = Buffer.from(tiny);
    vocabless.write("x", at("tokenizer.ggml.tokens"), "latin1"); // renamed: the key is gone
    for (const [name, bytes, said] of [
      ["newer.gguf", newer, / is a GGUF of version 4, newer than the versions 2 and 3 that the llama\.cpp in this Hearth reads: update Hearth, or choose the model as a GGUF of version 3$/m],
      ["arm.gguf", arm, /: tensor blk\.0\.ffn_up\.weight is of type Q4_0_4_4 \(31\), an ARM repacking of Q4_0 that llama\.cpp no longer reads from a file \(it repacks Q4_0 itself as it loads\): choose another quantization of the model \(Q4_K_M, Q8_0\)$/m],
      ["vocabless.gguf", vocabless, / holds no tokenizer \(tokenizer\.ggml\.tokens missing\): its weights alone, which llama\.cpp cannot run \(a conversion that left the vocabulary out\)\. Give a GGUF of the model with its tokenizer$/m],
    ] as const) {
      const model = join(work, name);
      writeFileSync(model, bytes);
      const io = captureIo(work);
      const code = await main(["chat", "--model", model, "hello"], io);
      assert.equal(code, 2, `${name}: ${io.stderr}`);
      assert.match(io.stderr, new RegExp(`^hearth chat: --model .+${name.replace(".", "\\.")}${said.source}`, "m"));
      assert.doesNotMatch(io.stderr, /the model failed/);
    }
  });

  // Opened to read its architecture, a named pipe (--model /dev/stdin, a FIFO) waited for a writer for ever: hearth hung before anything.
  // Found by the model's load, each was "the model failed" (hearth fix: exit 3), for an argument that names the wrong file.
  it("hearth fix --model a split model's later part, a set with a part missing or one of another model's: exit 2 before the run starts, saying which", async () => {
    const { work, repo } = calcCheckout("hearth-model-arch-");
    const [first, second, third] = await generateTinySplitModel({ arch: "qwen35" }, 3);
    const part = (n: number) => join(work, `m-0000${n}-of-00003.gguf`);
    writeFileSync(part(1), first!);
    writeFileSync(part(2), second!);
    const state = join(work, "state");
    const fix = async (model: string, said: RegExp) => {
      const io = captureIo(work);
      const code = await main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", state], io);
      assert.equal(code, 2, io.stderr);
      assert.match(io.stderr, said);
      assert.doesNotMatch(io.stderr, /the model failed/);
      assert.deepEqual(existsSync(state) ? readdirSync(state) : [], [], "no trajectory and no lock were written");
    };
    await fix(part(1), /^hearth fix: --model .+m-00001-of-00003\.gguf is part 1 of a model split into 3 files; m-00003-of-00003\.gguf is missing: put every part in the same folder$/m);
    writeFileSync(part(3), third!);
    await fix(part(2), /^hearth fix: --model .+m-00002-of-00003\.gguf is part 2 of a model split into 3 files: choose its first part, m-00001-of-00003\.gguf$/m);
    writeFileSync(part(2), readFileSync(await ensureTinyModel({ arch: "qwen35" })));
    await fix(part(1), /^hearth fix: --model .+m-00001-of-00003\.gguf: .+m-00002-of-00003\.gguf is a whole model, not part 2 of 3 of a split one \(it has no split\.count\)/m);
  });

  it("hearth fix: a --model that is no regular file (a named pipe) is not opened for its architecture; the loader says what it is", { timeout: 120_000 }, async (t) => {
    const { work, repo } = calcCheckout("hearth-model-arch-");
    const model = join(work, "pipe.gguf");
    execFileSync("mkfifo", [model]);
    // Should an open wait on it (the failure), a writer lets it go, so the test process can end.
    t.after(() => {
      try {
        closeSync(openSync(model, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // ENXIO: nothing waits to read it.
      }
    });
    const io = captureIo(work);
    const code = await main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state")], io);
    assert.equal(code, 3, io.stderr);
    assert.match(io.stderr, /not a file: .+pipe\.gguf/);
  });
});
