/**
 * Git's conflict markers in a file a merge, rebase, cherry-pick or stash pop stopped on: in a
 * chat run the model read them as code and "fixed" the syntax error by deleting a side — the
 * user's conflict resolved by guess, without a word (hearth fix refuses such a checkout
 * before the model loads: cli/checkout-root.ts). read_file names them.
 */
import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { shownPath } from "../indexer/index.ts";
import { readOnlyGitOutput } from "../indexer/read-only-git.ts";

/** One conflict: its lines (1-based, the markers included), the sides' labels, whether it shows the base (diff3). */
export interface ConflictBlock {
  readonly start: number;
  readonly end: number;
  readonly ours: string;
  readonly theirs: string;
  readonly base: boolean;
}

// Exactly seven, then a space and a label or the line's end: `<<<<<<<<` and `=======` under a heading are not markers.
const OPEN = /^<{7}(?: (.*))?$/;
const BASE = /^\|{7}(?: .*)?$/;
const SEPARATOR = /^={7}$/;
const CLOSE = /^>{7}(?: (.*))?$/;

/** The complete conflicts in `lines` (a file's lines, without their ends). */
export function conflictBlocks(lines: readonly string[]): ConflictBlock[] {
  const blocks: ConflictBlock[] = [];
  let open: { start: number; ours: string; base: boolean; separated: boolean } | undefined;
  for (const [i, line] of lines.entries()) {
    const opened = OPEN.exec(line);
    if (opened) open = { start: i + 1, ours: opened[1] ?? "", base: false, separated: false };
    else if (!open) continue;
    else if (!open.separated && BASE.test(line)) open.base = true;
    else if (SEPARATOR.test(line)) open.separated = true;
    else if (open.separated && CLOSE.test(line)) {
      blocks.push({ start: open.start, end: i + 1, ours: open.ours, theirs: CLOSE.exec(line)![1] ?? "", base: open.base });
      open = undefined;
    }
  }
  return blocks;
}

/** Conflicts named one by one in the note; the rest are counted. */
const MAX_NAMED = 5;

/** The note read_file adds for the conflicts among the lines it shows; undefined for none. */
export function conflictNote(path: string, blocks: readonly ConflictBlock[], added = false): string | undefined {
  if (blocks.length === 0) return undefined;
  const ranges = blocks.slice(0, MAX_NAMED).map((b) => `${b.start}-${b.end}`);
  if (blocks.length > MAX_NAMED) ranges.push(`${blocks.length - MAX_NAMED} more`);
  const which = ranges.length === 1 ? ranges[0]! : `${ranges.slice(0, -1).join(", ")} and ${ranges.at(-1)}`;
  const what = blocks.length === 1 ? "an unresolved merge conflict" : `${blocks.length} unresolved merge conflicts`;
  const label = (name: string) => (name === "" ? "" : ` (${name})`);
  const base = blocks.some((b) => b.base) ? "; from ||||||| to ======= is their common base" : "";
  return (
    `[Hearth: lines ${which} of ${shownPath(path)} are ${what}: git's markers, not code. ` +
    `Between <<<<<<< and ======= is one side${label(blocks[0]!.ours)}, between ======= and >>>>>>> the other${label(blocks[0]!.theirs)}${base}. ` +
    "Which to keep, or how to combine them, is the user's decision: unless they asked you to resolve it, ask them before editing these lines. " +
    (added
      ? "git add has already marked the file resolved with these markers in it, so the merge would commit them as they are.]"
      : "After it is resolved, git still counts the file as conflicted until the user runs git add on it.]")
  );
}

/** How long git may take to say whether a file is unmerged (it reads the index alone). */
const GIT_TIMEOUT_MS = 10_000;

/**
 * Whether git counts the file at `absolute` conflicted (its index holds the file unmerged):
 * false where git says it does not — markers committed on purpose (a merge tool's test
 * fixture, a doc showing a conflict) are content, and the note would have the model ask the
 * user to resolve them; undefined where git cannot tell (no repository, no git, another
 * version control's merge), the markers alone then being the sign. Asked in the file's own
 * folder, so a nested repository answers for its files; read-only (indexer/read-only-git.ts).
 */
export async function gitCountsConflicted(absolute: string): Promise<boolean | undefined> {
  const unmerged = await readOnlyGitOutput(dirname(absolute), ["ls-files", "--unmerged", "-z", "--", `:(literal)${basename(absolute)}`], GIT_TIMEOUT_MS);
  return unmerged === undefined ? undefined : unmerged !== "";
}

/**
 * What git leaves in the git folder while an operation that can stop on conflicts is under way
 * (`state`, asked with --git-path: a linked worktree's own), what it is called, how it is
 * aborted, and git's ref for the other side's commit, whose version of a file may hold markers
 * on purpose too (git am has none). git am's state comes before a rebase's (both rebase-apply).
 */
export const OPERATIONS_UNDER_WAY: readonly { readonly state: string; readonly what: string; readonly abort: string; readonly other?: string }[] = [
  { state: "rebase-apply/applying", what: "git am", abort: "git am --abort" },
  { state: "rebase-merge", what: "a rebase", abort: "git rebase --abort", other: "REBASE_HEAD" },
  { state: "rebase-apply", what: "a rebase", abort: "git rebase --abort", other: "REBASE_HEAD" },
  { state: "MERGE_HEAD", what: "a merge", abort: "git merge --abort", other: "MERGE_HEAD" },
  { state: "CHERRY_PICK_HEAD", what: "a cherry-pick", abort: "git cherry-pick --abort", other: "CHERRY_PICK_HEAD" },
  { state: "REVERT_HEAD", what: "a revert", abort: "git revert --abort", other: "REVERT_HEAD" },
];

/**
 * Whether a file's version `added` (its conflict blocks) holds conflicts git add took for
 * resolved: more blocks than HEAD's version and the other side's hold (a fixture that a side
 * commits with markers in holds no more than it).
 */
export function moreMarkersThanEitherSide(added: number, head: number, other: number): boolean {
  return added > Math.max(head, other);
}

/**
 * Whether the file at `absolute`, which git does not count conflicted, holds conflicts git add
 * took for resolved: while a merge, cherry-pick, revert or rebase is under way, it holds more
 * of them (`blocks`) than HEAD's version and the other side's do (git add -A after the merge
 * stopped, nothing resolved: the note was dropped for such a file, and the model read the
 * markers as code). A fixture that a side commits with markers in holds no more than it. False
 * where no operation is under way or git cannot tell.
 */
export async function markersAddedUnderWay(absolute: string, blocks: number): Promise<boolean> {
  const folder = dirname(absolute);
  const paths = (await readOnlyGitOutput(folder, ["rev-parse", ...OPERATIONS_UNDER_WAY.flatMap(({ state }) => ["--git-path", state])], GIT_TIMEOUT_MS))?.split("\n");
  const under = OPERATIONS_UNDER_WAY.find((_, i) => paths?.[i] && existsSync(resolve(folder, paths[i])));
  if (!under) return false;
  const held = async (rev: string | undefined): Promise<number> => {
    if (rev === undefined) return 0;
    const text = await readOnlyGitOutput(folder, ["cat-file", "blob", `${rev}:./${basename(absolute)}`], GIT_TIMEOUT_MS);
    return text === undefined ? 0 : conflictBlocks(text.split(/\r?\n/)).length;
  };
  return moreMarkersThanEitherSide(blocks, await held("HEAD"), await held(under.other));
}
