/**
 * git_diff: what the agent has changed so far — the diff from the session's first
 * checkpoint to now when checkpoints are on (new files included), else `git diff HEAD`
 * of the user's repository (read-only: --no-optional-locks keeps git from touching the index;
 * nothing the repository's config names runs, indexer/read-only-git.ts, and no diff driver:
 * the files' bytes as they are).
 * The changes to files that look like they hold secrets (a .env nobody git-ignored, changed
 * by the user or a setup command during the run: its diff is its keys; a new file that is a
 * hard link to a git-ignored one) are left out and named, as search leaves them out; a call whose path is one shows it, once the user allowed
 * it (`targets`: the agent loop asks, secret-reads.ts).
 */
import { spawn } from "node:child_process";
import { lstat, readFile, realpath } from "node:fs/promises";
import { join } from "node:path";
import { shownPath } from "../indexer/index.ts";
import { READ_ONLY_GIT_OPTIONS, gitDirElsewhere, readOnlyGitEnv, withoutRepositoryFilters, workTreeElsewhere } from "../indexer/read-only-git.ts";
import { looksLikeSecrets } from "../protocol/secret-files.ts";
import { gitCryptKeys, sameEncrypted } from "./git-crypt.ts";
import { otherSecretNames } from "./secret-reads.ts";
import { type Tool, ToolError, optionalString } from "./tool.ts";
import { readTargets } from "./path-spelling.ts";
import { dataLeftOut, isNotebookPath } from "./notebook-outputs.ts";
import { type CheckpointStore, DiffTooLargeError } from "./checkpoints.ts";

const MAX_DIFF_CHARS = 40_000;
/**
 * A diff since the run's start read at most (of which MAX_DIFF_CHARS are shown): past it the
 * result lists the changed files. After a formatter over 5,000 files (a 66 MB diff) each call
 * read all of it for 40,000 characters; past ~512 MiB (a build's binaries) it failed with
 * "Cannot create a string longer than …".
 */
const MAX_READ_DIFF_BYTES = 8 * 1024 * 1024;
/** Changed files a too-large diff's result names. */
const MAX_LISTED_FILES = 100;
/** A new file larger than this (a dataset, a build output nobody ignored) is named, not diffed: far more than is shown. */
const MAX_NEW_FILE_BYTES = 1024 * 1024;

export const gitDiffTool: Tool = {
  effect: "read",
  display: { title: "Git diff", wouldLikeTo: ["show the changes to {path}", "show the changes"], keyArguments: ["path"], body: "arguments" },
  definition: {
    name: "git_diff",
    description: "Show the changes made in the workspace so far as a unified diff (optionally for one path). Changes to files that look like secrets (.env, private keys) are left out (the result names them; naming one as path asks the user).",
    parameters: {
      type: "object",
      properties: { path: { type: "string", description: "Only changes under this file or folder." } },
      required: [],
    },
  },
  // The file named as the path: one that looks like it holds secrets asks first (secret-reads.ts).
  async targets(input, ctx) {
    return readTargets(ctx.workspace, optionalString(input, "path"));
  },
  async execute(input, ctx) {
    const raw = optionalString(input, "path");
    const paths = raw ? [await ctx.workspace.resolve(raw)] : [];
    const named = (path: string) => paths.includes(path);
    const all = ctx.checkpoints && ctx.runStart
      ? await checkpointDiff(ctx.checkpoints, ctx.runStart, paths)
      : await gitDiff(ctx.workspace.root, paths, ctx.signal, named);
    const nested = ctx.checkpoints && ctx.runStart ? nestedNote(ctx.checkpoints.nested, paths) : [];
    // Past the limit too: the files it names are the checkpoints', which hold no command's change in those folders.
    if ("tooLarge" in all) return { text: [all.tooLarge, ...nested].join("\n"), data: { diff: "", tooLarge: true } };
    const notShown = "newFilesNotShown" in all ? all.newFilesNotShown : 0;
    // A file that is another name of a git-ignored .env (`ln .env notes.txt`) shows its keys as a new file.
    const changed = diffPaths(all.diff).filter((path) => !named(path) && !looksLikeSecrets(path));
    const hardLinked = await otherSecretNames(ctx.workspace.root, changed);
    const { diff, secrets } = leaveOutSecrets(all.diff, (path) => !named(path) && (looksLikeSecrets(path) || hardLinked.has(path)));
    secrets.push(...all.secrets);
    const shown = notebookDataLeftOut(diff);
    const cut = shown.length > MAX_DIFF_CHARS ? `${shown.slice(0, MAX_DIFF_CHARS)}\n[… diff cut at ${MAX_DIFF_CHARS} characters; ask for one path]` : shown;
    // After the cut, so the cut never removes it (it was in the diff, past the 40,000 characters shown).
    const more = notShown ? [`[… and ${notShown} more new file(s) not shown]`] : [];
    const text = [cut, ...more, ...secretsNote(secrets, hardLinked)].filter((part) => part !== "").join("\n");
    return { text: [text === "" ? "No changes." : text, ...nested].join("\n"), data: { diff, ...(notShown ? { newFilesNotShown: notShown } : {}), ...(secrets.length ? { skippedSecrets: secrets } : {}) } };
  },
};

/**
 * The repositories of their own under the asked paths (or holding one) that the checkpoints
 * did not look into: without a word, a command's change there (sed -i in one of a folder's
 * clones) read as "No changes." to the model.
 */
function nestedNote(nested: readonly string[], paths: readonly string[]): string[] {
  const under = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
  const among = paths.length && !paths.includes(".") ? nested.filter((folder) => paths.some((path) => under(folder, path) || under(path, folder))) : nested;
  if (among.length === 0) return [];
  const shown = among.slice(0, 10).map((folder) => `${shownPath(folder)}/`).join(", ") + (among.length > 10 ? ` and ${among.length - 10} more` : "");
  const which = among.length === 1 ? "1 folder that is a git repository of its own" : `${among.length} folders that are git repositories of their own`;
  return [`[Not looked into: ${which} (${shown}). The agent's edits there are in this diff, but not a change a command made in ${among.length === 1 ? "it" : "them"}: run_command git -C FOLDER diff shows those.]`];
}

/** The diff since the run's start, or — past MAX_READ_DIFF_BYTES — words naming the changed files instead. */
async function checkpointDiff(store: CheckpointStore, runStart: string, paths: readonly string[]): Promise<{ diff: string; secrets: string[] } | { tooLarge: string }> {
  try {
    return { diff: await store.diff(runStart, undefined, paths, { maxBytes: MAX_READ_DIFF_BYTES }), secrets: [] };
  } catch (error) {
    if (!(error instanceof DiffTooLargeError)) throw error;
    const changed = await store.changedFiles(runStart);
    const under = paths.length ? changed.filter((file) => paths.some((path) => file === path || file.startsWith(`${path}/`))) : changed;
    const listed = under.slice(0, MAX_LISTED_FILES).map((file) => shownPath(file));
    const more = under.length > listed.length ? [`… and ${under.length - listed.length} more`] : [];
    return { tooLarge: [`The diff is over ${MAX_READ_DIFF_BYTES / 1024 / 1024} MiB (${under.length} files changed): ask for one file's path. Changed files:`, ...listed, ...more].join("\n") };
  }
}

/**
 * a/ and b/ whatever the user's config prefers for their terminal (diff.mnemonicPrefix's c/
 * and w/, diff.noprefix): leaveOutSecrets reads the paths from the headers. 3 lines of context,
 * as the diff with checkpoints has: with the user's diff.context=0 the model saw a change with
 * no line around it, and diff.interHunkContext merged far-apart hunks. A submodule shows
 * its commit, never whether its files changed: git would run `git status` in it, with its own
 * config's filters, which withoutRepositoryFilters does not empty (a .gitmodules' `ignore =
 * none` is overruled). Its commit as a "Subproject commit" line whatever the user's
 * diff.submodule says: with `diff` git ran `git diff` in the submodule, whose own config's
 * diff.external then ran, and the model saw "Submodule library 1ca9166..9a8a616:" alone.
 */
const DIFF_OPTIONS = ["--no-ext-diff", "--no-textconv", "--ignore-submodules=dirty", "--submodule=short", "--no-color", "--src-prefix=a/", "--dst-prefix=b/", "--unified=3", "--inter-hunk-context=0"];

/**
 * `git diff HEAD` plus the files git does not track yet (ignored ones left out): what the
 * agent created is a change too. Pathspecs are literal (`app/[id].tsx` is a file name).
 * A workspace in a folder of the repository sees its own files, by their paths in it
 * (--relative, as ls-files lists them): the paths the model and a call's path use.
 * New files are diffed one by one against /dev/null, until the diff is over what is shown
 * (counted as shown: a notebook's base64 left out); the new files left after it are counted
 * (`newFilesNotShown`), not noted in the diff, which execute cuts at 40,000 characters.
 */
async function gitDiff(root: string, paths: readonly string[], signal: AbortSignal, named: (path: string) => boolean): Promise<{ diff: string; secrets: string[]; newFilesNotShown: number }> {
  const pathspec = paths.map((p) => `:(literal)${p}`);
  const env = await withoutRepositoryFilters(root, readOnlyGitEnv());
  const git = (args: readonly string[], okCode?: number) => runGit(root, args, env, signal, okCode);
  await refuseWorkTreeElsewhere(root, git);
  const base = await headOrEmptyTree(git);
  let diff = await withoutUnlockedSecrets(root, (await git(["diff", ...DIFF_OPTIONS, "--relative", base, "--", ...pathspec])).toString("utf8"), base, git);
  const listed = (await git(["ls-files", "-z", "--others", "--exclude-standard", "--", ...pathspec])).toString("utf8").split("\0");
  // A nested repository is listed as its folder ("sub/"): not a file to diff.
  const files = listed.filter((p) => p !== "" && !p.endsWith("/"));
  // A secret-looking new file is not diffed at all (see leaveOutSecrets): its size does not count towards the cut.
  const secrets = files.filter((p) => !named(p) && looksLikeSecrets(p));
  const untracked = files.filter((p) => !secrets.includes(p));
  // What the model is shown (a notebook's base64 left out): a new notebook's figures stopped the loop early, hiding the new files after it.
  // What is read stays bounded too (MAX_READ_DIFF_BYTES, as since the run's start): a folder of new notebooks shows little of each.
  let shown = notebookDataLeftOut(diff).length;
  const add = (text: string) => {
    diff += text;
    shown += notebookDataLeftOut(text).length;
  };
  for (const [i, file] of untracked.entries()) {
    if (shown > MAX_DIFF_CHARS || diff.length > MAX_READ_DIFF_BYTES) return { diff, secrets, newFilesNotShown: untracked.length - i };
    const size = (await lstat(join(root, file)).catch(() => undefined))?.size ?? 0;
    if (size > MAX_NEW_FILE_BYTES) {
      add(`[new file ${file}: ${size} bytes, not shown]\n`);
      continue;
    }
    add((await git(["diff", "--no-index", ...DIFF_OPTIONS, "--", "/dev/null", file], 1)).toString("utf8"));
  }
  return { diff, secrets, newFilesNotShown: 0 };
}

/**
 * `diff` less the files of an unlocked git-crypt checkout that hold what `base` holds
 * encrypted: the repository's filters are emptied (withoutRepositoryFilters), so where git read
 * such a file again (after git-crypt unlock, a touch, a copied checkout) it compared the plain
 * secret with the encrypted blob and showed "Binary files a/.env and b/.env differ", a change
 * nobody made. git-crypt.ts makes the encrypted blob from the checkout's key, running nothing.
 */
async function withoutUnlockedSecrets(root: string, diff: string, base: string, git: (args: readonly string[]) => Promise<Buffer>): Promise<string> {
  if (!diff.includes("\nBinary files ")) return diff;
  const gitDir = (await git(["rev-parse", "--absolute-git-dir"])).toString("utf8").trim();
  const keys = gitDir ? await gitCryptKeys(gitDir) : [];
  if (keys.length === 0) return diff;
  const sections = diff.split(/(?=^diff --git )/m);
  const kept: string[] = [];
  for (const section of sections) {
    // "diff --git a/P b/P", "index 1a2b..0000000 100644", "Binary files a/P and b/P differ": P as the header names it, --relative to root.
    const path = /^diff --git a\/(.+) b\/\1\n(?:index [0-9a-f]+\.\.[0-9a-f]+(?: \d+)?\n)Binary files a\/\1 and b\/\1 differ\n$/.exec(section)?.[1];
    const blob = path && (await git(["rev-parse", "--verify", "--quiet", `${base}:./${path}`]).catch(() => Buffer.alloc(0))).toString("utf8").trim();
    const bytes = blob ? await readFile(join(root, path)).catch(() => undefined) : undefined;
    if (!bytes || !blob || !sameEncrypted(bytes, blob, keys)) kept.push(section);
  }
  return kept.join("");
}

/**
 * A ToolError where the workspace's repository reads another folder's files (its config's
 * core.worktree: read-only-git.ts workTreeElsewhere): `git diff HEAD` there showed that
 * folder's files (an unpacked archive's config can name the user's home) as the workspace's;
 * or where its git folder is another checkout's (gitDirElsewhere: an archive's .git file).
 */
async function refuseWorkTreeElsewhere(root: string, git: (args: readonly string[]) => Promise<Buffer>): Promise<void> {
  const [top, gitDir] = (await git(["rev-parse", "--show-toplevel", "--absolute-git-dir"])).toString("utf8").split("\n");
  const real = await realpath(root).catch(() => root);
  if (!top) return;
  if (workTreeElsewhere(real, top, gitDir || undefined)) {
    throw new ToolError("unavailable", `no checkpoints, and the workspace's repository names another folder as its files (core.worktree: ${top}), so git diff there would show that folder's changes, not the workspace's; nothing was read. Tell the user: if they did not set it (an unpacked archive's .git/config can), removing it (git config --unset core.worktree in ${root}) lets git_diff work`);
  }
  // An archive's .git file naming the user's other repository: its files would show as deleted, with their text.
  if (gitDir && gitDirElsewhere(top, gitDir)) {
    throw new ToolError("unavailable", `no checkpoints, and the workspace's .git names the repository of another folder (${gitDir}), so git diff there would compare that repository's commits with the workspace's files; nothing was read. Tell the user: if they did not put it there (an unpacked archive's .git file can), removing ${join(top, ".git")} lets git_diff work`);
  }
}

/**
 * HEAD, or where the repository has no commit yet (git init, then the agent's first files)
 * the empty tree, in the repository's object format: `git diff HEAD` failed there ("bad
 * revision"), and the files added to the index are new files. A folder that is no repository
 * still fails, as before.
 */
async function headOrEmptyTree(git: (args: readonly string[], okCode?: number) => Promise<Buffer>): Promise<string> {
  // Exit 1 with --quiet: a repository whose HEAD names no commit (an unborn branch).
  if ((await git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], 1)).length) return "HEAD";
  // stdin is /dev/null (runGit): the empty tree's id.
  return (await git(["hash-object", "-t", "tree", "--stdin"])).toString("utf8").trim();
}

/**
 * The diff without the sections of the files `secret` names (those that look like they hold
 * secrets, or are another name of one, but the one the call named), and those files' paths. A section starts at its `diff --git a/P b/P` line
 * (no line of a hunk can: each starts with a space, + or -); P is quoted, C-style, when it
 * holds a quote, a backslash, a control character or non-ASCII.
 */
function leaveOutSecrets(diff: string, secret: (path: string) => boolean): { diff: string; secrets: string[] } {
  const secrets: string[] = [];
  const kept = sections(diff).filter((section) => {
    if (!section.startsWith("diff --git ")) return true;
    const hidden = sectionPaths(section).filter(secret);
    for (const path of hidden) if (!secrets.includes(path)) secrets.push(path);
    return hidden.length === 0;
  });
  return { diff: kept.join(""), secrets };
}

/**
 * The diff with a notebook's base64 output lines shown as read_file shows them (notebook-outputs.ts):
 * a notebook run again changes each figure's one line of 20-200 KB, and its - and + lines filled
 * the characters shown with data the model cannot read.
 */
function notebookDataLeftOut(diff: string): string {
  return sections(diff)
    .map((section) => {
      if (!section.startsWith("diff --git ") || !isNotebookPath(sectionPaths(section)[0]!)) return section;
      return section.replace(/^([-+ ])(.{1000,})$/gm, (line, mark: string, body: string) => {
        const left = dataLeftOut(body);
        return left === undefined ? line : `${mark}${left}`;
      });
    })
    .join("");
}

/** A diff cut at its sections' `diff --git` lines (the text before the first one kept as it is). */
function sections(diff: string): string[] {
  // After a line feed only: ^ with the m flag also matches after a CR or U+2028 inside a line.
  return diff.split(/(?<=\n)(?=diff --git )/);
}

/** Every file the diff's sections show. */
function diffPaths(diff: string): string[] {
  return [...new Set(sections(diff).filter((section) => section.startsWith("diff --git ")).flatMap(sectionPaths))];
}

/**
 * The files a section shows: its new path, and a rename's or copy's source (`rename from
 * .env`), whose lines are its context and its removed lines.
 */
function sectionPaths(section: string): string[] {
  const path = sectionPath(section.slice("diff --git ".length).split("\n", 1)[0]!);
  const hunks = section.search(/^(?:--- |@@ |Binary files )/m);
  const source = /^(?:rename|copy) from (.*)$/m.exec(hunks < 0 ? section : section.slice(0, hunks))?.[1];
  if (source === undefined) return [path];
  return [path, source.startsWith('"') ? unquote(source) : source];
}

/** The new path of a section's header `a/P b/P` (a rename's `a/P b/Q`: Q). */
function sectionPath(header: string): string {
  const quoted = header.endsWith('"') ? header.lastIndexOf(' "b/') : -1;
  if (quoted >= 0) return unquote(header.slice(quoted + 1)).slice(2);
  const half = (header.length - 5) / 2;
  if (Number.isInteger(half) && header.startsWith("a/") && header.slice(half + 2, half + 5) === " b/" && header.slice(2, half + 2) === header.slice(half + 5)) return header.slice(half + 5);
  return header.slice(header.lastIndexOf(" b/") + 3);
}

/** A path as git quotes it ("b/donn\303\251es/.env"), back to its text. */
function unquote(quoted: string): string {
  const bytes: number[] = [];
  const escapes: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, "\\": 92 };
  const body = quoted.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") bytes.push(...Buffer.from(c));
    else if (/[0-7]{3}/.test(body.slice(i + 1, i + 4))) (bytes.push(parseInt(body.slice(i + 1, i + 4), 8)), (i += 3));
    else bytes.push(escapes[body[++i] ?? ""] ?? 92);
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The note naming the files left out; a hard link's name says nothing, so its other name (`sameAs`) is said too. */
function secretsNote(secrets: readonly string[], sameAs: ReadonlyMap<string, string>): string[] {
  if (secrets.length === 0) return [];
  const count = secrets.length === 1 ? "1 file that looks like it holds" : `${secrets.length} files that look like they hold`;
  const names = secrets.map((path) => (sameAs.has(path) ? `${shownPath(path)} (another name of ${shownPath(sameAs.get(path)!)})` : shownPath(path)));
  return [`[Not shown: the changes to ${count} secrets (${names.join(", ")}): environment files, private keys and credential stores are left out of the diff. See one only if the task needs it, by giving its path.]`];
}

/**
 * Runs a read-only git command in `root`; stdout as bytes (decoded by the caller: a chunk may end inside a character).
 * A blank context line is " " (no command-line option says so): with the user's diff.suppressBlankEmpty it was an
 * empty line, unlike the diff with checkpoints.
 */
function runGit(root: string, args: readonly string[], env: NodeJS.ProcessEnv, signal: AbortSignal, okCode = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", [...READ_ONLY_GIT_OPTIONS, "-c", "diff.suppressBlankEmpty=false", ...args], { cwd: root, env, signal, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => reject(new ToolError("unavailable", `git is not available: ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0 || code === okCode) resolve(Buffer.concat(out));
      else reject(new ToolError("unavailable", `no checkpoints and git ${args[0]} failed: ${Buffer.concat(err).toString("utf8").trim()}`));
    });
  });
}
