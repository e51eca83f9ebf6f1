/**
 * Patch fuzz on real history: commits from bare git repositories on this machine (the
 * mirrors under /work/.mirror, or --repo DIR), each commit's own `git diff` damaged the
 * ways models damage diffs, applied by `hearth apply-patch` (in process) to the commit's
 * pre-image and compared with its post-image, git being the oracle.
 *   npm run bench -- patch-history [--repo DIR]… [--commits N] [--seed N] [--only TEXT] [--verbose]
 * Each tree holds the commit's files plus a copy of each changed file under `_copy/` (a
 * file that exists twice with the same content); a "repeated block" variant appends the
 * old side of the file's first hunk to the file, so that hunk's text is there twice.
 * Outcomes: applied (exit 0, tree byte-identical to the post-image), refused (non-zero
 * exit, tree untouched), wrong (anything else: printed with the first differing line).
 * A truncated patch (cut inside its last hunk) must be refused, or give the post-image.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/cli/command.ts";
import { applyPatchCommand } from "../../src/cli/commands/apply-patch.ts";
import { DAMAGES, type Tree, gitDiff, loadTree, writeTree } from "../unit/tools/helpers/diffs.ts";
import { DROPPED_CONTEXT } from "../unit/tools/helpers/dropped-context.ts";

type Outcome = "applied" | "refused" | "wrong";

interface Case {
  readonly id: string;
  readonly before: Tree;
  readonly after: Tree;
  readonly patch: string;
}

const MIRRORS = "/work/.mirror";
const DEFAULT_REPOS = ["pallets+flask", "expressjs+express", "ollama+ollama", "psf+requests", "markedjs+marked", "iamkun+dayjs"];

function git(repo: string, ...args: string[]): string {
  return execFileSync("git", ["-C", repo, "-c", "core.quotepath=off", ...args], { encoding: "latin1", maxBuffer: 64 << 20 });
}

/** Cuts a patch inside its last hunk, as a model's output cut off at its token limit. */
function truncateLastHunk(p: string, midLine: boolean): string {
  const lines = p.replace(/\n$/, "").split("\n");
  const at = lines.findLastIndex((l) => l.startsWith("@@"));
  const body = lines.length - at - 1;
  if (at < 0 || body < 4) return p;
  const keep = at + 1 + Math.floor(body / 2);
  const head = lines.slice(0, keep).join("\n");
  if (!midLine) return `${head}\n`;
  const line = lines[keep]!;
  return line.length < 6 ? p : `${head}\n${line.slice(0, Math.floor(line.length / 2))}`;
}

function truncateAfterFirst(p: string): string {
  const lines = p.replace(/\n$/, "").split("\n");
  const at = lines.findLastIndex((l) => l.startsWith("@@"));
  return at < 0 || lines.length - at < 3 ? p : `${lines.slice(0, at + 2).join("\n")}\n`;
}

// Cut before the last section's first hunk: the patch names a file and says nothing more.
function truncateAfterHeader(p: string): string {
  const sections = splitSections(p);
  const last = sections.at(-1)!;
  const at = last.findIndex((l) => l.startsWith("@@"));
  if (sections.length < 2 || at < 0) return p;
  return `${[...sections.slice(0, -1), last.slice(0, at)].map((s) => s.join("\n")).join("\n")}\n`;
}

/** Damages beyond the shared catalogue. */
const EXTRA: Record<string, (p: string) => string> = {
  "no final newline in the patch": (p) => p.replace(/\n+$/, ""),
  "counts off by one": (p) => p.replace(/^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/gm, (_m, a, b, c, d) => `@@ -${a},${Number(b) + 1} +${c},${Number(d) - 1} @@`),
  "new-side numbers on the old side": (p) => p.replace(/^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@/gm, (_m, _a, b, c, d) => `@@ -${c}${b ?? ""} +${c}${d ?? ""} @@`),
  "a header per hunk": (p) => perHunkHeaders(p),
  "file sections reversed": (p) => reverseSections(p),
  "truncated inside the last hunk": (p) => truncateLastHunk(p, false),
  "truncated mid-line in the last hunk": (p) => truncateLastHunk(p, true),
  "truncated after the last hunk's first line": (p) => truncateAfterFirst(p),
  "truncated after the last file's header": (p) => truncateAfterHeader(p),
  // A context line written without its leading space (a line that then reads as -, + or @@ is left alone).
  "context lines without their leading space": (p) => p.split("\n").map((l) => (/^ [^-+@\\]/.test(l) ? l.slice(1) : l)).join("\n"),
};

const ALL: Record<string, (p: string) => string> = { ...DAMAGES, ...DROPPED_CONTEXT, ...EXTRA };

function splitSections(p: string): string[][] {
  const out: string[][] = [];
  for (const line of p.replace(/\n$/, "").split("\n")) {
    if (line.startsWith("diff --git ") || out.length === 0) out.push([]);
    out.at(-1)!.push(line);
  }
  return out;
}

function reverseSections(p: string): string {
  return `${splitSections(p).reverse().map((s) => s.join("\n")).join("\n")}\n`;
}

// Each hunk of a modified file under its own ---/+++ header (models often repeat them).
function perHunkHeaders(p: string): string {
  return `${splitSections(p).map((s) => {
    const minus = s.find((l) => l.startsWith("--- "));
    const plus = s.find((l) => l.startsWith("+++ "));
    if (!minus || !plus || minus.includes("/dev/null") || plus.includes("/dev/null") || s.some((l) => l.startsWith("rename "))) return s.join("\n");
    let seen = 0;
    return s.flatMap((l) => (l.startsWith("@@") && seen++ > 0 ? [minus, plus, l] : [l])).join("\n");
  }).join("\n")}\n`;
}

interface Change { status: string; from?: string; to?: string }

function changesOf(repo: string, commit: string): Change[] | undefined {
  const out: Change[] = [];
  const numstat = git(repo, "diff", "--numstat", "-M", `${commit}^`, commit).trim().split("\n");
  if (numstat.length > 4 || numstat.some((l) => l.startsWith("-\t-\t"))) return undefined;
  const total = numstat.reduce((n, l) => n + Number(l.split("\t")[0]) + Number(l.split("\t")[1]), 0);
  if (total === 0 || total > 200) return undefined;
  for (const line of git(repo, "diff", "--name-status", "-M", `${commit}^`, commit).trim().split("\n")) {
    const [status, a, b] = line.split("\t");
    if (!status || !a) return undefined;
    const s = status[0]!;
    if (s === "M") out.push({ status: s, from: a, to: a });
    else if (s === "A") out.push({ status: s, to: a });
    else if (s === "D") out.push({ status: s, from: a });
    else if (s === "R" && b) out.push({ status: s, from: a, to: b });
    else return undefined;
  }
  return out;
}

function show(repo: string, rev: string, path: string): string {
  return execFileSync("git", ["-C", repo, "show", `${rev}:${path}`], { maxBuffer: 64 << 20 }).toString("latin1");
}

function casesFromRepo(repo: string, name: string, want: number, seed: number): Case[] {
  const commits = git(repo, "log", "--no-merges", "--format=%H", "-n", "3000").trim().split("\n");
  const out: Case[] = [];
  for (let i = seed % 17; i < commits.length && out.length < want; i += 17) {
    const commit = commits[i]!;
    let changes: Change[] | undefined;
    try {
      changes = changesOf(repo, commit);
    } catch {
      continue;
    }
    if (!changes) continue;
    const before: Tree = {};
    const after: Tree = {};
    for (const c of changes) {
      if (c.from) before[c.from] = show(repo, `${commit}^`, c.from);
      if (c.to) after[c.to] = show(repo, commit, c.to);
    }
    if ([...Object.values(before), ...Object.values(after)].some((t) => t.length > 300_000 || t.includes("\0"))) continue;
    // An untouched copy of every changed file: the patch must not land there.
    for (const c of changes) if (c.from) before[`_copy/${c.from}`] = after[`_copy/${c.from}`] = before[c.from]!;
    const patch = git(repo, "diff", "-M", `${commit}^`, commit);
    out.push({ id: `${name}@${commit.slice(0, 8)}`, before, after, patch });
    const short = git(repo, "diff", "-M", "-U1", `${commit}^`, commit);
    if (short !== patch) out.push({ id: `${name}@${commit.slice(0, 8)} -U1`, before, after, patch: short });
    const repeated = repeatedBlock(before, after, patch);
    if (repeated) out.push({ id: `${name}@${commit.slice(0, 8)} repeated block`, ...repeated });
  }
  return out;
}

// The old side of the first hunk of each modified file appended to that file (before and
// after alike), 40 blank-free lines away: that hunk's text is in the file twice.
function repeatedBlock(before: Tree, after: Tree, patch: string): Omit<Case, "id"> | undefined {
  const b2 = { ...before };
  const a2 = { ...after };
  let any = false;
  for (const section of splitSections(patch)) {
    const m = /^diff --git a\/(.+) b\/(.+)$/.exec(section[0]!);
    if (!m || m[1] !== m[2] || !(m[1]! in before) || !(m[1]! in after)) continue;
    const at = section.findIndex((l) => l.startsWith("@@"));
    if (at < 0) continue;
    const old: string[] = [];
    for (let k = at + 1; k < section.length && !section[k]!.startsWith("@@"); k++) if (/^[ -]/.test(section[k]!)) old.push(section[k]!.slice(1));
    if (old.length < 3 || !before[m[1]!]!.endsWith("\n") || !after[m[1]!]!.endsWith("\n")) continue;
    const filler = Array.from({ length: 40 }, (_, k) => `# filler ${k}`).join("\n");
    const tail = `${filler}\n${old.join("\n")}\n`;
    b2[m[1]!] = before[m[1]!] + tail;
    a2[m[1]!] = after[m[1]!] + tail;
    any = true;
  }
  if (!any) return undefined;
  const main = Object.fromEntries(Object.entries(b2).filter(([p]) => !p.startsWith("_copy/")));
  const mainAfter = Object.fromEntries(Object.entries(a2).filter(([p]) => !p.startsWith("_copy/")));
  // gitDiff decodes git's output as UTF-8; the other patches here are byte strings.
  return { before: b2, after: a2, patch: Buffer.from(gitDiff(main, mainAfter), "utf8").toString("latin1") };
}

function firstDifference(a: Tree, b: Tree): string {
  for (const p of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[p] === b[p]) continue;
    if (a[p] === undefined || b[p] === undefined) return `${p}: ${a[p] === undefined ? "missing" : "extra"}`;
    const x = a[p]!.split("\n");
    const y = b[p]!.split("\n");
    const i = x.findIndex((l, k) => l !== y[k]);
    return `${p}:${i + 1}: got ${JSON.stringify(x[i])}, want ${JSON.stringify(y[i])}`;
  }
  return "same";
}

async function runOne(c: Case, patch: string, expected: Tree): Promise<{ outcome: Outcome; detail: string; message: string }> {
  const root = mkdtempSync(join(tmpdir(), "hearth-patch-history-"));
  try {
    const dir = join(root, "tree");
    mkdirSync(dir);
    writeTree(dir, c.before);
    const file = join(root, "change.diff");
    writeFileSync(file, patch, "latin1");
    let message = "";
    const io = { out: (s: string) => void (message += s), err: (s: string) => void (message += s), readStdin: async () => "", cwd: dir, signal: new AbortController().signal };
    let code: number;
    try {
      code = await applyPatchCommand.run(["--cwd", dir, file], io);
    } catch (error) {
      code = error instanceof UsageError ? 2 : 1;
      message += String(error);
    }
    const tree = loadTree(dir);
    if (code === 0 && firstDifference(tree, expected) === "same") return { outcome: "applied", detail: "", message };
    if (code !== 0 && firstDifference(tree, c.before) === "same") return { outcome: "refused", detail: "", message };
    return { outcome: "wrong", detail: `exit ${code}; ${firstDifference(tree, code === 0 ? expected : c.before)}`, message };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// A file the patch creates has no original: with its tabs turned into spaces, spaces are meant.
function intended(c: Case, damage: string): Tree {
  if (damage !== "tabs turned into spaces") return c.after;
  const created = [...c.patch.matchAll(/^--- \/dev\/null\n\+\+\+ b\/(.+)$/gm)].map((m) => m[1]!);
  return { ...c.after, ...Object.fromEntries(created.map((p) => [p, c.after[p]!.replace(/^\t+/gm, (t) => "    ".repeat(t.length))])) };
}

function parseArgs(argv: readonly string[]): { repos: string[]; commits: number; seed: number; only?: string; verbose: boolean } {
  const values = (flag: string): string[] => argv.flatMap((a, i) => (a === flag && argv[i + 1] ? [argv[i + 1]!] : []));
  const repos = values("--repo");
  const only = values("--only")[0];
  const defaults = DEFAULT_REPOS.map((r) => join(MIRRORS, r, "repo")).filter((r) => existsSync(r));
  return { repos: repos.length > 0 ? repos : defaults, commits: Number(values("--commits")[0] ?? 4), seed: Number(values("--seed")[0] ?? 0), verbose: argv.includes("--verbose"), ...(only ? { only } : {}) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const cases = args.repos.flatMap((r) => casesFromRepo(r, r.split("/").at(-2) ?? r, args.commits, args.seed));
  const counts = new Map<string, Record<Outcome, number>>();
  const wrong: string[] = [];
  let total = 0;
  for (const c of cases) {
    for (const [damage, fn] of Object.entries(ALL)) {
      if (args.only && !damage.includes(args.only) && !c.id.includes(args.only)) continue;
      const patch = fn(c.patch);
      if (damage !== "none" && patch === c.patch) continue;
      const r = await runOne(c, patch, intended(c, damage));
      const outcome = r.outcome;
      const row = counts.get(damage) ?? { applied: 0, refused: 0, wrong: 0 };
      row[outcome]++;
      counts.set(damage, row);
      total++;
      if (outcome === "wrong") wrong.push(`WRONG ${c.id} / ${damage}: ${r.detail}\n  ${r.message.trim().split("\n").join("\n  ")}`);
      else if (args.verbose && outcome === "refused") process.stderr.write(`refused ${c.id} / ${damage}: ${r.message.trim().split("\n").slice(0, 4).join(" | ")}\n`);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(`${cases.length} cases from ${args.repos.length} repositories (${args.commits} commits each, seed ${args.seed}); ${total} runs in ${seconds} s.\n`);
  console.log("| damage | runs | applied | refused | wrong |\n|---|---:|---:|---:|---:|");
  const all = { applied: 0, refused: 0, wrong: 0 };
  for (const [damage, row] of counts) {
    console.log(`| ${damage} | ${row.applied + row.refused + row.wrong} | ${row.applied} | ${row.refused} | ${row.wrong} |`);
    for (const k of ["applied", "refused", "wrong"] as const) all[k] += row[k];
  }
  console.log(`| **all** | ${total} | ${all.applied} | ${all.refused} | ${all.wrong} |`);
  for (const w of wrong) process.stderr.write(`${w}\n`);
  if (all.wrong > 0) process.exitCode = 1;
}

await main();
