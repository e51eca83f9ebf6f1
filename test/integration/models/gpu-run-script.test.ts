/**
 * test/gpu/run.sh's handling of the bundle parts (test/gpu/README.md), on a small bundle of
 * the same layout made here: parts carried over several calls are gathered, a missing part
 * is named (exit 3), a corrupted part is refused with what to do (exit 1), and --dry-run
 * checks the unpacked layout. The measurements themselves are not run (minutes, a GPU).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const RUN = resolve(import.meta.dirname, "../../gpu/run.sh");

/** A bundle with prepare.sh's layout (Node linked, stub files), split into 2 parts. */
function makeBundle(root: string): { bundle: string; parts: string[] } {
  const content = join(root, "content");
  for (const dir of ["app/out", "app/node_modules/node-llama-cpp", "app/node_modules/@node-llama-cpp/linux-x64", "node", "native/@node-llama-cpp", "model-cache/llama-cpp-sources/v0"]) mkdirSync(join(content, dir), { recursive: true });
  symlinkSync(process.execPath, join(content, "node", "node"));
  for (const file of ["app/out/cli.mjs", "app/out/runtime.mjs", "app/out/gpu-check.mjs", "model-cache/llama-cpp-sources/v0/ggml-vocab-qwen35.gguf"]) writeFileSync(join(content, file), "stub\n");
  for (const pkg of ["app/node_modules/node-llama-cpp", "app/node_modules/@node-llama-cpp/linux-x64"]) writeFileSync(join(content, pkg, "package.json"), "{}\n");
  const archive = join(root, "bundle.tar.xz");
  execFileSync("bash", ["-c", `tar -C "${content}" -cf - . | xz -0 > "${archive}"`]);
  const data = readFileSync(archive);
  const half = Math.ceil(data.length / 2);
  const bundle = join(root, "bundle");
  const manifest = `parts=2\nsha256=${createHash("sha256").update(data).digest("hex")}\nbytes=${data.length}\nLLAMA_VERSION=3.22.1\n`;
  const parts = ["00", "01"].map((n, i) => {
    mkdirSync(join(bundle, "parts", n), { recursive: true });
    writeFileSync(join(bundle, "parts", n, `bundle.tar.xz.${n}`), data.subarray(i * half, (i + 1) * half));
    writeFileSync(join(bundle, "parts", n, "manifest"), manifest);
    return join(bundle, "parts", n);
  });
  return { bundle, parts };
}

function run(bundle: string, stage: string, out: string, ...args: string[]) {
  return spawnSync("bash", [RUN, "--bundle", bundle, "--out", out, ...args], { encoding: "utf8", env: { ...process.env, GPU_STAGE: stage } });
}

describe("test/gpu/run.sh", () => {
  it("gathers parts carried in separate calls, names the missing ones, then checks the unpacked bundle", () => {
    const root = tempDir("hearth-gpu-run-");
    const { bundle, parts } = makeBundle(root);
    const stage = join(root, "stage");
    const out = join(root, "out");
    const second = join(root, "second");
    execFileSync("mv", [parts[1]!, second]);

    const first = run(bundle, stage, out, "--dry-run");
    assert.equal(first.status, 3, first.stderr);
    assert.match(first.stderr, /Have 1 of 2 parts\. Run again on the same machine \(within its idle time\) carrying: \.gpu-bundle\/parts\/01/);
    assert.ok(!existsSync(join(stage, "unpacked")), "nothing is unpacked from an incomplete bundle");

    // The next call carries only the second part: the first one is already in the stage.
    rmSync(parts[0]!, { recursive: true });
    execFileSync("mv", [second, parts[1]!]);
    const done = run(bundle, stage, out, "--dry-run");
    assert.equal(done.status, 0, done.stderr);
    assert.match(done.stdout, /^bundle ok: Node v\d+\.\d+\.\d+, node-llama-cpp 3\.22\.1, native packages: /m);
  });

  it("refuses parts that do not match the manifest, says what to do, and unpacks nothing", () => {
    const root = tempDir("hearth-gpu-run-");
    const { bundle, parts } = makeBundle(root);
    const file = join(parts[1]!, "bundle.tar.xz.01");
    const bytes = readFileSync(file);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(file, bytes);
    const stage = join(root, "stage");
    const result = run(bundle, stage, join(root, "out"), "--dry-run");
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^run\.sh: The bundle parts do not match their manifest \(sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\): run test\/gpu\/prepare\.sh again and carry its new parts\.$/m);
    assert.ok(!existsSync(join(stage, "unpacked")));
  });

  it("without any bundle, says to run prepare.sh first", () => {
    const root = tempDir("hearth-gpu-run-");
    mkdirSync(join(root, "empty", "parts"), { recursive: true });
    const result = run(join(root, "empty"), join(root, "stage"), join(root, "out"));
    assert.equal(result.status, 1);
    assert.match(result.stderr, /No bundle found under .*: run test\/gpu\/prepare\.sh first/);
  });
});
