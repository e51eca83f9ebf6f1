/**
 * The broken model files the runtime must reject before loading: `readGgufFileInfo`
 * refuses zero-byte and random files; the rest parse but fail a check the runtime has to
 * make (file size against the tensor extents, architecture, required keys). Loading a file without
 * `A.attention.head_count` aborts the process, shown here in a child process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { GgufFileInfo } from "node-llama-cpp";
import { brokenModelFile, ensureTinyModel, type BrokenModelKind } from "../../fixtures/models/index.ts";
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
