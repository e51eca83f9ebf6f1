/**
 * Whether a read-only git of Hearth's runs at all: none on the PATH (a slim container), or one
 * before 2.15 (CentOS 7's 1.8.3, Debian 9's 2.11) that refuses the --no-optional-locks every
 * one carries. Then the history reads nothing and git_diff fails, so `hearth fix` refuses the
 * checkout, `hearth index` names the git (cli/checkout-root.ts), and a chat or Fix This Issue
 * says it once (conversation-run.ts).
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { READ_ONLY_GIT_OPTIONS, readOnlyGitEnv } from "../indexer/read-only-git.ts";
import { programSearchEnv } from "../protocol/program-search.ts";

/** No git starts (`missing`: how the start failed), or it refuses the options (`old`: its line, `version`: what git --version says). */
export type GitUnusable = { readonly missing: string } | { readonly old: string; readonly version: string };

/**
 * Why no read-only git runs in the folder (READ_ONLY_GIT_OPTIONS); undefined where one runs,
 * or the folder is none. git from PATH's absolute folders, never the folder's own
 * (program-search.ts). The texts are git's and the system's, unescaped.
 */
export function gitUnusable(folder: string): GitUnusable | undefined {
  if (!isDirectory(folder)) return undefined;
  const asked = git(folder, [...READ_ONLY_GIT_OPTIONS, "--version"]);
  const error = asked.error as NodeJS.ErrnoException | undefined;
  if (error?.code === "ENOENT") return { missing: error.message };
  const refusal = typeof asked.stderr === "string" ? /^.*unknown option.*$/im.exec(asked.stderr)?.[0] : undefined;
  if (asked.status === 0 || !refusal) return undefined;
  const version = git(folder, ["--version"]).stdout?.trim() || "this git";
  return { old: refusal.trim(), version };
}

/** What a chat or Fix This Issue tells the user of it, at the conversation's start. */
export function gitUnusableNotice(unusable: GitUnusable): string {
  const lost = "so the git_diff tool fails and the project's history (which helps find the code a message is about) is not read";
  if ("missing" in unusable) return `git is not on the PATH (${unusable.missing}), ${lost}. Install git, or add its folder to PATH, and restart VS Code.`;
  return `${unusable.version} is too old for Hearth: it refuses --no-optional-locks (${unusable.old}), which Hearth's read-only git runs with, so that reading the repository never rewrites its index (git 2.15 and later); ${lost}. Install a newer git, or put its folder first on PATH, and restart VS Code.`;
}

function git(folder: string, args: readonly string[]): SpawnSyncReturns<string> {
  // English, whatever the user's language: the refusal is read.
  const env = readOnlyGitEnv(programSearchEnv({ ...process.env, LANGUAGE: "en" }));
  return spawnSync("git", args, { cwd: folder, encoding: "utf8", timeout: 30_000, env, windowsHide: true });
}

function isDirectory(folder: string): boolean {
  try {
    return statSync(folder).isDirectory();
  } catch {
    return false;
  }
}
