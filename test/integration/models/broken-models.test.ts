/**
 * The broken model files the runtime must reject before loading: `readGgufFileInfo`
 * refuses zero-byte and random files; the rest parse but fail a check the runtime has to
 * make (file size against the tensor extents, architecture, required keys). Loading a file without
 * `A.attention.head_count` aborts the process, shown here in a child process. Hyper-parameters
 * with impossible values (issue 13: head counts, embedding length, key length, conv kernel
 * = 0, 100,000 layers, a full-attention interval of 0) abort it too: `validateModelFile`
 * refuses them, and a runtime asked to load one keeps serving.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { GgufFileInfo } from "node-llama-cpp";
import { DidChangeConfigurationNotification } from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { BackendError } from "../../../src/models/backend.ts";
import { validateModelFile } from "../../../src/models/llama-cpp/validate.ts";
import { StatusChangedNotification, StatusRequest } from "../../../src/protocol/lsp-ext.ts";
import type { RuntimeStatus } from "../../../src/protocol/status.ts";
import { brokenModelFile, ensureTinyModel, type BrokenModelKind } from "../../fixtures/models/index.ts";
import { llamaCppSourceFile, VOCAB_PATH } from "../../fixtures/models/llama-cpp-sources.ts";
import { cpuLlama, nlc } from "./llama.ts";

for (const kind of ["zero-bytes", "random-bytes"] as const satisfies readonly BrokenModelKind[]) {
  test(`readGgufFileInfo rejects a ${kind} file`, async () => {
    const { readGgufFileInfo } = await nlc();
    await assert.rejects(readGgufFileInfo(await brokenModelFile(kind)));
  });
}

/** Bytes the file needs: the end of its last tensor (f16/f32 only, all the tiny models use). */
function requiredSize(info: GgufFileInfo): number {
  let end = info.metadataSize + (info.tensorInfoSize ?? 0);
  for (const t of info.tensorInfo ?? []) {
    const count = t.dimensions.reduce<number>((a, d) => a * Number(d), 1);
    end = Math.max(end, Number(t.fileOffset) + count * (t.ggmlType === 0 ? 4 : 2));
  }
  return end;
}

test("an intact model needs exactly its own size", async () => {
  const { readGgufFileInfo } = await nlc();
  const file = await ensureTinyModel({ arch: "qwen35" });
  const info = await readGgufFileInfo(file, { readTensorInfo: true });
  assert.ok(requiredSize(info) <= statSync(file).size);
  assert.ok(requiredSize(info) > statSync(file).size - 32, "only alignment padding after the last tensor");
});

// Surprise worth knowing: readGgufFileInfo does not reject a file cut inside its metadata;
// it reads zeros past the end. Only comparing sizes catches it.
for (const kind of ["truncated-metadata", "truncated-data"] as const satisfies readonly BrokenModelKind[]) {
  test(`a ${kind} file parses, but needs more bytes than it has`, async () => {
    const { readGgufFileInfo } = await nlc();
    const file = await brokenModelFile(kind);
    const info = await readGgufFileInfo(file, { readTensorInfo: true });
    assert.ok(requiredSize(info) > statSync(file).size, "size check catches it");
  });
}

test("a vocabulary-only GGUF (llama.cpp's ggml-vocab-qwen35.gguf: tokenizer, no tensors) is refused as no model, not as an interrupted download", async () => {
  const vocabOnly = llamaCppSourceFile(VOCAB_PATH);
  await assert.rejects(validateModelFile(vocabOnly), (error: unknown) => {
    assert.ok(error instanceof BackendError);
    assert.equal(error.message, `the file holds no weights (0 tensors): it is a vocabulary-only GGUF, like llama.cpp's ggml-vocab-*.gguf, not a model. Choose the model's own GGUF file: ${vocabOnly}`);
    assert.equal(error.fix, "selectModel");
    return true;
  });
});

test("an unsupported architecture is readable and says what it is", async () => {
  const { readGgufFileInfo } = await nlc();
  const info = await readGgufFileInfo(await brokenModelFile("unsupported-architecture"));
  assert.equal(info.metadata.general.architecture, "llama");
});

test("missing required keys are visible in the metadata before loading", async () => {
  const { readGgufFileInfo } = await nlc();
  const noHeads = await readGgufFileInfo(await brokenModelFile("missing-head-count"));
  const qwen = (noHeads.metadata as unknown as { qwen35: { attention: Record<string, unknown> } }).qwen35;
  assert.equal(qwen.attention.head_count, undefined);
  assert.equal(qwen.attention.head_count_kv, 1);
  const noContext = await readGgufFileInfo(await brokenModelFile("missing-context-length"));
  assert.equal((noContext.metadata as unknown as { qwen35: Record<string, unknown> }).qwen35.context_length, undefined);
});

test("llama.cpp refuses a qwen35 file without context_length with an error, not a crash", async () => {
  const llama = await cpuLlama();
  await assert.rejects(llama.loadModel({ modelPath: await brokenModelFile("missing-context-length") }));
});

test("loading a qwen35 file without attention.head_count kills the process that loads it", async () => {
  const file = await brokenModelFile("missing-head-count");
  // A script file, not `node -e`: node-llama-cpp's binary self-test re-spawns node with
  // the parent's arguments and fails under -e.
  const dir = mkdtempSync(path.join(tmpdir(), "hearth-abort-"));
  const script = path.join(dir, "load.mjs");
  const entry = pathToFileURL(path.resolve("node_modules/node-llama-cpp/dist/index.js")).href;
  writeFileSync(script, `const { getLlama, LlamaLogLevel } = await import(${JSON.stringify(entry)});
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.disabled });
try { await llama.loadModel({ modelPath: process.argv[2] }); console.log("loaded"); }
catch (error) { console.log("rejected", String(error)); }
`);
  try {
    const child = spawnSync(process.execPath, [script, file], { encoding: "utf8", timeout: 120_000 });
    const output = child.stdout + child.stderr;
    assert.ok(!output.includes("loaded"), output);
    // llama.cpp 3.22.1 aborts (GGML_ASSERT, SIGABRT); a later version may reject cleanly.
    const aborted = child.signal === "SIGABRT" && output.includes("GGML_ASSERT");
    assert.ok(aborted || output.includes("rejected"), `signal ${child.signal}, status ${child.status}: ${output.slice(-500)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** What `validateModelFile` says about each value from issue 13 (after "<path>: "). */
const VALUE_REFUSALS: ReadonlyArray<readonly [BrokenModelKind, string]> = [
  ["zero-head-count", "qwen35.attention.head_count is 0; it must be at least 1."],
  ["zero-head-count-kv", "qwen35.attention.head_count_kv is 0; it must be at least 1."],
  ["zero-embedding-length", "qwen35.embedding_length is 0; it must be at least 1."],
  ["zero-key-length", "qwen35.attention.key_length is 0; it must be at least 1."],
  ["zero-conv-kernel", "qwen35.ssm.conv_kernel is 0; it must be at least 1."],
  ["huge-block-count", "qwen35.block_count is 100000; it must be at most 512."],
  ["zero-full-attention-interval", "qwen35.full_attention_interval is 0; it must be at least 1."],
];

describe("values llama.cpp cannot survive are refused before it sees them", () => {
  for (const [kind, why] of VALUE_REFUSALS) {
    test(`${kind}: validateModelFile names the key and the value`, async () => {
      const file = await brokenModelFile(kind);
      await assert.rejects(validateModelFile(file), (error: unknown) => {
        assert.ok(error instanceof BackendError, String(error));
        assert.equal(error.message, `${file}: ${why} The file is damaged or not a Qwen3.5 model.`);
        assert.equal(error.fix, "selectModel");
        return true;
      });
    });
  }

  test("the intact model the broken ones are made from passes", async () => {
    const file = await ensureTinyModel({ arch: "qwen35" });
    const model = await validateModelFile(file);
    assert.equal(model.architecture, "qwen35");
    assert.equal(model.trainContextSize, 262_144);
    assert.equal(model.fileSize, statSync(file).size);
  });

  test("a 100-byte file declaring a 2^40-element array is refused from its declared length, not read", async () => {
    const file = await brokenModelFile("huge-array");
    assert.equal(statSync(file).size, 100);
    await assert.rejects(validateModelFile(file), (error: unknown) => {
      assert.ok(error instanceof BackendError, String(error));
      assert.equal(error.message, `the model file is incomplete or corrupt (general.huge declares 1099511627776 items of type u32, more than the 40 bytes left in the file): ${file}`);
      assert.equal(error.fix, "downloadModel");
      return true;
    });
  });
});

describe("a runtime asked to load a file that would abort llama.cpp", () => {
  const RUNTIME = path.resolve(import.meta.dirname, "../../../out/runtime.mjs");
  const running: RuntimeProcess[] = [];
  after(async () => {
    for (const runtime of running) await runtime.close(1000).catch(() => undefined);
  });

  /** Configures `modelPath` and resolves with the status that says it is ready or refused. */
  async function load(runtime: RuntimeProcess, modelPath: string): Promise<RuntimeStatus> {
    const settled = new Promise<RuntimeStatus>((resolve) => {
      // The one handler vscode-jsonrpc keeps per method: each call replaces the last.
      runtime.connection.onNotification(StatusChangedNotification, (status) => {
        if (status.model.kind === "ready" || (status.model.kind === "error" && status.model.message.includes(modelPath))) resolve(status);
      });
    });
    await runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { threads: 1, contextSize: 512, modelPath } } });
    return settled;
  }

  test("refuses a zero head count and a zero full-attention interval, stays up, and then loads a good model", async () => {
    assert.ok(statSync(RUNTIME).isFile(), `${RUNTIME} is missing: run "npm run build" first`);
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: { threads: 1, contextSize: 512 } } });
    running.push(runtime);
    for (const [kind, why] of VALUE_REFUSALS.filter(([k]) => k === "zero-head-count" || k === "zero-full-attention-interval")) {
      const file = await brokenModelFile(kind);
      const status = await load(runtime, file);
      assert.equal(status.model.kind, "error", JSON.stringify(status.model));
      assert.ok(status.model.kind === "error" && status.model.message.includes(`${file}: ${why}`), JSON.stringify(status.model));
      assert.equal((await runtime.connection.sendRequest(StatusRequest)).pid, runtime.child.pid, "the same process still answers");
    }
    const good = await load(runtime, await ensureTinyModel({ arch: "qwen35" }));
    assert.equal(good.model.kind, "ready", JSON.stringify(good.model));
    assert.equal(runtime.child.exitCode, null);
    assert.equal(runtime.child.signalCode, null);
  });
});
