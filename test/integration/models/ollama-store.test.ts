/**
 * A model pulled with Ollama, chosen from its store (~/.ollama/models): blobs/sha256-<hex>
 * holds each layer of a model — the GGUF weights beside its template, parameters and license,
 * all named alike — and manifests/<registry>/<namespace>/<model>/<tag> says which is which.
 * The weights blob loads under the name the user pulled; another layer is refused naming the
 * blob that holds the weights. Real files: the tiny qwen35 GGUF copied into a store laid out
 * as Ollama lays it out.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { BackendError } from "../../../src/models/backend.ts";
import { validateModelFile } from "../../../src/models/llama-cpp/validate.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** An Ollama store holding `model:tag` (the tiny GGUF and a template, params and license layer); the blobs' paths by kind. */
async function ollamaStore(model: string, tag: string): Promise<Record<"model" | "template" | "params" | "license" | "config", string>> {
  const root = join(tempDir("hearth-ollama-"), ".ollama", "models");
  const blobs = join(root, "blobs");
  mkdirSync(blobs, { recursive: true });
  const put = (bytes: Buffer) => {
    const hex = createHash("sha256").update(bytes).digest("hex");
    writeFileSync(join(blobs, `sha256-${hex}`), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length, path: join(blobs, `sha256-${hex}`) };
  };
  const weights = put(readFileSync(await ensureTinyModel({ arch: "qwen35" })));
  const template = put(Buffer.from("{{ .Prompt }}"));
  const params = put(Buffer.from('{"temperature":0.6}'));
  const license = put(Buffer.from("Apache License\nVersion 2.0, January 2004\n"));
  const config = put(Buffer.from('{"model_format":"gguf","model_family":"qwen35"}'));
  const layer = (mediaType: string, blob: { digest: string; size: number }) => ({ mediaType, digest: blob.digest, size: blob.size });
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: layer("application/vnd.docker.container.image.v1+json", config),
    layers: [
      layer("application/vnd.ollama.image.model", weights),
      layer("application/vnd.ollama.image.template", template),
      layer("application/vnd.ollama.image.params", params),
      layer("application/vnd.ollama.image.license", license),
    ],
  };
  const manifests = join(root, "manifests", "registry.ollama.ai", "library", model);
  mkdirSync(manifests, { recursive: true });
  writeFileSync(join(manifests, tag), JSON.stringify(manifest));
  return { model: weights.path, template: template.path, params: params.path, license: license.path, config: config.path };
}

it("the weights blob (no .gguf name) loads, named as the model Ollama pulled", async () => {
  const store = await ollamaStore("qwen3.5", "9b");
  const model = await validateModelFile(store.model);
  assert.equal(model.name, "qwen3.5:9b (Ollama)");
  assert.equal(model.architecture, "qwen35");
});

it("another layer of the model (its template, parameters, license, config) is refused naming the blob that holds the weights", async () => {
  const store = await ollamaStore("qwen3.5", "9b");
  const size = statSync(store.model).size;
  const shown = `${(size / 1024 / 1024).toFixed(1)} MiB`;
  const weights = store.model.slice(store.model.lastIndexOf("/") + 1);
  for (const [kind, what] of [["template", "chat template"], ["params", "parameters"], ["license", "license"], ["config", "configuration"]] as const) {
    await assert.rejects(validateModelFile(store[kind]), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.equal(error.message, `${store[kind]} is the ${what} of qwen3.5:9b in Ollama's model store, not the model: its weights are ${weights} (${shown}) in the same folder; choose that file`);
      assert.equal(error.fix, "selectModel");
      return true;
    });
  }
});

it("a store of an older Ollama, whose blobs are named sha256:<hex>: the weights are named so too", async () => {
  const store = await ollamaStore("qwen3.5", "9b");
  const license = store.license.replace(/sha256-/, "sha256:");
  renameSync(store.license, license);
  const weights = store.model.slice(store.model.lastIndexOf("/") + 1).replace("sha256-", "sha256:");
  await assert.rejects(validateModelFile(license), (error: unknown) => error instanceof BackendError && error.message.includes(`its weights are ${weights} (`));
});

it("a blob no manifest names (a model removed with ollama rm, its blob left) is checked as any file", async () => {
  const store = await ollamaStore("qwen3.5", "9b");
  const loose = join(store.model, "..", `sha256-${"0".repeat(64)}`);
  copyFileSync(store.model, loose);
  assert.equal((await validateModelFile(loose)).architecture, "qwen35");
  await assert.rejects(validateModelFile(store.license.replace(/sha256-.*/, `sha256-${"1".repeat(64)}`)), /model file not found/);
});
