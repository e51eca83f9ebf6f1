/**
 * What a chat turn's (or hearth fix's) check of the files git ignores costs in a repository with
 * many ignored files outside wholly ignored folders (a .pyc beside each tracked .py): the start's
 * `git ls-files --others --ignored --exclude-standard --directory` (fix-files.ts ignoredEntries)
 * and the end's look for each (goneEntries: at most MAX_IGNORED_CHECKED, in parallel), against
 * the uncapped one-at-a-time look it replaced and a plain `git status` of the same tree, in
 * the same run. One generated repository, real git.
 *   npm run bench -- ignored-entries [--files N]   (default 50,000 ignored files)
 */
import { execFileSync } from "node:child_process";
import { lstat } from "node:fs/promises";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_IGNORED_CHECKED, goneEntries, ignoredEntries } from "../../src/agent/fix-files.ts";
import { tempDir } from "../fixtures/temp.ts";

const at = process.argv.indexOf("--files");
const files = at > 0 ? Number(process.argv[at + 1]) : 50_000;
const PER_FOLDER = 50;
const repo = tempDir("hearth-bench-ignored-");
const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@example.com", ...args], { cwd: repo, encoding: "utf8", maxBuffer: 1 << 30 });

try {
  writeFileSync(join(repo, ".gitignore"), "*.pyc\n");
  for (let f = 0; f * PER_FOLDER < files; f++) {
    const dir = join(repo, "pkg", `m${f}`);
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < PER_FOLDER && f * PER_FOLDER + i < files; i++) writeFileSync(join(dir, `f${i}.py`), `x = ${i}\n`);
  }
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "start");
  for (let f = 0; f * PER_FOLDER < files; f++) {
    for (let i = 0; i < PER_FOLDER && f * PER_FOLDER + i < files; i++) writeFileSync(join(repo, "pkg", `m${f}`, `f${i}.pyc`), "compiled");
  }
  git("status", "--porcelain"); // the index refreshed once, as a user's own git status would have
  const time = async <T>(run: () => T | Promise<T>): Promise<[number, T]> => {
    const start = performance.now();
    const value = await run();
    return [performance.now() - start, value];
  };
  const rows: Record<string, number[]> = { "git status": [], "start: ignoredEntries": [], "end before: each entry, one at a time": [], "end now: goneEntries (capped, parallel)": [] };
  for (let round = 0; round < 3; round++) {
    rows["git status"]!.push((await time(() => git("status", "--porcelain")))[0]);
    const [listMs, entries] = await time(() => ignoredEntries(repo));
    rows["start: ignoredEntries"]!.push(listMs);
    rows["end before: each entry, one at a time"]!.push((await time(async () => {
      for (const entry of entries!) await lstat(join(repo, entry)).catch(() => undefined);
    }))[0]);
    rows["end now: goneEntries (capped, parallel)"]!.push((await time(() => goneEntries(repo, entries!)))[0]);
    if (round === 0) console.log(`${entries!.length} ignored entries listed; the end looks for ${Math.min(entries!.length, MAX_IGNORED_CHECKED)}`);
  }
  for (const [label, ms] of Object.entries(rows)) console.log(`${label.padEnd(42)} median ${ms.sort((a, b) => a - b)[1]!.toFixed(0)} ms  (${ms.map((m) => m.toFixed(0)).join(", ")})`);
} finally {
  rmSync(repo, { recursive: true, force: true });
}
