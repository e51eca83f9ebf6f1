/**
 * Which model the settings point at, and whether it can be used, checked without loading
 * anything (cheap enough to run on every settings change).
 */
import { stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import type { Settings } from "../protocol/settings.ts";
import type { ModelSource, ModelState } from "../protocol/status.ts";

/** Server URL wins, then a GGUF path, then the preset. */
export function resolveModelSource(settings: Settings): ModelSource {
  if (settings.serverUrl) return { kind: "server", url: settings.serverUrl };
  if (settings.modelPath) return { kind: "file", path: settings.modelPath };
  return { kind: "preset", preset: settings.modelPreset };
}

/**
 * The state before any load: a missing or unreadable file and a malformed URL are errors
 * with a fix; a preset that was never downloaded is "none" so the UI offers the choices.
 */
export async function checkModelSource(source: ModelSource, downloadedPresets: ReadonlySet<string>): Promise<ModelState> {
  switch (source.kind) {
    case "server":
      return checkServerUrl(source);
    case "file":
      return checkModelFile(source);
    case "preset":
      return downloadedPresets.has(source.preset)
        ? { kind: "configured", source, detail: "downloaded, not loaded" }
        : { kind: "none", detail: "download the recommended model, choose a GGUF file, or use a server URL" };
  }
}

function checkServerUrl(source: Extract<ModelSource, { kind: "server" }>): ModelState {
  let url: URL;
  try {
    url = new URL(source.url);
  } catch {
    return { kind: "error", source, message: `"${source.url}" is not a URL (expected e.g. http://127.0.0.1:8080/v1)`, fix: "openSettings" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { kind: "error", source, message: `server URL must start with http:// or https:// (got ${url.protocol})`, fix: "openSettings" };
  }
  return { kind: "configured", source, detail: "remote server, connects on first use" };
}

async function checkModelFile(source: Extract<ModelSource, { kind: "file" }>): Promise<ModelState> {
  if (!isAbsolute(source.path)) {
    return { kind: "error", source, message: `model path must be absolute: ${source.path}`, fix: "selectModel" };
  }
  try {
    const info = await stat(source.path);
    if (!info.isFile()) return { kind: "error", source, message: `not a file: ${source.path}`, fix: "selectModel" };
    if (info.size === 0) return { kind: "error", source, message: `the model file is empty (0 bytes): ${source.path}`, fix: "selectModel" };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : `cannot read (${code})`;
    return { kind: "error", source, message: `${why}: ${source.path}`, fix: "selectModel" };
  }
  return { kind: "configured", source, detail: "not loaded yet" };
}
