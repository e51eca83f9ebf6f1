/**
 * One repository's work tree for the retrieval bench, moved from commit to commit by
 * writing only the files whose blob changed. It reads the fetched mirror with `git ls-tree`
 * and `git cat-file --batch` and never writes to it. Mirrors may lack their largest blobs,
 * so missing blobs are skipped, as are files over the indexer's size limit (it would skip
 * them too), symbolic links and submodules.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const MAX_BYTES = 1024 * 1024;
// cat-file output for one batch stays well under this.
const BATCH_FILES = 2000;

interface TreeState {
  readonly commit: string;
  readonly blobs: Record<string, string>;
}

export class WorkTree {
  readonly root: string;
  private readonly stateFile: string;
  private state: TreeState;

  constructor(
    private readonly gitDir: string,
    dir: string,
  ) {
    this.root = join(dir, "tree");
    this.stateFile = join(dir, "tree-state.json");
    this.state = this.loadState();
  }

  /** Makes the work tree equal to `commit`: changed files rewritten, files it lacks removed. */
  checkout(commit: string): void {
    if (this.state.commit === commit) return;
    const wanted = this.listBlobs(commit);
    // A move cut short leaves no state: the next run starts the tree afresh.
    rmSync(this.stateFile, { force: true });
    for (const path of Object.keys(this.state.blobs)) if (!(path in wanted)) rmSync(join(this.root, path), { force: true });
    const changed = Object.entries(wanted).filter(([path, sha]) => this.state.blobs[path] !== sha);
    const written: Record<string, string> = {};
    for (const [path, sha] of Object.entries(this.state.blobs)) if (wanted[path] === sha) written[path] = sha;
    for (let i = 0; i < changed.length; i += BATCH_FILES) {
      const batch = changed.slice(i, i + BATCH_FILES);
      const blobs = this.readBlobs(batch.map(([, sha]) => sha));
      for (const [path, sha] of batch) {
        const file = join(this.root, path);
        const bytes = blobs.get(sha);
        if (bytes === undefined) {
          if (existsSync(file)) unlinkSync(file);
          continue;
        }
        writeReplacing(this.root, path, bytes);
        written[path] = sha;
      }
    }
    this.state = { commit, blobs: written };
    writeFileSync(this.stateFile, JSON.stringify(this.state));
  }

  /** Seconds since the epoch of the commit's committer date (to visit bases in order). */
  commitTime(commit: string): number {
    return Number(this.git(["log", "-1", "--format=%ct", commit]).toString().trim());
  }

  private listBlobs(commit: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of this.git(["ls-tree", "-r", "-l", "-z", commit]).toString().split("\0")) {
      const m = /^(\d+) blob ([0-9a-f]+)\s+(\d+|-)\t(.+)$/s.exec(line);
      if (!m || m[1] === "120000" || m[3] === "-" || Number(m[3]) > MAX_BYTES) continue;
      out[m[4]!] = m[2]!;
    }
    return out;
  }

  private readBlobs(shas: readonly string[]): Map<string, Buffer> {
    const buffer = this.git(["cat-file", "--batch"], `${shas.join("\n")}\n`);
    const blobs = new Map<string, Buffer>();
    let at = 0;
    while (at < buffer.length) {
      const eol = buffer.indexOf(10, at);
      const header = buffer.subarray(at, eol).toString();
      at = eol + 1;
      const [sha, type, size] = header.split(" ");
      if (type === "missing" || size === undefined) continue;
      blobs.set(sha!, buffer.subarray(at, at + Number(size)));
      at += Number(size) + 1;
    }
    return blobs;
  }

  private git(args: readonly string[], input?: string): Buffer {
    return execFileSync("git", ["--git-dir", this.gitDir, ...args], { maxBuffer: 1 << 30, ...(input !== undefined ? { input } : {}) });
  }

  // A tree whose state file is missing or unreadable is started afresh.
  private loadState(): TreeState {
    try {
      return JSON.parse(readFileSync(this.stateFile, "utf8")) as TreeState;
    } catch {
      rmSync(this.root, { recursive: true, force: true });
      mkdirSync(this.root, { recursive: true });
      return { commit: "", blobs: {} };
    }
  }
}

// Between commits a file can become a folder (gulpfile.js → gulpfile.js/) and back: what is
// in the way, a file where a folder goes or a folder where a file goes, is removed first.
function writeReplacing(root: string, path: string, bytes: Buffer): void {
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) {
    const dir = join(root, ...parts.slice(0, i));
    if (existsSync(dir) && !statSync(dir).isDirectory()) unlinkSync(dir);
  }
  const file = join(root, path);
  if (existsSync(file) && statSync(file).isDirectory()) rmSync(file, { recursive: true, force: true });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}
