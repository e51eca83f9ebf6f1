/** Shared helpers for the tools tests: temp workspaces on disk and a tool context. */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after } from "node:test";
import { DiskWorkspace } from "../../../../src/tools/disk-workspace.ts";
import type { ToolContext } from "../../../../src/tools/tool.ts";

export const FIXTURES = join(import.meta.dirname, "../../../fixtures/tools");

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the test file. */
export function tempDir(prefix = "hearth-tools-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes files (path → content) under `root`, creating folders. */
export function writeFiles(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

export function readText(root: string, path: string): string {
  return readFileSync(join(root, path), "utf8");
}

/** A temp workspace with `files` and a context over it. */
export function workspaceWith(files: Record<string, string | Uint8Array> = {}): { root: string; ctx: ToolContext; controller: AbortController } {
  const root = tempDir();
  writeFiles(root, files);
  const controller = new AbortController();
  const ctx: ToolContext = { workspace: new DiskWorkspace(root), signal: controller.signal, reads: new Map() };
  return { root, ctx, controller };
}
