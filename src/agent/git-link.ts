/**
 * A `.git` file git cannot follow: one naming a git folder that is not there, or no repository (a linked worktree
 * or a submodule whose repository was moved or deleted: `gitdir: /old/place/.git/worktrees/x`),
 * or one not in git's form. git stops at it ("not a git repository: X") and reads no repository,
 * not even one around it: the agent's git commands fail, git_diff has no HEAD, the history reads
 * nothing, and `hearth fix` could not tell the checkout's top (its patch named files from the
 * folder it was started in). So `hearth fix` refuses (cli/checkout-root.ts), `hearth index`'s
 * History line names it, and a chat or Fix This Issue says it once (conversation-run.ts).
 */
import { spawn } from "node:child_process";
import { lstatSync } from "node:fs";
import { dirname, join } from "node:path";
import { READ_ONLY_GIT_OPTIONS, readOnlyGitEnv } from "../indexer/read-only-git.ts";

export interface BrokenGitLink {
  /** The `.git` file: the nearest one at or above the folder. */
  readonly file: string;
  /** The git folder it names, which is not there or no repository; none where the file is not in git's form. */
  readonly names?: string;
}

/** The broken `.git` file git's stderr (English) tells of, in `folder`; undefined where it tells of none. */
export function brokenGitLink(stderr: string, folder: string): BrokenGitLink | undefined {
  const invalid = /^fatal: invalid gitfile format: (.+?)\r?$/m.exec(stderr)?.[1];
  if (invalid !== undefined) return { file: invalid };
  // "(or any of the parent directories)" is no repository at all; a path after the colon is where a .git file led.
  const names = /^fatal: not a git repository: (.+?)\r?$/m.exec(stderr)?.[1];
  const file = names === undefined ? undefined : nearestGitFile(folder);
  return names !== undefined && file !== undefined ? { file, names } : undefined;
}

/** The `.git` file git found first from `folder` up (a `.git` folder that is no repository git passes by). */
function nearestGitFile(folder: string): string | undefined {
  for (let at = folder; ; at = dirname(at)) {
    try {
      if (lstatSync(join(at, ".git")).isFile()) return join(at, ".git");
    } catch {
      // none here
    }
    if (dirname(at) === at) return undefined;
  }
}

/** Whether git in `folder` stops at a broken `.git` file (which); undefined where it reads a repository, finds none, or no git runs. */
export function repositoryGitLinkBroken(folder: string): Promise<BrokenGitLink | undefined> {
  return new Promise((resolve) => {
    // English, whatever the user's language: the message is read.
    const child = spawn("git", [...READ_ONLY_GIT_OPTIONS, "rev-parse", "--git-dir"], { cwd: folder, env: readOnlyGitEnv({ ...process.env, LANGUAGE: "en" }), windowsHide: true, stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
    const stderr: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", () => resolve(undefined));
    child.on("close", (code) => resolve(code === 0 ? undefined : brokenGitLink(Buffer.concat(stderr).toString("utf8"), folder)));
  });
}

/** What is wrong, in words every caller starts with: "the .git file … so git finds no repository here". */
export function gitLinkProblem(broken: BrokenGitLink): string {
  if (broken.names === undefined) return `the .git file ${broken.file} is not in the form git reads ("gitdir: PATH"), so git finds no repository here`;
  return `the .git file ${broken.file} names ${broken.names} as its git folder, which is not there or holds no repository (a worktree or submodule whose repository was moved or deleted), so git finds no repository here`;
}

/** The way out: mend the link where the repository is now, or remove the file. `word`: how a path is written (for the shell, the terminal). */
export function gitLinkWayOut(broken: BrokenGitLink, word: (path: string) => string = (path) => path): string {
  const remove = `remove ${word(broken.file)} if this folder is no checkout any more`;
  if (broken.names === undefined) return `write it as git does, or ${remove}`;
  return `mend it from its repository's new place (for a worktree: git worktree repair ${word(dirname(broken.file))}, run in that repository), or ${remove}`;
}

/** What a chat or Fix This Issue tells the user of it, at the conversation's start. */
export function gitLinkNotice(broken: BrokenGitLink): string {
  return `${gitLinkProblem(broken)}: the agent's git commands fail and the project's history is not read. To have them, ${gitLinkWayOut(broken)}, and start a new conversation.`;
}
