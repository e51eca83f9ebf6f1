/**
 * The repository's history as ranking evidence (issue 14): the messages of the commits that
 * changed a file, and the files that change together. Each test makes a real git
 * repository in a temp folder and indexes it with a real RepoIndex.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { IndexClient, indexQueries, locate, type RepoIndex } from "../../../src/indexer/index.ts";
import { parseLog, readHistory } from "../../../src/indexer/history.ts";
import type { IndexReport } from "../../../src/indexer/repo-index.ts";
import { formatReport } from "../../../src/cli/commands/index.ts";
import { indexOf, QUERIES_DIR, tempDir, TSX_WORKER } from "./helpers/setup.ts";

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "commit.gpgsign=false", ...args], { cwd: dir, env: GIT_ENV, encoding: "utf8" });
}

/** Writes the files and commits them with `message`. */
function commit(dir: string, message: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
}

/**
 * A commit on HEAD that carries a (made-up) signature: `git log` with log.showSignature
 * runs gpg.program on it. It changes `src/part5.js`.
 */
function signedCommit(dir: string, message: string): void {
  writeFileSync(join(dir, "src/part5.js"), "export const step5 = 5;\n");
  git(dir, "add", "-A");
  const tree = git(dir, "write-tree").trim();
  const parent = git(dir, "rev-parse", "HEAD").trim();
  const signature = "-----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----";
  const object = `tree ${tree}\nparent ${parent}\nauthor t <t@example.com> 1700000000 +0000\ncommitter t <t@example.com> 1700000000 +0000\ngpgsig ${signature}\n\n${message}\n`;
  const id = execFileSync("git", ["hash-object", "-t", "commit", "-w", "--stdin"], { cwd: dir, input: object, encoding: "utf8" }).trim();
  git(dir, "update-ref", "HEAD", id);
}

/** Twenty-five unrelated modules, committed at once (a sweep: it makes no pairs), each with a comment. */
function fillerFiles(comment = "One step."): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < 25; i++) out[`src/part${i}.js`] = `// ${comment}\nexport function step${i}(input) {\n  return input + ${i};\n}\n`;
  return out;
}

async function withRepo(build: (dir: string) => void, run: (index: RepoIndex, dir: string) => Promise<void> | void): Promise<void> {
  const { dir, cleanup } = tempDir("hearth-history-");
  try {
    git(dir, "init", "-q", "-b", "main");
    build(dir);
    const index = await indexOf(dir);
    try {
      await run(index, dir);
    } finally {
      await index.close();
    }
  } finally {
    cleanup();
  }
}

const REPORT: IndexReport = { files: 3, byLanguage: {}, definitions: 0, references: 0, skippedByReason: {}, leftOut: [], parseTimeouts: 0, invalidUtf8: 0, pending: 0, historyCommits: 0, parsed: 3, reused: 0, cache: "disabled", cacheBytes: 0, elapsedMs: 0 };

const ISSUE = "Tooltip flickers on stacked bars\n\nHovering a stacked bar makes the tooltip flicker between the two segments.";

describe("repository history in locate", () => {
  it("ranks a file by the messages of the commits that changed it, and says which commit", async () => {
    await withRepo(
      (dir) => {
        commit(dir, "Initial import", { ...fillerFiles(), "src/paint.js": "export function paint(ctx, items) {\n  for (const i of items) ctx.fill(i);\n}\n" });
        commit(dir, "Fix tooltip flicker when hovering stacked bars (#812)", { "src/paint.js": "export function paint(ctx, items) {\n  for (const i of items) ctx.fill(i.rect);\n}\n" });
        commit(dir, "Speed up step 3", { "src/part3.js": "export function step3(input) {\n  return input + 3;\n}\n// faster\n" });
      },
      (index) => {
        assert.equal(index.history?.commitCount, 3);
        const results = locate(index, ISSUE, { top: 5 });
        assert.equal(results[0]?.path, "src/paint.js", results.map((r) => r.path).join(", "));
        assert.ok(results[0]!.reasons.includes('history: "Fix tooltip flicker when hovering stacked bars (#812)"'), results[0]!.reasons.join("; "));
        // Its text shares no word with the issue: without the history it is not found at all.
        assert.ok(!locate(index, ISSUE, { top: 5, weights: { history: 0 } }).some((r) => r.path === "src/paint.js"));
      },
    );
  });

  it("ranks the file a recent commit changed above one that matches as well but has not changed since long ago (a sweep is no change)", async () => {
    const parser = (name: string): string => `// Reads the tokens of a line: a name, a number or a quoted string.\nexport function ${name}(line) {\n  return line.split(" ");\n}\n`;
    const issue = "The last token of a line is lost\n\nReading a line with a quoted string drops its last token.";
    await withRepo(
      (dir) => {
        commit(dir, "Initial import", { ...fillerFiles(), "src/alpha.js": parser("lex"), "src/omega.js": parser("scan") });
        for (let i = 0; i < 60; i++) commit(dir, `Speed up step ${i % 25}`, { [`src/part${i % 25}.js`]: `export function step${i % 25}(input) {\n  return input + ${i};\n}\n` });
        commit(dir, "Split on one space", { "src/omega.js": parser("scan").replace('" "', "' '") });
        // A reformat of every file changes no code: alpha.js is not the newer for it.
        const sweep: Record<string, string> = { "src/alpha.js": parser("lex").replace('" "', "' '") };
        for (let i = 0; i < 60; i++) sweep[`src/gen/g${i}.js`] = `export const g${i} = ${i};\n`;
        commit(dir, "Reformat: single quotes", sweep);
      },
      (index) => {
        const paths = (weights = {}): string[] => locate(index, issue, { top: 5, weights }).map((r) => r.path);
        // Alike in text, alpha.js's path comes first.
        assert.deepEqual(paths({ recent: 0 }).slice(0, 2), ["src/alpha.js", "src/omega.js"]);
        assert.deepEqual(paths().slice(0, 2), ["src/omega.js", "src/alpha.js"]);
        assert.equal(index.history?.age("src/omega.js"), 1);
        assert.equal(index.history?.age("src/alpha.js"), 62, "the sweep is not counted");
        const top = locate(index, issue, { top: 5 })[0]!;
        assert.ok(top.reasons.includes("last changed 1 commit ago"), top.reasons.join("; "));
      },
    );
  });

  it("ranks the file a past change like the one asked for changed above one that matches as well (a file that matches nothing else is not lifted)", async () => {
    const parser = (name: string, quote = '" "'): string => `// Reads the tokens of a line: a name, a number or a quoted string.\nexport function ${name}(line) {\n  return line.split(${quote});\n}\n`;
    const issue = "The last token of a quoted string is lost\n\nReading a line with a quoted string drops its last token.";
    await withRepo(
      (dir) => {
        commit(dir, "Initial import", { ...fillerFiles(), "src/alpha.js": parser("lex"), "src/omega.js": parser("scan"), "src/palette.js": "export const PALETTE = ['red', 'green'];\n" });
        commit(dir, "Keep the last token of a quoted string", { "src/omega.js": parser("scan", "' '"), "src/palette.js": "export const PALETTE = ['red', 'blue'];\n" });
        commit(dir, "Rename a variable", { "src/alpha.js": parser("lex", "' '") });
      },
      (index) => {
        // The per-file history and recency would tell them apart too: they are off, so that only the past change decides.
        const base = { history: 0, historySeed: 0, recent: 0 };
        const paths = (weights = {}): string[] => locate(index, issue, { top: 5, weights: { ...base, ...weights } }).map((r) => r.path);
        // Alike in text, alpha.js's path comes first.
        assert.deepEqual(paths({ pastChange: 0 }).slice(0, 2), ["src/alpha.js", "src/omega.js"]);
        assert.deepEqual(paths().slice(0, 2), ["src/omega.js", "src/alpha.js"]);
        const omega = locate(index, issue, { top: 5, weights: base })[0]!;
        assert.ok(omega.reasons.includes('changed by a past change like this one: "Keep the last token of a quoted string"'), omega.reasons.join("; "));
        // palette.js changed in that commit too, but shares no word with the issue: it is not lifted.
        const palette = (weights = {}) => locate(index, issue, { top: 10, weights: { ...base, ...weights } }).find((r) => r.path === "src/palette.js");
        assert.equal(palette()?.score ?? 0, palette({ pastChange: 0 })?.score ?? 0);
        assert.ok(!palette()?.reasons.some((r) => r.includes("past change")), palette()?.reasons.join("; "));
        const like = index.history!.changesLike(new Map([["quoted", 1], ["string", 1], ["token", 1]]), 3);
        assert.deepEqual(like.map((c) => c.subject), ["Keep the last token of a quoted string"]);
        assert.deepEqual([...like[0]!.files].sort(), ["src/omega.js", "src/palette.js"]);
      },
    );
  });

  it("lifts the files that changed together with a top file (a locale table with its formatter)", async () => {
    const formatter = (n: number): string => `export function formatRelativeTime(seconds, locale) {\n  return locale.relative(seconds) + ${n};\n}\n`;
    const table = (word: string, n: number): string => `export default {\n  future: "${word} %s",\n  past: "%s ${n}",\n};\n`;
    await withRepo(
      (dir) => {
        commit(dir, "Initial import", { ...fillerFiles("One step of some minutes."), "src/relative.js": formatter(0), "src/locale/fr.js": table("dans", 0) });
        for (let k = 1; k <= 3; k++) commit(dir, `Release ${k}`, { "src/relative.js": formatter(k), "src/locale/fr.js": table("dans", k) });
        commit(dir, "Release 4", { "src/relative.js": formatter(4) });
      },
      (index) => {
        const issue = "formatRelativeTime returns the wrong plural\n\n`formatRelativeTime(90, opts)` says 1 minute.";
        const results = locate(index, issue, { top: 5 });
        assert.equal(results[0]?.path, "src/relative.js");
        const fr = results.find((r) => r.path === "src/locale/fr.js");
        assert.ok(fr, results.map((r) => r.path).join(", "));
        assert.ok(fr.reasons.includes("changed together with src/relative.js"), fr.reasons.join("; "));
        // fr.js shares no word with the issue: recency alone (it changed a commit ago) does not find it either.
        const without = locate(index, issue, { top: 5, weights: { cochange: 0 } });
        assert.ok(!without.some((r) => r.path === "src/locale/fr.js"), JSON.stringify(without));
        // 3 of relative.js's 4 focused commits changed fr.js; the sweep that added both does not count.
        assert.deepEqual(index.history?.coChanged("src/relative.js"), [["src/locale/fr.js", 0.75]]);
        assert.deepEqual(index.history?.coChanged("src/part1.js"), []);
      },
    );
  });

  it("seeds the graph walk with the files past fixes changed: what they use is lifted", async () => {
    // Two modules alike for the issue's words, each used by one file; only colors.js by the file an earlier fix of this bug changed.
    const module = (what: string): string =>
      `// ${what} when hovering.\nconst TABLE = ['red', 'green', 'blue', 'cyan'];\nexport function pick${what}(index) {\n  return TABLE[index % TABLE.length];\n}\n`;
    await withRepo(
      (dir) => {
        commit(dir, "Initial import", {
          ...fillerFiles(),
          "src/aim.js": module("Aim"),
          "src/colors.js": module("Colors"),
          "src/paint.js": "import { pickColors } from './colors.js';\nexport function paint(ctx, items) {\n  items.forEach((i, k) => ctx.fill(i, pickColors(k)));\n}\n",
          "src/frame.js": "import { pickAim } from './aim.js';\nexport function frame(ctx, items) {\n  items.forEach((i, k) => ctx.stroke(i, pickAim(k)));\n}\n",
        });
        commit(dir, "Fix tooltip flicker when hovering stacked bars (#812)", { "src/paint.js": "import { pickColors } from './colors.js';\nexport function paint(ctx, items) {\n  items.forEach((i, k) => ctx.fill(i.rect, pickColors(k)));\n}\n" });
      },
      (index) => {
        // Without the companion lift, so that only the walk from the seeds can lift colors.js.
        const order = (weights: Record<string, number>): string[] => locate(index, ISSUE, { top: 10, weights: { neighbour: 0, ...weights } }).map((r) => r.path).filter((p) => p === "src/aim.js" || p === "src/colors.js");
        assert.deepEqual(order({}), ["src/colors.js", "src/aim.js"]);
        assert.deepEqual(order({ historySeed: 0 }), ["src/aim.js", "src/colors.js"]);
      },
    );
  });

  it("reads the history again after a commit, and only then", async () => {
    await withRepo(
      (dir) => commit(dir, "Initial import", fillerFiles()),
      async (index, dir) => {
        const first = index.history;
        await index.build();
        assert.equal(index.history, first, "the same HEAD is not read twice");
        commit(dir, "Fix tooltip flicker on stacked bars", { "src/part7.js": "export function step7(input) {\n  return input - 7;\n}\n" });
        await index.build();
        assert.notEqual(index.history, first);
        assert.equal(index.history?.commitCount, 2);
        assert.equal(locate(index, ISSUE, { top: 1 })[0]?.path, "src/part7.js");
      },
    );
  });

  it("answers a query with a commit made after the build, on the index thread and in process", async () => {
    await withRepo(
      (dir) => commit(dir, "Initial import", fillerFiles()),
      async (index, dir) => {
        const client = new IndexClient({ root: dir, queriesDir: QUERIES_DIR, workerScript: TSX_WORKER, parseWorkers: 1 });
        try {
          await client.build();
          commit(dir, "Fix tooltip flicker on stacked bars", { "src/part9.js": "export function step9(input) {\n  return input - 9;\n}\n" });
          // The file's own text changed too little to rank: the new commit's message does it.
          assert.equal((await client.locate(ISSUE, { top: 1 }))[0]?.path, "src/part9.js");
          assert.equal((await indexQueries(index).locate(ISSUE, { top: 1 }))[0]?.path, "src/part9.js");
        } finally {
          await client.close();
        }
      },
    );
  });

  it("runs nothing a hostile checkout's git configuration names (fsmonitor, external diff, pager, signature check)", async () => {
    await withRepo(
      (dir) => {
        commit(dir, "Initial import", fillerFiles());
        // Each would run this script if Hearth's git commands consulted it.
        const script = join(dir, "pwn.sh");
        writeFileSync(script, `#!/bin/sh\ntouch "${join(dir, "PWNED")}"\n`, { mode: 0o755 });
        for (const [key, value] of [["core.fsmonitor", script], ["diff.external", script], ["core.pager", script], ["log.showSignature", "true"], ["gpg.program", script]]) git(dir, "config", key!, value!);
        commit(dir, "Fix tooltip flicker on stacked bars", { "src/part4.js": "export const step4 = 4;\n" });
        signedCommit(dir, "Keep the tooltip on the hovered segment");
        rmSync(join(dir, "PWNED"), { force: true }); // the test's own commits may have run the fsmonitor
      },
      async (index, dir) => {
        await index.build();
        await indexQueries(index).locate(ISSUE);
        assert.equal(index.history?.commitCount, 3);
        assert.equal(existsSync(join(dir, "PWNED")), false, "a command from the checkout's .git/config ran");
      },
    );
  });

  it("keeps paths relative to a workspace that is a folder of the repository", async () => {
    const { dir, cleanup } = tempDir("hearth-history-");
    try {
      git(dir, "init", "-q", "-b", "main");
      commit(dir, "Initial import", { ...fillerFiles(), "web/src/paint.js": "export const paint = 1;\n", "server/paint.py": "paint = 1\n" });
      commit(dir, "Fix tooltip flicker when hovering stacked bars", { "web/src/paint.js": "export const paint = 2;\n", "server/paint.py": "paint = 2\n" });
      const history = await readHistory({ cwd: join(dir, "web") });
      assert.deepEqual(history?.changes("src/paint.js"), 2);
      assert.equal(history?.changes("server/paint.py"), 0);
      assert.equal(history?.changes("../server/paint.py"), 0);
    } finally {
      cleanup();
    }
  });

  it("reads no history of another checkout's repository that the folder's .git file names (an unpacked archive's gitdir: /home/user/secret/.git)", async () => {
    const { dir, cleanup } = tempDir("hearth-history-");
    try {
      const [secret, archive] = [join(dir, "secret"), join(dir, "archive")];
      mkdirSync(secret);
      git(secret, "init", "-q", "-b", "main");
      commit(secret, "Rotate the payroll export key", { "src/part1.js": "export const k = 1;\n" });
      mkdirSync(join(archive, "src"), { recursive: true });
      writeFileSync(join(archive, "src", "part1.js"), "export const k = 2;\n");
      writeFileSync(join(archive, ".git"), `gitdir: ${join(secret, ".git")}\n`);
      const index = await indexOf(archive);
      try {
        assert.equal(index.history, undefined);
        assert.equal(await index.loadHistory(), undefined);
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("goes on without history outside a repository, on an unborn branch, from a file or a missing folder, or when told not to read it", async () => {
    const { dir, cleanup } = tempDir("hearth-history-");
    try {
      writeFileSync(join(dir, "a.js"), "export const tooltip = 1;\n");
      const plain = await indexOf(dir);
      assert.equal(plain.history, undefined);
      assert.equal(locate(plain, ISSUE, { top: 1 })[0]?.path, "a.js");
      await plain.close();
      git(dir, "init", "-q", "-b", "main");
      assert.equal(await readHistory({ cwd: dir }), undefined, "no commit yet");
      commit(dir, "Fix tooltip", {});
      assert.equal((await readHistory({ cwd: dir }))?.commitCount, 1);
      // A file given as the folder (`hearth locate --repo setup.py`): git cannot start there.
      assert.equal(await readHistory({ cwd: join(dir, "a.js") }), undefined, "a file is no repository");
      assert.equal(await readHistory({ cwd: join(dir, "gone") }), undefined, "nor a missing folder");
      const off = await indexOf(dir, { history: false });
      assert.equal(off.history, undefined);
      await off.close();
    } finally {
      cleanup();
    }
  });
  it("follows a file across renames: the commits it had under its old names still rank it, and pair it with its neighbours", async () => {
    await withRepo(
      (dir) => {
        const body = Array.from({ length: 8 }, (_, i) => `  ctx.stroke(items[${i}]);\n`).join("");
        const paint = (n: number): string => `export function paint(ctx, items) {\n${body}  for (const i of items) ctx.fill(i, ${n});\n}\n`;
        commit(dir, "Initial import", { ...fillerFiles(), "src/paint.js": paint(0), "src/palette.js": "export const palette = [0];\n" });
        commit(dir, "Fix tooltip flicker when hovering stacked bars", { "src/paint.js": paint(1), "src/palette.js": "export const palette = [1];\n" });
        commit(dir, "Keep the tooltip on the hovered segment of stacked bars", { "src/paint.js": paint(2), "src/palette.js": "export const palette = [2];\n" });
        // A restructure moves everything at once (a sweep), then a second move, with an edit.
        mkdirSync(join(dir, "src/draw"), { recursive: true });
        git(dir, "mv", "src/paint.js", "src/draw/paint.js");
        for (let i = 0; i < 25; i++) git(dir, "mv", `src/part${i}.js`, `src/draw/part${i}.js`);
        git(dir, "commit", "-q", "-m", "Move drawing code into src/draw");
        mkdirSync(join(dir, "lib/render"), { recursive: true });
        git(dir, "mv", "src/draw/paint.js", "lib/render/paint.js");
        commit(dir, "Rename the renderer's folder", { "lib/render/paint.js": paint(3) });
      },
      async (index) => {
        await index.build();
        const history = index.history!;
        assert.equal(history.changes("lib/render/paint.js"), 5, "its three commits under src/, the move, the rename");
        assert.equal(history.changes("src/paint.js"), 0, "the old path is no file of the tree");
        assert.equal(history.changes("src/draw/part3.js"), 2);
        assert.deepEqual(history.coChanged("src/palette.js"), [["lib/render/paint.js", 1]]);
        // Nothing but its history matches the issue: its commits under its old names.
        const results = locate(index, ISSUE, { top: 2 });
        const moved = results.find((r) => r.path === "lib/render/paint.js");
        assert.ok(moved, JSON.stringify(results));
        assert.ok(moved.reasons.some((r) => r.startsWith('history: "') && r.includes("stacked bars")), moved.reasons.join("; "));
      },
    );
  });

  it("reads the history without following renames where that would read missing or remote objects", async () => {
    const { dir, cleanup } = tempDir("hearth-history-");
    try {
      git(dir, "init", "-q", "-b", "main");
      const lines = (n: number): string => Array.from({ length: n }, (_, i) => `export const line${i} = ${i};\n`).join("");
      commit(dir, "Add the table", { "src/table.js": lines(20) });
      git(dir, "mv", "src/table.js", "src/grid.js");
      commit(dir, "Rename the table to grid", { "src/grid.js": lines(21) });
      assert.equal((await readHistory({ cwd: dir }))?.changes("src/grid.js"), 2, "followed across the rename");
      // A partial clone would download each old version from its remote to compare them.
      git(dir, "config", "core.repositoryformatversion", "1");
      git(dir, "config", "extensions.partialClone", "origin");
      assert.equal((await readHistory({ cwd: dir }))?.changes("src/grid.js"), 1, "not followed in a partial clone");
      git(dir, "config", "--unset", "extensions.partialClone");
      // An object store missing the old version: rename detection fails, the history does not.
      const blob = git(dir, "rev-parse", "HEAD~1:src/table.js").trim();
      rmSync(join(dir, ".git", "objects", blob.slice(0, 2), blob.slice(2)));
      const history = await readHistory({ cwd: dir });
      assert.equal(history?.commitCount, 2);
      assert.equal(history.changes("src/grid.js"), 1);
      assert.equal(history.changes("src/table.js"), 2);
    } finally {
      cleanup();
    }
  });

  it("keeps the newest commits of a log too large to read whole, and says it was cut", async () => {
    const { dir, cleanup } = tempDir("hearth-history-");
    try {
      git(dir, "init", "-q", "-b", "main");
      commit(dir, "Add the oldest part", { "src/old.js": "export const old = 1;\n" });
      commit(dir, "Add the middle part", { "src/middle.js": "export const middle = 1;\n" });
      commit(dir, "Add the newest part", { "src/new.js": "export const fresh = 1;\n" });
      const whole = await readHistory({ cwd: dir });
      assert.equal(whole?.commitCount, 3);
      assert.equal(whole.cut, undefined);
      // A record is about 40 bytes: 70 hold the newest whole and the next up to part of its file name.
      const cut = await readHistory({ cwd: dir, maxBytes: 70 });
      assert.equal(cut?.commitCount, 1, "the newest whole commit, not none and not a half one");
      assert.equal(cut.changes("src/new.js"), 1);
      assert.equal(cut.changes("src/middle.js"), 0);
      assert.equal(cut.cut, "git log passed 70 bytes");
      const report = formatReport(dir, { ...REPORT, historyCommits: cut.commitCount, historyCut: cut.cut });
      assert.match(report, /^History: +1 commit \(.*\); only the newest: git log passed 70 bytes$/m);
      assert.doesNotMatch(formatReport(dir, { ...REPORT, historyCommits: 3 }), /only the newest/);
    } finally {
      cleanup();
    }
  });

  it("leaves a shallow clone's boundary commits out (git shows them adding every file) and says how little history a shallow clone has", async () => {
    const { dir, cleanup } = tempDir("hearth-history-shallow-");
    try {
      const origin = join(dir, "origin");
      mkdirSync(origin);
      git(origin, "init", "-q", "-b", "main");
      commit(origin, "Initial import", { ...fillerFiles(), "src/paint.js": "export function paint(ctx, items) {\n  for (const i of items) ctx.fill(i);\n}\n" });
      commit(origin, "Fix tooltip flicker when hovering stacked bars (#812)", { "src/paint.js": "export function paint(ctx, items) {\n  for (const i of items) ctx.fill(i.rect);\n}\n" });
      commit(origin, "Speed up step 3", { "src/part3.js": "export function step3(input) {\n  return input + 3;\n}\n// faster\n" });
      const clone = (depth: number): string => {
        const to = join(dir, `depth${depth}`);
        git(dir, "clone", "-q", `--depth=${depth}`, `file://${origin}`, to);
        return to;
      };
      // --depth 2: the fix is the boundary, shown as adding all 26 files: its message named none of them.
      const two = await indexOf(clone(2));
      try {
        assert.equal(two.history?.commitCount, 1, "Speed up step 3 only");
        assert.equal(two.history?.changes("src/part3.js"), 1);
        assert.equal(two.history?.changes("src/part7.js"), 0);
        assert.equal(two.history?.age("src/part7.js"), undefined, "part7.js did not change in the newest commit");
        assert.deepEqual(two.history?.commitsNaming(812), []);
        const reasons = locate(two, ISSUE, { top: 10 }).flatMap((r) => r.reasons.filter((x) => x.startsWith("history:")).map((x) => `${r.path}: ${x}`));
        assert.deepEqual(reasons, [], "no file is given the boundary commit's message");
        assert.match(formatReport(two.root, two.summary()), /^History: +shallow clone: 1 commit of history \(its oldest commits come without their parents, so git shows them adding every file: they are left out\); for more of the history, which helps ranking, run git fetch --unshallow \(or git fetch --deepen=1000 for that many older commits\) and index again$/m);
      } finally {
        await two.close();
      }
      // --depth 1: no history at all, and said so as a shallow clone's, not as "not a git repository".
      const one = await indexOf(clone(1));
      try {
        assert.equal(one.history?.commitCount, 0);
        assert.equal(one.history?.age("src/paint.js"), undefined);
        assert.match(formatReport(one.root, one.summary()), /^History: +shallow clone: 0 commits of history \(.*\); for more of the history, which helps ranking, run git fetch --unshallow/m);
      } finally {
        await one.close();
      }
      // The whole history is read as before, and is no shallow clone's.
      const whole = await readHistory({ cwd: origin });
      assert.equal(whole?.commitCount, 3);
      assert.equal(whole.shallow, false);
      assert.match(formatReport(origin, { ...REPORT, historyCommits: 3 }), /^History: +3 commits \(git: /m);
    } finally {
      cleanup();
    }
  });

  it("points at what the fix of an issue the text links to (#41, gh-41) changed, and at nothing for a link to another repository", async () => {
    await withRepo(
      (dir) => {
        commit(dir, "Initial import", {
          ...fillerFiles(),
          "src/layout.js": "export function layout(box) {\n  return box.width;\n}\n",
          "src/legend.js": "export function legend(items) {\n  return items.map((i) => i.label);\n}\n",
        });
        commit(dir, "Fix #41: wrap long entries", {
          "src/layout.js": "export function layout(box) {\n  return Math.min(box.width, box.max);\n}\n",
          "src/part7.js": "export function step7(input) {\n  return input + 7;\n}\n// wrap\n",
          "test/layout.test.js": "import { layout } from '../src/layout.js';\n",
        });
        commit(dir, "Speed up the legend (gh-52)", { "src/legend.js": "export function legend(items) {\n  return items.map((i) => i.text);\n}\n" });
      },
      (index) => {
        const issue = "Regression: clipped on narrow screens\n\nSince #41 was fixed, it is clipped on narrow screens.";
        const results = locate(index, issue, { top: 5 });
        const layout = results.find((r) => r.path === "src/layout.js");
        assert.ok(layout && results.indexOf(layout) === 0, results.map((r) => `${r.path} ${r.reasons.join("; ")}`).join("\n"));
        assert.ok(layout.reasons.includes("changed for #41: Fix #41: wrap long entries"), layout.reasons.join("; "));
        assert.ok(!results.some((r) => r.path.startsWith("test/")), "a test the fix changed is not pointed at");
        // The words alone do not find it; a link to another repository's #41 or a number in code is no link.
        for (const text of [issue.replace("#41", "the last release"), issue.replace("#41", "other/repo#41"), issue.replace("Since #41 was fixed", "With `color: #41`")]) {
          assert.ok(!locate(index, text, { top: 5 }).some((r) => r.path === "src/layout.js"), text);
        }
        assert.ok(locate(index, "Legend is slow again\n\nAs in gh-52, the legend is slow.", { top: 5 })[0]!.reasons.some((r) => r.startsWith("changed for #52")));
      },
    );
  });
});

describe("parseLog", () => {
  it("keeps subjects and bodies, drops trailers and quoted names, and leaves sweeps out of the text", async () => {
    const RS = "\x1e";
    const US = "\x1f";
    const sweep = Array.from({ length: 60 }, (_, i) => `M\tsrc/f${i}.js`).join("\n");
    const log =
      `${RS}Fix tooltip flicker (#812)${US}Hovering stacked bars redrew twice (gh-77, as in other/repo#9, colour #fff).\n\nSigned-off-by: Alice Tooltipson <a@x>\nCo-authored-by: Bob <b@x>\n${US}\nM\tsrc/paint.js\nA\t"src/odd\\tname.js"\n` +
      `${RS}Reformat everything (tooltip wording too)${US}${US}\n${sweep}\n` +
      `${RS}Empty commit${US}${US}\n` +
      `${RS}Fix typo (#7)${US}${US}\nM\tsrc/typo.js\n`;
    const commits = parseLog(log);
    assert.equal(commits.length, 3, "a commit without files is left out");
    assert.deepEqual(commits[2]!.refs, [7], "a commit message's one-digit link is read");
    assert.deepEqual(commits[0]!.files, ["src/paint.js"]);
    assert.deepEqual(commits[0]!.refs, [812, 77], "issue links of this repository only");
    assert.ok(commits[0]!.terms.has("stack"), [...commits[0]!.terms.keys()].join(" "));
    assert.ok(!commits[0]!.terms.has("alice") && !commits[0]!.terms.has("tooltipson"), "trailers name people");
    const { RepoHistory } = await import("../../../src/indexer/history.ts");
    const history = new RepoHistory("0".repeat(40), commits);
    const scores = history.score(new Map([["tooltip", 1]]), () => true);
    assert.deepEqual([...scores.keys()], ["src/paint.js"], "a 60-file sweep's message is not each file's");
    assert.equal(history.changes("src/f3.js"), 1);
    assert.deepEqual(history.coChanged("src/f3.js"), []);
  });
});
