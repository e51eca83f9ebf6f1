/**
 * The Workspace on disk (CLI, tests). Paths are checked lexically and then through the
 * real path of the deepest existing ancestor, so a symlink pointing out of the root is
 * refused for reads and writes alike. Writes go to a temporary file in the same directory
 * and are renamed over the target: a crash never leaves half a file.
 */
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, stat, unlink } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, relative, sep } from "node:path";
import { ToolError } from "./tool.ts";
import {
  type DirEntry, type EntryInfo, type Workspace, type WorkspaceChange, isGitInternal, lexicalRelative, outside,
} from "./workspace.ts";

export class DiskWorkspace implements Workspace {
  private realRoot: Promise<string>;

  constructor(readonly root: string) {
    this.realRoot = realpath(root);
  }

  async resolve(path: string): Promise<string> {
    const rel = lexicalRelative(this.root, path);
    const realRoot = await this.realRoot;
    const real = await realOfDeepestExisting(join(this.root, rel));
    const back = relative(realRoot, real);
    if (back.startsWith("..") || back.split(sep)[0] === "..") throw outside(path);
    return rel;
  }

  async read(path: string): Promise<Uint8Array> {
    const abs = await this.abs(path);
    try {
      return await readFile(abs);
    } catch (error) {
      throw fsError(error, path);
    }
  }

  async stat(path: string): Promise<EntryInfo | undefined> {
    const abs = await this.abs(path);
    try {
      const s = await stat(abs);
      return { type: s.isDirectory() ? "directory" : "file", size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return undefined;
    }
  }

  async list(dir: string): Promise<DirEntry[]> {
    const abs = await this.abs(dir);
    try {
      const entries = await readdir(abs, { withFileTypes: true });
      const out: DirEntry[] = [];
      for (const e of entries) {
        const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(join(abs, e.name)).catch(() => undefined))?.isDirectory() === true);
        out.push({ name: e.name, type: isDir ? "directory" : "file" });
      }
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (error) {
      throw fsError(error, dir);
    }
  }

  async write(path: string, content: Uint8Array): Promise<void> {
    await this.apply([{ kind: "write", path, content }]);
  }

  async delete(path: string): Promise<void> {
    await this.apply([{ kind: "delete", path }]);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.apply([{ kind: "rename", from, to }]);
  }

  /**
   * Applies changes in order, keeping what each replaced; on a failure the completed
   * changes are undone in reverse order before the error is rethrown.
   */
  async apply(changes: readonly WorkspaceChange[]): Promise<void> {
    const undo: (() => Promise<void>)[] = [];
    try {
      for (const change of changes) undo.push(await this.applyOne(change));
    } catch (error) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      throw error;
    }
  }

  private async applyOne(change: WorkspaceChange): Promise<() => Promise<void>> {
    if (change.kind === "write") {
      const abs = await this.writableAbs(change.path);
      const before = await readIfFile(abs);
      await atomicWrite(abs, change.content);
      return async () => (before ? atomicWrite(abs, before) : unlink(abs));
    }
    if (change.kind === "delete") {
      const abs = await this.writableAbs(change.path);
      const before = await readExistingFile(abs, change.path);
      await unlink(abs);
      return () => atomicWrite(abs, before);
    }
    const from = await this.writableAbs(change.from);
    const to = await this.writableAbs(change.to);
    const before = await readExistingFile(from, change.from);
    if (await exists(to)) throw new ToolError("already-exists", `cannot rename to "${change.to}": a file is already there`);
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
    if (change.content) await atomicWrite(to, change.content);
    return async () => {
      await rm(to, { force: true });
      await atomicWrite(from, before);
    };
  }

  private async abs(path: string): Promise<string> {
    return join(this.root, await this.resolve(path));
  }

  private async writableAbs(path: string): Promise<string> {
    const rel = await this.resolve(path);
    if (rel === ".") throw new ToolError("invalid-input", "the workspace root itself is not a file");
    if (isGitInternal(rel)) throw new ToolError("protected-path", `"${path}" is inside a .git folder; Hearth never writes there`);
    return join(this.root, rel);
  }
}

/** Writes through a temporary sibling and a rename; keeps the target's mode and follows a symlink target. */
export async function atomicWrite(abs: string, content: Uint8Array): Promise<void> {
  let target = abs;
  let mode: number | undefined;
  try {
    if ((await lstat(abs)).isSymbolicLink()) target = await realpath(abs);
    mode = (await stat(target)).mode & 0o7777;
  } catch {
    // A new file: default mode.
  }
  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${randomBytes(6).toString("hex")}.hearth-tmp`);
  const handle = await open(tmp, "w", mode ?? 0o666);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

async function realOfDeepestExisting(abs: string): Promise<string> {
  let current = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(await realpath(current), ...rest.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw fsError(error, abs);
      const parent = dirname(current);
      if (parent === current) return abs;
      rest.push(basename(current));
      current = parent;
    }
  }
}

async function readIfFile(abs: string): Promise<Uint8Array | undefined> {
  try {
    const s = await stat(abs);
    if (s.isDirectory()) throw new ToolError("not-a-file", `"${abs}" is a directory`);
    return await readFile(abs);
  } catch (error) {
    if (error instanceof ToolError) throw error;
    return undefined;
  }
}

async function readExistingFile(abs: string, path: string): Promise<Uint8Array> {
  const bytes = await readIfFile(abs);
  if (!bytes) throw new ToolError("not-found", `"${path}" does not exist`);
  return bytes;
}

async function exists(abs: string): Promise<boolean> {
  return lstat(abs).then(() => true, () => false);
}

function fsError(error: unknown, path: string): ToolError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new ToolError("not-found", `"${path}" does not exist`);
  if (code === "EISDIR") return new ToolError("not-a-file", `"${path}" is a directory`);
  if (code === "ENOTDIR") return new ToolError("not-found", `"${path}": a parent is not a directory`);
  return new ToolError("io-error", `"${path}": ${(error as Error).message}`);
}
