/**
 * git run read-only in the user's repository (the checkout `hearth fix` works on), for what
 * the fix asks of it: which files it tracks, which differ from HEAD, what it would store for
 * a file's bytes. `--no-optional-locks` keeps git from refreshing the user's index, so a
 * question never changes the repository; a git that fails (or is missing) is an answer too.
 */
import { execFile } from "node:child_process";

/** git's stdout in `root`, or why it gave none (its first line of error, or how it failed to start). */
export type RepositoryGit = { readonly ok: true; readonly stdout: Buffer } | { readonly ok: false; readonly why: string };

export interface RepositoryGitCall {
  /** Written to git's stdin (closed after; none: closed at once). */
  readonly input?: string | Buffer;
}

/** Output kept from one git: the stored form reads whole blobs, up to the checkpoints' size limit each. */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

/** Runs `git --no-optional-locks <args>` in `root`. */
export function repositoryGit(root: string, args: readonly string[], call: RepositoryGitCall = {}): Promise<RepositoryGit> {
  return new Promise<RepositoryGit>((resolve) => {
    const child = execFile("git", ["--no-optional-locks", ...args], { cwd: root, encoding: "buffer", maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true }, (error, stdout, stderr) => {
      resolve(error ? { ok: false, why: firstLine(stderr) || error.message } : { ok: true, stdout });
    });
    // git may exit (a bad repository) before reading what it was given.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(call.input ?? "");
  });
}

/** git's stdout in `root` as text, undefined when it fails or is missing. */
export async function repositoryGitText(root: string, args: readonly string[]): Promise<string | undefined> {
  const run = await repositoryGit(root, args);
  return run.ok ? run.stdout.toString("utf8") : undefined;
}

function firstLine(stderr: Buffer): string {
  return stderr.toString("utf8").trim().split("\n")[0]?.trim() ?? "";
}
