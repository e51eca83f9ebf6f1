/**
 * .gitignore rules under seeded fuzzing, with real git as the oracle: random ignore files
 * (wildcards, negations, anchors, folder-only lines, escapes, classes) over random trees,
 * at the root and in a folder. Property: the files IgnoreRules leaves in are exactly those
 * `git ls-files --others --exclude-standard` lists, a folder's rules applied only where
 * git descends (a file under an ignored folder stays ignored). Seed and case count fixed.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { IgnoreRules, isIgnored } from "../../../src/indexer/ignore.ts";
import { pick, seededRandom } from "../../fixtures/seeded-random.ts";

const NAMES = ["a", "b", "ab", "a.log", "b.txt", "build", "x.ts", ".env", "#h", "!n", "c d", "[x]", "a*b", "lib", "é"];
const PATTERN_PARTS = ["a", "b", "*", "?", "**", "/", "build", ".log", "x", "[ab]", "[!a]", "[a-c]", "\\#h", "\\!n", "c\\ d", "\\[x]", "\\*", "lib", "é", "."];

function pattern(rand: () => number): string {
  let p = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(rand, PATTERN_PARTS)).join("");
  if (rand() < 0.2) p = `!${p}`;
  if (rand() < 0.15) p = `/${p}`;
  if (rand() < 0.2) p = `${p}/`;
  if (rand() < 0.05) p = `${p}  `;
  return p;
}

function git(cwd: string, ...args: string[]): string {
  if (!cwd) throw new Error("git needs a folder");
  return execFileSync("git", ["-c", "core.quotePath=false", "-c", "core.excludesFile=/dev/null", ...args], { cwd, encoding: "utf8", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: cwd } });
}

/** Whether hearth's walk leaves `file` out: a folder above it ignored (not entered), or the file itself. */
function hearthIgnores(rules: ReadonlyMap<string, IgnoreRules>, file: string): boolean {
  const parts = file.split("/");
  const stack: IgnoreRules[] = [];
  for (let depth = 0; depth < parts.length; depth++) {
    const folder = parts.slice(0, depth).join("/");
    const here = rules.get(folder);
    if (here) stack.push(here);
    const path = parts.slice(0, depth + 1).join("/");
    if (isIgnored(stack, path, depth < parts.length - 1)) return true;
  }
  return false;
}

test("fuzz: random .gitignore files leave in exactly the files git leaves in", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "hearth-ignore-fuzz-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const rand = seededRandom(0x91e);
  // Every case in a folder of one repository, so git runs twice in all, not twice a case: a
  // folder's .gitignore is read relative to that folder, as the root's is to the root.
  const made: Array<{ files: Set<string>; rules: Map<string, IgnoreRules>; ignoreFiles: string[]; label: string }> = [];
  for (let i = 0; i < 12; i++) {
    const dir = join(root, String(i));
    mkdirSync(dir);
    const files = new Set<string>();
    for (let f = 0; f < 25; f++) files.add(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(rand, NAMES)).join("/"));
    // A name both a file and a folder cannot be: keep the deeper paths.
    for (const f of [...files]) if ([...files].some((g) => g.startsWith(`${f}/`))) files.delete(f);
    for (const f of files) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), "x\n");
    }
    const folders = [...new Set([...files].map((f) => f.split("/").slice(0, -1).join("/")).filter((d) => d !== ""))];
    const rules = new Map<string, IgnoreRules>();
    const ignoreFiles: string[] = [];
    const texts: string[] = [];
    for (const base of ["", ...(folders.length && rand() < 0.5 ? [pick(rand, folders)] : [])]) {
      const text = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pattern(rand)).join("\n") + "\n";
      writeFileSync(join(dir, base, ".gitignore"), text);
      rules.set(base, IgnoreRules.parse(base, text));
      ignoreFiles.push(base === "" ? ".gitignore" : `${base}/.gitignore`);
      texts.push(`${ignoreFiles.at(-1)}: ${JSON.stringify(text)}`);
    }
    made.push({ files, rules, ignoreFiles, label: `case ${i}: ${texts.join(", ")}` });
  }
  git(root, "init", "-q");
  const listed = git(root, "ls-files", "-z", "--others", "--exclude-standard").split("\0").filter((f) => f !== "");
  for (const [i, { files, rules, ignoreFiles, label }] of made.entries()) {
    const gitKeeps = listed.filter((f) => f.startsWith(`${i}/`)).map((f) => f.slice(`${i}/`.length)).filter((f) => !ignoreFiles.includes(f));
    const hearthKeeps = [...files].filter((f) => !hearthIgnores(rules, f));
    assert.deepEqual(hearthKeeps.sort(), gitKeeps.sort(), label);
  }
});
