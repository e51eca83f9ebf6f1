/**
 * Checkpoints: a shadow git repository (its own git dir in Hearth's storage, the workspace
 * as its work tree) that snapshots the workspace before each write, so any step can be
 * undone. The user's own `.git` is never read or written: every command runs with
 * GIT_DIR pointing at the shadow repository, so the user's index, branches and stash stay
 * as they are. Files the workspace's .gitignore excludes are not snapshotted.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type SimpleGit, simpleGit } from "simple-git";

/** One snapshot of the workspace. */
export interface Checkpoint {
  /** The shadow commit's hash. */
  readonly id: string;
  readonly label: string;
  readonly time: Date;
}

export interface CheckpointOptions {
  readonly workspaceRoot: string;
  /** Hearth's storage folder (e.g. the extension's workspace storage); one repo per workspace inside. */
  readonly storageDir: string;
}

// Byte-exact snapshots: no line-ending conversion, no filters (LFS, smudge), whatever the
// workspace's .gitattributes say. The shadow repo's info/attributes overrides them.
const ATTRIBUTES = "* -text -filter -ident\n";
// Heavy folders that are rarely gitignored-by-mistake but never the agent's to undo.
const EXCLUDES = ["node_modules/", ".venv/", "venv/", "__pycache__/", ".hearth/", ".tox/", ".mypy_cache/", ".pytest_cache/"].join("\n") + "\n";

// Variables that would point git at the user's editor, pager, hooks or credentials — and
// which simple-git refuses to run with (npm sets EDITOR for every script, for one). The
// shadow repository needs none of them.
const INHERITED_BUT_UNSAFE = /^(GIT_.*|EDITOR|VISUAL|PAGER|PREFIX|SSH_ASKPASS)$/i;

export class CheckpointStore {
  private constructor(
    private readonly git: SimpleGit,
    /** The shadow git directory. */
    readonly gitDir: string,
    private readonly root: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Opens (creating on first use) the shadow repository for a workspace. */
  static async open(options: CheckpointOptions): Promise<CheckpointStore> {
    const root = await realpath(options.workspaceRoot);
    const key = createHash("sha1").update(root).digest("hex").slice(0, 16);
    const gitDir = join(options.storageDir, "checkpoints", key);
    await mkdir(gitDir, { recursive: true });
    const env: Record<string, string> = { GIT_DIR: gitDir, GIT_WORK_TREE: root };
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !INHERITED_BUT_UNSAFE.test(k)) env[k] = v;
    const git = simpleGit({ baseDir: root }).env(env);
    const store = new CheckpointStore(git, gitDir, root, env);
    await store.init();
    return store;
  }

  private async init(): Promise<void> {
    await this.git.raw(["init", "--quiet"]);
    const config: [string, string][] = [
      ["user.name", "Hearth"], ["user.email", "hearth@localhost"], ["commit.gpgsign", "false"],
      ["core.autocrlf", "false"], ["core.safecrlf", "false"], ["gc.auto", "0"], ["core.quotepath", "false"],
    ];
    for (const [key, value] of config) await this.git.raw(["config", key, value]);
    // No hook or fsmonitor from the user's global config may run for the shadow repo.
    // simple-git refuses to set these two through `git config`, so they are written directly.
    const configPath = join(this.gitDir, "config");
    const text = await readFile(configPath, "utf8");
    if (!text.includes("hearth-no-hooks")) {
      await writeFile(configPath, `${text}[core]\n\thooksPath = ${join(this.gitDir, "hearth-no-hooks")}\n\tfsmonitor = false\n`);
    }
    await mkdir(join(this.gitDir, "info"), { recursive: true });
    await writeFile(join(this.gitDir, "info", "attributes"), ATTRIBUTES);
    await writeFile(join(this.gitDir, "info", "exclude"), EXCLUDES);
  }

  /** Snapshots the workspace as it is now. */
  async create(label: string): Promise<Checkpoint> {
    await this.git.raw(["add", "--all", "--", "."]);
    await this.git.raw(["commit", "--quiet", "--allow-empty", "--no-verify", "-m", label || "checkpoint"]);
    return (await this.list(1))[0]!;
  }

  /** Checkpoints, newest first. */
  async list(limit = 1000): Promise<Checkpoint[]> {
    if (!(await this.hasCommits())) return [];
    const out = await this.git.raw(["log", `--max-count=${limit}`, "--format=%H%x00%cI%x00%s"]);
    return out.split("\n").filter(Boolean).map((line) => {
      const [id, time, label] = line.split("\0");
      return { id: id!, time: new Date(time!), label: label ?? "" };
    });
  }

  /**
   * Puts the workspace back as it was at `id`: changed files restored, files created since
   * removed. The current state is snapshotted first, so a restore can itself be undone.
   * Returns that snapshot.
   */
  async restore(id: string, label = `before restoring ${id.slice(0, 8)}`): Promise<Checkpoint> {
    const target = await this.resolveId(id);
    const before = await this.create(label);
    // read-tree -u moves index and work tree from the snapshot just taken to the target:
    // tracked files absent from the target are deleted, the rest rewritten. HEAD stays.
    await this.git.raw(["read-tree", "--reset", "-u", target]);
    return before;
  }

  /** A file's bytes at a checkpoint; undefined when it did not exist then. */
  async fileAt(id: string, path: string): Promise<Uint8Array | undefined> {
    const target = await this.resolveId(id);
    const listed = await this.git.raw(["ls-tree", "--name-only", target, "--", path]);
    if (listed.trim() !== path) return undefined;
    return this.gitBytes(["cat-file", "blob", `${target}:${path}`]);
  }

  /** Runs git for binary output (simple-git decodes output as text). */
  private gitBytes(args: string[]): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      execFile("git", args, { cwd: this.root, env: this.env, encoding: "buffer", maxBuffer: 1 << 30 }, (error, stdout) =>
        error ? reject(error) : resolve(new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength)),
      );
    });
  }

  /** Paths that differ between a checkpoint and now (or another checkpoint). */
  async changedFiles(from: string, to?: string): Promise<string[]> {
    const out = await this.diffRaw(from, to, ["--name-only"]);
    return out.split("\n").filter(Boolean);
  }

  /** A unified diff from a checkpoint to now (or to another checkpoint), new files included. */
  async diff(from: string, to?: string, paths: readonly string[] = []): Promise<string> {
    return this.diffRaw(from, to, [], paths);
  }

  private async diffRaw(from: string, to: string | undefined, extra: string[], paths: readonly string[] = []): Promise<string> {
    const base = await this.resolveId(from);
    if (to) return this.git.raw(["diff", "--no-ext-diff", "--no-color", ...extra, base, await this.resolveId(to), "--", ...paths]);
    // Staging everything into the shadow index makes new files part of the diff.
    await this.git.raw(["add", "--all", "--", "."]);
    return this.git.raw(["diff", "--no-ext-diff", "--no-color", "--cached", ...extra, base, "--", ...paths]);
  }

  private async resolveId(id: string): Promise<string> {
    if (!/^[0-9a-f]{4,40}$/i.test(id)) throw new Error(`not a checkpoint id: ${id}`);
    return (await this.git.raw(["rev-parse", "--verify", "--quiet", `${id}^{commit}`])).trim();
  }

  private async hasCommits(): Promise<boolean> {
    try {
      await this.git.raw(["rev-parse", "--verify", "--quiet", "HEAD"]);
      return true;
    } catch {
      return false;
    }
  }
}
