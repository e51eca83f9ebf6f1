/**
 * git's refusal of a repository another user owns (its safe.directory check, "detected dubious
 * ownership": a checkout mounted into a container, one made with sudo). Every git there fails,
 * so `hearth fix` refuses the checkout (cli/checkout-root.ts) and a chat or Fix This Issue says
 * it once (conversation-run.ts): the agent's git commands fail and the history reads nothing.
 */
import { spawn } from "node:child_process";
import { READ_ONLY_GIT_OPTIONS, readOnlyGitEnv } from "../indexer/read-only-git.ts";

export interface OwnershipRefusal {
  /** The repository's folder, as git names it. */
  readonly repository: string;
  /**
   * The command git suggests to mark it safe, as git writes it (the path quoted for the
   * shell; on Windows a UNC path in the `%(prefix)///server/share` form git reads there);
   * undefined where git's message has none.
   */
  readonly command?: string;
}

/** The refusal in git's stderr, or undefined where it is no ownership refusal. */
export function ownershipRefusal(stderr: string): OwnershipRefusal | undefined {
  const repository = /detected dubious ownership in repository at '(.*)'/.exec(stderr)?.[1];
  if (repository === undefined) return undefined;
  const command = /^[ \t]*(git config --global --add safe\.directory .+?)[ \t]*\r?$/m.exec(stderr)?.[1];
  return { repository, ...(command ? { command } : {}) };
}

/** Whether git refuses the repository of `folder` because another user owns it; undefined where it reads it, or there is none, or no git. */
export function repositoryOwnershipRefusal(folder: string): Promise<OwnershipRefusal | undefined> {
  return new Promise((resolve) => {
    // English, whatever the user's language: the message is read.
    const child = spawn("git", [...READ_ONLY_GIT_OPTIONS, "rev-parse", "--git-dir"], { cwd: folder, env: readOnlyGitEnv({ ...process.env, LANGUAGE: "en" }), windowsHide: true, stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
    const stderr: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", () => resolve(undefined));
    child.on("close", (code) => resolve(code === 0 ? undefined : ownershipRefusal(Buffer.concat(stderr).toString("utf8"))));
  });
}

/** What a chat or Fix This Issue tells the user of the refusal. */
export function ownershipNotice(refusal: OwnershipRefusal): string {
  const command = refusal.command ?? `git config --global --add safe.directory with the folder ${refusal.repository}`;
  return `git will not read the repository at ${refusal.repository}: another user owns it (git's "dubious ownership" check), so the agent's git commands fail and the project's history is not read. Work on it as its owner, or, if you trust it, mark it safe (${command}) and start a new conversation.`;
}
