/**
 * Where the user's repository stood (its HEAD) at each checkpoint, so that a `git checkout`,
 * `git pull` or `git reset --hard` the user ran while a run went on is not taken for the
 * agent's work: each checkpoint's message records the HEAD commit and ref
 * (`Hearth-Git-Head: <commit> <ref>`, `HEAD` as the ref when detached), and one taken after
 * the user's time (checkpoint-authorship.ts usersChange: a run's start, an `after …`) where
 * HEAD moved since the previous checkpoint names the files that differ between the two
 * commits (`Hearth-Git-Moved: ["path", …]`, workspace-relative; over MOVED_INLINE of them,
 * `Hearth-Git-Moved: <count> <blob>`, the list in a blob of the shadow repository, NUL
 * between paths): git wrote those, not Hearth, though an `after …` checkpoint holds them. A move inside a step (the agent's own
 * `git checkout` through run_command) names none: that change is the agent's.
 *
 * git runs read-only in the user's repository, running nothing its config names
 * (indexer/read-only-git.ts); a folder that is no repository, or one with no commit yet,
 * records no HEAD.
 */
import { readOnlyGitOutput } from "../indexer/read-only-git.ts";

/** The user's HEAD: its commit, and the branch it is on (`refs/heads/…`; `HEAD` when detached). */
export interface UserHead {
  readonly commit: string;
  readonly ref: string;
}

const HEAD_TRAILER = "Hearth-Git-Head: ";
const MOVED_TRAILER = "Hearth-Git-Moved: ";
/** For `git log --grep`: the checkpoints that name files a move of HEAD changed. */
export const MOVED_GREP = `^${MOVED_TRAILER}`;
const GIT_TIMEOUT_MS = 30_000;
/**
 * Moved files listed in the message itself at most; more go to a blob the message names. A
 * switch between branches 50,000 files apart made a 2.5 MB message, which every `git log
 * --grep` of the moves (each review, Reject, whole restore) read again. A blob, like the
 * extras' (checkpoint-extras.ts), stays: the shadow repository runs no gc.
 */
export const MOVED_INLINE = 100;

/** A moved-file list kept in a blob: how many paths, and the blob's id. */
export interface MovedBlob {
  readonly count: number;
  readonly blob: string;
}

/** The user's HEAD in `root` now, or undefined (no repository, no commit, no git). */
export async function userHead(root: string): Promise<UserHead | undefined> {
  const out = await readOnlyGitOutput(root, ["rev-parse", "HEAD", "--symbolic-full-name", "HEAD"], GIT_TIMEOUT_MS);
  const [commit, ref] = out?.trim().split("\n") ?? [];
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
  return { commit, ref: ref || "HEAD" };
}

/** The files under `root` that differ between two commits of its repository (undefined when git cannot tell: a commit gone). */
export async function filesBetween(root: string, from: string, to: string): Promise<string[] | undefined> {
  const out = await readOnlyGitOutput(root, ["diff", "--no-ext-diff", "--no-textconv", "--no-renames", "--name-only", "--relative", "-z", from, to, "--"], GIT_TIMEOUT_MS);
  return out?.split("\0").filter(Boolean);
}

/** The trailer lines a checkpoint's message gets for `head` and the files its move changed (a list over MOVED_INLINE: its blob). */
export function headTrailers(head: UserHead | undefined, moved: readonly string[] | MovedBlob): string[] {
  if (!head) return [];
  const list = "blob" in moved ? `${moved.count} ${moved.blob}` : moved.length ? JSON.stringify(moved) : undefined;
  return [`${HEAD_TRAILER}${head.commit} ${head.ref}`, ...(list ? [`${MOVED_TRAILER}${list}`] : [])];
}

/** A moved-file list's blob content (`MovedBlob`), and back. */
export const movedBlobText = (paths: readonly string[]): string => paths.join("\0");
export const movedBlobPaths = (text: string): string[] => text.split("\0").filter(Boolean);

/**
 * The HEAD a checkpoint's message records, and the files a move of it changed (empty when
 * none), or the blob that lists them (`movedBlob`: CheckpointStore reads it).
 */
export function parseHeadTrailers(message: string): { head?: UserHead; moved: string[]; movedBlob?: MovedBlob } {
  let head: UserHead | undefined;
  let moved: string[] = [];
  let movedBlob: MovedBlob | undefined;
  for (const line of message.split("\n")) {
    if (line.startsWith(HEAD_TRAILER)) {
      const [commit, ref] = line.slice(HEAD_TRAILER.length).split(" ");
      if (commit && /^[0-9a-f]{40,64}$/.test(commit)) head = { commit, ref: ref || "HEAD" };
    } else if (line.startsWith(MOVED_TRAILER)) {
      const inBlob = /^(\d+) ([0-9a-f]{40,64})$/.exec(line.slice(MOVED_TRAILER.length));
      if (inBlob) {
        movedBlob = { count: Number(inBlob[1]), blob: inBlob[2]! };
        continue;
      }
      try {
        const list: unknown = JSON.parse(line.slice(MOVED_TRAILER.length));
        if (Array.isArray(list)) moved = list.filter((p): p is string => typeof p === "string");
      } catch {
        // not ours: a message that merely looks like it
      }
    }
  }
  return { ...(head ? { head } : {}), moved, ...(movedBlob ? { movedBlob } : {}) };
}

/** How a ref reads to the user: `main` for refs/heads/main, a short commit when detached. */
export function headName(head: UserHead): string {
  return head.ref === "HEAD" ? head.commit.slice(0, 12) : head.ref.replace(/^refs\/heads\//, "");
}

/**
 * Whether the workspace's repository keeps file modes: false where its core.fileMode is false —
 * git probed a disk that keeps none when it made the repository (an exFAT or FAT stick, WSL's
 * /mnt/c, an SMB share: every file reads as executable there) or the user said so.
 */
export async function keepsModes(root: string): Promise<boolean> {
  return (await readOnlyGitOutput(root, ["config", "--bool", "core.fileMode"], GIT_TIMEOUT_MS))?.trim() !== "false";
}
