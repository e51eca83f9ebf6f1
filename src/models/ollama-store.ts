/**
 * Ollama's model store (`~/.ollama/models`, or where OLLAMA_MODELS points): `blobs/sha256-<hex>`
 * holds every layer of a pulled model under a name that says nothing — the GGUF weights
 * beside small layers (chat template, parameters, license, system prompt, config) — and
 * `manifests/<registry>/<namespace>/<model>/<tag>` lists each model's layers by digest and
 * media type. A user choosing a GGUF they already have picks among look-alike files there:
 * the manifests say which model a blob belongs to and which blob is its weights.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { formatSize } from "../protocol/units.ts";

/** A blob of Ollama's store, as its manifest describes it. */
export interface OllamaLayer {
  /** The model as `ollama pull` names it: `qwen3.5:9b`, `hf.co/unsloth/Qwen3.5-9B-GGUF:Q4_K_M`. */
  readonly model: string;
  /** "model" for the weights, else what the layer holds in words ("chat template", "license"). */
  readonly kind: string;
  /** The model's weights blob, where the manifest lists one. */
  readonly weights?: { readonly path: string; readonly size: number };
}

const BLOB_NAME = /^sha256[-:]([0-9a-f]{64})$/;
const WEIGHTS = "application/vnd.ollama.image.model";
/** What Ollama's other layers hold, by the end of their media type. */
const LAYER_KINDS: Readonly<Record<string, string>> = {
  template: "chat template",
  params: "parameters",
  license: "license",
  system: "system prompt",
  messages: "messages",
  projector: "vision projector",
  adapter: "adapter",
};
/** Bounds on what is read: a store holds a few hundred models, a manifest a few KB. */
const MAX_MANIFESTS = 5_000;
const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * What the blob at `path` is, from the manifests beside its `blobs` folder; undefined for a
 * file that is no blob of an Ollama store, or one no manifest names (a model removed with
 * `ollama rm` whose blob is still there): such a file is checked as any other.
 */
export function ollamaLayer(path: string): OllamaLayer | undefined {
  const hex = BLOB_NAME.exec(basename(path))?.[1];
  if (!hex || basename(dirname(path)) !== "blobs") return undefined;
  const store = dirname(dirname(path));
  for (const manifest of manifestFiles(join(store, "manifests"))) {
    // Older Ollama named its blobs sha256:<hex>: the weights are named as the chosen blob is.
    const layer = describe(manifest, `sha256:${hex}`, join(store, "blobs"), basename(path)[6]!);
    if (layer) return layer;
  }
  return undefined;
}

/** What a layer other than the weights is, and which blob to choose instead: the validator's and the CLI's words. */
export function notTheWeights(layer: OllamaLayer): string {
  const weights = layer.weights ? `its weights are ${basename(layer.weights.path)} (${formatSize(layer.weights.size)}) in the same folder; choose that file` : "its manifest lists no weights; choose the model's GGUF file";
  return `the ${layer.kind} of ${layer.model} in Ollama's model store, not the model: ${weights}`;
}

interface ManifestLayer {
  readonly mediaType?: unknown;
  readonly digest?: unknown;
  readonly size?: unknown;
}

/** The layer `digest` in the manifest at `file`, if it lists it. */
function describe(file: { path: string; name: string[] }, digest: string, blobs: string, separator: string): OllamaLayer | undefined {
  let manifest: { config?: ManifestLayer; layers?: ManifestLayer[] };
  try {
    if (statSync(file.path).size > MAX_MANIFEST_BYTES) return undefined;
    manifest = JSON.parse(readFileSync(file.path, "utf8")) as typeof manifest;
  } catch {
    return undefined;
  }
  const layers = Array.isArray(manifest?.layers) ? manifest.layers : [];
  const layer = manifest?.config?.digest === digest ? { mediaType: "config" } : layers.find((l) => l?.digest === digest);
  if (!layer) return undefined;
  const weights = layers.find((l) => l?.mediaType === WEIGHTS && typeof l.digest === "string" && BLOB_NAME.test(l.digest));
  const mediaType = typeof layer.mediaType === "string" ? layer.mediaType : "";
  const kind = mediaType === WEIGHTS ? "model" : mediaType === "config" ? "configuration" : (LAYER_KINDS[mediaType.split(".").at(-1) ?? ""] ?? "layer");
  return {
    model: modelName(file.name),
    kind,
    ...(weights ? { weights: { path: join(blobs, (weights.digest as string).replace(":", separator)), size: Number(weights.size) || 0 } } : {}),
  };
}

/** `registry.ollama.ai/library/qwen3.5/9b` as Ollama shows it: `qwen3.5:9b`. */
function modelName(parts: string[]): string {
  const tag = parts.at(-1)!;
  const [host, namespace, ...rest] = parts.slice(0, -1);
  const name = [host === "registry.ollama.ai" ? undefined : host, namespace === "library" && host === "registry.ollama.ai" ? undefined : namespace, ...rest].filter(Boolean).join("/");
  return `${name}:${tag}`;
}

/** The manifest files under `root` (registry/namespace/model/tag, or deeper for hf.co's names), sorted, bounded. */
function manifestFiles(root: string): { path: string; name: string[] }[] {
  const found: { path: string; name: string[] }[] = [];
  const walk = (dir: string, name: string[]) => {
    if (name.length > 6 || found.length >= MAX_MANIFESTS) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= MAX_MANIFESTS) return;
      if (entry.isDirectory()) walk(join(dir, entry.name), [...name, entry.name]);
      else if (entry.isFile() && name.length >= 2) found.push({ path: join(dir, entry.name), name: [...name, entry.name] });
    }
  };
  walk(root, []);
  return found;
}
