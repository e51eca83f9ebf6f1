/**
 * Whether a read-only git of Hearth's runs at all: none on the PATH (a slim container), or one
 * before 2.15 (CentOS 7's 1.8.3, Debian 9's 2.11) that refuses the --no-optional-locks every
 * one carries. Then the history reads nothing and git_diff fails, so `hearth fix` refuses the
 * checkout, `hearth index` names the git (cli/checkout-root.ts), and a chat or Fix This Issue
 * says it once (conversation-run.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { READ_ONLY_GIT_OPTIONS, readOnlyGitEnv } from "../indexer/read-only-git.ts";
import { programSearchEnv } from "../protocol/program-search.ts";

/** No git starts (`missing`: how the start failed), or it refuses the options (`old`: its line, `version`: what git --version says). */
export type GitUnusable = { readonly missing: string } | { readonly old: string; readonly version: string };

/**
 * Why no read-only git runs in the folder (READ_ONLY_GIT_OPTIONS); undefined where one runs,
 * or the folder is none. git from PATH's absolute folders, never the folder's own
 * (program-search.ts). The texts are git's and the system's, unescaped. Blocking: for the
 * CLI's checks before anything starts; the runtime asks gitUnusableAsync.
 */
export function gitUnusable(folder: string): GitUnusable | undefined {
  if (!isDirectory(folder)) return undefined;
  const refused = refusal(gitSync(folder, [...READ_ONLY_GIT_OPTIONS, "--version"]));
  if (!refused || "missing" in refused) return refused;
  return { old: refused.old, version: gitSync(folder, ["--version"]).stdout.trim() || "this git" };
}

/**
 * gitUnusable without blocking: the runtime serves every other request (completions included)
 * while git answers, where a git slow to answer (on a network mount, behind a wrapper script)
 * stalled them all, up to the 30 s limit.
 */
export async function gitUnusableAsync(folder: string): Promise<GitUnusable | undefined> {
  if (!(await stat(folder).then((s) => s.isDirectory(), () => false))) return undefined;
  const refused = refusal(await gitAsync(folder, [...READ_ONLY_GIT_OPTIONS, "--version"]));
  if (!refused || "missing" in refused) return refused;
  return { old: refused.old, version: (await gitAsync(folder, ["--version"])).stdout.trim() || "this git" };
}

/** What a chat or Fix This Issue tells the user of it, at the conversation's start. */
export function gitUnusableNotice(unusable: GitUnusable): string {
  const lost = "so the git_diff tool fails and the project's history (which helps find the code a message is about) is not read";
  if ("missing" in unusable) return `git is not on the PATH (${unusable.missing}), ${lost}. Install git, or add its folder to PATH, and restart VS Code.`;
  return `${unusable.version} is too old for Hearth: it refuses --no-optional-locks (${unusable.old}), which Hearth's read-only git runs with, so that reading the repository never rewrites its index (git 2.15 and later); ${lost}. Install a newer git, or put its folder first on PATH, and restart VS Code.`;
}

interface GitAnswer {
  readonly error?: NodeJS.ErrnoException | undefined;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How the read-only options' run went: no git (`missing`), refused (`old`: git's line), or undefined where it ran. */
function refusal(asked: GitAnswer): { readonly missing: string } | { readonly old: string } | undefined {
  if (asked.error?.code === "ENOENT") return { missing: asked.error.message };
  const refused = /^.*unknown option.*$/im.exec(asked.stderr)?.[0];
  return asked.status === 0 || !refused ? undefined : { old: refused.trim() };
}

// English, whatever the user's language: the refusal is read.
const gitEnv = () => readOnlyGitEnv(programSearchEnv({ ...process.env, LANGUAGE: "en" }));

const GIT_TIMEOUT_MS = 30_000;

function gitSync(folder: string, args: readonly string[]): GitAnswer {
  const asked = spawnSync("git", args, { cwd: folder, encoding: "utf8", timeout: GIT_TIMEOUT_MS, env: gitEnv(), windowsHide: true });
  return { error: asked.error as NodeJS.ErrnoException | undefined, status: asked.status, stdout: asked.stdout ?? "", stderr: asked.stderr ?? "" };
}

function gitAsync(folder: string, args: readonly string[]): Promise<GitAnswer> {
  return new Promise((resolve) => {
    const child = spawn("git", args, { cwd: folder, timeout: GIT_TIMEOUT_MS, env: gitEnv(), windowsHide: true, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString("utf8");
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    // A failed start emits error before close: the first answer stands.
    child.on("error", (error) => resolve({ error, status: null, stdout: text(stdout), stderr: text(stderr) }));
    child.on("close", (status) => resolve({ status, stdout: text(stdout), stderr: text(stderr) }));
  });
}

function isDirectory(folder: string): boolean {
  try {
    return statSync(folder).isDirectory();
  } catch {
    return false;
  }
}
