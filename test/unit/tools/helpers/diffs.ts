/**
 * Real diffs and the ways LLMs damage them. Diffs come from real git over fixture trees;
 * each damage function rewrites a patch text the way a model typically gets it wrong.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";

export type Tree = Record<string, string>;

/** Every file under `dir`, path → text. */
export function loadTree(dir: string, base = dir): Tree {
  const out: Tree = {};
  for (const name of readdirSync(dir)) {
    const abs = join(dir, name);
    if (name === ".git") continue;
    if (statSync(abs).isDirectory()) Object.assign(out, loadTree(abs, base));
    else out[relative(base, abs).split("\\").join("/")] = readFileSync(abs, "latin1");
  }
  return out;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "core.autocrlf=false", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, encoding: "utf8" });
}

/**
 * `git diff` (with rename detection) between two trees, as git prints it. No node:test
 * hooks here (the temp repository is removed before returning), so benchmarks can import
 * this module without starting a test run.
 */
export function gitDiff(before: Tree, after: Tree, ...extra: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-diff-"));
  try {
    git(dir, "init", "-q");
    writeTree(dir, before);
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "before", "--allow-empty");
    git(dir, "rm", "-rq", "--cached", ".");
    for (const path of Object.keys(before)) rmSync(join(dir, path), { force: true });
    writeTree(dir, after);
    git(dir, "add", "-A");
    return git(dir, "diff", "--cached", "-M", ...extra);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes each file of `tree` (byte strings) under `root`, making its folders. */
export function writeTree(root: string, tree: Tree): void {
  for (const [path, content] of Object.entries(toBuffers(tree))) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

export function toBuffers(tree: Tree): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(tree).map(([p, t]) => [p, Buffer.from(t, "latin1")]));
}

/** Applies `fn` to every hunk body line (prefix char + text). */
function mapBody(patch: string, fn: (line: string) => string): string {
  let inHunk = false;
  return patch.split("\n").map((line) => {
    if (line.startsWith("@@")) inHunk = true;
    else if (line.startsWith("diff --git")) inHunk = false;
    else if (inHunk && /^[ +-]/.test(line) && !/^(---|\+\+\+) /.test(line)) return fn(line);
    return line;
  }).join("\n");
}

/** Splits a patch into file sections, each into a header and hunks (arrays of lines). */
function sections(patch: string): { header: string[]; hunks: string[][] }[] {
  const out: { header: string[]; hunks: string[][] }[] = [];
  for (const line of patch.replace(/\n$/, "").split("\n")) {
    const startsSection = line.startsWith("diff --git") || (line.startsWith("--- ") && (out.length === 0 || out.at(-1)!.hunks.length > 0));
    if (startsSection) out.push({ header: [], hunks: [] });
    const cur = out.at(-1)!;
    if (line.startsWith("@@")) cur.hunks.push([line]);
    else if (cur.hunks.length > 0) cur.hunks.at(-1)!.push(line);
    else cur.header.push(line);
  }
  return out;
}

function join2(secs: { header: string[]; hunks: string[][] }[]): string {
  return secs.map((s) => [...s.header, ...s.hunks.flat()].join("\n")).join("\n") + "\n";
}

function mapHunks(patch: string, fn: (hunk: string[]) => string[]): string {
  return join2(sections(patch).map((s) => ({ header: s.header, hunks: s.hunks.map(fn) })));
}

/** The damage catalogue: name → rewrite. */
export const DAMAGES: Record<string, (patch: string) => string> = {
  none: (p) => p,
  "wrong line numbers": (p) => p.replace(/^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@/gm, (_m, a, b, c, d) => `@@ -${Number(a) + 7}${b ?? ""} +${Number(c) + 3}${d ?? ""} @@`),
  "missing line numbers": (p) => p.replace(/^@@ .* @@.*$/gm, "@@ ... @@"),
  "bare @@": (p) => p.replace(/^@@ .* @@.*$/gm, "@@"),
  "wrong counts": (p) => p.replace(/^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/gm, "@@ -$1,99 +$2,1 @@"),
  "missing a/ b/ prefixes": (p) => p.replace(/^(---|\+\+\+) [ab]\//gm, "$1 ").replace(/^diff --git a\/(\S+) b\//gm, "diff --git $1 "),
  "no diff --git headers": (p) => p.split("\n").filter((l) => !/^(diff --git|index [0-9a-f]|similarity index)/.test(l)).join("\n"),
  "fenced with prose": (p) => `Here is the fix for the bug you described:\n\n\`\`\`diff\n${p}\`\`\`\n\nLet me know if the tests pass - or if anything\n+ else needs to change.\n`,
  "CRLF patch": (p) => p.replace(/\n/g, "\r\n"),
  "trailing whitespace added": (p) => mapBody(p, (l) => (l.startsWith(" ") && l.trim() !== "" ? `${l}   ` : l)),
  "blank context lines without the space": (p) => mapBody(p, (l) => (l === " " ? "" : l)),
  "tabs turned into spaces": (p) => mapBody(p, (l) => l[0] + l.slice(1).replace(/^\t+/, (t) => "    ".repeat(t.length))),
  "hunks out of order": (p) => join2(sections(p).map((s) => ({ header: s.header, hunks: [...s.hunks].reverse() }))),
  "a context line dropped": (p) => mapHunks(p, dropMiddleContext),
  // Invented context only makes sense where there is context (not in a new file's hunk).
  "an extra context line": (p) => mapHunks(p, (h) => (h.some((l) => l.startsWith(" ")) ? [h[0]!, " # (unchanged code above)", ...h.slice(1)] : h)),
  "a context line duplicated": (p) => mapHunks(p, (h) => { const i = h.findIndex((l, k) => k > 0 && l.startsWith(" ") && l.trim() !== ""); return i < 0 ? h : [...h.slice(0, i + 1), h[i]!, ...h.slice(i + 1)]; }),
};

// Removes one context line whose neighbours are context lines too (a line the model
// skipped while copying), leaving the hunk's changes intact.
function dropMiddleContext(hunk: string[]): string[] {
  for (let i = 2; i < hunk.length - 1; i++) {
    if ([i - 1, i, i + 1].every((k) => hunk[k]!.startsWith(" ")) && hunk[i]!.trim() !== "") return [...hunk.slice(0, i), ...hunk.slice(i + 1)];
  }
  return hunk;
}
