/**
 * What the repository's own history says about its files: the messages of the commits that
 * changed each file ("Fix #1234: autodoc typehints for overloaded methods") and which files
 * change together. Issues are often about the same things earlier fixes were, in the same
 * words, and a fix to one file of a pair that always changes together (a module and its
 * locale table, a card and its types) usually changes the other.
 *
 * Read once per HEAD with one `git log` (the last MAX_COMMITS commits, no merges), following
 * renames: a file moved to `src/cards/` keeps the commits it had under its old name. Without
 * git, or outside a repository, there is no history and ranking goes on without it.
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { formatLimit } from "../protocol/units.ts";
import { READ_ONLY_GIT_OPTIONS, readOnlyGitEnv } from "./read-only-git.ts";
import { issueReferences } from "./query-evidence.ts";
import { bm25Idf, bm25Tf } from "./tables.ts";
import { countTerms } from "./text.ts";

/** Where the history comes from: the work tree's repository (`cwd`), or a bare git directory and a revision. */
export interface HistorySource {
  /** Run git here; paths come back relative to it (`--relative`). */
  readonly cwd: string;
  /** A git directory to read instead of the one `cwd` is in (a mirror, for the evaluation). */
  readonly gitDir?: string;
  /** The commit whose ancestors count (default HEAD). */
  readonly rev?: string;
  readonly maxCommits?: number;
  /** Bytes of `git log` output read at most (default GIT_MAX_BUFFER); past it, the newest commits read are kept. */
  readonly maxBytes?: number;
}

/** How far back: enough for a project's recent fixes, bounded in time and memory. */
export const MAX_COMMITS = 5000;
/** A commit changing more files than this (a reformat, a licence header, a rename sweep) says little about each. */
const MAX_TEXT_FILES = 50;
/** Co-change counts only focused commits: a sweep makes every file a neighbour of every other. */
const MAX_COCHANGE_FILES = 20;
/** Pairs seen together fewer times than this are chance. */
const MIN_TOGETHER = 2;
/** Distinct terms kept per commit message. */
const MESSAGE_TERMS = 60;
/** `git log` is read for this long at most, and this much: past either, the newest commits read so far are the history. */
const GIT_TIMEOUT_MS = 30_000;
const GIT_MAX_BUFFER = 256 * 1024 * 1024;

interface Commit {
  readonly subject: string;
  readonly terms: ReadonlyMap<string, number>;
  readonly files: readonly string[];
  /** Issue and pull request numbers its message names (`Fix #8164: …`, `(#1404)`, `gh-77`). */
  readonly refs: readonly number[];
}

/** The history read for ranking: commit messages by file, and files changed together. */
export class RepoHistory {
  /** For each term: the files whose commits' messages use it, with counts. */
  private readonly postings = new Map<string, Map<string, number>>();
  private readonly docLength = new Map<string, number>();
  /** Indices into `commits` of the commits that changed each file (newest first). */
  private readonly commitsOf = new Map<string, number[]>();
  private readonly together = new Map<string, Map<string, number>>();
  private readonly focusedChanges = new Map<string, number>();
  /** Indices into `commits` of the commits whose messages name each issue or pull request. */
  private readonly naming = new Map<number, number[]>();
  private readonly totalLength: number;
  /** For each term: the focused commits (indices into `commits`) whose messages use it. */
  private readonly messagePostings = new Map<string, number[]>();
  /** Each focused commit's message length in terms (0 for the others). */
  private readonly messageLength: Float64Array;
  private readonly focusedCommits: number;
  private readonly averageMessage: number;

  constructor(
    /** The commit read (HEAD's hash when read from a work tree). */
    readonly head: string,
    private readonly commits: readonly Commit[],
    /** Why only the newest commits were read ("git log took over 30 s"), when the log was cut short. */
    readonly cut?: string,
    /**
     * Read from a shallow clone (`git clone --depth N`, `--shallow-since`): its boundary
     * commits, grafted without their parents, are left out of `commits` (git shows each as
     * adding every file it holds), so this holds only the real changes the clone has.
     */
    readonly shallow = false,
  ) {
    let total = 0;
    this.messageLength = new Float64Array(commits.length);
    let messages = 0;
    let focused = 0;
    commits.forEach((c, k) => {
      for (const f of c.files) push(this.commitsOf, f, k);
      if (c.files.length <= MAX_COCHANGE_FILES) {
        this.countTogether(c.files);
        for (const [t, n] of c.terms) {
          push(this.messagePostings, t, k);
          this.messageLength[k] += n;
        }
        if (c.terms.size > 0) (focused += 1), (messages += this.messageLength[k]!);
      }
      if (c.files.length > MAX_TEXT_FILES) return;
      for (const n of c.refs) push(this.naming, n, k);
      for (const f of c.files) {
        for (const [t, n] of c.terms) {
          let m = this.postings.get(t);
          if (!m) this.postings.set(t, (m = new Map()));
          m.set(f, (m.get(f) ?? 0) + n);
          this.docLength.set(f, (this.docLength.get(f) ?? 0) + n);
          total += n;
        }
      }
    });
    this.totalLength = total;
    this.focusedCommits = focused;
    this.averageMessage = focused > 0 ? messages / focused : 0;
  }

  get commitCount(): number {
    return this.commits.length;
  }

  /** How many of the commits read changed `path`. */
  changes(path: string): number {
    return this.commitsOf.get(path)?.length ?? 0;
  }

  /**
   * BM25 of each file's commit messages (all commits of ≤ MAX_TEXT_FILES files that changed
   * it, as one document) against the query's terms; `exists` filters out files gone since.
   */
  score(queryTerms: ReadonlyMap<string, number>, exists: (path: string) => boolean): Map<string, number> {
    const out = new Map<string, number>();
    const docs = this.docLength.size;
    if (docs === 0) return out;
    const avg = this.totalLength / docs;
    for (const [term, qtf] of queryTerms) {
      const files = this.postings.get(term);
      if (!files) continue;
      const idf = bm25Idf(docs, files.size);
      for (const [path, tf] of files) {
        if (!exists(path)) continue;
        const s = idf * qtf * bm25Tf(tf, this.docLength.get(path)!, avg);
        out.set(path, (out.get(path) ?? 0) + s);
      }
    }
    return out;
  }

  /**
   * How many of the commits read came after the newest one of ≤ MAX_TEXT_FILES files that
   * changed `path` (0: the newest commit changed it); undefined when none did. A sweep (a
   * reformat, a licence header) is not a change to the file's code.
   */
  age(path: string): number | undefined {
    return (this.commitsOf.get(path) ?? []).find((k) => this.commits[k]!.files.length <= MAX_TEXT_FILES);
  }

  /**
   * The commits (of ≤ MAX_TEXT_FILES files) whose messages name issue or pull request `n`:
   * what the fix of an issue the query links to changed.
   */
  commitsNaming(n: number): { readonly subject: string; readonly files: readonly string[] }[] {
    return (this.naming.get(n) ?? []).map((k) => this.commits[k]!);
  }

  /**
   * The `k` focused commits (≤ MAX_COCHANGE_FILES files) whose messages match `queryTerms`
   * best, by BM25 with each message a document, best first (the newer of a tie first): past
   * changes like the one asked for, whose files a fix like theirs is likely to change again.
   */
  changesLike(queryTerms: ReadonlyMap<string, number>, k: number): { readonly subject: string; readonly files: readonly string[]; readonly score: number }[] {
    const scores = new Map<number, number>();
    for (const [term, q] of queryTerms) {
      const commits = this.messagePostings.get(term);
      if (!commits) continue;
      const idf = bm25Idf(this.focusedCommits, commits.length);
      for (const c of commits) {
        const s = idf * q * bm25Tf(this.commits[c]!.terms.get(term)!, this.messageLength[c]!, this.averageMessage);
        scores.set(c, (scores.get(c) ?? 0) + s);
      }
    }
    return [...scores]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, k)
      .map(([c, score]) => ({ subject: this.commits[c]!.subject, files: this.commits[c]!.files, score }));
  }

  /** The subject of the commit to `path` whose message shares the most query weight (for the reason shown). */
  bestSubject(path: string, queryTerms: ReadonlyMap<string, number>): string | undefined {
    let best: { subject: string; weight: number } | undefined;
    for (const k of this.commitsOf.get(path) ?? []) {
      const c = this.commits[k]!;
      if (c.files.length > MAX_TEXT_FILES) continue;
      let weight = 0;
      for (const [t, q] of queryTerms) if (c.terms.has(t)) weight += q;
      if (weight > 0 && (!best || weight > best.weight)) best = { subject: c.subject, weight };
    }
    return best?.subject;
  }

  /**
   * Files that changed together with `path` in at least MIN_TOGETHER focused commits, each
   * with the share of `path`'s focused commits that changed it too (0..1), largest first.
   */
  coChanged(path: string): [string, number][] {
    const pairs = this.together.get(path);
    const n = this.focusedChanges.get(path) ?? 0;
    if (!pairs || n === 0) return [];
    const out: [string, number][] = [];
    for (const [other, count] of pairs) if (count >= MIN_TOGETHER) out.push([other, count / n]);
    return out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  private countTogether(files: readonly string[]): void {
    for (const f of files) {
      this.focusedChanges.set(f, (this.focusedChanges.get(f) ?? 0) + 1);
      let m = this.together.get(f);
      if (!m) this.together.set(f, (m = new Map()));
      for (const g of files) if (g !== f) m.set(g, (m.get(g) ?? 0) + 1);
    }
  }
}

const RECORD = "\x1e";
const FIELD = "\x1f";

/**
 * Reads the history with one `git log` (`previous` again when its commit is still the one
 * `rev` names). A shallow clone gives the commits it has less its boundary ones (listed in
 * its shallow file): git has them without their parents and shows each as adding every file
 * in it, which would give its message to every file and make each "changed in the newest
 * commit" in a depth-1 clone. Resolves to undefined, never
 * throws, when there is none to read (no git on PATH, not a repository, an unborn branch, a
 * repository git refuses as another user's): ranking is then lexical and structural only.
 */
export async function readHistory(source: HistorySource, previous?: RepoHistory): Promise<RepoHistory | undefined> {
  const rev = source.rev ?? "HEAD";
  const head = await git(source, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
  if (head === undefined || !/^[0-9a-f]{40,64}$/.test(head.trim())) return undefined;
  if (previous?.head === head.trim()) return previous;
  const boundary = await shallowCommits(source);
  const read = (renames: boolean): Promise<{ text: string; cut?: string } | undefined> =>
    gitLog(
      source,
      [
        "-c",
        "core.quotePath=false",
        "log",
        // A repository's own config can set log.showSignature and gpg.program: git log would
        // run that program on every signed commit (and verifying thousands is slow anyway).
        "--no-show-signature",
        "--no-merges",
        renames ? "--find-renames" : "--no-renames",
        "--name-status",
        ...(source.gitDir ? [] : ["--relative"]),
        `--max-count=${source.maxCommits ?? MAX_COMMITS}`,
        `--format=${RECORD}%s${FIELD}%b${FIELD}`,
        // The boundary commits (and their ancestors, which the clone does not have) as `^hash`
        // lines on stdin (a --shallow-since clone of a branchy history can have many; one the
        // clone does not hold is passed over).
        ...(boundary.length > 0 ? ["--ignore-missing", "--stdin"] : []),
        head.trim(),
      ],
      source.maxBytes ?? GIT_MAX_BUFFER,
      boundary.map((c) => `^${c}\n`).join(""),
    );
  // Finding a rename with edits reads both versions of the file: in a partial clone each is
  // a download from its remote, and an object store missing one fails the whole log. Then the
  // history is read without following renames.
  const partial = (await git(source, ["config", "--get", "extensions.partialClone"])) !== undefined;
  const log = (!partial ? await read(true) : undefined) ?? (await read(false));
  if (log === undefined) return undefined;
  return new RepoHistory(head.trim(), parseLog(log.text), log.cut, boundary.length > 0);
}

/**
 * The commits a shallow clone has without their parents: its shallow file (`.git/shallow`,
 * in the common git folder for a worktree), one hash a line; none when there is no such file.
 */
async function shallowCommits(source: HistorySource): Promise<string[]> {
  const path = (await git(source, ["rev-parse", "--git-path", "shallow"]))?.trim();
  if (!path) return [];
  try {
    return readFileSync(resolvePath(source.cwd, path), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /^[0-9a-f]{40,64}$/.test(l));
  } catch {
    return [];
  }
}

/**
 * Parses `git log --name-status --find-renames --format=<RS>%s<US>%b<US>` output (newest
 * commit first) into commits. Each file is named as it is now: a commit older than a rename
 * names the file by its new path, so its history carries over the move.
 */
export function parseLog(log: string): Commit[] {
  const commits: Commit[] = [];
  // Old path → the path it has now, from the renames of the commits read so far (newer ones).
  const renamed = new Map<string, string>();
  const current = (path: string): string => renamed.get(path) ?? path;
  for (const record of log.split(RECORD)) {
    const [subject, body, names] = record.split(FIELD);
    if (subject === undefined || names === undefined) continue;
    const files: string[] = [];
    const moves: [string, string][] = [];
    for (const line of names.split("\n")) {
      // `M\tpath`, `R097\told\tnew`; quoted names (tabs, newlines) cannot be paths of the index.
      const [status, path, to] = line.split("\t");
      if (status === undefined || path === undefined || path === "" || path.startsWith('"')) continue;
      if (status.startsWith("R") && to !== undefined && to !== "" && !to.startsWith('"')) {
        moves.push([path, to]);
        if (!files.includes(current(to))) files.push(current(to));
      } else if (!files.includes(current(path))) files.push(current(path));
    }
    // Older commits name the file by its old path.
    for (const [from, to] of moves) renamed.set(from, current(to));
    if (files.length === 0) continue;
    const text = messageText(subject, body ?? "");
    commits.push({ subject: subject.trim(), terms: countTerms(text, MESSAGE_TERMS), files, refs: issueReferences(text, true) });
  }
  return commits;
}

// Trailers name people, not code; a revert quotes the message it reverts, which is fine.
function messageText(subject: string, body: string): string {
  const lines = body.split("\n").filter((l) => !/^[\w-]+-by:|^Change-Id:|^Signed-off/i.test(l.trim()));
  return `${subject}\n${lines.join("\n")}`;
}

function git(source: HistorySource, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    try {
      execFile("git", gitArgs(source, args), { cwd: source.cwd, env: readOnlyGitEnv(), timeout: GIT_TIMEOUT_MS, maxBuffer: GIT_MAX_BUFFER, windowsHide: true }, (error, stdout) => {
        resolve(error ? undefined : stdout);
      });
    } catch {
      // spawn throws at once for some bad folders (a file as the working directory: ENOTDIR).
      resolve(undefined);
    }
  });
}

/**
 * Streams `git log`: a history too long to read in GIT_TIMEOUT_MS, or larger than
 * `maxBytes`, is cut after its last whole commit (the log is newest first, so the newest
 * commits are kept) and says why, instead of being lost whole.
 */
function gitLog(source: HistorySource, args: readonly string[], maxBytes: number, input = ""): Promise<{ text: string; cut?: string } | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: { text: string; cut?: string } | undefined): void => {
      if (!settled) (settled = true), clearTimeout(timer), resolve(value);
    };
    const chunks: Buffer[] = [];
    let bytes = 0;
    let cut: string | undefined;
    let child: ReturnType<typeof spawn>;
    const stop = (why: string): void => {
      if (cut !== undefined) return;
      cut = why;
      child.kill();
    };
    const timer = setTimeout(() => stop(`git log took over ${GIT_TIMEOUT_MS / 1000} s`), GIT_TIMEOUT_MS);
    try {
      child = spawn("git", gitArgs(source, args), { cwd: source.cwd, env: readOnlyGitEnv(), stdio: [input ? "pipe" : "ignore", "pipe", "ignore"], windowsHide: true });
    } catch {
      settle(undefined);
      return;
    }
    if (input) {
      // A git that stops early (killed at the limit) closes its stdin: EPIPE is no error here.
      child.stdin!.on("error", () => undefined);
      child.stdin!.end(input);
    }
    child.stdout!.on("data", (chunk: Buffer) => {
      if (cut !== undefined) return;
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes > maxBytes) stop(`git log passed ${formatLimit(maxBytes)}`);
    });
    child.on("error", () => settle(undefined));
    child.on("close", (code) => {
      if (cut === undefined) return settle(code === 0 ? { text: Buffer.concat(chunks).toString("utf8") } : undefined);
      // Every record before the last separator is whole.
      const read = Buffer.concat(chunks).subarray(0, maxBytes);
      settle({ text: read.subarray(0, Math.max(0, read.lastIndexOf(RECORD.charCodeAt(0)))).toString("utf8"), cut });
    });
  });
}

/**
 * git log reads no work-tree file (no filter runs), but a repository's config can still name
 * programs for it: READ_ONLY_GIT_OPTIONS (a promisor remote's transport, fetching the old
 * version of a renamed file; the log then fails and is read without renames).
 */
function gitArgs(source: HistorySource, args: readonly string[]): string[] {
  return [...READ_ONLY_GIT_OPTIONS, ...(source.gitDir ? ["--git-dir", source.gitDir] : []), ...args];
}


function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(value);
}
