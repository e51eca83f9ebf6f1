/**
 * The part of a checkpoint git cannot hold in its tree: files the agent writes that the
 * shadow repository would not snapshot — ignored by the workspace's .gitignore, by
 * `.git/info/exclude`-style rules, by global excludes or by the shadow repo's own excludes,
 * or inside a nested repository (git records the folder as a gitlink and refuses its files).
 *
 * Hearth remembers every path the agent was about to write (`hearth-paths.json` in the
 * shadow git dir) and each checkpoint records, for those of them missing from its tree,
 * their state in its commit message: `Hearth-Extras: {"path": "100644 <blob>" | null}`,
 * null meaning "did not exist", the blob written with `git hash-object -w`. Only those
 * paths: snapshotting every ignored file would copy node_modules at each step. Nothing but
 * a message names those blobs; they stay because the shadow repo never collects garbage
 * (gc.auto=0, and Hearth runs no gc).
 *
 * A checkpoint taken before a path was first written does not know it. Its state then is
 * the one recorded by the first later checkpoint that does — the checkpoint taken just
 * before the agent's first write to it: nothing of the agent's touched it in between.
 * (Checkpoints form one line: each is a child of the previous, restores included.)
 */
import { posix } from "node:path";

/** A file's content and mode as git stores it. */
export interface FileState {
  readonly mode: "100644" | "100755";
  readonly blob: string;
}

/** Path → state at a checkpoint; null: the file did not exist. */
export type ExtrasManifest = Map<string, FileState | null>;

const TRAILER = "Hearth-Extras: ";

/** The commit message of a checkpoint: its label, then `trailers` (checkpoint-git-head.ts) and the extras manifest when there is one. */
export function checkpointMessage(label: string, extras: ExtrasManifest, trailers: readonly string[] = []): string {
  const subject = label.replace(/\s+/g, " ").trim() || "checkpoint";
  const lines = [...trailers];
  if (extras.size) {
    const record: Record<string, string | null> = {};
    for (const [path, state] of extras) record[path] = state ? `${state.mode} ${state.blob}` : null;
    lines.push(`${TRAILER}${JSON.stringify(record)}`);
  }
  return lines.length ? `${subject}\n\n${lines.join("\n")}\n` : `${subject}\n`;
}

/** The extras manifest in a checkpoint's commit message (empty when it has none). */
export function parseManifest(message: string): ExtrasManifest {
  const manifest: ExtrasManifest = new Map();
  const line = message.split("\n").find((l) => l.startsWith(TRAILER));
  if (!line) return manifest;
  let record: unknown;
  try {
    record = JSON.parse(line.slice(TRAILER.length));
  } catch {
    return manifest; // not ours: a commit message that merely looks like it
  }
  if (!record || typeof record !== "object") return manifest;
  for (const [path, value] of Object.entries(record as Record<string, unknown>)) {
    if (value === null) manifest.set(path, null);
    else if (typeof value === "string" && /^(100644|100755) [0-9a-f]{40,64}$/.test(value)) {
      const [mode, blob] = value.split(" ") as [FileState["mode"], string];
      manifest.set(path, { mode, blob });
    }
  }
  return manifest;
}

/** Whether two recorded states are the same file (both absent, or same bytes and mode). */
export function sameState(a: FileState | null, b: FileState | null): boolean {
  if (a === null || b === null) return a === b;
  return a.blob === b.blob && a.mode === b.mode;
}

/**
 * A path as checkpoints record it: workspace-relative with forward slashes. Undefined for
 * paths deliberately left out — `.git` internals, and `.hearth/` (undoing code never undoes
 * what the agent learned; Hearth's own state may live there) — and names git's line-based
 * plumbing cannot carry (a newline). Throws for paths outside the workspace.
 */
export function checkpointPath(path: string): string | undefined {
  const slashed = path.replace(/\\/g, "/");
  // A drive as lexicalRelative (workspace.ts) reads one, X:/: a:b.txt is a name on Linux and macOS.
  if (slashed.startsWith("/") || /^[a-zA-Z]:\//.test(slashed)) throw outsidePath(path);
  const normal = posix.normalize(slashed).replace(/\/+$/, "");
  if (normal === "." || normal === "") throw new Error(`Checkpoint path "${path}" is not a file; give a file path relative to the workspace root`);
  if (normal === ".." || normal.startsWith("../")) throw outsidePath(path);
  const segments = normal.split("/");
  if (segments.includes(".git") || segments[0] === ".hearth" || /[\n\r\0]/.test(normal)) return undefined;
  return normal;
}

/**
 * `paths` as `git hash-object --stdin-paths` reads them, a line each. git unquotes a line
 * that starts with '"' (C style), so a name of that shape ('"run".log') would be read as
 * another file ('run'): every line is written quoted, which git reads back as written.
 * (Names with a newline or CR, which a line cannot hold, checkpointPath leaves out.)
 */
export function stdinPaths(paths: readonly string[]): string {
  return paths.map((path) => `"${path.replace(/[\\"]/g, "\\$&")}"\n`).join("");
}

function outsidePath(path: string): Error {
  return new Error(`Checkpoint path "${path}" is outside the workspace; give paths relative to the workspace root`);
}

/** Whether `path` is one of `filters` (files or folders, workspace-relative) or lies under one; no filters: everything. */
export function underAny(path: string, filters: readonly string[]): boolean {
  if (filters.length === 0) return true;
  return filters.some((filter) => {
    const f = posix.normalize(filter.replace(/\\/g, "/")).replace(/\/+$/, "");
    return f === "." || path === f || path.startsWith(`${f}/`);
  });
}
