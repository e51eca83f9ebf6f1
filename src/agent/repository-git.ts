/**
 * git run read-only in the user's repository (the checkout `hearth fix` works on), for what
 * the fix asks of it: which files it tracks, which differ from HEAD, what it would store for
 * a file's bytes. `--no-optional-locks` keeps git from refreshing the user's index, so a
 * question never changes the repository; a git that fails (or is missing) is an answer too.
 * It runs nothing the repository's config names (READ_ONLY_GIT_OPTIONS, readOnlyGitEnv) but,
 * where a call asks for them, its clean filters.
 */
import { spawn } from "node:child_process";
import { type Hash, createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { READ_ONLY_GIT_OPTIONS, readOnlyGitEnv, withoutRepositoryFilters } from "../indexer/read-only-git.ts";

/**
 * git's stdout in `root`, or why it gave none (its first line of error, how it failed to
 * start, or that it ran past its time: `timedOut`).
 */
export type RepositoryGit = { readonly ok: true; readonly stdout: Buffer } | { readonly ok: false; readonly why: string; readonly timedOut?: true };

export interface RepositoryGitCall {
  /** Written to git's stdin (closed after; none: closed at once). */
  readonly input?: string | Buffer;
  /** How long git may run before it is stopped (default REPOSITORY_GIT_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /**
   * Stops git and its filters when aborted (Ctrl-C): in a process group of its own, git is
   * out of reach of the terminal's Ctrl-C, which would otherwise wait out the time limit.
   */
  readonly signal?: AbortSignal;
  /**
   * "repository": the filter drivers the repository's own config defines run (their clean
   * filters, within the time limit): what `hash-object --path` would store is the repository's
   * answer, filters and all. Otherwise git reads the files' bytes as they are.
   */
  readonly filters?: "repository";
}

/** Why a git stopped by RepositoryGitCall.signal gave no answer. */
export const CANCELLED = "the fix was cancelled";

/**
 * How long one git in the user's repository may run. git runs the repository's own clean
 * filters (`git status` on a changed file, `hash-object --path`), and one that hangs would
 * hang the fix with it; a minute is far past what reading a checkout's files takes.
 */
export const REPOSITORY_GIT_TIMEOUT_MS = 60_000;

/** Whether git failed for want of a repository: there is nothing to ask there, and nothing to tell the user (repositoryGit has git speak English). */
export function noRepository(failed: { readonly why: string }): boolean {
  return /not a git repository/i.test(failed.why);
}

/** The id git gives a blob of `bytes`, in the object format of `like` (an id from the same repository: SHA-1 or SHA-256, by its length). */
export function blobId(bytes: Buffer, like: string): string {
  return blobHash(bytes.length, like).update(bytes).digest("hex");
}

/** blobId of the file at `path` (`size` bytes, as lstat gave it), read as a stream: a file too large to hold whole; undefined where it cannot be read or its size changed meanwhile. */
export async function fileBlobId(path: string, size: number, like: string): Promise<string | undefined> {
  const hash = blobHash(size, like);
  let read = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      read += (chunk as Buffer).length;
      hash.update(chunk as Buffer);
    }
  } catch {
    return undefined;
  }
  return read === size ? hash.digest("hex") : undefined;
}

function blobHash(size: number, like: string): Hash {
  return createHash(like.length === 64 ? "sha256" : "sha1").update(`blob ${size}\0`);
}

/** Output kept from one git: the stored form reads whole blobs, up to the checkpoints' size limit each. */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

/** The process groups of the gits running now (stopRepositoryGits). */
const running = new Set<number>();

/**
 * Kills every repository git running now, with its filters. Run in their own process groups,
 * they are out of reach of the terminal's signals: a second Ctrl-C, which kills `hearth` at
 * once while the patch is being built, would leave git and a hanging filter behind.
 */
export function stopRepositoryGits(): void {
  for (const pid of running) stopGroup(pid);
}

/** Runs `git <READ_ONLY_GIT_OPTIONS> <args>` in `root`. */
export async function repositoryGit(root: string, args: readonly string[], call: RepositoryGitCall = {}): Promise<RepositoryGit> {
  if (call.signal?.aborted) return { ok: false, why: CANCELLED };
  // Its messages in English whatever the user's language (no catalog is named "en"): noRepository
  // reads them, and they are quoted in Hearth's own English lines.
  const env = readOnlyGitEnv({ ...process.env, LANGUAGE: "en" });
  return runGit(root, args, call.filters === "repository" ? env : await withoutRepositoryFilters(root, env), call);
}

function runGit(root: string, args: readonly string[], env: NodeJS.ProcessEnv, call: RepositoryGitCall): Promise<RepositoryGit> {
  const timeoutMs = call.timeoutMs ?? REPOSITORY_GIT_TIMEOUT_MS;
  const { signal } = call;
  if (signal?.aborted) return Promise.resolve({ ok: false, why: CANCELLED });
  return new Promise<RepositoryGit>((resolve) => {
    // Its own process group (but on Windows), so a stop reaches the filter git started too.
    const child = spawn("git", [...READ_ONLY_GIT_OPTIONS, ...args], { cwd: root, env, windowsHide: true, detached: process.platform !== "win32" });
    const group = child.pid;
    if (group !== undefined) running.add(group);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    const finish = (answer: RepositoryGit) => {
      if (group !== undefined) running.delete(group);
      clearTimeout(timer);
      signal?.removeEventListener("abort", cancel);
      resolve(answer);
    };
    const cancel = () => {
      stopGroup(child.pid);
      finish({ ok: false, why: CANCELLED });
    };
    signal?.addEventListener("abort", cancel, { once: true });
    // Answered at once, not when git's streams close: a filter that outlives git holds its stderr open.
    const timer = setTimeout(() => {
      stopGroup(child.pid);
      finish({ ok: false, why: `git ${args[0] ?? ""} did not finish within ${timeoutMs / 1000} s (a clean filter of the repository that does not finish?)`, timedOut: true });
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT_BYTES) stdout.push(chunk);
      else stopGroup(child.pid);
    });
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => finish({ ok: false, why: error.message }));
    child.on("close", (code, signal) => {
      if (size > MAX_OUTPUT_BYTES) finish({ ok: false, why: `git ${args[0] ?? ""} wrote more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB` });
      else if (code === 0) finish({ ok: true, stdout: Buffer.concat(stdout) });
      else finish({ ok: false, why: firstLine(Buffer.concat(stderr)) || `git ${args[0] ?? ""} ended with ${signal ?? `exit code ${code}`}` });
    });
    // git may exit (a bad repository) before reading what it was given.
    child.stdin.on("error", () => undefined);
    child.stdin.end(call.input ?? "");
  });
}

/** git's stdout in `root` as text, undefined when it fails or is missing. */
export async function repositoryGitText(root: string, args: readonly string[], call: RepositoryGitCall = {}): Promise<string | undefined> {
  const run = await repositoryGit(root, args, call);
  return run.ok ? run.stdout.toString("utf8") : undefined;
}

function firstLine(stderr: Buffer): string {
  return stderr.toString("utf8").trim().split("\n")[0]?.trim() ?? "";
}

/** Kills git and what it started (its process group; on Windows git alone). */
function stopGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(process.platform === "win32" ? pid : -pid, "SIGKILL");
  } catch {
    // already gone
  }
}
