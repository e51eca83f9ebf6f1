/**
 * Why a repository's history could not be read where git itself would read it: a partial
 * clone that has not downloaded its commits' trees (`git clone --filter=tree:0`, as CI and big
 * monorepos clone). Hearth's read-only git downloads nothing, so its `git log --name-status`
 * fails whole. Said by `hearth index`'s History line and the Hearth view's index line alike.
 */
import { spawnSync } from "node:child_process";
import { programSearchEnv } from "../protocol/program-search.ts";
import { shellWord } from "../protocol/shell-word.ts";
import { READ_ONLY_GIT_OPTIONS, readOnlyGitEnv } from "./read-only-git.ts";

/**
 * The promisor remote of a partial clone whose history git cannot read without downloading
 * (one cloned with --filter=tree:0 has no commit's tree but HEAD's, and a commit's changed files
 * are read from its trees). Undefined where the log reads, or git says something else.
 */
export function historyNotDownloaded(folder: string): { readonly remote: string } | undefined {
  const env = readOnlyGitEnv(programSearchEnv({ ...process.env, LANGUAGE: "en" }));
  const run = (args: readonly string[], stdout: "pipe" | "ignore"): ReturnType<typeof spawnSync> =>
    spawnSync("git", [...READ_ONLY_GIT_OPTIONS, ...args], { cwd: folder, stdio: ["ignore", stdout, "pipe"], encoding: "utf8", timeout: 30_000, env, windowsHide: true });
  const promisors = run(["config", "--get-regexp", "^remote\\..*\\.promisor$"], "pipe");
  if (promisors.status !== 0 || typeof promisors.stdout !== "string") return undefined;
  const remote = promisors.stdout.split("\n").map((line) => /^remote\.(.+)\.promisor true$/i.exec(line)?.[1]).find((name) => name !== undefined);
  if (remote === undefined) return undefined;
  // The log the history reads (history.ts, without renames as in a partial clone), its output dropped.
  const log = run(["log", "--no-merges", "--no-renames", "--name-status", "--format=", "--max-count=5000", "HEAD"], "ignore");
  if (log.status === 0 || !/lazy fetching disabled|could not fetch \S+ from promisor remote/i.test(String(log.stderr ?? ""))) return undefined;
  return { remote };
}

/**
 * What to tell the user of such a clone: the remote's filter made blob:none first, so that later
 * fetches (a pull) bring the trees of the commits they bring too — a refetch with --filter alone
 * leaves the config's tree:0, and the history was unreadable again after the next pull — then
 * the fetch that downloads the trees of those it has (not every file's old versions).
 */
export function historyNotDownloadedMessage(remote: string): string {
  const key = shellWord(`remote.${remote}.partialclonefilter`);
  return `this partial clone has not downloaded the trees of its commits (a clone with --filter=tree:0), and Hearth's git downloads nothing, so the commits' history (which helps ranking) was not read; have git download them, now and with every later fetch (git config ${key} blob:none, then git fetch --refetch ${shellWord(remote)}: the trees, not every file's old versions), and index again`;
}
