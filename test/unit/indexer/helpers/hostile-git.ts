/**
 * A repository whose config names a program for every hook git offers a read-only command
 * (core.fsmonitor, a filter, a diff driver, an external diff, a pager, a transport): each
 * program leaves a file named after its key in `ran`, so a test sees what git ran.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface HostileRepo {
  /** The work tree, one commit (a.txt renamed to b.txt with an edit), b.txt changed since. */
  readonly root: string;
  /** What the repository's programs ran, by config key. */
  ran(): string[];
  remove(): void;
}

const KEYS = ["core.fsmonitor", "filter.evil.clean", "filter.evil.smudge", "diff.evil.textconv", "diff.evil.command", "diff.external", "core.pager", "core.sshCommand"];

/**
 * git in the test's own folder `cwd`. An undefined or empty `cwd` is refused: execFileSync would
 * run git in the process's folder, the checkout itself (a helper called without its folder once
 * ran `git add -A; git commit` there).
 */
export function testGit(cwd: string | undefined, ...args: string[]): string {
  if (!cwd) throw new Error(`testGit: no folder to run git ${args.join(" ")} in`);
  return execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", "-c", "core.fsmonitor=false", ...args], { cwd, encoding: "utf8" });
}

const git = testGit;

/** Makes the repository; its programs are set in an included file (include.path), as a steered config would hide them. */
export function hostileRepo(): HostileRepo {
  const dir = mkdtempSync(join(tmpdir(), "hearth-hostile-git-"));
  const [root, ran, programs] = [join(dir, "repo"), join(dir, "ran"), join(dir, "programs")];
  for (const folder of [root, ran, programs]) mkdirSync(folder);
  git(root, "init", "-q");
  writeFileSync(join(root, "a.txt"), Array.from({ length: 40 }, (_, i) => `line ${i}\n`).join(""));
  writeFileSync(join(root, ".gitattributes"), "*.txt filter=evil diff=evil\n");
  git(root, "add", "-A");
  git(root, "commit", "-qm", "one");
  git(root, "mv", "a.txt", "b.txt");
  writeFileSync(join(root, "b.txt"), Array.from({ length: 40 }, (_, i) => `line ${i}\n`).join("") + "more\n");
  git(root, "commit", "-qam", "two");
  const settings = KEYS.map((key) => {
    const program = join(programs, `${key}.sh`);
    writeFileSync(program, `#!/bin/sh\ntouch '${join(ran, key)}'\ncat\n`);
    chmodSync(program, 0o755);
    const [section, ...rest] = key.split(".");
    return rest.length === 2 ? `[${section} "${rest[0]}"]\n\t${rest[1]} = ${program}\n` : `[${section}]\n\t${rest[0]} = ${program}\n`;
  });
  const included = join(programs, "included.cfg");
  writeFileSync(included, settings.join("") + `[remote "origin"]\n\turl = ext::sh -c touch% ${join(ran, "protocol.ext")}\n\tpromisor = true\n[protocol "ext"]\n\tallow = always\n`);
  git(root, "config", "include.path", included);
  // The renamed file's old blob is missing: git log --find-renames fetches it from the promisor remote.
  const old = git(root, "rev-parse", "HEAD~1:a.txt").trim();
  rmSync(join(root, ".git", "objects", old.slice(0, 2), old.slice(2)));
  // Changed, of the same size, with a time older than the index's entry: git has to read it (through the filter).
  writeFileSync(join(root, "b.txt"), Array.from({ length: 40 }, (_, i) => `LINE ${i}\n`).join("") + "more\n");
  utimesSync(join(root, "b.txt"), new Date(2001, 0, 1), new Date(2001, 0, 1));
  return { root, ran: () => readdirSync(ran).sort(), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An unpacked archive beside the repository `root` (an app.py), whose `.git` is a file naming
 * `gitDir` (default: `root`'s own .git): git in the archive reads that repository. Its folder.
 */
export function archiveNaming(root: string, gitDir = join(root, ".git")): string {
  const archive = join(root, "..", "archive");
  mkdirSync(archive, { recursive: true });
  writeFileSync(join(archive, "app.py"), "print(1)\n");
  writeFileSync(join(archive, ".git"), `gitdir: ${gitDir}\n`);
  return archive;
}
